"""Build the name-artifact families of ``tests/data/families`` (see README.md there).

Usage, from the project root (deterministic: same lists, corpus and seed give the same files):

    PYTHONPATH=$PWD python tests/data/families/make_families.py

Each family inserts machine-translation-style renderings of names from a list
(``lists_dev.tsv``, ``lists_heldout.tsv`` or ``lists_fresh.tsv``) into real clean news
sentences: for ``dev`` and ``heldout`` those of ``../shared/data/corpus/dev.jsonl.gz`` (its
sentences 5,000 onwards; ``repair eval`` counts false positives on sentences 0-4,999), for
``fresh`` a slice of ``train.jsonl.gz`` no tuning looked at (``FRESH_FROM`` onwards, articles
of the detector's ``valid`` part, no sentence of the every-7th sample the rules' training-corpus
false positives were counted on). A name after a title, or a place after "tỉnh", "thành phố",
"cảng" ..., is replaced by the rendering. The unchanged carrier sentences are written too,
labelled clean. ``python make_families.py fresh`` builds one split.
"""

from __future__ import annotations

import functools
import gzip
import json
import random
import re
import sys
from pathlib import Path

from repair.text import is_vietnamese_syllable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "dev.jsonl.gz"
TRAIN_CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "train.jsonl.gz"
FIRST_CARRIER = 5000  # sentences before this one are the held-out clean FP set
FRESH_FROM = 600_000  # the fresh split's carriers: train.jsonl.gz from this sentence on
PER_FAMILY = 36
SEED = {"dev": 20_261_205, "heldout": 20_261_206, "fresh": 20_261_207}
SPLITS = tuple(SEED)

_U = "A-ZĐÂĂÊÔƠƯÁÀẢÃẠÉÈẺẼẸÍÌỈĨỊÓÒỎÕỌÚÙỦŨỤÝỲỶỸỴẤẦẨẪẬẮẰẲẴẶẾỀỂỄỆỐỒỔỖỘỚỜỞỠỢỨỪỬỮỰ"
_CAP = rf"[{_U}][^\W\d_]*"
_NAME = rf"{_CAP}(?: {_CAP}){{1,3}}(?![\w-]| {_CAP})"  # the whole capitalised run, whole words
# titles before a person's name; official ones may take "Nhật Bản" for a Japanese minister
_OFFICIAL = (
    "Phó Thủ tướng|Thủ tướng|Bộ trưởng|Thứ trưởng|Chủ tịch nước|Chủ tịch|Tổng Bí thư|Bí thư|"
    "Giám đốc|Đại tướng|Thượng tướng|Trung tướng|Thiếu tướng|Đại sứ"
)
_TITLE_RE = re.compile(rf"\b({_OFFICIAL}|ông|bà|Ông|Bà) ({_NAME})")
_PLACE_RE = re.compile(rf"\b(tỉnh|thành phố|cảng|TP\.?|huyện|thị xã) ({_NAME})")
_CARRIER_SURNAMES = set(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trịnh Đoàn "
    "Lương Mai Trương Lâm Lưu Tô Hà Cao Tạ Thái Châu Chu Vương Phùng Triệu Mạc Đào Kiều".split()
)
_VARIANTS = {"渕": "淵"}  # Japanese variants OpenCC's jp2t leaves as they are
_MIDDLE = ("Văn", "Thị", "Đức", "Quang", "Hữu", "Minh", "Thanh", "Ngọc", "Xuân", "Công")


def read_lists(split: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for line in (HERE / f"lists_{split}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            kind, *cols = line.split("\t")
            out.setdefault(kind, []).append(cols)
    return out


class Renderer:
    """Pinyin and Hán-Việt readings through the shared Hán-Việt table."""

    def __init__(self) -> None:
        import opencc
        from wordfreq import get_frequency_dict

        from repair import SHARED
        from repair.names.hanviet import load_hanviet
        from repair.text import fold_key

        self.hv = load_hanviet(f"{SHARED}/lexicon/hanviet/hanviet.csv")
        self.fold = fold_key
        self.t2s = opencc.OpenCC("t2s")
        self.jp2t = opencc.OpenCC("jp2t")
        self.freq = get_frequency_dict("zh")

    def pinyin(self, chars: str) -> list[str]:
        from pypinyin import lazy_pinyin

        return lazy_pinyin(self.t2s.convert(chars))

    def char_of(self, syllable: str) -> str:
        """The most frequent character with this Hán-Việt reading (what an MT system's source
        most likely had)."""
        chars = self.hv.by_reading.get(self.fold(syllable.lower()), ())
        if not chars:
            raise KeyError(syllable)
        return max(chars, key=lambda c: self.freq.get(self.t2s.convert(c), 0.0))

    def vi_pinyin(self, name: str) -> str:
        """"Nguyễn Xuân Phúc" -> "Ruan Chunfu" (surname, then the given names joined)."""
        sylls = [self.pinyin(self.char_of(s))[0] for s in name.split()]
        return f"{sylls[0].capitalize()} {''.join(sylls[1:]).capitalize()}"

    def place_pinyin(self, hanzi: str) -> str:
        return "".join(self.pinyin(hanzi)).capitalize()

    def kanji_hanviet(self, kanji: str) -> str:
        out = []
        for c in self.jp2t.convert(kanji):
            readings = self.hv.char_readings(_VARIANTS.get(c, c))
            if not readings:
                raise KeyError(c)
            out.append(readings[0].capitalize())
        return " ".join(out)


@functools.lru_cache(maxsize=4)
def carrier_pool(split: str) -> tuple[tuple[int, str], ...]:
    """(index in its corpus file, sentence) of every sentence a split may take carriers from."""
    out = []
    if split == "fresh":
        from repair.train.detector import corpus_split

        with gzip.open(TRAIN_CORPUS, "rt", encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i < FRESH_FROM or i % 7 == 0:
                    continue
                rec = json.loads(line)
                if corpus_split(rec["doc_id"]) == "valid":
                    out.append((i, rec["text"]))
        return tuple(out)
    parity = 0 if split == "dev" else 1
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= FIRST_CARRIER and i % 2 == parity:
                out.append((i, json.loads(line)["text"]))
    return tuple(out)


def carriers(pattern: re.Pattern[str], split: str, person: bool) -> list[tuple[int, str, re.Match]]:
    out = []
    for i, text in carrier_pool(split):
        for m in pattern.finditer(text):
            if not all(is_vietnamese_syllable(w) for w in m.group(2).split()):
                continue  # a foreign name or place: "thành phố Vila Nova de Gaia"
            if person and m.group(2).split()[0] not in _CARRIER_SURNAMES:
                continue
            out.append((i, text, m))
            break
    return out


def build(split: str) -> list[dict]:
    lists = read_lists(split)
    r = Renderer()
    rng = random.Random(SEED[split])
    people = carriers(_TITLE_RE, split, person=True)
    officials = [c for c in people if c[2].group(1) not in ("ông", "bà", "Ông", "Bà")]
    places = carriers(_PLACE_RE, split, person=False)

    def vi_gloss() -> str:
        sur = rng.choice(lists["vi_surname"])[0]
        syl, en = rng.choice(lists["vi_given"])
        mid = [rng.choice(_MIDDLE)] if rng.random() < 0.7 else []
        gloss = en if rng.random() < 0.7 else en.lower()
        return " ".join([sur, *mid, gloss])

    def jp(kind: str) -> str:
        sk, gk, sr, gr, gloss = rng.choice(lists["jp_politician"])
        if kind == "hanviet":
            return f"{r.kanji_hanviet(sk)} {r.kanji_hanviet(gk)}"
        return f"{sr} {gloss}"

    families = {
        # family: (carriers, rendering, add "Nhật Bản" after an official title)
        "pinyin_official": (officials, lambda: r.vi_pinyin(rng.choice(lists["vi_official"])[0]),
                            False),
        "pinyin_place": (places, lambda: r.place_pinyin(rng.choice(lists["vi_place"])[1]), False),
        "calque_place": (places, lambda: rng.choice(lists["vi_place"])[2], False),
        "hanviet_japanese": (officials, lambda: jp("hanviet"), True),
        "gloss_japanese": (officials, lambda: jp("gloss"), True),
        "gloss_vietnamese": (people, vi_gloss, False),
    }
    out: list[dict] = []
    used: dict[int, str] = {}
    for family, (pool, render, japan) in families.items():
        picks = rng.sample(pool, min(PER_FAMILY, len(pool)))
        picks += rng.choices(pool, k=PER_FAMILY - len(picks))  # a carrier again, another name
        for n, (i, text, m) in enumerate(picks):
            rendering = render()
            title = m.group(1) + (" Nhật Bản" if japan else "")
            new = f"{text[: m.start()]}{title} {rendering}{text[m.end():]}"
            out.append({"id": f"{split}-{family}-{n:02d}", "family": family, "label": "artifact",
                        "text": new, "must_not_have": [rendering], "carrier": i})
            used[i] = text
    for i, text in sorted(used.items()):
        out.append({"id": f"{split}-carrier-{i}", "family": "carrier", "label": "clean",
                    "text": text, "must_not_have": [], "carrier": i})
    return out


def main(argv: list[str]) -> None:
    for split in argv or list(SPLITS):
        rows = build(split)
        path = HERE / f"{split}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        n_art = sum(r["label"] == "artifact" for r in rows)
        fams = sorted({r["family"] for r in rows if r["label"] == "artifact"})
        counts = ", ".join(f"{f} {sum(r['family'] == f for r in rows)}" for f in fams)
        print(f"{path.name}: {n_art} artifact ({counts}), {len(rows) - n_art} clean carriers")


if __name__ == "__main__":
    main(sys.argv[1:])
