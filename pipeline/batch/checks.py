"""What a batch is given, checked before any work, each problem a message that names it: inputs that hold nothing
to read, a models folder that does not exist or does not load, an output folder that is a file or cannot be
written."""

from __future__ import annotations

from pathlib import Path


def nothing_to_read(mode: str, inputs: list[str], out: str) -> str | None:
    """A message when the inputs hold no file to read (an empty folder, or one of files no reader takes and nothing
    else; for `predict`, no document JSON), else None; told before any model loads."""
    from .sources import find_inputs
    from .stages import DOC_SUFFIX

    if mode == "predict":
        found = [p for p in inputs if Path(p).is_file() or any(Path(p).rglob("*" + DOC_SUFFIX))]
        what = "document JSON (*.doc.json)"
    else:
        files, problems = find_inputs(inputs, skip=out)
        found = files or problems
        what = "file to read"
    if found:
        return None
    return f"nothing to read: {', '.join(inputs)} hold(s) no {what}"


def usable_models_and_out(mode: str, models: str | None, out: str) -> tuple[str, str | None]:
    """(the models folder to use, a message when the models or the output folder are unusable, else None). A
    folder named for the models must exist, and its model files must load (not asked of `read`, which uses none);
    not named (None): models/ when it was trained, else the built-in models (''). The output must be a directory
    this user can write."""
    if models is None:
        models = "models" if Path("models").is_dir() else ""
    elif models and not Path(models).is_dir():
        return models, (
            f"--models {models}: no such directory (train the models with `dvc repro`, or pass "
            f"--models '' for the built-in ones)"
        )
    if mode != "read":
        from ..extraction.models import ModelError, load_models

        try:
            load_models(models or None)
        except ModelError as e:
            return models, str(e)
    from .store import FolderStore, open_store

    store = open_store(out)
    if isinstance(store, FolderStore) and Path(store.real).exists() and not Path(store.real).is_dir():
        return models, f"--out {out}: a file, not a directory"
    try:
        store.check_writable()
    except OSError as e:
        return models, f"--out {out}: cannot write there ({e.strerror or e})"
    return models, None
