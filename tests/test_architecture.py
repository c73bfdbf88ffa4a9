"""The package's shape: a shallow import graph without cycles, and no module reaching into another's privates.

Every import counts, at module level or inside a function (a lazy import is
still a dependency). Levels are counted between the package's components: a
top-level module, or a subpackage taken as one (``world``, ``embedders``,
``generators``, ``prompts``, ``testing``).
"""

import ast
from collections import defaultdict
from pathlib import Path

import squbed_utils

PACKAGE = Path(squbed_utils.__file__).parent
MAX_LEVELS = 5


def _modules() -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, is a package __init__)."""
    modules = {}
    for file in PACKAGE.rglob("*.py"):
        parts = list(file.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        modules[".".join(parts[:-1] if is_package else parts)] = (file, is_package)
    return modules


def _imports(modules):
    """Yield (importer, imported module, imported name or None) for every import of a package module."""
    for name, (file, is_package) in modules.items():
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules:
                        yield name, alias.name, None
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    if submodule in modules:
                        yield name, submodule, None
                    elif target in modules:
                        yield name, target, alias.name


def _component(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _cycle(edges) -> list[str] | None:
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state:
                found = visit(target)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _levels(edges, nodes) -> dict[str, int]:
    levels = {}

    def level(node):
        if node not in levels:
            levels[node] = 1 + max((level(target) for target in edges[node]), default=0)
        return levels[node]

    for node in nodes:
        level(node)
    return levels


def test_no_module_imports_a_private_name_of_another():
    offenders = [f"{importer} imports {name} from {target}" for importer, target, name in _imports(_modules())
                 if name is not None and name.startswith("_") and target != importer]
    assert not offenders, offenders


def test_the_module_graph_has_no_cycle():
    modules = _modules()
    edges = defaultdict(set)
    for importer, target, _ in _imports(modules):
        if target != importer:
            edges[importer].add(target)
    assert _cycle(edges) is None, f"import cycle: {' -> '.join(_cycle(edges))}"


def test_components_stand_on_at_most_five_levels_without_a_cycle():
    modules = _modules()
    edges = defaultdict(set)
    for importer, target, _ in _imports(modules):
        if _component(importer) != _component(target):
            edges[_component(importer)].add(_component(target))
    assert _cycle(edges) is None, f"cycle between components: {' -> '.join(_cycle(edges))}"
    levels = _levels(edges, {_component(m) for m in modules})
    tallest = {name: level for name, level in levels.items() if level > MAX_LEVELS}
    assert not tallest, f"components above level {MAX_LEVELS}: {tallest}"
    assert levels["squbed_utils.seeds"] == levels["squbed_utils.store"] == 1  # the foundations import nothing


def test_the_graph_check_sees_lazy_imports_and_cycles():
    """The checks above would fail on what they claim to catch."""
    edges = defaultdict(set, {"a": {"b"}, "b": {"a"}})
    assert _cycle(edges) == ["a", "b", "a"]
    assert _levels(defaultdict(set, {"a": {"b"}, "b": {"c"}}), {"a", "b", "c"}) == {"a": 3, "b": 2, "c": 1}
    lazy = [(i, t) for i, t, _ in _imports(_modules()) if i == "squbed_utils.backends"]
    assert ("squbed_utils.backends", "squbed_utils.generators.toy") in lazy  # imported inside a function
