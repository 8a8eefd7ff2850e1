"""What a span costs the rewriter in arithmetic (repair.eval.arith), counted by hand."""

import pytest

from repair.eval import arith
from repair.eval.arith import ModelShape, possible_seconds, span_flops, span_products

TINY = ModelShape(d_model=2, d_kv=1, heads=2, d_ff=4, enc_layers=1, dec_layers=1, vocab=10)


@pytest.mark.parametrize("src, written, kept, macs", [
    # encoder 156 + cross k/v 24 + copy keys 24 + one decoder position (64 in the layer, 44
    # in the head: vocabulary 20, copy query/prev 8, copy attention 12, gate 4) twice
    (3, 1, 1, 156 + 24 + 24 + 2 * 108),
    (3, 0, 0, 156 + 24 + 24),
])
def test_span_flops_by_hand(src, written, kept, macs):
    assert span_flops(TINY, src, written, kept) == 2 * macs


def test_products_add_up_and_name_their_shapes():
    parts = span_products(TINY, 3, 2, 1)
    assert sum(parts.values()) == span_flops(TINY, 3, 2, 1)
    assert parts[("step", 2, 10)] == 2 * 2 * 2 * 10  # two steps of the vocabulary product
    assert parts[("keep", 2, 10)] == 2 * 1 * 2 * 10
    assert {p for p, _, _ in parts} == {"encoder", "step", "keep", "attention"}


def test_possible_seconds_reads_each_shape_at_its_own_speed(monkeypatch):
    seen = []

    def speeds(shapes):
        seen.extend(shapes)
        out = {f"{m}x{k} @ {k}x{n}": 1.0 for m, k, n in shapes}  # 1 GFLOP/s everywhere ...
        out["1024x1024 @ 1024x1024"] = 2.0  # ... but the square product, which attention gets
        return out

    monkeypatch.setattr(arith, "matmul_peak", speeds)
    spans = [(3, 2, 1), (5, 1, 3)]
    seconds, _ = possible_seconds(TINY, spans, batch=4)
    parts = [span_products(TINY, *s) for s in spans]
    attention = sum(p[("attention", 0, 0)] for p in parts)
    total = sum(span_flops(TINY, *s) for s in spans)
    assert seconds == pytest.approx(((total - attention) / 1.0 + attention / 2.0) / 1e9)
    # encoder rows: the batch's window tokens; keep rows: its kept tokens; a step: the batch
    assert (16, 2, 4) in seen and (8, 2, 10) in seen and (4, 2, 10) in seen


def test_matmul_peak_measures_the_shapes_and_the_square():
    got = arith.matmul_peak([(4, 8, 16)], repeats=2)
    assert set(got) == {"4x8 @ 8x16", "1024x1024 @ 1024x1024"} and min(got.values()) > 0
