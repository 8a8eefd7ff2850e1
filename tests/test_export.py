"""`repair export`: JSONL, TMX 1.4, XLIFF 2.0 and a Hugging Face dataset, split by document."""

import json
import xml.etree.ElementTree as ET

import pytest

from repair.errors import QueueError
from repair.review import Queue
from repair.review.export import export_queue, split_of

from .review_support import synthetic_queue

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture
def decided(queue_path, aliases):  # noqa: F811
    with Queue(queue_path, aliases=aliases) as q:
        items = q.items()
        q.decide(items[0].id, "accept", "an", force=True)
        q.decide(items[1].id, "edit", "binh", final_text="Câu cuối & <đúng>.", force=True,
                 comment="sửa tay")
        q.decide(items[2].id, "reject", "an")
        yield q, items


def test_jsonl_accepted_means_accepted_or_edited(decided, tmp_path):
    q, items = decided
    out = tmp_path / "acc.jsonl"
    assert export_queue(q, out, "jsonl", "accepted") == 2
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["status"] for r in rows] == ["accepted", "edited"]
    assert rows[0]["final_text"] == items[0].proposal
    assert rows[1]["final_text"] == "Câu cuối & <đúng>." and rows[1]["reviewer"] == "binh"
    assert rows[1]["machine_text"] == items[1].text and rows[1]["model"] == items[1].model
    assert export_queue(q, tmp_path / "rej.jsonl", "jsonl", "rejected") == 1
    with pytest.raises(QueueError, match="unknown export format"):
        export_queue(q, out, "csv")


def test_tmx_is_valid_tmx14_with_machine_and_final_sides(decided, tmp_path):
    q, items = decided
    out = tmp_path / "mem.tmx"
    export_queue(q, out, "tmx")
    root = ET.parse(out).getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    for attr in ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang",
                 "srclang", "datatype"):
        assert header.get(attr), attr
    tus = root.findall("body/tu")
    assert len(tus) == 2
    sides = {tuv.get(XML_LANG): tuv.findtext("seg") for tuv in tus[1].findall("tuv")}
    assert sides == {"vi-x-mt": items[1].text, "vi": "Câu cuối & <đúng>."}
    assert tus[1].get("changeid") == "binh"


def test_xliff2_units_per_document(decided, tmp_path):
    q, items = decided
    out = tmp_path / "mem.xlf"
    export_queue(q, out, "xliff")
    ns = {"x": "urn:oasis:names:tc:xliff:document:2.0"}
    root = ET.parse(out).getroot()
    assert root.get("version") == "2.0" and root.get("srcLang") == "vi-x-mt"
    assert root.get("trgLang") == "vi"
    units = root.findall("x:file/x:unit", ns)
    assert len(units) == 2
    seg = units[1].find("x:segment", ns)
    assert seg.get("state") == "final"
    assert seg.findtext("x:source", namespaces=ns) == items[1].text
    assert seg.findtext("x:target", namespaces=ns) == "Câu cuối & <đúng>."
    notes = {n.get("category"): n.text for n in units[1].findall("x:notes/x:note", ns)}
    assert notes["reviewer"] == "binh" and notes["comment"] == "sửa tay"
    files = root.findall("x:file", ns)
    assert {f.get("original") for f in files} == {items[0].doc_id, items[1].doc_id}


def test_hf_dataset_split_by_document(tmp_path, settings, aliases, new_queue):
    from datasets import load_from_disk

    db = synthetic_queue(tmp_path, settings, 40, new_queue)
    with Queue(db, aliases=aliases) as q:
        for it in q.items():
            q.decide(it.id, "accept", "an")
        assert export_queue(q, tmp_path / "ds", "hf") == 40
    dd = load_from_disk(str(tmp_path / "ds"))
    assert set(dd) == {"train", "validation", "test"}
    assert sum(len(dd[s]) for s in dd) == 40
    for name, split in dd.items():
        assert all(split_of(d) == name for d in split["doc_id"])
    row = dd["train"][0]
    assert "Nguyễn Xuân Phúc" in row["final_text"] and "Ruan Chunfu" in row["machine_text"]
    assert row["reviewer"] == "an" and row["model"] and row["proposal"] == row["final_text"]
    docs = [set(dd[s]["doc_id"]) for s in dd]
    assert not (docs[0] & docs[1] or docs[0] & docs[2] or docs[1] & docs[2])
