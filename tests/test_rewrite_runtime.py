"""The NumPy copy-T5 runtime against the torch model, the device choice, and what a job loads.

The shipped rewriter (``models/rewriter``) is run by both runtimes on windows cut from the
sample articles (every span of 1-3 words at a few positions): the repairs must be the same
text and the log-probabilities equal to float32 rounding.
"""

import json
import subprocess
import sys

import pytest

from repair.errors import DeviceError
from repair.rewrite.device import CPU_BATCH, GPU_BATCH, choose_device
from repair.rewrite.model import SpanRewriter
from repair.rewrite.spans import make_window
from repair.text import read_documents, segment_documents

from .conftest import ROOT, SAMPLES, run_cli

MODEL = ROOT / "models" / "rewriter"


def _windows(n: int = 96) -> tuple[list[str], list[str]]:
    """Windows over spans of 1-3 words of the sample articles' sentences."""
    sources, spans = [], []
    segs = [s.text for s in segment_documents(read_documents([SAMPLES]))]
    for k, text in enumerate(segs):
        words = text.split()
        if len(words) < 8:
            continue
        i, width = 2 + k % 4, 1 + k % 3
        start = len(" ".join(words[:i])) + 1
        end = len(" ".join(words[: i + width]))
        w = make_window(text, start, end, ("english", "duplicate", "calque")[k % 3], 6)
        sources.append(w.source)
        spans.append(w.span)
        if len(sources) == n:
            break
    return sources, spans


@pytest.fixture(scope="module")
def runtimes():
    return (SpanRewriter(MODEL, threads=1, runtime="numpy", cache_size=0),
            SpanRewriter(MODEL, threads=1, runtime="torch", cache_size=0))


def test_numpy_runtime_repairs_as_the_torch_model_does(runtimes):
    np_rw, torch_rw = runtimes
    assert np_rw.plan.runtime == "numpy" and torch_rw.plan.runtime == "torch"
    sources, spans = _windows()
    a = np_rw.repair(sources, spans, margin=-1e9)  # every model output counts: no keep
    b = torch_rw.repair(sources, spans, margin=-1e9)
    assert [r.text for r in a] == [r.text for r in b]
    assert sum(r.changed for r in a) > 10  # the comparison covers written repairs
    for x, y in zip(a, b, strict=True):
        assert x.logprob == pytest.approx(y.logprob, abs=1e-3)
        assert x.keep_logprob == pytest.approx(y.keep_logprob, abs=1e-3)
        assert x.steps == y.steps


@pytest.mark.parametrize("batch", [1, 7, 64])
def test_batch_size_and_repeated_spans_do_not_change_a_repair(runtimes, batch):
    np_rw = runtimes[0]
    sources, spans = _windows(24)
    alone = [np_rw.repair([s], [p])[0] for s, p in zip(sources, spans, strict=True)]
    doubled = np_rw.repair(sources + sources[:5], spans + spans[:5], batch_size=batch)
    assert [r.text for r in doubled] == [r.text for r in alone] + [r.text for r in alone[:5]]
    for x, y in zip(doubled, alone, strict=False):
        assert x.logprob == pytest.approx(y.logprob, abs=1e-3)


def test_the_cache_answers_a_repeated_span_without_the_model():
    rw = SpanRewriter(MODEL, threads=1)
    sources, spans = _windows(8)
    first = rw.repair(sources, spans)
    calls = []
    real = rw._batch
    rw._batch = lambda *a: calls.append(a) or real(*a)
    assert rw.repair(sources, spans) == first and not calls
    rw.clear_cache()
    assert rw.repair(sources, spans) == first and calls


@pytest.mark.parametrize(("requested", "report", "expected"), [
    ("cpu", {}, ("cpu", "float32", CPU_BATCH, "numpy")),
    ("CPU", {"numpy_model": False}, ("cpu", "float32", CPU_BATCH, "torch")),
    ("cuda", {"cuda_available": True, "cuda_count": 1, "bf16_supported": True},
     ("cuda:0", "bfloat16", GPU_BATCH, "torch")),
    ("cuda:1", {"cuda_available": True, "cuda_count": 2, "bf16_supported": False},
     ("cuda:1", "float16", GPU_BATCH, "torch")),
    ("cuda", {"cuda_available": True, "cuda_count": 1, "batch_size": 128},
     ("cuda:0", "float16", 128, "torch")),
])
def test_device_choice(requested, report, expected):
    kw = {"cuda_available": False, **report}
    plan = choose_device(requested, **kw)
    assert (plan.device, plan.dtype, plan.batch_size, plan.runtime) == expected


@pytest.mark.parametrize(("requested", "report", "message"), [
    ("cuda", {"cuda_available": False}, "torch sees none"),
    ("cuda:2", {"cuda_available": True, "cuda_count": 1}, "numbered 0..0"),
    ("tpu", {"cuda_available": False}, "unknown device"),
    ("cpu:1", {"cuda_available": False}, "unknown device"),
    ("cuda:x", {"cuda_available": True, "cuda_count": 1}, "unknown device"),
])
def test_device_refusals_say_why(requested, report, message):
    with pytest.raises(DeviceError, match=message):
        choose_device(requested, **report)


def test_run_on_cuda_without_a_gpu_is_refused_before_any_work(tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present: the refusal is for machines without one")
    src = tmp_path / "a.txt"
    src.write_text("Ông Onodera Watanabe đánh giá cao vai trò và vai trò của quân đội.\n",
                   encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run_cli("run", src, "--out", out, "--device", "cuda") == 3
    assert "torch sees none" in capsys.readouterr().err.replace("\n", " ")
    assert not out.exists()


_PROBE = """
import json, sys
from repair.config import load_settings
from repair.jobs.local import run_job
from repair.names import _resolver
from repair.rewrite.model import load_rewriter
run_job([sys.argv[1]], sys.argv[2], load_settings())
print(json.dumps({"torch": "torch" in sys.modules, "transformers": "transformers" in sys.modules,
                  "pandas": "pandas" in sys.modules,
                  "rewriter": load_rewriter.cache_info().currsize,
                  "resolver": _resolver.cache_info().currsize}))
"""


@pytest.mark.parametrize(("text", "rewriter", "resolver"), [
    ("Hà Nội hôm nay trời nắng, nhiệt độ cao nhất khoảng 35 độ.", 0, 0),  # nothing flagged
    # a duplicated phrase (the rewriter's span) and a calqued name (the resolver's)
    ("Ông Onodera Watanabe đã đánh giá cao vai trò và vai trò của quân đội nhân dân Việt Nam "
     "trong hợp tác trong khu vực.", 1, 1),
    # a known calque and an English date: deterministic repairs only
    ("Ông nói các vấn đề quốc phòng tướng sẽ đến Hà Nội vào February 17.", 0, 0),
])
def test_a_job_loads_only_what_its_sentences_need(tmp_path, text, rewriter, resolver):
    src = tmp_path / "one.txt"
    src.write_text(text + "\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-c", _PROBE, str(src), str(tmp_path / "o.jsonl")],
                         capture_output=True, text=True, cwd=ROOT, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    seen = json.loads(res.stdout.strip().splitlines()[-1])
    assert seen == {"torch": False, "transformers": False, "pandas": False,
                    "rewriter": rewriter, "resolver": resolver}
    rec = json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8"))
    assert rec["flagged"] == (text[:2] != "Hà")  # the two MT sentences are flagged
