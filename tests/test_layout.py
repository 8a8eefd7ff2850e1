"""The layout shows the pipeline: one package per stage, and imports that only go down it.

Imports are read with ``ast`` from every module under ``repair/`` (those inside functions and
``TYPE_CHECKING`` blocks too: they tie modules together just the same). ``from package import
module`` is an import of that module. The stage order is written once, here, and is the order
of the README's layout line.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "repair"

# The flow, first to last: text -> segments -> scores -> proposals -> queue -> training data,
# with the leaves first (errors, the text stage, the metrics) and the front ends last.
# ``synth`` makes artifacts out of clean text only; it sits below the stages that turn its
# pairs into examples (rewrite.examples) and measures (eval), and no repair job imports it
# (``test_a_repair_job_never_imports_the_training_data_generator``).
STAGES = ("errors", "text", "metrics", "synth", "aliases", "names", "detect", "rewrite",
          "pipeline", "review", "eval", "train", "config", "jobs", "cli", "notebook")
TOP_LEVEL = {"errors.py", "metrics.py", "pipeline.py", "config.py", "__init__.py", "__main__.py",
             *(s for s in STAGES if s not in ("errors", "metrics", "pipeline", "config"))}
# Imports against the flow, each with its reason. At most two.
AGAINST_THE_FLOW: dict[tuple[str, str], str] = {}
MAX_LINES = 400
DATA_TABLES = {"synth/tables.py"}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path) -> set[str]:
    """Every ``repair`` module that ``path`` imports, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = _module(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
            subs = {f"{base}.{a.name}" for a in node.names} & set(MODULES)
            out.update(subs or {base})
    return {m for m in out if m in MODULES}


IMPORTS = {name: _imports(path) for name, path in MODULES.items()}


def _stage(module: str) -> str:
    if module == "repair.__main__":  # ``python -m repair``: the command line
        return "cli"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "repair"


def _rank(module: str) -> int:
    stage = _stage(module)
    return -1 if stage == "repair" else STAGES.index(stage)  # ROOT and SHARED are below all


def test_top_level_holds_only_the_stages():
    names = {p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"}
    assert names <= TOP_LEVEL, sorted(names - TOP_LEVEL)
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").exists() or (PACKAGE / f"{stage}.py").exists()


def test_every_module_belongs_to_a_stage_of_the_order():
    assert sorted(m for m in MODULES if _stage(m) not in (*STAGES, "repair")) == []


def test_no_import_goes_against_the_flow():
    found = {(m, i) for m, imported in IMPORTS.items() for i in imported
             if _rank(i) > _rank(m)}
    assert sorted(found - set(AGAINST_THE_FLOW)) == []
    assert len(AGAINST_THE_FLOW) <= 2
    assert set(AGAINST_THE_FLOW) <= found, "an exception that no longer happens: remove it"


def test_no_import_cycle():
    """Tarjan's strongly connected components over the module graph: each must be one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in IMPORTS[v] - {v}:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(MODULES):
        if v not in index:
            visit(v)
    assert cycles == []


def _closure(start: str) -> set[str]:
    """What importing ``start`` runs: its imports, theirs, and every package ``__init__`` on
    the way."""
    seen, todo = set(), [start]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        parts = m.split(".")
        todo += [".".join(parts[:k]) for k in range(2, len(parts))]
        todo += list(IMPORTS.get(m, ()))
    return seen


@pytest.mark.parametrize("entry", ["repair.pipeline", "repair.jobs.local", "repair.jobs"])
def test_a_repair_job_never_imports_the_training_data_generator(entry):
    assert sorted(m for m in _closure(entry) if _stage(m) in ("synth", "train")) == []


def test_no_module_over_the_size_limit_except_data_tables():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert set(long) <= DATA_TABLES, long
