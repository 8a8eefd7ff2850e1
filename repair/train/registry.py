"""The model registry: which models exist in ``models/``, what each was trained from, and which
the default config uses (``configs/run.yaml``: ``detect.model``, ``rewrite.model``).

``models/registry.json`` holds one entry per model; the default is never stored twice — it is
read from the config.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from repair import ROOT
from repair.errors import ConfigError

__all__ = ["ModelEntry", "register", "register_new", "registry_for", "list_models", "REGISTRY"]

log = logging.getLogger(__name__)

REGISTRY = ROOT / "models" / "registry.json"  # VI_REPAIR_REGISTRY points elsewhere (tests)


@dataclass(frozen=True)
class ModelEntry:
    name: str
    kind: str  # detector | rewriter
    path: str  # relative to the project root when inside it
    parent: str | None = None  # the model it was fine-tuned from
    created: str = ""
    version: str = ""
    metrics: dict = field(default_factory=dict)
    note: str = ""


def _registry() -> Path:
    return Path(os.environ.get("VI_REPAIR_REGISTRY", REGISTRY))


def registry_for(model_dir: str | Path) -> Path | None:
    """The registry a new model goes into: the project's for a model inside the project (or
    ``VI_REPAIR_REGISTRY`` when set); None for a model elsewhere, which must not change the
    tracked ``models/registry.json``."""
    if "VI_REPAIR_REGISTRY" in os.environ:
        return _registry()
    try:
        Path(model_dir).resolve().relative_to(ROOT)
    except ValueError:
        return None
    return _registry()


def _rel(path: str | Path) -> str:
    p = Path(path).resolve()
    try:
        return str(p.relative_to(ROOT))
    except ValueError:
        return str(p)


def _read(registry: Path) -> dict[str, dict]:
    if not registry.exists():
        return {}
    try:
        return json.loads(registry.read_text(encoding="utf-8"))["models"]
    except (json.JSONDecodeError, KeyError) as exc:
        raise ConfigError(
            f"model registry is not valid ({exc}); fix or delete it", registry
        ) from exc


def register(entry: ModelEntry, registry: Path | None = None) -> ModelEntry:
    """Add or replace a model's entry (keyed by name)."""
    registry = registry or _registry()
    models = _read(registry)
    data = asdict(entry)
    data["path"] = _rel(entry.path)
    if entry.parent:
        data["parent"] = _rel(entry.parent)
    data["created"] = entry.created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    models[entry.name] = data
    registry.parent.mkdir(parents=True, exist_ok=True)
    tmp = registry.with_name(registry.name + ".partial")
    tmp.write_text(json.dumps({"models": models}, ensure_ascii=False, indent=1) + "\n",
                   encoding="utf-8")
    tmp.replace(registry)
    return ModelEntry(**data)


def register_new(entry: ModelEntry) -> ModelEntry | None:
    """``register`` a new model where ``registry_for`` says; a model outside the project is
    not registered (a warning says so)."""
    registry = registry_for(entry.path)
    if registry is None:
        log.warning("%s is outside the project: not added to the model registry", entry.path)
        return None
    return register(entry, registry)


def list_models(defaults: dict[str, str | None], registry: Path | None = None) -> list[dict]:
    """Registered models, each with ``default: True`` where the config uses it
    (``defaults`` maps kind -> model path from the settings)."""
    wanted = {k: _rel(v) for k, v in defaults.items() if v}
    rows = []
    for data in _read(registry or _registry()).values():
        rows.append({**data, "default": wanted.get(data["kind"]) == data["path"],
                     "exists": (ROOT / data["path"]).exists()})
    return sorted(rows, key=lambda r: (r["kind"], r["created"]))
