"""Token features for the trained detector.

Each word token gets a fixed-length vector: what kind of word it is (Vietnamese syllable,
pinyin, romaji, English, other), how common it and its neighbour pairs are in clean Vietnamese
news (``LexStats``, counted from the corpus at training time and shipped with the model), its
capitalised-name run, repetition nearby, and the rules' evidence around it.
"""

from __future__ import annotations

import gzip
import math
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from repair.detect.base import Span
from repair.detect.rules import RuleDetector
from repair.detect.tokens import token_kind
from repair.text import english_zipf, tokens
from repair.text.timing import timed_call

__all__ = ["LexStats", "TokenTable", "featurize", "featurize_batch", "FEATURE_NAMES", "KINDS"]

KINDS = ("vi", "number", "acronym", "other_ok", "pinyin", "romaji", "english", "other")
_KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
_TITLES = frozenset(
    "ông bà anh chị tướng trưởng tịch thống đốc sĩ viên thư lý tá úy tá tư lệnh".split()
)
_RULE_CATEGORIES = ("duplicate", "date", "grammar", "calque", "alias", "english", "pinyin")

FEATURE_NAMES = (
    [f"kind={k}" for k in KINDS]
    + [
        "cap",
        "upper",
        "n_chars",
        "log_count",
        "log_count_lower",
        "log_bigram_left",
        "log_bigram_right",
        "pmi_left",
        "pmi_right",
        "pmi_min",
        "en_zipf",
        "position",
        "n_tokens",
    ]
    + [f"prev_kind={k}" for k in KINDS]
    + [f"next_kind={k}" for k in KINDS]
    + [
        "prev_cap",
        "next_cap",
        "cap_run",
        "cap_run_kinds",
        "cap_run_has_vi",
        "prev_title",
        "same_as_prev",
        "same_as_prev2",
        "same_as_prev3",
        "same_as_next2",
        "unseen_left",
        "unseen_right",
    ]
    + [f"rule={c}" for c in _RULE_CATEGORIES]
)
N_FEATURES = len(FEATURE_NAMES)
_RULE_COLS = {c: FEATURE_NAMES.index(f"rule={c}") for c in _RULE_CATEGORIES}
_VI = _KIND_INDEX["vi"]

_BIGRAM_BITS = 21


def _bigram_hash(a: str, b: str) -> int:
    return zlib.crc32(f"{a}\x1f{b}".encode()) & ((1 << _BIGRAM_BITS) - 1)


@dataclass
class LexStats:
    """Unigram counts and hashed bigram counts of lower-cased tokens from clean text."""

    unigrams: dict[str, int]  # exact-case token -> count
    lower: dict[str, int]  # lower-cased token -> count
    bigrams: np.ndarray  # uint32 counts, indexed by _bigram_hash
    total: int

    @classmethod
    def count(cls, sentences: Iterable[str], min_count: int = 2) -> LexStats:
        """Count tokens and token pairs of clean sentences."""
        uni: Counter[str] = Counter()
        big = np.zeros(1 << _BIGRAM_BITS, dtype=np.uint32)
        hashes: list[int] = []
        total = 0
        for text in sentences:
            toks = [m.group(0) for m in tokens(text)]
            uni.update(toks)
            total += len(toks)
            low = ["<s>"] + [t.lower() for t in toks] + ["</s>"]
            hashes.extend(_bigram_hash(a, b) for a, b in zip(low, low[1:], strict=False))
            if len(hashes) > 1_000_000:
                np.add.at(big, np.asarray(hashes, dtype=np.int64), 1)
                hashes.clear()
        if hashes:
            np.add.at(big, np.asarray(hashes, dtype=np.int64), 1)
        kept = {t: c for t, c in uni.items() if c >= min_count}
        return cls.from_unigrams(kept, big, total)

    @classmethod
    def from_unigrams(cls, unigrams: dict[str, int], bigrams: np.ndarray, total: int) -> LexStats:
        lower: Counter[str] = Counter()
        for t, c in unigrams.items():
            lower[t.lower()] += c
        return cls(unigrams, dict(lower), bigrams, total)

    def save(self, directory: Path) -> None:
        with gzip.open(directory / "unigrams.tsv.gz", "wt", encoding="utf-8") as fh:
            fh.write(f"#total\t{self.total}\n")
            for t, c in sorted(self.unigrams.items(), key=lambda kv: -kv[1]):
                fh.write(f"{t}\t{c}\n")
        # Saturating at 65535 loses nothing the log features need and halves the file.
        np.savez_compressed(
            directory / "bigrams.npz", counts=np.minimum(self.bigrams, 65535).astype(np.uint16)
        )

    @classmethod
    @timed_call("load: detector word statistics")
    def load(cls, directory: Path) -> LexStats:
        unigrams: dict[str, int] = {}
        total = 0
        with gzip.open(directory / "unigrams.tsv.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                t, _, c = line.rstrip("\n").rpartition("\t")
                if t == "#total":
                    total = int(c)
                else:
                    unigrams[t] = int(c)
        bigrams = np.load(directory / "bigrams.npz")["counts"].astype(np.uint32)
        return cls.from_unigrams(unigrams, bigrams, total)


@dataclass
class TokenTable:
    """The tokens of one text with their offsets and feature rows."""

    starts: list[int]
    ends: list[int]
    words: list[str]
    features: np.ndarray  # (n_tokens, N_FEATURES) float32


def featurize(
    text: str, stats: LexStats, rules: RuleDetector, rule_spans: list[Span] | None = None
) -> TokenTable:
    """Feature rows for every word token of ``text`` (``rule_spans``: the rules' spans of
    ``text`` if already computed)."""
    return featurize_batch([text], stats, rules, None if rule_spans is None else [rule_spans])[0]


def featurize_batch(
    texts: Sequence[str], stats: LexStats, rules: RuleDetector,
    rule_spans: Sequence[list[Span]] | None = None,
) -> list[TokenTable]:
    """``featurize`` of many texts: one NumPy pass over all their tokens (a pass per text
    cost more in NumPy calls than in arithmetic, issue #26), the same rows."""
    ms_all = [list(tokens(t)) for t in texts]
    lens = [len(ms) for ms in ms_all]
    n = sum(lens)
    X = np.zeros((n, N_FEATURES), dtype=np.float32)
    ms = [m for row in ms_all for m in row]
    words = [m.group(0) for m in ms]
    low = [w.lower() for w in words]
    starts = [m.start() for m in ms]
    ends = [m.end() for m in ms]
    # each token's text, position in it and its text's length
    sid = np.repeat(np.arange(len(texts)), lens)
    first = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64) if texts else \
        np.zeros(0, dtype=np.int64)
    pos = np.arange(n) - first[sid]
    size = np.asarray(lens, dtype=np.int64)[sid]
    kinds = np.array([_KIND_INDEX[token_kind(w)] for w in words], dtype=np.int64)
    cap_list = [w[0].isupper() for w in words]
    caps = np.array(cap_list, dtype=np.float32)
    counts = np.array([stats.unigrams.get(w, 0) for w in words], dtype=np.float64)
    lower_counts = np.array([stats.lower.get(w, 0) for w in low], dtype=np.float64)
    # the n + 1 neighbour pairs of each text, from "<s>" to "</s>"
    hashes = []
    for k, length in enumerate(lens):
        padded = ["<s>", *low[first[k]:first[k] + length], "</s>"]
        hashes.extend(_bigram_hash(a, b) for a, b in zip(padded, padded[1:], strict=False))
    pair = stats.bigrams[np.asarray(hashes, dtype=np.int64)].astype(np.float64)
    left, right = pair[np.arange(n) + sid], pair[np.arange(n) + sid + 1]
    log_total = math.log(stats.total + 1)
    start_count = stats.total / 20  # about one sentence start per 20 tokens
    has_prev, has_next = pos > 0, pos < size - 1
    prev_c = np.where(has_prev, np.roll(lower_counts, 1), start_count)
    next_c = np.where(has_next, np.roll(lower_counts, -1), start_count)
    log_lc = np.log(lower_counts + 1)
    pmi_l = np.log(left + 0.1) + log_total - np.log(prev_c + 1) - log_lc
    pmi_r = np.log(right + 0.1) + log_total - log_lc - np.log(next_c + 1)

    # capitalised runs (names): one Python pass over the tokens
    run_list: list[int] = []
    rid = 0
    pos_list = pos.tolist()
    for i in range(n):
        if not (cap_list[i] and pos_list[i] > 0 and cap_list[i - 1]
                and starts[i] - ends[i - 1] <= 1):
            rid += 1
        run_list.append(rid)
    run_id = np.array(run_list, dtype=np.int64)
    run_len = np.bincount(run_id)[run_id].astype(np.float32) if n else np.zeros(0, np.float32)
    run_kinds = np.zeros(n, dtype=np.float32)
    run_has_vi = np.zeros(n, dtype=np.float32)
    kind_list = kinds.tolist()
    members_of: dict[int, list[int]] = {}
    for i in range(n):
        if cap_list[i]:
            members_of.setdefault(run_list[i], []).append(i)
    for members in members_of.values():
        ks = {kind_list[i] for i in members}
        run_kinds[members] = len(ks)
        run_has_vi[members] = float(_VI in ks and len(ks) > 1)

    idx = np.arange(n)
    base = len(KINDS)
    X[idx, kinds] = 1.0
    X[:, base + 0] = caps
    X[:, base + 1] = [w.isupper() and len(w) > 1 for w in words]
    X[:, base + 2] = np.minimum([len(w) for w in words], 20)
    X[:, base + 3] = np.log1p(counts)
    X[:, base + 4] = np.log1p(lower_counts)
    X[:, base + 5] = np.log1p(left)
    X[:, base + 6] = np.log1p(right)
    X[:, base + 7] = pmi_l
    X[:, base + 8] = pmi_r
    X[:, base + 9] = np.minimum(pmi_l, pmi_r)
    X[:, base + 10] = [english_zipf(w) if w.isascii() else 0.0 for w in low]
    X[:, base + 11] = pos / np.maximum(size, 1)
    X[:, base + 12] = np.minimum(size, 80)
    o = base + 13
    after, before = idx[has_prev], idx[has_next]  # tokens with a left / a right neighbour
    X[after, o + kinds[after - 1]] = 1.0
    X[before, o + len(KINDS) + kinds[before + 1]] = 1.0
    o += 2 * len(KINDS)
    X[after, o + 0] = caps[after - 1]
    X[before, o + 1] = caps[before + 1]
    X[:, o + 2] = run_len * caps
    X[:, o + 3] = run_kinds
    X[:, o + 4] = run_has_vi
    X[after, o + 5] = [low[i - 1] in _TITLES for i in after.tolist()]
    lw = np.array(low, dtype=object)
    for col, gap in ((6, 1), (7, 2), (8, 3)):  # the same word 1, 2, 3 tokens back
        at = idx[pos >= gap]
        X[at, o + col] = lw[at] == lw[at - gap]
    at = idx[pos < size - 2]  # ... and 2 tokens ahead
    X[at, o + 9] = lw[at] == lw[at + 2]
    X[:, o + 10] = left == 0
    X[:, o + 11] = right == 0

    tables = []
    for k, text in enumerate(texts):
        a, b = int(first[k]), int(first[k]) + lens[k]
        spans = rules.spans(text) if rule_spans is None else rule_spans[k]
        if spans and b > a:
            start_arr, end_arr = np.array(starts[a:b]), np.array(ends[a:b])
            rows = X[a:b]
            for s in spans:
                cat = "english" if s.category == "english_name" else s.category
                col = _RULE_COLS.get(cat)
                if col is None:
                    continue
                inside = (start_arr < s.end) & (end_arr > s.start)
                rows[inside, col] = np.maximum(rows[inside, col], s.weight)
        tables.append(TokenTable(starts[a:b], ends[a:b], words[a:b], X[a:b]))
    return tables
