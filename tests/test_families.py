"""The rule that keeps the held-out name families out of tuning (tests/data/families/README.md):
nothing under repair/ or configs/ reads them or names their names, the dev, held-out and fresh
lists share no name, and the committed files are what the generator makes."""

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
        for needle in ("families/heldout", "heldout.jsonl", "lists_heldout", "families/lists",
                       "families/fresh", "fresh.jsonl", "lists_fresh"):
            assert needle not in text, f"{path.relative_to(ROOT)} names {needle}"


@pytest.mark.parametrize("split", ["heldout", "fresh"])
def test_no_held_out_name_is_written_in_code_or_config(split):
    heldout = {n for n in _names(split) if ":" not in n and len(n) >= 2}
    joined = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in SOURCES)
    found = sorted(n for n in heldout if f" {n} " in joined or f'"{n}' in joined
                   or f"{n}\t" in joined or f"({n})" in joined)
    assert found == []


@pytest.mark.parametrize(("a", "b"), [("dev", "heldout"), ("dev", "fresh"), ("heldout", "fresh")])
def test_the_lists_share_no_name(a, b):
    assert _names(a) & _names(b) == set()
    surnames = {k: {r[0] for r in _lists(k)["vi_surname"]} for k in (a, b)}
    assert surnames[a] & surnames[b] == set()
    # nor a Vietnamese given name or its gloss: a new split has new words to translate
    given = {k: {x for r in _lists(k)["vi_given"] for x in r} for k in (a, b)}
    assert given[a] & given[b] == set()


@pytest.mark.parametrize("split", ["heldout", "fresh"])
def test_held_out_japanese_names_are_not_the_generators(split):
    from repair.synth.tables import JP_GIVEN, JP_SURNAMES

    for sur_k, given_k, sur, given, _ in _lists(split)["jp_politician"]:
        assert sur_k not in JP_SURNAMES.values() and sur not in JP_SURNAMES
        assert given_k not in JP_GIVEN.values() and given not in JP_GIVEN


def test_committed_families_are_the_generators_and_large_enough():
    gen = FAMILIES / "make_families.py"
    spec = importlib.util.spec_from_file_location("make_families", gen)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    if not module.CORPUS.exists():
        pytest.skip("no shared corpus")
    for split in module.SPLITS:
        committed = [json.loads(x) for x in (FAMILIES / f"{split}.jsonl").read_text(
            encoding="utf-8").splitlines()]
        assert module.build(split) == committed
        artifacts = [r for r in committed if r["label"] == "artifact"]
        assert len(artifacts) >= 150
        # carriers come from after the clean sentences `repair eval` counts false positives on,
        # the fresh split's from a slice of the training corpus of its own
        first = module.FRESH_FROM if split == "fresh" else module.FIRST_CARRIER
        assert min(r["carrier"] for r in committed) >= first


def test_fresh_carriers_are_new_sentences():
    """The fresh split's carriers are none of the dev and held-out carriers, nor of the
    training-corpus sample the rules' false positives were counted on (every 7th sentence)."""
    rows = {s: [json.loads(x) for x in (FAMILIES / f"{s}.jsonl").read_text(
        encoding="utf-8").splitlines()] for s in ("dev", "heldout", "fresh")}
    fresh = {r["text"] for r in rows["fresh"] if r["label"] == "clean"}
    old = {r["text"] for s in ("dev", "heldout") for r in rows[s] if r["label"] == "clean"}
    assert fresh and not fresh & old
    assert all(r["carrier"] % 7 for r in rows["fresh"])
