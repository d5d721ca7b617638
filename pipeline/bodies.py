"""One body, one key: the name a report prints for its body (淮安市洪泽区人民政府, 洪泽区人民政府, 洪泽区政府) reduced to
the administrative division it governs and the office, so one body's reports form one series across years.

- full-width and half-width forms are one (NFKC), blanks and brackets go;
- the government itself: 人民政府 / 政府 / 管委会 / 管理委员会 at the end are dropped (洪泽区人民政府 → 洪泽区);
  its general office: 人民政府办公室 / 政府办公室 → 办公室, 人民政府办公厅 / 政府办公厅 → 办公厅;
- a higher division printed in front of a lower one is dropped (江苏省淮安市洪泽区 → 洪泽区, 宁夏回族自治区青铜峡市 →
  青铜峡市): a name ending 省, 自治区, 特别行政区, 自治州, 地区, 盟 or 市, followed by a name of at least two more
  characters that itself ends 市, 区, 县 or 旗 (a department such as 市场监督管理局 or 城市管理局 is not one).
"""

from __future__ import annotations

import re
import unicodedata

_BLANKS = re.compile(r"[\s()（）【】\[\]·•]")
_OFFICE = [
    (re.compile(r"(?:人民)?政府办公室$"), "办公室"),
    (re.compile(r"(?:人民)?政府办公厅$"), "办公厅"),
    (re.compile(r"(?:人民政府|政府|管委会|管理委员会)$"), ""),
]
_HIGHER = re.compile(
    r"^(.{2,12}?(?:特别行政区|自治区|自治州|地区|省|盟|市))(?=(.{2,12}?(?:自治县|自治旗|市|区|县|旗)))"
)


def body_key(body: str | None) -> str | None:
    """The normalised key of a body's name (module docstring); None for no name."""
    if not body:
        return None
    key = _BLANKS.sub("", unicodedata.normalize("NFKC", body))
    for pattern, repl in _OFFICE:
        new = pattern.sub(repl, key)
        if new != key:
            key = new
            break
    while True:
        m = _HIGHER.match(key)
        if not m:
            break
        key = key[m.end(1) :]
    return key or None
