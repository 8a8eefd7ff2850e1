"""Span rewriter training: examples, exact resume, warm start with a continued curve,
calibration of the keep margin. Tiny models and corpora only."""

import json
import random
from pathlib import Path

import pytest

from repair.config import load_section
from repair.rewrite.examples import SpanStream, name_runs, protect_pair
from repair.synth import Corruption, SyntheticPair
from repair.train.rewriter import RewriterTrainSettings, lr_factor

from .conftest import ROOT, tiny_train_settings

torch = pytest.importorskip("torch")
torch.set_num_threads(1)


def test_protect_pair_keeps_offsets_of_the_remaining_edits():
    clean = "Ông Nguyễn Xuân Phúc và Bộ trưởng Lê Văn Tám đến Hà Nội and về."
    corrupted = "Ông Ruan Chunfu và Bộ trưởng Lê Văn Tám đến Hà Nội and về."
    k = corrupted.index("and")
    pair = SyntheticPair(clean, corrupted, (
        Corruption(4, 15, "pinyin", "Ruan Chunfu", "Nguyễn Xuân Phúc"),
        Corruption(k, k + 3, "english", "and", "và")))
    text, edits = protect_pair(pair, random.Random(0), name_prob=1.0, run_prob=1.0)
    assert text == "Ông <ent0> và Bộ trưởng <ent1> đến <ent2> and về."
    (e,) = edits
    assert text[e.start : e.end] == "and" and e.target == "và"
    # an unprotected pinyin name is a keep example: the model never invents a name
    text, edits = protect_pair(pair, random.Random(0), name_prob=0.0, run_prob=0.0)
    assert text == corrupted
    assert [(text[e.start : e.end], e.target) for e in edits] == [
        ("Ruan Chunfu", "Ruan Chunfu"), ("and", "và")]
    assert name_runs("Ông Lê Văn Tám đi đến Hà Nội.")[-1] == (22, 28)


def test_configs_load():
    cpu = load_section(ROOT / "configs" / "train_rewriter_cpu.yaml", None, RewriterTrainSettings)
    gpu = load_section(ROOT / "configs" / "train_rewriter_gpu.yaml", None, RewriterTrainSettings)
    for st in (cpu, gpu):
        assert st.max_source >= 32 and st.warmup_steps < st.max_steps
        assert st.context_words == cpu.context_words  # one format on both
    assert (cpu.device, gpu.device, gpu.precision) == ("cpu", "cuda", "bf16")
    assert load_section(ROOT / "configs" / "train_rewriter_cpu.yaml", None, RewriterTrainSettings,
                        overrides={"init": "models/x"}).init == "models/x"


def test_lr_schedule_warms_up_and_decays():
    st = RewriterTrainSettings(warmup_steps=10, max_steps=110, max_minutes=None)
    assert lr_factor(st, 0, 0) == pytest.approx(0.1)
    assert lr_factor(st, 10, 0) == pytest.approx(1.0)
    assert lr_factor(st, 60, 0) == pytest.approx(0.5)
    assert lr_factor(st, 110, 0) == 0.0
    timed = RewriterTrainSettings(warmup_steps=10, max_steps=110, max_minutes=1.0)
    assert lr_factor(timed, 20, 45.0) == pytest.approx(0.25)  # time is further along


def test_stream_is_a_function_of_position(tiny_corpus):
    from repair.text import corpus_sentences

    sents = corpus_sentences(tiny_corpus, max_words=40)
    negatives = [(sents[0], 0, len(sents[0].split()[0]), "english")]
    a, b = SpanStream(sents, negatives), SpanStream(sents, negatives)
    first = [a.example(g) for g in range(60)]
    assert [b.example(g) for g in range(59, -1, -1)][::-1] == first
    kinds = {e.kind for e in first}
    assert kinds == {"repair", "keep"}
    for e in first:
        assert e.source.count("<sp>") == 1 and e.source.count("</sp>") == 1
        span = e.source.split("<sp> ", 1)[1].rsplit(" </sp>", 1)[0]
        assert (e.target == span) == (e.kind == "keep")


def test_resume_continues_exactly(tiny_corpus, tmp_path):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    import repair.rewrite.copy_model  # noqa: F401
    from repair.train.rewriter import train_rewriter

    full = tiny_train_settings(tiny_corpus, tmp_path, "full")
    res = train_rewriter(full)
    assert res.finished and res.steps == 4
    parts = tiny_train_settings(tiny_corpus, tmp_path, "parts")
    stopped = train_rewriter(parts, stop_at=2)
    assert not stopped.finished and stopped.steps == 2
    assert (tmp_path / "parts" / "run" / "checkpoint.pt").exists()
    resumed = train_rewriter(parts, resume=True)
    assert resumed.finished and resumed.steps == 4
    m1 = AutoModelForSeq2SeqLM.from_pretrained(str(tmp_path / "full" / "model"))
    m2 = AutoModelForSeq2SeqLM.from_pretrained(str(tmp_path / "parts" / "model"))
    for (n1, p1), (_, p2) in zip(m1.state_dict().items(), m2.state_dict().items(), strict=True):
        assert torch.equal(p1, p2), n1
    assert next(iter(m1.state_dict().values())).dtype == torch.float16
    tok = AutoTokenizer.from_pretrained(str(tmp_path / "full" / "model"))
    for special in ("<ent3>", "<sp>", "</sp>", "<c_duplicate>"):
        assert len(tok(special, add_special_tokens=False).input_ids) == 1
    cfg = json.loads((tmp_path / "full" / "model" / "config.json").read_text())
    assert cfg["model_type"] == "copy_t5" and cfg["d_model"] == 32
    curve = json.loads((tmp_path / "full" / "model" / "curve.json").read_text())
    assert [p["examples"] for p in curve] == [16, 32]
    again = json.loads((tmp_path / "parts" / "model" / "curve.json").read_text())

    def no_time(c):
        return [{k: v for k, v in p.items() if k != "seconds"} for p in c]

    assert no_time(curve) == no_time(again)


def test_warm_start_continues_the_stream_and_the_curve(tiny_corpus, tiny_rewriter, tmp_path):
    from repair.train.rewriter import train_rewriter

    prior = json.loads((tiny_rewriter / "curve.json").read_text())
    st = tiny_train_settings(tiny_corpus, tmp_path, "warm", init=str(tiny_rewriter))
    res = train_rewriter(st)
    curve = json.loads((tmp_path / "warm" / "model" / "curve.json").read_text())
    assert curve[: len(prior)] == prior
    assert [p["examples"] for p in curve[len(prior):]] == [
        prior[-1]["examples"] + 16, prior[-1]["examples"] + 32]
    assert res.finished and len(res.curve) == len(curve)
    # exporting the checkpoint again with settings that lost --init still says where it began
    import dataclasses

    import yaml

    from repair.train.rewriter_io import export_checkpoint

    out = export_checkpoint(dataclasses.replace(st, init=None), tmp_path / "again")
    saved = yaml.safe_load((out / "train_config.yaml").read_text())
    assert saved["init"] and Path(saved["init"]).name == tiny_rewriter.name


def test_calibrated_margin_keeps_the_target_share(tiny_rewriter, tiny_corpus):
    from repair.rewrite.calibrate import calibrate_margin, span_scores
    from repair.rewrite.model import SpanRewriter
    from repair.train.rewriter import heldout_examples

    rw = SpanRewriter(tiny_rewriter)
    st = tiny_train_settings(tiny_corpus, tiny_rewriter.parent, "unused")
    examples = heldout_examples(st, 60, seed=3)
    for target in (0.5, 0.9, 1.0):
        m = calibrate_margin(rw, examples, target)
        assert span_scores(rw, examples, m)["keep_random"] >= target  # no detector spans here
