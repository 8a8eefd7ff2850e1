"""Export reviewed items: JSONL, TMX 1.4, XLIFF 2.0 (for translation tools) or a Hugging
Face ``datasets`` dataset saved to disk (for training), split by document.

``status="accepted"`` means accepted or edited; the machine text is the source side and the
reviewer's final text the target side, both Vietnamese (``vi-x-mt`` marks the machine side).
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from repair.errors import QueueError
from repair.review.queue import Item, Queue
from repair.text.outputs import guarded_file, guarded_folder, write_atomic

__all__ = ["FORMATS", "STATUSES", "export_queue", "reviewed_rows"]

FORMATS = ("jsonl", "tmx", "xliff", "hf")
STATUSES = {
    "accepted": ("accepted", "edited"),
    "edited": ("edited",),
    "rejected": ("rejected",),
    "pending": ("pending",),
    "all": ("pending", "accepted", "edited", "rejected"),
}
MT_LANG, FINAL_LANG = "vi-x-mt", "vi"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SPLITS = (("train", 0.8), ("validation", 0.9), ("test", 1.0))


def _row(it: Item) -> dict:
    d = it.decided_by
    return {
        "id": it.id,
        "segment_id": it.segment_id,
        "doc_id": it.doc_id,
        "machine_text": it.text,
        "proposal": it.proposal,
        "final_text": it.final_text if it.final_text is not None else "",
        "status": it.status,
        "reviewer": d.reviewer if d else "",
        "comment": (d.comment or "") if d else "",
        "forced": bool(d.forced) if d else False,
        "decided_at": d.created_at if d else 0.0,
        "score": it.score,
        "categories": list(it.categories),
        "proposal_source": it.source,
        "model": it.model,
        "alias_digest": it.alias_digest,
    }


def reviewed_rows(queue: Queue, status: str = "accepted") -> list[dict]:
    """The items with ``status`` as flat rows (machine text, proposal, final text, reviewer,
    model version, ...), the records every export format is made from."""
    if status not in STATUSES:
        raise QueueError(f"unknown status {status!r}; use one of {', '.join(STATUSES)}")
    return [_row(it) for it in queue.items(STATUSES[status])]


def split_of(doc_id: str) -> str:
    """The split a document belongs to: a stable hash, so a document never straddles two."""
    x = int(hashlib.sha256(doc_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return next(name for name, upto in SPLITS if x <= upto)


def _stamp(t: float) -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def _tmx(rows: Sequence[dict]) -> ET.ElementTree:
    root = ET.Element("tmx", version="1.4")
    ET.SubElement(
        root,
        "header",
        creationtool="vi-repair",
        creationtoolversion="0.1.0",
        segtype="sentence",
        adminlang="en",
        srclang=MT_LANG,
        datatype="plaintext",
        **{"o-tmf": "vi-repair-queue"},
    )
    body = ET.SubElement(root, "body")
    for r in rows:
        tu = ET.SubElement(
            body,
            "tu",
            tuid=str(r["id"]),
            changedate=_stamp(r["decided_at"]),
            changeid=r["reviewer"],
        )
        for kind, value in (
            ("doc_id", r["doc_id"]),
            ("segment_id", r["segment_id"]),
            ("model", r["model"]),
            ("status", r["status"]),
        ):
            ET.SubElement(tu, "prop", type=f"x-{kind}").text = value
        for lang, text in ((MT_LANG, r["machine_text"]), (FINAL_LANG, r["final_text"])):
            tuv = ET.SubElement(tu, "tuv", {XML_LANG: lang})
            ET.SubElement(tuv, "seg").text = text
    return ET.ElementTree(root)


def _xliff(rows: Sequence[dict]) -> ET.ElementTree:
    ns = "urn:oasis:names:tc:xliff:document:2.0"
    ET.register_namespace("", ns)
    q = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731
    root = ET.Element(q("xliff"), version="2.0", srcLang=MT_LANG, trgLang=FINAL_LANG)
    files: dict[str, ET.Element] = {}
    for r in rows:
        f = files.get(r["doc_id"])
        if f is None:
            f = files[r["doc_id"]] = ET.SubElement(root, q("file"), id=f"f{len(files) + 1}",
                                                   original=r["doc_id"])
        unit = ET.SubElement(f, q("unit"), id=f"u{r['id']}", name=r["segment_id"])
        notes = ET.SubElement(unit, q("notes"))
        for cat in ("reviewer", "model", "status", "comment"):
            if r[cat]:
                ET.SubElement(notes, q("note"), category=cat).text = str(r[cat])
        final = r["status"] in ("accepted", "edited")
        seg = ET.SubElement(unit, q("segment"), state="final" if final else "initial")
        ET.SubElement(seg, q("source")).text = r["machine_text"]
        ET.SubElement(seg, q("target")).text = r["final_text"] or r["proposal"]
    return ET.ElementTree(root)


def _hf(rows: Sequence[dict], out: Path) -> None:
    from datasets import Dataset, DatasetDict, Features, Value
    from datasets import Sequence as HFSeq

    features = Features(
        {
            "id": Value("int64"),
            "segment_id": Value("string"),
            "doc_id": Value("string"),
            "machine_text": Value("string"),
            "proposal": Value("string"),
            "final_text": Value("string"),
            "status": Value("string"),
            "reviewer": Value("string"),
            "comment": Value("string"),
            "forced": Value("bool"),
            "decided_at": Value("float64"),
            "score": Value("float64"),
            "categories": HFSeq(Value("string")),
            "proposal_source": Value("string"),
            "model": Value("string"),
            "alias_digest": Value("string"),
        }
    )
    parts: dict[str, list[dict]] = {name: [] for name, _ in SPLITS}
    for r in rows:
        parts[split_of(r["doc_id"])].append(r)
    dd = DatasetDict(
        {
            name: Dataset.from_dict(
                {k: [r[k] for r in part] for k in features}, features=features
            )
            for name, part in parts.items()
        }
    )
    # One shard per split: without it an empty split is saved with no data file, and
    # `load_from_disk` fails on it (IndexError) for any queue too small to fill every split.
    from datasets.utils.logging import disable_progress_bar

    disable_progress_bar()  # a command's output, not a library's progress bars
    dd.save_to_disk(str(out), num_shards={name: 1 for name in dd})


def export_queue(
    queue: Queue, out: str | Path, fmt: str = "jsonl", status: str = "accepted"
) -> int:
    """Write the items with ``status`` to ``out`` in ``fmt``; returns how many were written."""
    if fmt not in FORMATS:
        raise QueueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    rows = reviewed_rows(queue, status)
    if fmt == "hf":
        with guarded_folder(out, command="export --format hf") as folder:
            _hf(rows, folder)
        return len(rows)
    if fmt == "jsonl":
        data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
    else:
        tree = _tmx(rows) if fmt == "tmx" else _xliff(rows)
        ET.indent(tree)
        buf = io.BytesIO()
        tree.write(buf, encoding="utf-8", xml_declaration=True)
        data = buf.getvalue()
    with guarded_file(out, [queue.path] if queue.path else [], command=f"export --format {fmt}",
                      extra={"queue": queue.location, "status": status}) as path:
        write_atomic(path, data)
    return len(rows)
