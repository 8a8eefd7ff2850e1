"""Rewriter: entity constraints, guard, focus, fast decoding = greedy. Tiny random models only."""

import random

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # the machine is shared; more threads only spin

from repair.aliases import canonicalize  # noqa: E402
from repair.detect import Detection, Span  # noqa: E402
from repair.rewrite import RewriteSettings, propose  # noqa: E402
from repair.rewrite import model as model_mod  # noqa: E402
from repair.rewrite.decode import copy_decode, greedy  # noqa: E402
from repair.rewrite.entities import protect, restore, verify  # noqa: E402
from repair.rewrite.guard import GuardLimits, check_rewrite  # noqa: E402
from repair.rewrite.propose import focus_cut  # noqa: E402
from repair.rewrite.tokenizer import PLACEHOLDERS  # noqa: E402
from repair.text import Segment  # noqa: E402


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory):
    """A randomly initialised T5 with a byte tokenizer (offline), saved like a real model."""
    from transformers import ByT5Tokenizer, T5Config, T5ForConditionalGeneration

    tok = ByT5Tokenizer()
    tok.add_tokens(list(PLACEHOLDERS))
    torch.manual_seed(0)
    cfg = T5Config(d_model=32, d_kv=16, num_layers=1, num_heads=2, d_ff=64,
                   vocab_size=len(tok), decoder_start_token_id=tok.pad_token_id,
                   pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
    model = T5ForConditionalGeneration(cfg)
    path = tmp_path_factory.mktemp("tiny_rewriter")
    model.save_pretrained(str(path))
    tok.save_pretrained(str(path))
    return path


def _det(text, spans=None, flagged=True):
    seg = Segment("s", "d", text, 0, len(text), 0)
    if spans is None:
        spans = (Span(0, len(text), "english", text, 0.9),)
    return Detection(seg, 0.9 if flagged else 0.0, flagged, tuple(spans))


# ----------------------------------------------------------------------------- decoding


def _random_rows(n, vocab, seed):
    rng = random.Random(seed)
    rows = [[rng.randrange(2, vocab) for _ in range(rng.randint(2, 24))] + [1] for _ in range(n)]
    prefixes = [r[: min(rng.randint(0, 4), len(r) - 1)] if i % 2 else []
                for i, r in enumerate(rows)]
    return rows, prefixes


@pytest.mark.parametrize("seed", [0, 1])
def test_copy_decode_equals_greedy(seed):
    """On a random model (many divergences) the fast path gives exactly greedy's tokens."""
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(seed)
    cfg = T5Config(d_model=32, d_kv=16, num_layers=2, num_heads=2, d_ff=64, vocab_size=50,
                   decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    m = T5ForConditionalGeneration(cfg).double().eval()
    rows, prefixes = _random_rows(40, 50, seed)
    ref = greedy(m, rows, prefixes, max_new_tokens=24)
    assert copy_decode(m, rows, prefixes, max_new_tokens=24) == ref
    assert [copy_decode(m, [r], [p], max_new_tokens=24)[0]
            for r, p in zip(rows[:10], prefixes[:10], strict=True)] == ref[:10]
    for r, p in zip(ref, prefixes, strict=True):
        assert r[: len(p)] == p


def test_copy_decode_accepts_drafts_of_a_copying_model():
    """A model that copies its input needs one decoder pass per sentence on the fast path."""
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(0)
    cfg = T5Config(d_model=32, d_kv=16, num_layers=1, num_heads=2, d_ff=64, vocab_size=30,
                   decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)
    m = T5ForConditionalGeneration(cfg).double().eval()
    src = [[5, 6, 7, 8, 1]]
    calls = []
    real = m.forward

    def fake_forward(*args, **kw):
        out = real(*args, **kw)
        dec = kw["decoder_input_ids"]
        logits = torch.full_like(out.logits, -10.0)
        for b in range(dec.shape[0]):
            for t in range(dec.shape[1]):
                nxt = src[0][t] if t < len(src[0]) else 1
                logits[b, t, nxt] = 10.0
        calls.append(dec.shape)
        out.logits = logits
        return out

    m.forward = fake_forward
    stats = {}
    assert copy_decode(m, src + src, max_new_tokens=20, stats=stats) == [[5, 6, 7, 8, 1]] * 2
    assert len(calls) == 1 and stats == {"passes": 1, "tokens": 10}


def test_rewriter_fast_equals_greedy_on_text(tiny_dir):
    rw = model_mod.Seq2SeqRewriter(tiny_dir)
    rw.model.double()
    texts = ["Ông <ent0> nói hôm nay.", "Đô đốc <ent1> và <ent0>", "Hà Nội - June 5", "a"]
    prefixes = ["Ông <ent0>", "", "Hà Nội", ""]
    assert rw.rewrite(texts, prefixes, method="fast") == rw.rewrite(texts, prefixes,
                                                                     method="greedy")
    assert rw.rewrite(texts, prefixes, method="beam", num_beams=2)[0].startswith("Ông <ent0>")


def test_model_dir_errors(tmp_path):
    from repair.errors import ModelError

    with pytest.raises(ModelError, match="no config.json"):
        model_mod.Seq2SeqRewriter(tmp_path)


# ----------------------------------------------------------------------------- entities

ADVERSARIAL = [
    "Duboji gặp Ruan Chunfu tại Okinaw",  # variants at both edges
    "Ông XDuboji và Dubojis không phải là Duboji.",  # inside longer words, then a real one
    "Tổng Doberman gặp Đô đốc Doberman, còn Doberman thì không.",  # overlapping, context
    "(Okinaw) và Okinawa, Onodera Five Mã (Itsunori Onodera) nói.",  # canonical + variant
    "trên tướng Nguyễn Xuân Phúc đến Okinaw",
    "Onodera Watanabe",
]


def _fake_rewriter(monkeypatch, transform):
    class Fake:
        version = "fake@0"

        def rewrite(self, sources, prefixes=None, **kw):
            return [transform(s) for s in sources]

    monkeypatch.setattr(model_mod, "load_rewriter", lambda path: Fake())


TRANSFORMS = {
    "copy": lambda s: s,
    "drop_placeholder": lambda s: s.replace("<ent0>", "", 1),
    "repeat_placeholder": lambda s: s + " <ent0>",
    "unknown_placeholder": lambda s: s + " <ent15>",
    "broken_tag": lambda s: s.replace("<ent0>", "<ent0", 1),
    "insert_variant": lambda s: s.replace("<ent0>", "<ent0> Duboji", 1),
    "variant_for_placeholder": lambda s: s.replace("<ent0>", "Okinaw", 1),
    "swap_case": lambda s: s.upper(),
    "garbage": lambda s: "được được được được",
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_entity_guarantee_holds_for_any_model_output(monkeypatch, aliases, name):
    _fake_rewriter(monkeypatch, TRANSFORMS[name])
    dets = [_det(t) for t in ADVERSARIAL]
    props = list(propose(dets, RewriteSettings(model="fake"), aliases))
    for det, p in zip(dets, props, strict=True):
        text = det.segment.text
        for m in aliases.find(text):
            assert m.canonical in p.text, (name, text, p.text)
        assert not aliases.find(p.text), (name, text, p.text)
        for s, e in aliases.find_canonicals(text):
            assert text[s:e] in p.text
        if p.source in ("fallback", "guard"):
            assert p.text == canonicalize(text, aliases)[0]
            assert p.check
        assert p.model == "fake@0"


def test_copy_model_gives_canonicalised_text(monkeypatch, aliases):
    _fake_rewriter(monkeypatch, TRANSFORMS["copy"])
    text = ADVERSARIAL[1]
    (p,) = propose([_det(text)], RewriteSettings(model="fake"), aliases)
    assert p.text == "Ông XDuboji và Dubojis không phải là Đỗ Bá Tỵ."
    assert p.source == "model"


def test_only_flagged_sentences_reach_the_model(monkeypatch, aliases):
    seen = []

    def spy(s):
        seen.append(s)
        return s

    _fake_rewriter(monkeypatch, spy)
    dets = [_det("Duboji đến.", flagged=False), _det("Hà Nội - June 5")]
    props = list(propose(dets, RewriteSettings(model="fake"), aliases))
    assert seen == ["Hà Nội - June 5"]
    assert props[0].text == "Duboji đến." and props[0].source == "unchanged"


def test_protect_restore_roundtrip(aliases):
    for text in ADVERSARIAL:
        prot = protect(text, aliases)
        assert prot is not None
        assert restore(prot.text, prot) == canonicalize(text, aliases)[0]
        assert verify(restore(prot.text, prot), prot, aliases) == []
    prot = protect(ADVERSARIAL[1], aliases)
    assert "XDuboji" in prot.text and "Dubojis" in prot.text and prot.text.count("<ent") == 1


def test_too_many_entities_fall_back(monkeypatch, aliases):
    _fake_rewriter(monkeypatch, TRANSFORMS["copy"])
    text = ", ".join(["Duboji"] * 20)
    (p,) = propose([_det(text)], RewriteSettings(model="fake"), aliases)
    assert p.source == "fallback" and "Duboji" not in p.text


# ----------------------------------------------------------------------------- guard, focus


@pytest.mark.parametrize(
    "out,reason",
    [
        ("Ông ấy được được được khen.", "repetition"),
        ("Ông", "length"),
        ("Ông ấy được khen khen ngày 5/6.", "repetition"),
        ("Ông ấy được khen ngày 5/6 ở Hà Nội và ở nhiều nơi khác nữa.", "length"),
        ("Ông ấy được khen tháng 6.", "number"),
        ("Ông ấy được khen ngày 5/6.", None),
        ("Mưa rơi trên phố cũ 5/6 mà.", "edit_ratio"),
    ],
)
def test_guard(out, reason):
    from repair.rewrite import edit_ratio

    src = "Ông ấy được khen ngày 5/6."
    assert check_rewrite(src, out, edit_ratio(src, out), GuardLimits()) == reason


def test_guard_quotes_and_existing_repetition():
    src = 'Ông nói "có có" rồi đi.'
    assert check_rewrite(src, 'Ông nói "có có" rồi đi', 0.05, GuardLimits()) is None
    assert check_rewrite(src, "Ông nói có có rồi đi.", 0.05, GuardLimits()) == "quote"


def test_focus_forces_clean_prefix(aliases):
    text = "Hôm nay tại Hà Nội, Duboji nói."
    start = text.index("Duboji")
    det = _det(text, [Span(start, start + 6, "alias", "Duboji", 0.9)])
    prot = protect(text, aliases)
    cut = focus_cut(det, prot)
    assert text[:cut] == "Hôm nay tại Hà Nội,"
    assert prot.text[: prot.to_protected(cut)] == "Hôm nay tại Hà Nội,"
    det2 = _det(text, [Span(3, 5, "english", "na", 0.9)])
    assert focus_cut(det2, prot) == 0


def test_focus_prefix_reaches_model(monkeypatch, aliases):
    got = {}

    class Fake:
        version = "fake@0"

        def rewrite(self, sources, prefixes=None, **kw):
            got["prefixes"] = prefixes
            return list(sources)

    monkeypatch.setattr(model_mod, "load_rewriter", lambda path: Fake())
    text = "Ông Nguyễn Xuân Phúc nói hôm February 17 rằng"
    s = text.index("February")
    det = _det(text, [Span(s, s + 11, "date", "February 17", 0.9)])
    list(propose([det], RewriteSettings(model="fake", focus="prefix"), aliases))
    assert got["prefixes"] == ["Ông <ent0> nói hôm"]


def test_window_focus_sends_only_windows_and_keeps_the_rest(monkeypatch, aliases):
    seen = []

    def rewrite_window(s):
        seen.append(s)
        return "XYZ " + s.replace("vai trò và vai trò", "vai trò") + "."

    _fake_rewriter(monkeypatch, rewrite_window)
    text = ("Hôm qua tại Hà Nội, Duboji nhấn mạnh rằng hai nước cần phát huy vai trò và vai trò "
            "của mình trong khu vực và trên thế giới trong những năm tới đây nhé.")
    s = text.index("vai trò và")
    dup = Span(s, s + len("vai trò và vai trò"), "duplicate", "vai trò và vai trò", 0.9)
    alias = Span(text.index("Duboji"), text.index("Duboji") + 6, "alias", "Duboji", 0.9)
    settings = RewriteSettings(model="fake", window_words=3, guard_max_edit_ratio=0.9)
    (p,) = propose([_det(text, [alias, dup])], settings, aliases)
    assert seen == ["cần phát huy vai trò và vai trò của mình trong"]
    assert p.source == "model"
    assert p.text == text.replace("Duboji", "Đỗ Bá Tỵ").replace(
        "cần phát huy vai trò và vai trò", "XYZ cần phát huy vai trò")
    # only aliases flagged: no model call, alias canonicalisation
    seen.clear()
    (q,) = propose([_det(text, [alias])], settings, aliases)
    assert seen == [] and q.source == "alias" and "Đỗ Bá Tỵ" in q.text


def test_windows_never_cut_an_entity(aliases):
    from repair.rewrite.propose import focus_windows

    text = "Ông Onodera Five Mã (Itsunori Onodera) nói February 17 rằng"
    s = text.index("February")
    det = _det(text, [Span(s, s + 11, "date", "February 17", 0.9)])
    prot = protect(text, aliases)
    for w in range(0, 6):
        for a, b in focus_windows(det, prot, w):
            for slot in prot.slots:
                assert not (slot.start < a < slot.end or slot.start < b < slot.end)
