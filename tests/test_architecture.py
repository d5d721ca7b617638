"""The package's layers: data flows one way, from a file to the final tables, and no module imports a later stage;
and inside a layer, no two modules import each other, however indirectly (an import circle), and no package's
__init__ imports the modules inside it (Python runs it before any of them: a circle with each).

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
# layers whose import circles are still allowed, and why; every other layer must have none. None is left: readers had
# one (html -> image -> pdf -> html, ocr <-> ocr_tesseract) until the shared page assembly and the OCR package, batch
# and modeling until the batch was cut by role and synthesize.py drew the families (issue 25)
CIRCLES_ALLOWED: set[str] = set()


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
                yield node.module[len("pipeline.") :]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("pipeline."):
                    yield alias.name[len("pipeline.") :]


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


def _modules(package_root: Path) -> dict[str, Path]:
    """Every module of the package by its dotted name inside it (a package by its own name: `readers`)."""
    found = {}
    for path in sorted(package_root.rglob("*.py")):
        parts = list(path.relative_to(package_root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _module_of(name: str, modules: dict[str, Path]) -> str | None:
    """The module an imported name lives in: `batch.store.write_errors` -> `batch.store`."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts = parts[:-1]
    return None


def import_graph(package_root: Path = ROOT / "pipeline") -> dict[str, set[str]]:
    """Each module's imports of other modules of the package (`from . import inputs`, `from .store import x`, a
    package's own __init__), imports inside functions included."""
    modules = _modules(package_root)
    graph = {}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        package = [p for p in package if p]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package[: len(package) - node.level + 1]
                target = base + (node.module.split(".") if node.module else [])
                names = [".".join(target + [alias.name]) for alias in node.names]
                if node.module:
                    names.append(".".join(target))
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline."):
                names = [node.module[len("pipeline.") :] + "." + alias.name for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name[len("pipeline.") :] for a in node.names if a.name.startswith("pipeline.")]
            for n in names:
                module = _module_of(n, modules)
                if module is not None and module != name:
                    targets.add(module)
        graph[name] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles: the strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_no_import_circle_inside_a_layer():
    """A circle makes modules that cannot be understood, tested or changed one at a time (batch/extract.py was the
    runner and the utility library of the modules it imported). Only the layers of CIRCLES_ALLOWED may still have
    one; a layer listed there that has none any more must leave the list."""
    graph = {m: t for m, t in import_graph().items() if m != "__main__"}
    by_layer: dict[str, list[list[str]]] = {}
    for circle in circles(graph):
        layers = {_layer(m) or "foundation" for m in circle}
        assert len(layers) == 1, f"a circle across layers: {circle}"  # the order test forbids it already
        by_layer.setdefault(layers.pop(), []).append(circle)
    assert {layer: c for layer, c in by_layer.items() if layer not in CIRCLES_ALLOWED} == {}
    assert set(by_layer) >= CIRCLES_ALLOWED, f"no circle left in {CIRCLES_ALLOWED - set(by_layer)}: drop the exception"


def test_the_circle_check_finds_a_circle_closed_by_an_import_inside_a_function(tmp_path):
    """The check can fail: in a package written here, run -> store -> helpers, and helpers importing run back
    inside a function (as batch/extract.py's helpers did), is one circle of three; a module beside them that only
    imports one of them is in none."""
    batch = tmp_path / "pipeline" / "batch"
    batch.mkdir(parents=True)
    (tmp_path / "pipeline" / "__init__.py").write_text("")
    (batch / "__init__.py").write_text("")
    (batch / "run.py").write_text("from .store import write\n")
    (batch / "store.py").write_text("from . import helpers\n")
    (batch / "helpers.py").write_text("def seal():\n    from .run import run_batch\n")
    (batch / "other.py").write_text("from pipeline.batch.run import run_batch\n")
    graph = import_graph(tmp_path / "pipeline")
    assert graph["batch.helpers"] == {"batch.run"} and graph["batch.other"] == {"batch.run"}
    assert circles(graph) == [["batch.helpers", "batch.run", "batch.store"]]


def package_imports_of_its_own(package_root: Path = ROOT / "pipeline") -> list[str]:
    """Each package __init__ that imports a module inside the package (`package.module` for each): Python runs a
    package's __init__ before any module in it, so such an import is a circle with that module, whatever the
    graph of explicit imports says."""
    graph = import_graph(package_root)
    packages = {name for name, path in _modules(package_root).items() if path.name == "__init__.py"}
    return sorted(
        f"{package or '(the package)'} imports {target}"
        for package in packages
        for target in graph.get(package, ())
        if package == "" or target.startswith(package + ".")
    )


def test_no_package_init_imports_its_own_modules():
    """readers/__init__ imported every reader while each reader's import ran it first (html -> image -> pdf ->
    html through the package); a package file holds its docstring, its modules are imported by name."""
    assert package_imports_of_its_own() == []


def test_the_package_check_finds_an_init_importing_its_own_module(tmp_path):
    """The check can fail: a package whose __init__ imports one of its modules (even inside a function) is found;
    one that imports a module of another package is not."""
    readers = tmp_path / "pipeline" / "readers"
    readers.mkdir(parents=True)
    (tmp_path / "pipeline" / "__init__.py").write_text("")
    (tmp_path / "pipeline" / "document.py").write_text("")
    (readers / "__init__.py").write_text("from ..document import x\ndef read():\n    from .pdf import read_pdf\n")
    (readers / "pdf.py").write_text("from ..document import x\n")
    assert package_imports_of_its_own(tmp_path / "pipeline") == ["readers imports readers.pdf"]
