"""The package's layers: data flows one way, from a file to the final tables, and no module imports a later stage.

    foundation (document, schema, params, headings, bodies, names, files) < readers < extraction < batch < modeling
    < outputs

(`__main__`, the command line, sits above them all.) Checked on the source with `ast`, imports inside functions
included, so a shortcut taken in a hurry shows up here.
"""
import ast
from pathlib import Path

from conftest import ROOT

ORDER = ["foundation", "readers", "extraction", "batch", "modeling", "outputs"]
FOUNDATION = {"document", "schema", "params", "headings", "bodies", "names", "files", "__init__"}


def _layer(module: str) -> str | None:
    """The layer of a module given as its dotted name inside the package (readers.ocr, extraction.tables …)."""
    head = module.split(".")[0]
    if head in FOUNDATION:
        return "foundation"
    if head in ORDER:
        return head
    return None


def _imports(path: Path, package: list[str]):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
                if node.module:
                    yield ".".join(target)
                else:
                    for alias in node.names:
                        yield ".".join(target + [alias.name])
            elif node.module and node.module.startswith("pipeline."):
                yield node.module[len("pipeline."):]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pipeline."):
                    yield alias.name[len("pipeline."):]


def test_no_module_imports_a_later_stage():
    package_root = ROOT / "pipeline"
    problems = []
    for path in sorted(package_root.rglob("*.py")):
        rel = path.relative_to(package_root).with_suffix("").parts
        if rel[0] == "__main__":
            continue
        own = _layer(".".join(rel))
        assert own is not None, f"{path} belongs to no layer: put it in one of {ORDER}"
        for target in _imports(path, list(rel[:-1])):
            layer = _layer(target)
            if layer is not None and ORDER.index(layer) > ORDER.index(own):
                problems.append(f"{'.'.join(rel)} ({own}) imports {target} ({layer})")
    assert problems == []


def test_every_role_package_exists_and_the_flat_modules_are_gone():
    for layer in ORDER[1:]:
        assert (ROOT / "pipeline" / layer / "__init__.py").exists()
    flat = {p.stem for p in (ROOT / "pipeline").glob("*.py")}
    assert flat <= FOUNDATION | {"__main__"}, flat - FOUNDATION
