from pipeline.extraction.cells import parse_value, split_run


def test_counts_signed_money_and_blanks():
    assert parse_value("12") == 12
    assert parse_value("1,234") == 1234
    assert parse_value(" ３５ ") == 35
    assert parse_value("12件") == 12
    assert parse_value("+64", "signed") == 64
    assert parse_value("-124", "signed") == -124
    assert parse_value("减少2", "signed") == -2
    assert parse_value("29550.7315万元", "money") == 29550.7315
    assert parse_value("75394432.52元", "money") == 7539.443252
    assert parse_value("7545", "money") == 7545
    for blank in ("", "/", "—", "-", "无", "\u00a0"):
        assert parse_value(blank) == 0


def test_unreadable_cells_are_none():
    assert parse_value("约30") is None
    assert parse_value("3（含转办）") is None
    assert parse_value("12.5") is None
    assert parse_value("abc", "money") is None


def test_split_run_lists_every_reading():
    assert split_run("0000000", 7) == [[0] * 7]
    readings = split_run("801000081", 7)
    assert [80, 1, 0, 0, 0, 0, 81] in readings
    assert all(len(r) == 7 for r in readings)
    ok = [r for r in readings if r[6] == sum(r[:6])]
    assert ok == [[80, 1, 0, 0, 0, 0, 81]]


def test_split_run_respects_spaces_as_boundaries():
    assert split_run("0 0 00 00 0", 7) == [[0] * 7]
    readings = split_run("230 000023", 7)
    assert [23, 0, 0, 0, 0, 0, 23] in readings
    assert all(r[:1] in ([2], [23], [230]) for r in readings)
