"""Names no alias table knows: resolve pinyin renderings of Vietnamese names and places.

``repair names resolve`` maps a rendering ("Ruan Chunfu", "Qinghua") to candidate Vietnamese
names ("Nguyễn Xuân Phúc", "Thanh Hóa"), best first, each with its evidence: the pinyin
syllables, the Hán-Việt readings and the characters that link them. The Hán-Việt table is the
shared one; the gazetteer that ranks candidates is mined from clean news
(``repair names gazetteer``) and ships in ``models/names``.
"""

from __future__ import annotations

import csv
import functools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from repair import SHARED, project_path
from repair.errors import InputError
from repair.names.gazetteer import Gazetteer, mine_gazetteer
from repair.names.hanviet import HanViet, load_hanviet
from repair.names.resolve import Candidate, Resolver, split_pinyin
from repair.names.stats import NameStats, mine_name_stats
from repair.text import fold_key

__all__ = [
    "NamesSettings",
    "Candidate",
    "Gazetteer",
    "HanViet",
    "Resolver",
    "ListReport",
    "evaluate_list",
    "load_hanviet",
    "load_resolver",
    "mine_gazetteer",
    "mine_name_stats",
    "NameStats",
    "project_path",
    "resolve_file",
    "split_pinyin",
]


@dataclass(frozen=True)
class NamesSettings:
    hanviet: str = f"{SHARED}/lexicon/hanviet/hanviet.csv"  # Traditional char -> readings
    gazetteer: str = "models/names/gazetteer.tsv.gz"  # `repair names gazetteer`
    top_k: int = 5  # candidates per span
    candidates: bool = True  # `repair detect` / `run` attach candidates to flagged name spans


@functools.lru_cache(maxsize=2)
def _resolver(hanviet: Path, gazetteer: Path) -> Resolver:
    return Resolver(load_hanviet(hanviet), Gazetteer.load(gazetteer))


def load_resolver(settings: NamesSettings) -> Resolver:
    """The resolver for these settings (cached: the tables take a second to load)."""
    return _resolver(project_path(settings.hanviet), project_path(settings.gazetteer))


def _records(path: Path) -> Iterator[tuple[int, dict]]:
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read input ({exc.strerror})", path) from exc
    with fh:
        try:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"not a JSON object ({exc.msg})", path, lineno) from exc
                if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                    raise InputError("each line needs 'id' and a string 'text'", path, lineno)
                if "id" not in rec:
                    raise InputError("each line needs 'id' and a string 'text'", path, lineno)
                ctx = rec.get("context")
                if ctx is not None and not isinstance(ctx, str):
                    raise InputError("'context' must be a string", path, lineno)
                yield lineno, rec
        except UnicodeDecodeError as exc:
            raise InputError("not UTF-8 text", path) from exc


def resolve_file(src: Path, out: Path, settings: NamesSettings) -> int:
    """Add ``candidates`` to every record of a JSONL file; all or nothing. Returns the count."""
    resolver = load_resolver(settings)
    rows = [
        {**rec, "candidates": [c.to_dict() for c in resolver.resolve(
            rec["text"], rec.get("context"), settings.top_k)]}
        for _, rec in _records(src)
    ]
    tmp = out.with_name(out.name + ".partial")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return len(rows)


@dataclass
class ListReport:
    n: int
    top1: int
    top5: int
    misses: list[tuple[str, str, list[str]]]  # (rendering, gold name, top-5 candidates)

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("renderings", str(self.n)),
            ("top-1", f"{self.top1}/{self.n} = {self.top1 / max(self.n, 1):.3f}"),
            ("top-5", f"{self.top5}/{self.n} = {self.top5 / max(self.n, 1):.3f}"),
        ]


def evaluate_list(path: Path, settings: NamesSettings) -> ListReport:
    """Top-1 / top-5 on a labelled TSV (columns ``rendering``, ``name``, optional
    ``context``), such as ``tests/data/names/vi_pinyin_names.tsv``."""
    resolver = load_resolver(settings)
    rep = ListReport(0, 0, 0, [])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read labelled list ({exc})", path) from exc
    reader = csv.DictReader(text.splitlines(), delimiter="\t")
    if not reader.fieldnames or not {"rendering", "name"} <= set(reader.fieldnames):
        raise InputError("labelled list needs the columns 'rendering' and 'name'", path, 1)
    for lineno, row in enumerate(reader, start=2):
        if not row.get("rendering") or not row.get("name"):
            raise InputError("empty 'rendering' or 'name'", path, lineno)
        cands = resolver.resolve(row["rendering"], row.get("context") or None, max(5, 1))
        names = [fold_key(c.name.lower()) for c in cands]
        gold = fold_key(row["name"].lower())
        rep.n += 1
        rep.top1 += names[:1] == [gold]
        rep.top5 += gold in names[:5]
        if names[:1] != [gold]:
            rep.misses.append((row["rendering"], row["name"], [c.name for c in cands]))
    return rep
