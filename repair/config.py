"""One config path: ``configs/*.yaml`` -> typed settings -> each stage gets its own part.

Relative paths inside a config file are resolved against the project root (the folder that
holds ``configs/``); paths given on the command line are resolved against the working directory.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from repair import ROOT
from repair.aliases import AliasTable, load_alias_tables
from repair.errors import ConfigError
from repair.eval.settings import EvalSettings
from repair.pipeline import PipelineSettings
from repair.review import QueueSettings

__all__ = ["Settings", "load_settings", "load_section", "load_aliases"]

DEFAULT_CONFIG = ROOT / "configs" / "run.yaml"


@dataclass(frozen=True)
class Settings(PipelineSettings):
    """Everything ``configs/run.yaml`` sets: the pipeline's part (``detect``, ``rewrite``,
    ``names``: it *is* a ``PipelineSettings``), and what jobs, the queue and eval read. One
    shape from the command line to the stages; each stage takes its own field."""

    aliases: tuple[str, ...] = ("configs/aliases/seeds.tsv",)
    unit: str = "document"
    workers: int = 0  # worker processes of a local job; 0 = one per core this process may use
    queue: QueueSettings = field(default_factory=QueueSettings)
    eval: EvalSettings = field(default_factory=EvalSettings)


_PATH_KEYS = {
    ("aliases",),
    ("detect", "calques"),
    ("detect", "model"),
    ("detect", "name_stats"),
    ("rewrite", "model"),
    ("rewrite", "calques"),
    ("rewrite", "lexicon"),
    ("rewrite", "calque_contexts"),
    ("queue", "path"),
    ("eval", "clean"),
    ("eval", "gold"),
    ("names", "hanviet"),
    ("names", "gazetteer"),
}


def _resolve(value: Any, base: Path) -> Any:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return tuple(_resolve(v, base) for v in value)
    if "://" in str(value):  # a database URL (queue.path), not a file
        return str(value)
    p = Path(str(value)).expanduser()
    return str(p if p.is_absolute() else (base / p).resolve())


_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "text",
          type(None): "null"}


def _conforms(value: Any, hint: Any) -> bool:
    """Whether a YAML value fits a settings field's type (unknown types are not checked)."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(value, a) for a in args)
    if origin is typing.Literal:
        return value in args
    if hint is bool or hint is type(None):
        return value is None if hint is type(None) else isinstance(value, bool)
    if hint in (int, float):
        ok = (int, float) if hint is float else (int,)
        return isinstance(value, ok) and not isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin in (tuple, list, Sequence, collections.abc.Sequence):
        inner = args[0] if args else Any
        return isinstance(value, (list, tuple)) and all(_conforms(v, inner) for v in value)
    if origin in (dict, Mapping, collections.abc.Mapping):
        return isinstance(value, Mapping)
    return True


def _describe(hint: Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in args)
    if origin is typing.Literal:
        return "one of " + ", ".join(map(repr, args))
    if origin in (tuple, list, Sequence, collections.abc.Sequence):
        return f"a list of {_describe(args[0]) if args else 'values'}"
    if origin in (dict, Mapping, collections.abc.Mapping):
        return "a mapping"
    return _NAMES.get(hint, getattr(hint, "__name__", str(hint)))


def _build(cls: type, data: Mapping[str, Any], where: str, base: Path, prefix: tuple = ()) -> Any:
    if not isinstance(data, Mapping):
        raise ConfigError(f"section '{'.'.join(prefix) or 'top'}' must be a mapping", where)
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ConfigError(
            f"unknown key(s) {sorted(unknown)} in section '{'.'.join(prefix) or 'top'}'; "
            f"known: {sorted(names)}",
            where,
        )
    kwargs = {}
    for name, value in data.items():
        key = prefix + (name,)
        hint = hints[name]
        if not dataclasses.is_dataclass(hint) and not _conforms(value, hint):
            raise ConfigError(f"'{'.'.join(key)}' must be {_describe(hint)}, not {value!r}; "
                              "fix the value in the config", where)
        if dataclasses.is_dataclass(hint):
            kwargs[name] = _build(hint, value or {}, where, base, key)
        elif key in _PATH_KEYS:
            kwargs[name] = _resolve(value, base)
        elif isinstance(value, list):
            kwargs[name] = tuple(value)
        else:
            kwargs[name] = value
    for f in dataclasses.fields(cls):  # path defaults the file leaves out resolve the same way
        key = prefix + (f.name,)
        if f.name not in kwargs and key in _PATH_KEYS and f.default is not dataclasses.MISSING:
            kwargs[f.name] = _resolve(f.default, base)
        elif f.name not in kwargs and dataclasses.is_dataclass(hints[f.name]):
            kwargs[f.name] = _build(hints[f.name], {}, where, base, key)  # every path absolute
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid settings: {exc}", where) from exc


def _merge(a: dict, b: Mapping) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), dict) else v
    return out


def load_settings(
    path: str | Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Read a YAML config (default ``configs/run.yaml``) and apply the command line's options.

    ``overrides`` maps dotted keys (``"rewrite.model"``) to values, None meaning "not given";
    their paths are taken as given (already resolved by the caller against the working
    directory).
    """
    cfg_path = Path(path) if path else DEFAULT_CONFIG
    nested: dict = {}
    for key, value in (overrides or {}).items():
        if value is None:
            continue
        node = nested
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return _build(Settings, _merge(_read_yaml(cfg_path), nested), str(cfg_path), ROOT)


def load_section(
    path: str | Path, section: str | None, cls: type, path_keys: tuple[str, ...] = (),
    overrides: Mapping[str, Any] | None = None,
) -> Any:
    """One section of a command's YAML (``configs/train_detector.yaml: train``, ...; None: the
    whole file, as ``configs/train_rewriter*.yaml``) as typed settings, with ``overrides`` (those
    given as None left out); ``path_keys`` are resolved against the project root."""
    cfg = Path(path)
    data = _read_yaml(cfg)
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    values = {**((data.get(section) if section else data) or {}), **given}
    for key in path_keys:
        if values.get(key) is not None and not Path(str(values[key])).is_absolute():
            values[key] = str((ROOT / str(values[key])).resolve())
    return _build(cls, values, str(cfg), ROOT, (section,) if section else ())


def _read_yaml(path: Path) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"cannot read config ({exc.strerror})", path) from exc
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise ConfigError(
            f"invalid YAML: {exc}", path, None if line is None else line + 1
        ) from exc


def load_aliases(settings: Settings, extra: Sequence[str | Path] = ()) -> AliasTable:
    """The default alias tables from the config plus any given on the command line."""
    return load_alias_tables([*settings.aliases, *extra])
