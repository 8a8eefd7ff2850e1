"""Rewriter training: pair construction and exact resume, on a tiny model and corpus."""

import gzip
import itertools
import json
import random

import pytest

from repair.synth import Span, SyntheticPair
from repair.train.rewriter import (
    PairStream,
    RewriterTrainSettings,
    load_train_settings,
    lr_factor,
    make_pair,
    name_runs,
)

from .conftest import ROOT, SHARED

torch = pytest.importorskip("torch")


def test_make_pair_protects_names_on_both_sides():
    clean = "Ông Nguyễn Xuân Phúc và Bộ trưởng Lê Văn Tám đến Hà Nội."
    corrupted = "Ông Ruan Chunfu và Bộ trưởng Lê Văn Tám đến Hà Nội."
    pair = SyntheticPair(clean, corrupted, (Span(4, 15, "pinyin", "Ruan Chunfu",
                                                 "Nguyễn Xuân Phúc"),))
    src, tgt = make_pair(pair, random.Random(0), name_prob=1.0, run_prob=1.0)
    assert src == "Ông <ent0> và Bộ trưởng <ent1> đến <ent2>."
    assert tgt == "Ông <ent0> và Bộ trưởng <ent1> đến <ent2>."
    assert name_runs("Ông Lê Văn Tám đi đến Hà Nội.")[-1] == (22, 28)
    src, tgt = make_pair(pair, random.Random(0), name_prob=0.0, run_prob=0.0)
    assert (src, tgt) == (corrupted, clean)


def test_make_pair_keeps_non_name_corrections():
    clean = "Hai bên nhất trí tăng cường hợp tác."
    corrupted = "Hai bên nhất trí tăng cường hợp tác và hợp tác."
    pair = SyntheticPair(clean, corrupted, (Span(28, 46, "duplicate", "hợp tác và hợp tác",
                                                 "hợp tác"),))
    assert make_pair(pair, random.Random(0), 1.0, 1.0) == (corrupted, clean)


def test_configs_load():
    for name in ("train_rewriter_cpu.yaml", "train_rewriter_gpu.yaml"):
        st = load_train_settings(ROOT / "configs" / name)
        assert st.max_len >= 32 and st.warmup_steps < st.max_steps
    gpu = load_train_settings(ROOT / "configs" / "train_rewriter_gpu.yaml")
    assert (gpu.d_model, gpu.num_layers, gpu.num_decoder_layers, gpu.vocab_size) == (
        384, 6, 6, 16000)
    assert (gpu.batch_size, gpu.precision, gpu.lr) == (256, "bf16", 5e-4)


def test_lr_schedule_warms_up_and_decays():
    st = RewriterTrainSettings(warmup_steps=10, max_steps=110, max_minutes=None)
    assert lr_factor(st, 0, 0) == pytest.approx(0.1)
    assert lr_factor(st, 10, 0) == pytest.approx(1.0)
    assert lr_factor(st, 60, 0) == pytest.approx(0.5)
    assert lr_factor(st, 110, 0) == 0.0
    timed = RewriterTrainSettings(warmup_steps=10, max_steps=110, max_minutes=1.0)
    assert lr_factor(timed, 20, 45.0) == pytest.approx(0.25)  # time is further along


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    dev = SHARED / "corpus" / "dev.jsonl.gz"
    if not dev.exists():
        pytest.skip("shared corpus not available")
    path = tmp_path_factory.mktemp("corpus") / "tiny.jsonl.gz"
    with gzip.open(dev, "rt", encoding="utf-8") as src, gzip.open(path, "wt",
                                                                   encoding="utf-8") as dst:
        for line in itertools.islice(src, 400):
            dst.write(line)
    return path


def _tiny_settings(corpus, tmp, name):
    return RewriterTrainSettings(
        corpus=str(corpus), out_dir=str(tmp / name / "model"), run_dir=str(tmp / name / "run"),
        vocab_size=600, tokenizer_sentences=400, d_model=32, d_ff=64, num_layers=1,
        num_decoder_layers=1, num_heads=2, max_len=24, batch_size=4, lr=1e-3, warmup_steps=1,
        max_steps=4, save_every=2, log_every=2, max_minutes=None, device="cpu",
    )


def test_stream_is_a_function_of_position(tiny_corpus):
    from repair.train.rewriter import load_corpus

    st = _tiny_settings(tiny_corpus, ROOT, "unused")
    sents = load_corpus(tiny_corpus, st.max_words)
    a, b = PairStream(sents, st), PairStream(sents, st)
    first = [a.example(g) for g in range(30)]
    assert [b.example(g) for g in range(29, -1, -1)][::-1] == first
    assert any(s != t for s, t in first)  # some pairs are corrupted
    assert any(s == t for s, t in first)  # some are copy pairs


def test_resume_continues_exactly(tiny_corpus, tmp_path):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from repair.train.rewriter import train_rewriter

    full = _tiny_settings(tiny_corpus, tmp_path, "full")
    res = train_rewriter(full)
    assert res.finished and res.steps == 4
    parts = _tiny_settings(tiny_corpus, tmp_path, "parts")
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
    assert len(tok("<ent3>", add_special_tokens=False).input_ids) == 1
    cfg = json.loads((tmp_path / "full" / "model" / "config.json").read_text())
    assert cfg["d_model"] == 32
    assert (tmp_path / "full" / "model" / "train_config.yaml").exists()


def test_dataloader_workers_keep_the_stream_order(tiny_corpus, tmp_path):
    from repair.rewrite.tokenizer import train_tokenizer
    from repair.train.rewriter import _batches, _worker_dataset, load_corpus

    st = _tiny_settings(tiny_corpus, tmp_path, "workers")
    sents = load_corpus(tiny_corpus, st.max_words)
    tok = train_tokenizer(sents, tmp_path / "tok", st.vocab_size)
    stream = PairStream(sents, st)
    plain = [b for b, _ in zip(_batches(stream, tok, st, 3), range(5), strict=False)]
    loader = torch.utils.data.DataLoader(_worker_dataset(stream, tok, st, 3), batch_size=None,
                                         num_workers=2)
    par = [b for b, _ in zip(loader, range(5), strict=False)]
    for a, b in zip(plain, par, strict=True):
        assert torch.equal(a["input_ids"], b["input_ids"]) and torch.equal(a["labels"],
                                                                           b["labels"])
