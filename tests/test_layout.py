"""The layout shows the pipeline: one package per stage, and imports that only go down it.

Imports are read with ``ast`` from every module under ``repair/`` (those inside functions and
``TYPE_CHECKING`` blocks too: they tie modules together just the same).
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "repair"
STAGES = ("text", "aliases", "names", "detect", "rewrite", "review", "synth", "train", "eval",
          "jobs")
TOP_LEVEL = {*STAGES, "cli", "config.py", "errors.py", "__init__.py", "__main__.py"}
# The reviewer notebook is a front end like the command line: it opens the default config.
FRONT_ENDS = ("cli", "jobs", "review.ui", "review.session")
MAX_LINES = 400
DATA_TABLES = {"synth/tables.py"}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


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
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return {m for m in out if m == "repair" or m.startswith("repair.")}


MODULES = {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}
IMPORTS = {name: _imports(path) for name, path in MODULES.items()}


def _within(module: str, package: str) -> bool:
    return module == f"repair.{package}" or module.startswith(f"repair.{package}.")


def _offenders(importers: str, imported: str) -> list[str]:
    return sorted(f"{m} imports {i}" for m, found in IMPORTS.items() if _within(m, importers)
                  for i in found if _within(i, imported))


def test_top_level_holds_only_stage_packages_cli_config_and_errors():
    names = {p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"}
    assert names <= TOP_LEVEL, sorted(names - TOP_LEVEL)
    for stage in (*STAGES, "cli"):
        assert (PACKAGE / stage / "__init__.py").exists(), f"{stage} is not a package"


@pytest.mark.parametrize("stage", STAGES)
def test_stages_never_import_the_command_line(stage):
    assert _offenders(stage, "cli") == []


@pytest.mark.parametrize("upper", ["rewrite", "train"])
def test_review_never_imports_the_rewriter_or_training(upper):
    assert _offenders("review", upper) == []


def test_only_front_ends_import_the_config():
    found = sorted(
        f"{m} imports {i}" for m, imported in IMPORTS.items()
        for i in imported if _within(i, "config")
        and not any(_within(m, f) for f in FRONT_ENDS) and m != "repair.config"
    )
    assert found == []


def test_config_is_below_nothing_it_imports():
    """The config builds each stage's settings: nothing it imports, directly or not, imports it
    back (the cycle config -> evaluate -> config is gone)."""
    seen, todo = set(), ["repair.config"]
    while todo:
        for i in IMPORTS[todo.pop()]:
            target = i if i in MODULES else i.rsplit(".", 1)[0]
            assert target != "repair.config" or not seen, f"a cycle through {sorted(seen)}"
            if target in MODULES and target not in seen and target != "repair.config":
                seen.add(target)
                todo.append(target)


def test_no_module_over_the_size_limit_except_data_tables():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert set(long) <= DATA_TABLES, long
