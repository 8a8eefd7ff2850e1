"""How many variants the alias-table check refuses at several limits (README, "Alias tables"):
``PYTHONPATH=. python tests/data/aliases/measure_threshold.py``."""

import random

from repair import ROOT, SHARED, project_path
from repair.aliases import PHRASE_COUNTS, AliasRow, _read_table, frequent_variant
from repair.aliases.counts import load_phrase_counts

LIMITS = (50, 100, 300, 1000)


def refused(variants, limit):
    return [v for v in variants if frequent_variant(AliasRow("X", "t", (v,)), v, limit)]


def main() -> None:
    data = ROOT / "tests" / "data" / "aliases"
    words = [w.strip() for w in project_path(f"{SHARED}/lexicon/vi_words.txt").read_text(
        encoding="utf-8").splitlines() if len(w.split()) >= 2]
    counts = load_phrase_counts(str(project_path(PHRASE_COUNTS)))
    by_count = sorted(words, key=lambda w: -(counts.count(w)[0] or 0))
    sets = {
        "real-world table": [v for r in _read_table(data / "realworld.tsv") for v in r.variants],
        "held-out Hán-Việt names": [v for r in _read_table(data / "heldout_hanviet.tsv")
                                    for v in r.variants],
        "default table (context-free rows)": [
            v for r in _read_table(ROOT / "configs" / "aliases" / "seeds.tsv")
            if not r.restricted for v in r.variants],
        "1,000 most frequent dictionary phrases": by_count[:1000],
        "the same, capitalised": [w[0].upper() + w[1:] for w in by_count[:1000]],
        "1,000 random dictionary phrases": random.Random(0).sample(words, 1000),
    }
    for name, vs in sets.items():
        counts = " / ".join(str(len(refused(vs, t))) for t in LIMITS)
        few = refused(vs, 100)[:5]
        print(f"{name}: {len(vs)} variants; refused at {LIMITS}: {counts}; at 100: {few}")


if __name__ == "__main__":
    main()
