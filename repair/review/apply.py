"""Apply reviewed repairs: write each article with its accepted and edited sentences
substituted, and every other byte exactly as it was.

Each decided item carries its segment's character offsets in the original document. A
substitution is made only where the original still holds the machine text the reviewer saw
(compared after NFC); anything else is reported as stale and left untouched. ``.txt`` files
keep their byte-order mark and line endings; in ``.jsonl`` files only the records with
substitutions are re-serialised, the other lines are copied as they are.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from repair.errors import InputError
from repair.review.queue import Item, Queue
from repair.text import Document, nfc, read_documents
from repair.text.outputs import guarded_folder, write_atomic
from repair.text.segment import split_sentences

__all__ = ["ApplySummary", "apply_decisions"]

log = logging.getLogger(__name__)

BOM = "\ufeff".encode()


@dataclass
class ApplySummary:
    documents: int = 0
    changed_documents: int = 0
    substituted: list[int] = field(default_factory=list)  # item ids put into the text
    stale: list[int] = field(default_factory=list)  # decided items whose text no longer matches
    outputs: list[str] = field(default_factory=list)


def _anchor(text: str, it: Item, sentences: list[tuple[int, int, str]]) -> tuple[int, int] | None:
    """Where ``it``'s sentence stands in ``text`` now: at its recorded offsets if the text
    there is unchanged, else the sentence with the same text (its neighbours, then the
    distance from the recorded place, choosing among repeats); None if its own text changed."""
    start, end = it.start, it.end
    assert start is not None and end is not None
    if nfc(text[start:end]).strip() == it.text:
        return start, end
    found = [i for i, (_, _, s) in enumerate(sentences) if s == it.text]
    if not found:
        return None

    def rank(i: int) -> tuple[int, int]:
        before = sentences[i - 1][2] if i > 0 else ""
        after = sentences[i + 1][2] if i + 1 < len(sentences) else ""
        same = (before == it.context_before) + (after == it.context_after)
        return -same, abs(sentences[i][0] - start)

    a, b, _ = sentences[min(found, key=rank)]
    return a, b


def _substitute(doc: Document, items: list[Item], summary: ApplySummary) -> str:
    """``doc.text`` with each item's final text put at its sentence, found again by its text
    where edits elsewhere in the document moved it."""
    text = doc.text
    sentences: list[tuple[int, int, str]] | None = None
    chosen: dict[tuple[int, int], Item] = {}
    for it in sorted(items, key=lambda i: i.decided_by.created_at):  # type: ignore[union-attr]
        if it.start is None or it.end is None or it.final_text is None:
            summary.stale.append(it.id)
            log.warning("item %s has no offsets (queued by an older version); skipped", it.id)
            continue
        if sentences is None and nfc(text[it.start : it.end]).strip() != it.text:
            sentences = [(a, b, nfc(text[a:b])) for a, b in split_sentences(text)]
        span = _anchor(text, it, sentences or [])
        if span is None:
            summary.stale.append(it.id)
            log.warning("%s: the sentence of item %s changed since review; skipped", doc.path,
                        it.id)
            continue
        chosen[span] = it  # the latest decision on a sentence wins
    pieces: list[str] = []
    pos = 0
    for (start, end), it in sorted(chosen.items()):
        if start < pos:
            summary.stale.append(it.id)
            log.warning("%s: item %s overlaps another; skipped", doc.path, it.id)
            continue
        original = text[start:end]
        lead = original[: len(original) - len(original.lstrip())]
        trail = original[len(original.rstrip()) :]
        pieces.append(text[pos:start])
        pieces.append(lead + it.final_text + trail)  # type: ignore[operator]
        pos = end
        summary.substituted.append(it.id)
    pieces.append(text[pos:])
    return "".join(pieces)


def apply_decisions(
    inputs: Iterable[str | Path], queue: Queue, out_dir: str | Path
) -> ApplySummary:
    """Write every input file to ``out_dir`` (same file name) with the queue's accepted and
    edited sentences substituted."""
    out_dir = Path(out_dir).absolute()
    inputs = list(inputs)
    by_doc: dict[str, list[Item]] = defaultdict(list)
    for it in queue.items(["accepted", "edited"]):
        by_doc[it.doc_id].append(it)
    docs_by_file: dict[str, list[Document]] = defaultdict(list)
    for doc in read_documents(inputs):
        docs_by_file[doc.path].append(doc)
    names: dict[str, str] = {}
    for path in docs_by_file:
        name = Path(path).name
        if name in names:
            raise InputError(
                f"two inputs are named {name} ({names[name]}); apply them to separate --out "
                "folders",
                path,
            )
        names[name] = path
        if (out_dir / name).resolve() == Path(path).resolve():
            raise InputError("--out would overwrite this input; choose another folder", path)
    with guarded_folder(out_dir, inputs, command="apply"):
        return _write_applied(docs_by_file, by_doc, out_dir)


def _write_applied(docs_by_file: dict[str, list[Document]], by_doc: dict[str, list[Item]],
                   out_dir: Path) -> ApplySummary:
    summary = ApplySummary()
    for path, docs in docs_by_file.items():
        stored = Path(path).read_bytes()
        gz = path.endswith(".jsonl.gz")
        raw = gzip.decompress(stored) if gz else stored
        target = out_dir / Path(path).name
        if path.endswith((".jsonl", ".jsonl.gz")):
            data = _apply_jsonl(raw, docs, by_doc, summary)
            if gz:
                data = stored if data == raw else gzip.compress(data)
        else:
            (doc,) = docs
            summary.documents += 1
            new = _substitute(doc, by_doc.get(doc.id, []), summary)
            if new == doc.text:
                data = raw
            else:
                summary.changed_documents += 1
                data = (BOM if raw.startswith(BOM) else b"") + new.encode("utf-8")
        write_atomic(target, data)
        summary.outputs.append(str(target))
    return summary


def _apply_jsonl(
    raw: bytes, docs: list[Document], by_doc: dict[str, list[Item]], summary: ApplySummary
) -> bytes:
    by_line = {d.line: d for d in docs}
    out: list[bytes] = []
    for lineno, line in enumerate(raw.splitlines(keepends=True), start=1):
        doc = by_line.get(lineno)
        if doc is None:
            out.append(line)
            continue
        summary.documents += 1
        new = _substitute(doc, by_doc.get(doc.id, []), summary)
        if new == doc.text:
            out.append(line)
            continue
        summary.changed_documents += 1
        body = line.rstrip(b"\r\n")
        ending = line[len(body) :]
        obj = json.loads(body.decode("utf-8-sig"))
        obj["text"] = new
        prefix = BOM if lineno == 1 and body.startswith(BOM) else b""
        out.append(prefix + json.dumps(obj, ensure_ascii=False).encode("utf-8") + ending)
    return b"".join(out)
