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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from repair.detect.base import Span
from repair.detect.rules import RuleDetector
from repair.detect.tokens import token_kind
from repair.text import english_zipf, tokens
from repair.text.timing import timed_call

__all__ = ["LexStats", "TokenTable", "featurize", "FEATURE_NAMES", "KINDS"]

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
    ms = list(tokens(text))
    n = len(ms)
    X = np.zeros((n, N_FEATURES), dtype=np.float32)
    if n == 0:
        return TokenTable([], [], [], X)
    words = [m.group(0) for m in ms]
    low = [w.lower() for w in words]
    kinds = np.array([_KIND_INDEX[token_kind(w)] for w in words])
    caps = np.array([w[0].isupper() for w in words], dtype=np.float32)
    counts = np.array([stats.unigrams.get(w, 0) for w in words], dtype=np.float64)
    lower_counts = np.array([stats.lower.get(w, 0) for w in low], dtype=np.float64)
    padded = ["<s>", *low, "</s>"]
    pair = stats.bigrams[
        np.fromiter((_bigram_hash(a, b) for a, b in zip(padded, padded[1:], strict=False)),
                    dtype=np.int64, count=n + 1)
    ].astype(np.float64)
    left, right = pair[:-1], pair[1:]
    log_total = math.log(stats.total + 1)
    start_count = stats.total / 20  # about one sentence start per 20 tokens
    prev_c = np.concatenate([[start_count], lower_counts[:-1]])
    next_c = np.concatenate([lower_counts[1:], [start_count]])
    log_lc = np.log(lower_counts + 1)
    pmi_l = np.log(left + 0.1) + log_total - np.log(prev_c + 1) - log_lc
    pmi_r = np.log(right + 0.1) + log_total - log_lc - np.log(next_c + 1)

    # capitalised runs (names)
    # one Python pass over the tokens (no NumPy call per token or per run)
    starts = [m.start() for m in ms]
    ends = [m.end() for m in ms]
    cap_list = [w[0].isupper() for w in words]
    run_list: list[int] = []
    rid = 0
    for i in range(n):
        if not (cap_list[i] and i > 0 and cap_list[i - 1] and starts[i] - ends[i - 1] <= 1):
            rid += 1
        run_list.append(rid)
    run_id = np.array(run_list, dtype=np.int64)
    run_len = np.bincount(run_id)[run_id].astype(np.float32)
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
    X[:, base + 11] = idx / n
    X[:, base + 12] = min(n, 80)
    o = base + 13
    X[idx[1:], o + kinds[:-1]] = 1.0
    X[idx[:-1], o + len(KINDS) + kinds[1:]] = 1.0
    o += 2 * len(KINDS)
    X[1:, o + 0] = caps[:-1]
    X[:-1, o + 1] = caps[1:]
    X[:, o + 2] = run_len * caps
    X[:, o + 3] = run_kinds
    X[:, o + 4] = run_has_vi
    X[1:, o + 5] = [w in _TITLES for w in low[:-1]]
    lw = np.array(low, dtype=object)
    X[1:, o + 6] = lw[1:] == lw[:-1]
    X[2:, o + 7] = lw[2:] == lw[:-2]
    X[3:, o + 8] = lw[3:] == lw[:-3]
    X[:-2, o + 9] = lw[:-2] == lw[2:]
    X[:, o + 10] = left == 0
    X[:, o + 11] = right == 0
    if rule_spans is None:
        rule_spans = rules.spans(text)
    if rule_spans:
        start_arr = np.array(starts)
        end_arr = np.array(ends)
        for s in rule_spans:
            cat = "english" if s.category == "english_name" else s.category
            col = _RULE_COLS.get(cat)
            if col is None:
                continue
            inside = (start_arr < s.end) & (end_arr > s.start)
            X[inside, col] = np.maximum(X[inside, col], s.weight)
    return TokenTable(starts, ends, words, X)
