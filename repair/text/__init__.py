"""Text stage: reading articles, NFC and tone-mark normalisation, sentence segmentation.

Segmentation is our own rather than underthesea's ``sent_tokenize``: measured on the seed
articles, underthesea splits inside quotations ('Ông nói: "Tốt lắm.' | '" Sau đó') and turns an
article's closing "/." into a sentence of its own, and it returns no character offsets, which
``repair apply`` needs to put accepted sentences back byte for byte.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from repair.errors import InputError
from repair.text.checks import refuse_bad_characters
from repair.text.segment import split_sentences
from repair.text.words import english_zipf, is_pinyin_word

__all__ = [
    "english_zipf",
    "is_pinyin_word",
    "Document",
    "Segment",
    "nfc",
    "normalize_tones",
    "fold_key",
    "is_vietnamese_syllable",
    "tokens",
    "split_sentences",
    "read_documents",
    "segment_documents",
    "corpus_sentences",
    "corpus_records",
    "iter_corpus",
]

# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Document:
    """One input record: an article (.txt) or a JSONL object with ``id`` and ``text``."""

    id: str
    text: str  # as read (not normalised), so offsets refer to the original
    path: str
    line: int | None = None  # JSONL line number, None for .txt
    fields: Mapping[str, Any] = field(default_factory=dict)  # other JSONL fields, carried through


@dataclass(frozen=True)
class Segment:
    """A unit the pipeline scores: a sentence of a document, or a whole record."""

    id: str
    doc_id: str
    text: str  # NFC
    start: int  # character offsets of the segment in ``Document.text``
    end: int
    index: int
    fields: Mapping[str, Any] = field(default_factory=dict)
    before: str = ""  # the neighbouring sentences in the document, shown to reviewers
    after: str = ""


# --------------------------------------------------------------------------- normalisation


def nfc(text: str) -> str:
    """Unicode NFC, the form every output of the pipeline is in."""
    return unicodedata.normalize("NFC", text)


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền sắc ngã hỏi nặng
_VOWELS = set("aăâeêioôơuưy")
_HAT_VOWELS = set("ăâêôơư")


def _split_tone(syllable: str) -> tuple[str, str | None]:
    """Return the syllable without its tone mark (NFC) and the tone mark, if any."""
    decomposed = unicodedata.normalize("NFD", syllable)
    tone = next((c for c in decomposed if c in _TONES), None)
    bare = "".join(c for c in decomposed if c not in _TONES)
    return unicodedata.normalize("NFC", bare), tone


def _tone_position(bare: str) -> int | None:
    """Index in ``bare`` of the vowel that carries the tone, in the traditional style
    used by most Vietnamese newsrooms ("hòa", "thủy", "khỏe")."""
    low = bare.lower()
    start = 0
    if low.startswith("qu") or (low.startswith("gi") and len(low) > 2 and low[2] in _VOWELS):
        start = 2
    i = start
    while i < len(low) and low[i] not in _VOWELS:
        i += 1
    j = i
    while j < len(low) and low[j] in _VOWELS:
        j += 1
    if i == j:
        if start == 2:  # "gì", "quỳ"-like: the tone sits on the i/u of gi/qu
            return 1
        return None
    cluster = range(i, j)
    hats = [k for k in cluster if low[k] in _HAT_VOWELS]
    if hats:
        return hats[-1]  # ươ -> ơ, uyê -> ê
    if j < len(low):  # closed syllable: the last vowel ("hoàn", "toán")
        return j - 1
    if j - i >= 3:
        return i + 1  # "khuỷu", "ngoái"
    if j - i == 2:
        return i  # "hòa", "múa", "thủy"
    return i


@functools.lru_cache(maxsize=200_000)
def _normalize_word(piece: str) -> str:
    bare, tone = _split_tone(piece)
    pos = _tone_position(bare) if tone else None
    if tone is None or pos is None or len(bare) != len(piece):
        return piece
    chars = list(bare)
    chars[pos] = unicodedata.normalize("NFC", chars[pos] + tone)
    return "".join(chars)


_WORD_SPLIT_RE = re.compile(r"(\w+)")


def normalize_tones(text: str) -> str:
    """Move each syllable's tone mark to its traditional position ("hoà" -> "hòa").

    Every syllable keeps its length in characters, so offsets stay valid.
    """
    return "".join(
        _normalize_word(piece) if piece and piece[0].isalpha() else piece
        for piece in _WORD_SPLIT_RE.split(nfc(text))
    )


@functools.lru_cache(maxsize=4096)
def fold_key(text: str) -> str:
    """Matching key: NFC and tone placement normalised; same length as ``nfc(text)``."""
    return normalize_tones(text)


# --------------------------------------------------------------------------- syllables

_INITIALS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
_RHYMES = """
a ac ach ai am an ang anh ao ap at au ay
ăc ăm ăn ăng ăp ăt
âc âm ân âng âp ât âu ây
e ec em en eng eo ep et
ê êch êm ên ênh êp êt êu
i ia ich im in inh ip it iu
iêc iêm iên iêng iêp iêt iêu
o oc oi om on ong op ot oong ooc
oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt
oe oen oeo oet
ô ôc ôi ôm ôn ông ôp ôt
ơ ơi ơm ơn ơp ơt
u uc ui um un ung up ut
ua uân uâng uât uây uê uêch uênh uy uya uych uyên uyêt uynh uyt uyu uơ
uôc uôi uôm uôn uông uôt
ư ưa ưc ưi ưm ưn ưng ưt ưu
ươc ươi ươm ươn ương ươp ươt ươu
y yêm yên yêng yêt yêu
""".split()
_RHYME_SET = frozenset(_RHYMES)
_SYLLABLE_RE = re.compile(rf"^({_INITIALS})?([a-zăâêôơưđ]+)$")
_STOP_FINALS = ("c", "ch", "p", "t")
_ALLOWED_STOP_TONES = {None, "\u0301", "\u0323"}


@functools.lru_cache(maxsize=200_000)
def is_vietnamese_syllable(token: str) -> bool:
    """True if ``token`` is a well-formed Vietnamese syllable (any case, any tone style)."""
    bare, tone = _split_tone(token)
    low = bare.lower()
    m = _SYLLABLE_RE.match(low)
    if not m:
        return False
    initial, rhyme = m.group(1) or "", m.group(2)
    if initial == "gi" and rhyme not in _RHYME_SET:
        initial, rhyme = "g", "i" + rhyme  # "gìn", "giữ" read as gi + rhyme or g + i-rhyme
    if initial == "qu":
        ok = rhyme in _RHYME_SET or ("u" + rhyme) in _RHYME_SET or ("o" + rhyme) in _RHYME_SET
        if not ok:
            return False
    elif rhyme not in _RHYME_SET:
        return False
    if initial in ("k", "gh", "ngh") and rhyme[0] not in "eêiy":
        return False
    if initial in ("c", "ng") and rhyme[0] in "eêi":
        return False  # spelt k / ngh there
    if initial == "g" and rhyme[0] in "eê":
        return False  # spelt gh there
    if low.endswith(_STOP_FINALS) and tone not in _ALLOWED_STOP_TONES:
        return False
    return True


# Words: letters/digits with inner hyphens, apostrophes or dots ("v.v", "18-19", "QDND.vn"),
# and a trailing "+" for names like "ADMM+".
_TOKEN_RE = re.compile(r"[^\W_]+(?:['’.\-/][^\W_]+)*\+?")


def tokens(text: str) -> Iterator[re.Match[str]]:
    """Word tokens of ``text`` as regex matches (with offsets)."""
    return _TOKEN_RE.finditer(text)


# --------------------------------------------------------------------------- reading


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror}); check the path", path) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); re-save the file as UTF-8",
            path,
            line,
        ) from exc


_JSONL = (".jsonl", ".jsonl.gz")


def _is_jsonl(path: Path) -> bool:
    return path.name.endswith(_JSONL)


def input_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files ``paths`` name, in reading order (a folder: its .txt, .jsonl and .jsonl.gz
    files)."""
    for p in paths:
        path = Path(p)
        if path.is_dir():
            children = sorted(c for c in path.iterdir() if c.suffix == ".txt" or _is_jsonl(c))
            if not children:
                raise InputError("directory holds no .txt, .jsonl or .jsonl.gz files", path)
            yield from children
        elif not path.exists():
            raise InputError("no such file; check the path", path)
        else:
            yield path


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Numbered raw lines of a ``.jsonl`` or ``.jsonl.gz`` file, streamed."""
    import gzip

    try:
        handle = gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read file ({exc.strerror}); check the path", path) from exc
    lineno = 0
    with handle:
        try:
            for lineno, raw in enumerate(handle, start=1):  # noqa: B007 (read in except)
                yield lineno, raw
        except (OSError, EOFError) as exc:  # a corrupt or truncated .gz
            raise InputError(f"cannot read compressed file ({exc})", path, lineno + 1) from exc


def _read_jsonl(path: Path) -> Iterator[Document]:
    stem = path.name.removesuffix(".gz").removesuffix(".jsonl")
    for lineno, raw in _lines(path):
        try:
            line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("not valid UTF-8; re-save the file as UTF-8", path, lineno) from exc
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(
                f"malformed JSON ({exc.msg}, column {exc.colno})", path, lineno
            ) from exc
        if not isinstance(obj, dict):
            raise InputError("each line must be a JSON object with 'id' and 'text'", path, lineno)
        text = obj.get("text")
        if not isinstance(text, str):
            raise InputError("record has no 'text' string field", path, lineno)
        refuse_bad_characters(obj, path, lineno)
        rid = obj.get("id")
        rid = str(rid) if rid is not None else f"{stem}:{lineno}"
        fields = {k: v for k, v in obj.items() if k not in ("id", "text")}
        yield Document(id=rid, text=text, path=str(path), line=lineno, fields=fields)


def _documents(paths: Iterable[str | Path]) -> Iterator[Document]:
    for path in input_files(paths):
        if _is_jsonl(path):
            yield from _read_jsonl(path)
        elif path.suffix == ".txt":
            text = _read_text(path)
            refuse_bad_characters(text, path)
            yield Document(id=path.stem, text=text, path=str(path))
        else:
            raise InputError("unsupported input type; use .txt, .jsonl or .jsonl.gz", path)


def read_documents(paths: Iterable[str | Path]) -> Iterator[Document]:
    """Stream documents from ``.txt`` files (one article each), ``.jsonl`` and ``.jsonl.gz``
    files and directories of them. Raises ``InputError`` naming the file and line on bad input,
    a document id seen before included (ids name queue items and output records)."""
    seen: dict[str, str] = {}
    for doc in _documents(paths):
        if doc.id in seen:
            raise InputError(
                f"duplicate id {doc.id!r} (first at {seen[doc.id]}); give every record its "
                "own id",
                doc.path,
                doc.line,
            )
        seen[doc.id] = f"{doc.path}:{doc.line}" if doc.line is not None else doc.path
        yield doc


def segment_documents(docs: Iterable[Document], unit: str = "document") -> Iterator[Segment]:
    """Turn documents into segments: sentences (``unit="document"``) or whole records
    (``unit="sentence"``, keeping each record's id; a ``.txt`` article, which has no records,
    gives one segment per non-empty line, ids ``<doc id>#<n>``)."""
    if unit not in ("document", "sentence"):
        raise ValueError(f"unit must be 'document' or 'sentence', not {unit!r}")
    for doc in docs:
        if unit == "sentence" and doc.line is None:
            yield from _line_segments(doc)
        elif unit == "sentence":
            yield Segment(doc.id, doc.id, nfc(doc.text.strip()), 0, len(doc.text), 0, doc.fields)
        else:
            yield from _sentence_segments(doc)


def _line_segments(doc: Document) -> Iterator[Segment]:
    lines = [(m.start(), m.end()) for m in re.finditer(r"[^\r\n]*\S[^\r\n]*", doc.text)]
    for n, (a, b) in enumerate(lines):
        yield Segment(f"{doc.id}#{n}", doc.id, nfc(doc.text[a:b].strip()), a, b, n, doc.fields)


def _sentence_segments(doc: Document) -> Iterator[Segment]:
    bounds = split_sentences(doc.text)
    texts = [nfc(doc.text[a:b]) for a, b in bounds]
    for n, (a, b) in enumerate(bounds):
        yield Segment(f"{doc.id}#{n}", doc.id, texts[n], a, b, n, doc.fields,
                      texts[n - 1] if n else "", texts[n + 1] if n + 1 < len(texts) else "")


def corpus_records(path: str | Path) -> Iterator[dict]:
    """The records of a corpus ``.jsonl.gz`` file (``text``, ``doc_id``, ...), streamed in file
    order: the one reader of the corpus format."""
    import gzip

    p = Path(path)
    try:
        with gzip.open(p, "rt", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, start=1):
                try:
                    rec = json.loads(line)
                    rec["text"]  # noqa: B018  (every record has a text)
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise InputError(f"corpus line has no 'text' ({exc})", p, lineno) from exc
                yield rec
    except OSError as exc:
        raise InputError(f"cannot read corpus ({exc.strerror or exc})", p) from exc


def iter_corpus(path: str | Path) -> Iterator[str]:
    """The sentences (``text``) of a corpus ``.jsonl.gz`` file, streamed in file order."""
    return (rec["text"] for rec in corpus_records(path))


def corpus_sentences(
    path: str | Path, *, max_words: int | None = None, limit: int | None = None
) -> list[str]:
    """Sentences (``text``) of a corpus ``.jsonl.gz`` file in file order: those of at most
    ``max_words`` words, the first ``limit`` of them."""
    out: list[str] = []
    for text in iter_corpus(path):
        if max_words is None or len(text.split()) <= max_words:
            out.append(text)
            if limit is not None and len(out) >= limit:
                break
    return out
