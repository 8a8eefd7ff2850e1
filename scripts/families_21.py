"""Held-out families for #21's word-order and half-fixed-calque rules, built from the corpus.

Usage: PYTHONPATH=$PWD python scripts/families_21.py [--split 400000]

- visit: clean sentences writing "chuyến thăm [place] của [person]" put in the Chinese order
  "chuyến thăm của [person] của [place]"; the rules must give the clean sentence back, and
  leave the clean sentence itself alone.
- calque_prep: clean sentences writing a known calque's suggestion, the suggestion replaced by
  the calque and a pivot preposition ("trên", "với", "cho") put after it, or the light verb
  "có" before it; the rules must give the clean sentence back. "calque only" (no word put in)
  must keep every word of the sentence (no wrong drop).

The calque contexts are rebuilt from the training sentences before ``--split`` only; the
families come from the sentences after it and from the dev file, which neither the shipped
contexts' construction nor the rules' development looked at (the harm scans read the first
200,000 training sentences and the dev file, so the dev file is reported apart).
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter

from repair import project_path
from repair.aliases import AliasTable, load_calque_table
from repair.aliases.counts import news_count
from repair.rewrite.dangling import build_contexts, dangling_matches
from repair.rewrite.leftovers import PLACE_MIN, visit_order
from repair.rewrite.propose import _splice
from repair.text import iter_corpus

_SYL = r"[^\W\d_a-zđ][\w-]*"
_VISIT = re.compile(
    rf"(?<![\w-])(?P<head>chuyến thăm(?: chính thức)?) (?P<place>{_SYL}(?: {_SYL}){{0,2}}) "
    rf"của (?P<who>{_SYL}(?: [\w-]+){{0,8}}? {_SYL})(?=[,.;:]| [a-zđ])")


def visit_family(sentences: list[str]) -> Counter:
    c: Counter = Counter()
    for s in sentences:
        if visit_order(s, [], news_count):
            c["clean sentence changed"] += 1
        m = _VISIT.search(s)
        if not m or " của " in f" {m.group('who')} ":
            continue
        mt = (s[: m.start()] + f"{m.group('head')} của {m.group('who')} của {m.group('place')}"
              + s[m.end():])
        c["cases"] += 1
        c["restored exactly"] += _splice(mt, visit_order(mt, [], news_count)) == s
    return c


def calque_family(sentences: list[str], table: AliasTable, contexts, seed: int = 1) -> Counter:
    rnd = random.Random(seed)
    keys = {r.canonical.lower(): r.variants[0] for r in table.rows}
    pat = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, keys)) + r")(?!\w)", re.IGNORECASE)

    def is_place(p: str) -> bool:
        return news_count(f"tại {p}") >= PLACE_MIN

    def repaired(text: str) -> str:
        return _splice(text, dangling_matches(text, table.find(text), contexts, is_place))

    c: Counter = Counter()
    for s in sentences:
        m = pat.search(s)
        if not m or m.group(1) != m.group(1).lower() and m.start() > 0:
            continue
        calque = keys[m.group(1).lower()]
        a, b = m.start(), m.end()
        if not re.match(r" \w", s[b:]):
            continue
        plain = s[:a] + calque + s[b:]
        want = s[:a] + m.group(1).lower() + s[b:] if a else s
        c["calque only: cases"] += 1
        c["calque only: every word kept"] += repaired(plain).lower() == want.lower()
        prep = rnd.choice(["trên", "với", "cho"])
        after = s[:a] + calque + f" {prep}" + s[b:]
        c[f"preposition after: cases ({prep})"] += 1
        c[f"preposition after: dropped ({prep})"] += repaired(after).lower() == want.lower()
        if a and re.search(r"\w $", s[:a]):
            before = s[:a] + "có " + calque + s[b:]
            c["'có' before: cases"] += 1
            c["'có' before: dropped"] += repaired(before).lower() == want.lower()
    return c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", type=int, default=400_000)
    args = ap.parse_args()
    train = list(iter_corpus(project_path("../shared/data/corpus/train.jsonl.gz")))
    dev = list(iter_corpus(project_path("../shared/data/corpus/dev.jsonl.gz")))
    table = load_calque_table(project_path("configs/calques.tsv"))
    contexts, _ = build_contexts(train[: args.split], [r.canonical for r in table.rows])
    for name, part in ((f"train[{args.split}:]", train[args.split:]), ("dev", dev)):
        print(f"== {name}: {len(part)} sentences")
        for fam, c in (("visit", visit_family(part)),
                       ("calque_prep", calque_family(part, table, contexts))):
            print(f"  {fam}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))


if __name__ == "__main__":
    main()
