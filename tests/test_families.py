"""The rule that keeps the held-out name families out of tuning (tests/data/families/README.md):
nothing under repair/ or configs/ reads them or names their names, the dev and held-out lists
share no name, and the committed files are what the generator makes."""

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = ROOT / "tests" / "data" / "families"
SOURCES = sorted([*(ROOT / "repair").rglob("*.py"), *(ROOT / "configs").rglob("*.*")])


def _lists(split: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for line in (FAMILIES / f"lists_{split}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, *cols = line.split("\t")
            out.setdefault(kind, []).append(cols)
    return out


def _names(split: str) -> set[str]:
    """Every name of a split's lists: people, places (and their characters), Japanese surnames
    and given names in kanji and romaji, Vietnamese given names with their glosses."""
    lists = _lists(split)
    out = {r[0] for r in lists["vi_official"]}
    out |= {x for r in lists["vi_place"] for x in r[:2]}
    out |= {x for r in lists["jp_politician"] for x in r[:4]}
    out |= {f"{r[0]}:{r[1]}" for r in lists["vi_given"]}
    return out


def test_no_code_or_config_reads_the_families():
    for path in SOURCES:
        text = path.read_text(encoding="utf-8", errors="replace")
        for needle in ("families/heldout", "heldout.jsonl", "lists_heldout", "families/lists"):
            assert needle not in text, f"{path.relative_to(ROOT)} names {needle}"


def test_no_held_out_name_is_written_in_code_or_config():
    heldout = {n for n in _names("heldout") if ":" not in n and len(n) >= 2}
    joined = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in SOURCES)
    found = sorted(n for n in heldout if f" {n} " in joined or f'"{n}' in joined
                   or f"{n}\t" in joined or f"({n})" in joined)
    assert found == []


def test_dev_and_held_out_lists_share_no_name():
    assert _names("dev") & _names("heldout") == set()
    surnames = {k: {r[0] for r in _lists(k)["vi_surname"]} for k in ("dev", "heldout")}
    assert surnames["dev"] & surnames["heldout"] == set()


def test_held_out_japanese_names_are_not_the_generators():
    from repair.synth.tables import JP_GIVEN, JP_SURNAMES

    for sur_k, given_k, sur, given, _ in _lists("heldout")["jp_politician"]:
        assert sur_k not in JP_SURNAMES.values() and sur not in JP_SURNAMES
        assert given_k not in JP_GIVEN.values() and given not in JP_GIVEN


def test_committed_families_are_the_generators_and_large_enough():
    gen = FAMILIES / "make_families.py"
    spec = importlib.util.spec_from_file_location("make_families", gen)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    if not module.CORPUS.exists():
        pytest.skip("no shared corpus")
    for split in ("dev", "heldout"):
        committed = [json.loads(x) for x in (FAMILIES / f"{split}.jsonl").read_text(
            encoding="utf-8").splitlines()]
        assert module.build(split) == committed
        artifacts = [r for r in committed if r["label"] == "artifact"]
        assert len(artifacts) >= 150
        # carriers come from after the clean sentences `repair eval` counts false positives on
        assert min(r["carrier"] for r in committed) >= module.FIRST_CARRIER
