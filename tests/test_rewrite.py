"""Span rewriter: window format, copy model, decoding, reassembly under entity constraints, keep
path, guard, deterministic calques and dates. Tiny models only."""

import math

import pytest

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # the machine is shared; more threads only spin

from repair.detect import Detection, Span  # noqa: E402
from repair.rewrite import RewriteSettings, propose  # noqa: E402
from repair.rewrite import model as model_mod  # noqa: E402
from repair.rewrite.entities import protect, restore, verify  # noqa: E402
from repair.rewrite.guard import GuardLimits, check_rewrite, span_problem  # noqa: E402
from repair.rewrite.model import SpanRepair  # noqa: E402
from repair.rewrite.propose import apply_fixed, model_spans  # noqa: E402
from repair.rewrite.spans import category_tag, make_window, unmap_placeholders  # noqa: E402
from repair.text import Segment  # noqa: E402

NO_CALQUES = RewriteSettings(model="fake", calques=None)


def _det(text, spans=None, flagged=True):
    seg = Segment("s", "d", text, 0, len(text), 0)
    if spans is None:
        spans = (Span(0, len(text), "english", text, 0.9),)
    return Detection(seg, 0.9 if flagged else 0.0, flagged, tuple(spans))


def _span(text, phrase, category="duplicate", nth=0):
    start = -1
    for _ in range(nth + 1):
        start = text.index(phrase, start + 1)
    return Span(start, start + len(phrase), category, phrase, 0.9)


# ----------------------------------------------------------------------------- window format


@pytest.mark.parametrize(
    "text, phrase, words, source",
    [
        ("a b c d e f g", "d", 2, "<c_duplicate> b c <sp> d </sp> e f"),
        ("a b c d e f g", "a", 2, "<c_duplicate> <sp> a </sp> b c"),  # sentence start
        ("a b c d e f g", "g", 2, "<c_duplicate> e f <sp> g </sp>"),  # sentence end
        ("a b c d e f g", "c d", 0, "<c_duplicate> <sp> c d </sp>"),
        ("(Okinaw) đến", "Okinaw", 3, "<c_duplicate> ( <sp> Okinaw </sp> ) đến"),
    ],
)
def test_window_cuts_words_around_the_span(text, phrase, words, source):
    s = text.index(phrase)
    assert make_window(text, s, s + len(phrase), "duplicate", words).source == source


def test_window_renumbers_placeholders_and_maps_them_back():
    text = "Hôm qua <ent2> gặp <ent3> và <ent5> tại Hà Nội"
    s = text.index("<ent3> và")
    w = make_window(text, s, s + len("<ent3> và"), "grammar", 2)
    assert w.source == "<c_grammar> <ent0> gặp <sp> <ent1> và </sp> <ent2> tại"
    assert w.span == "<ent1> và" and w.placeholders == ("<ent2>", "<ent3>", "<ent5>")
    assert unmap_placeholders("<ent1> cùng", w) == "<ent3> cùng"
    assert unmap_placeholders("<ent7> cùng", w) is None


@pytest.mark.parametrize("category, tag", [("date", "<c_date>"), ("english_name", "<c_english>"),
                                           ("foreign", "<c_term>"), ("alias", "<c_unk>"),
                                           ("name", "<c_calque_name>"), ("whatever", "<c_unk>")])
def test_category_tags(category, tag):
    assert category_tag(category) == tag


# ----------------------------------------------------------------------------- copy model


@pytest.fixture(scope="module", params=[False, True], ids=["copy", "copy_prev"])
def copy_model(request):
    from repair.rewrite.copy_model import CopyT5Config, CopyT5ForConditionalGeneration

    torch.manual_seed(0)
    cfg = CopyT5Config(d_model=32, d_kv=16, num_layers=1, num_decoder_layers=1, num_heads=2,
                       d_ff=64, vocab_size=40, decoder_start_token_id=0, pad_token_id=0,
                       eos_token_id=1, copy_prev=request.param)
    return CopyT5ForConditionalGeneration(cfg).double().eval()


def test_copy_model_outputs_normalised_log_probs(copy_model):
    ids = torch.tensor([[5, 6, 7, 1], [8, 9, 1, 0]])
    mask = (ids != 0).long()
    labels = torch.tensor([[6, 7, 1], [9, 1, -100]])
    out = copy_model(input_ids=ids, attention_mask=mask, labels=labels)
    assert torch.allclose(out.logits.exp().sum(-1), torch.ones(2, 3, dtype=out.logits.dtype),
                          atol=1e-6)
    assert math.isfinite(float(out.loss.detach()))


def test_copy_head_puts_its_mass_on_source_tokens(copy_model):
    ids = torch.tensor([[5, 6, 7, 1]])
    with torch.no_grad():
        bias = copy_model.copy_gate.bias.clone()
        copy_model.copy_gate.bias.fill_(-50.0)  # gate ~ 0: copy only
        out = copy_model(input_ids=ids, decoder_input_ids=torch.tensor([[0, 5]]))
        copy_model.copy_gate.bias.copy_(bias)
    mass = out.logits.exp()[0][:, [5, 6, 7, 1]].sum(-1)
    assert torch.allclose(mass, torch.ones_like(mass), atol=1e-6)


def test_copy_model_saves_and_loads_through_auto_classes(copy_model, tmp_path):
    from transformers import AutoModelForSeq2SeqLM

    copy_model.save_pretrained(str(tmp_path))
    again = AutoModelForSeq2SeqLM.from_pretrained(str(tmp_path)).double().eval()
    ids = torch.tensor([[5, 6, 7, 1]])
    dec = torch.tensor([[0, 5, 6]])
    a = copy_model(input_ids=ids, decoder_input_ids=dec).logits
    b = again(input_ids=ids, decoder_input_ids=dec).logits
    assert type(again).__name__ == "CopyT5ForConditionalGeneration" and torch.allclose(a, b)
    assert again.config.copy_prev == copy_model.config.copy_prev


def _greedy_without_cache(model, src, steps):
    ids = torch.tensor([src])
    ys = [0]
    for _ in range(steps):
        nxt = int(model(input_ids=ids, decoder_input_ids=torch.tensor([ys])).logits[0, -1]
                  .argmax())
        ys.append(nxt)
        if nxt == 1:
            break
    return ys[1:]


def test_cached_batched_greedy_equals_recomputation(copy_model):
    from repair.rewrite.decode import greedy, score

    rows = [[5, 6, 7, 1], [9, 8, 7, 6, 5, 1], [3, 1]]
    hyps = greedy(copy_model, rows, max_new_tokens=8, block_repeats=False)
    for src, h in zip(rows, hyps, strict=True):
        assert h.tokens == _greedy_without_cache(copy_model, src, 8)
    # the teacher-forced score of a hypothesis is its own mean log-probability
    scores = score(copy_model, rows, [h.tokens for h in hyps])
    for h, s in zip(hyps, scores, strict=True):
        if h.tokens[-1] == 1:
            assert s == pytest.approx(h.logprob, abs=1e-6)


# ----------------------------------------------------------------------------- reassembly

ADVERSARIAL = [
    "Duboji gặp Ruan Chunfu tại Okinaw",  # variants at both edges
    "Ông XDuboji và Dubojis không phải là Duboji.",  # inside longer words, then a real one
    "Tổng Doberman gặp Đô đốc Doberman, còn Doberman thì không.",  # overlapping, context
    "(Okinaw) và Okinawa, Onodera Five Mã (Itsunori Onodera) nói.",  # canonical + variant
    "trên tướng Nguyễn Xuân Phúc đến Okinaw",
    "Onodera Watanabe",
]


def _fake_rewriter(monkeypatch, transform, seen=None):
    class Fake:
        version = "fake@0"
        context_words = 2
        keep_margin = 0.0

        def repair(self, sources, spans, **kw):
            if seen is not None:
                seen.extend(zip(sources, spans, strict=True))
            out = []
            for sp in spans:
                new = transform(sp)
                out.append(SpanRepair(new, new != sp, -0.1, -1.0))
            return out

    monkeypatch.setattr(model_mod, "load_rewriter", lambda path, device="cpu": Fake())
    # the model's name and window are read from its directory without loading it
    monkeypatch.setattr(model_mod, "rewriter_version", lambda path: Fake.version)
    monkeypatch.setattr(model_mod, "rewriter_context", lambda path: Fake.context_words)


TRANSFORMS = {
    "copy": lambda s: s,
    "drop_placeholder": lambda s: s.replace("<ent0>", "", 1),
    "repeat_placeholder": lambda s: s + " <ent0>",
    "unknown_placeholder": lambda s: s + " <ent15>",
    "broken_tag": lambda s: s.replace("<ent0>", "<ent0", 1),
    "insert_variant": lambda s: s + " Duboji",
    "variant_for_placeholder": lambda s: s.replace("<ent0>", "Okinaw", 1),
    "swap_case": lambda s: s.upper(),
    "garbage": lambda s: "được được được được",
    "empty": lambda s: "",
}


def _whole_sentence_spans(text):
    """Every word flagged: spans overlap entities, sit at both edges and touch each other."""
    import re

    return [Span(m.start(), m.end(), "grammar", m.group(), 0.9) for m in re.finditer(r"\S+", text)]


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_entity_guarantee_holds_for_any_model_output(monkeypatch, aliases, name):
    _fake_rewriter(monkeypatch, TRANSFORMS[name])
    dets = [_det(t, _whole_sentence_spans(t)) for t in ADVERSARIAL]
    for det, p in zip(dets, propose(dets, NO_CALQUES, aliases), strict=True):
        text = det.segment.text
        for m in aliases.find(text):
            assert m.canonical in p.text, (name, text, p.text)
        assert not aliases.find(p.text), (name, text, p.text)
        for s, e in aliases.find_canonicals(text):
            assert text[s:e] in p.text
        if p.source in ("fallback", "guard"):
            assert p.text == apply_fixed(text, aliases)[0] and p.check
        assert p.model == "fake@0"


def test_only_flagged_spans_reach_the_model_and_the_rest_is_kept(monkeypatch, aliases):
    seen = []
    _fake_rewriter(monkeypatch, lambda s: s.replace("vai trò và vai trò", "vai trò"), seen)
    text = ("Hôm qua tại Hà Nội, Duboji nhấn mạnh rằng hai nước cần phát huy vai trò và vai trò "
            "của mình trong khu vực.")
    dup = _span(text, "vai trò và vai trò")
    alias = _span(text, "Duboji", "alias")
    dets = [_det("Duboji đến.", flagged=False), _det(text, [alias, dup])]
    unflagged, p = propose(dets, NO_CALQUES, aliases)
    assert seen == [("<c_duplicate> phát huy <sp> vai trò và vai trò </sp> của mình",
                     "vai trò và vai trò")]
    assert unflagged.text == "Duboji đến." and unflagged.source == "unchanged"
    assert p.source == "model"
    assert p.text == text.replace("Duboji", "Đỗ Bá Tỵ").replace("vai trò và vai trò", "vai trò")
    assert [(e.text, e.repair, e.check) for e in p.spans] == [
        ("vai trò và vai trò", "vai trò", "")]
    # only aliases flagged: no model call
    seen.clear()
    (q,) = propose([_det(text, [alias])], NO_CALQUES, aliases)
    assert seen == [] and q.source == "alias" and "Đỗ Bá Tỵ" in q.text


def test_adjacent_spans_and_sentence_edges_are_repaired_independently(monkeypatch, aliases):
    repairs = {"the": "", "Nội and": "Nội và", "họp too": "họp"}
    _fake_rewriter(monkeypatch, lambda s: repairs.get(s, s))
    text = "the Hà Nội and Huế họp too"
    spans = [_span(text, "the", "english"), _span(text, "and", "english"),
             _span(text, "too", "english")]
    det = _det(text, spans)
    # a lowercase English leftover comes with the word before it
    assert [text[a:b] for a, b, _ in model_spans(det, protect(text, aliases))] == [
        "the", "Nội and", "họp too"]
    (p,) = propose([det], NO_CALQUES, aliases)
    # "the" -> "" is refused by the span guard (empty) and kept; the others are repaired
    assert p.text == "the Hà Nội và Huế họp"
    assert [e.check for e in p.spans] == ["empty", "", ""]


def test_a_span_touching_an_entity_is_grown_to_cover_it(monkeypatch, aliases):
    seen = []
    _fake_rewriter(monkeypatch, lambda s: s.replace("<ent0>", "").strip(), seen)
    text = "Tướng Iwasaki Mao nói"
    det = _det(text, [Span(0, text.index(" Mao"), "grammar", "Tướng Iwasaki", 0.9)])
    prot = protect(text, aliases)
    assert [text[a:b] for a, b, _ in model_spans(det, prot)] == ["Tướng Iwasaki Mao"]
    (p,) = propose([det], NO_CALQUES, aliases)
    assert seen[0][1] == "Tướng <ent0>"
    # dropping the placeholder is refused: the span is kept, the alias still canonicalised
    assert p.spans[0].check == "placeholders" and p.text == "Tướng Shigeru Iwasaki nói"


def test_protect_restore_roundtrip(aliases):
    for text in ADVERSARIAL:
        prot = protect(text, aliases)
        assert prot is not None
        assert restore(prot.text, prot) == apply_fixed(text, aliases)[0]
        assert verify(restore(prot.text, prot), prot, aliases) == []


def test_too_many_entities_fall_back(monkeypatch, aliases):
    _fake_rewriter(monkeypatch, TRANSFORMS["copy"])
    text = ", ".join(["Duboji"] * 20) + " and"
    (p,) = propose([_det(text, [_span(text, "and", "english")])], NO_CALQUES, aliases)
    assert p.source == "fallback" and "Duboji" not in p.text


def test_keep_path_of_a_trained_model(tiny_rewriter, aliases):
    """With an infinite margin every span is kept (only deterministic repairs remain); with
    no margin the model's own repairs are used wherever they pass the checks."""
    text = "Hai bên nhất trí tăng cường hợp tác và hợp tác trong khu vực, Duboji nói."
    det = _det(text, [_span(text, "hợp tác và hợp tác"), _span(text, "Duboji", "alias")])
    never = RewriteSettings(model=str(tiny_rewriter), calques=None, keep_margin=math.inf)
    (p,) = propose([det], never, aliases)
    assert p.text == text.replace("Duboji", "Đỗ Bá Tỵ") and p.source == "alias"
    assert [e.check for e in p.spans] == ["keep"]
    always = RewriteSettings(model=str(tiny_rewriter), calques=None, keep_margin=-math.inf)
    (q,) = propose([det], always, aliases)
    assert "Đỗ Bá Tỵ" in q.text and "Duboji" not in q.text
    assert q.text.startswith("Hai bên nhất trí tăng cường ")
    assert q.text.endswith(" trong khu vực, Đỗ Bá Tỵ nói.")


# ----------------------------------------------------------------------------- guard


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


@pytest.mark.parametrize(
    "span, repair, problem",
    [
        ("vai trò và vai trò", "vai trò", ""),
        ("February 17", "ngày 17/2", ""),
        ("and", "", "empty"),
        ("and", "và và", "repetition"),
        ("có có", "có có", ""),  # repetition the span already had
        ("the", "một hai ba bốn năm sáu bảy", "length"),
        ("năm 2017", "năm nay", "number"),
        ('"Doxian"', "dioxin", "quote"),
    ],
)
def test_span_guard(span, repair, problem):
    assert span_problem(span, repair) == problem


@pytest.mark.parametrize(
    "left, span, repair, right, problem",
    [
        ("chất", "vấn", "vấn về", "về vấn đề", "repetition"),  # "về về" after the repair
        ("họp", "fan", "fan nữ", ", một fan nữ đã", "copied"),  # continues into the context
        ("quốc", "gia", "gia bế mạc", ", tham gia bế mạc", "copied"),
        ("giữa", "Nhật Bản và Nhật Bản", "Nhật Bản", "và Việt Nam", ""),
        ("quân đội", "và quân đội", "", "Mỹ", "empty"),
        ("thăm", "<ent0> và", "<ent0>", "", ""),
        ("thăm", "<ent0> và", "và", "", "placeholders"),
        ("Ngày", "ngày", "ngày", "", ""),  # a repetition the text already had
    ],
)
def test_span_guard_in_context(left, span, repair, right, problem):
    assert span_problem(span, repair, left, right) == problem


# ----------------------------------------------------------------------------- calques, dates


def test_known_calques_are_proposed_like_alias_rows(monkeypatch, aliases, tmp_path):
    calques = tmp_path / "calques.tsv"
    calques.write_text("phrase\tsuggestion\tnote\tcontext\n"
                       "cuộc gọi lịch sự\tchào xã giao\t礼节性拜会\t\n"
                       "ngày hôm sau\tViệt Nam – Nhật Bản\t日越\tĐối thoại _\n"
                       "đạt đà\t\tflag only\t\n", encoding="utf-8")
    settings = RewriteSettings(calques=str(calques))
    texts = ["Ông có cuộc gọi lịch sự tới Hà Nội.", "Đối thoại ngày hôm sau diễn ra.",
             "Ngày hôm sau ông về.", "Quan hệ đạt đà tốt."]
    props = list(propose([_det(t) for t in texts], settings, aliases))
    assert [p.text for p in props] == ["Ông có chào xã giao tới Hà Nội.",
                                       "Đối thoại Việt Nam – Nhật Bản diễn ra.",
                                       "Ngày hôm sau ông về.", "Quan hệ đạt đà tốt."]
    assert [p.source for p in props] == ["calque", "calque", "unchanged", "unchanged"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("báo cáo February 17, Nguyễn", "báo cáo ngày 17/2, Nguyễn"),
        ("Hà Nội - June 5 trên", "Hà Nội - ngày 5/6 trên"),
        ("sáng Feb. 3, 2019 ông", "sáng 3/2/2019 ông"),
        ("họp on 17 February 2018 và", "họp ngày 17/2/2018 và"),
        ("từ November 2016, ông", "từ tháng 11/2016, ông"),
        ("hôm Monday họ", "hôm thứ Hai họ"),
        ("May 5 người thoát nạn", "May 5 người thoát nạn"),  # "May" is Vietnamese too
        ("tháng 5 may quá", "tháng 5 may quá"),
        ("Today trời đẹp.", "Hôm nay trời đẹp."),
        ("Họ gặp nhau last week tại Huế.", "Họ gặp nhau tuần trước tại Huế."),
        ("Họp at 18:30 rồi.", "Họp lúc 18h30 rồi."),
        ("Bắt đầu 7 p.m. tối", "Bắt đầu 19h tối"),
        ("lúc 18:00 hôm qua", "lúc 18:00 hôm qua"),  # Vietnamese news writes clock times so too
        ("Ông nói in October.", "Ông nói tháng 10."),
        ("Báo USA Today đưa tin", "Báo USA Today đưa tin"),  # names, not dates
        ("Tờ Sunday Mirror cho hay", "Tờ Sunday Mirror cho hay"),
        ("Tôi thích bài Yesterday", "Tôi thích bài Yesterday"),
        ("ông June Byung-hun", "ông June Byung-hun"),
        ("bản Hold me tonight", "bản Hold me tonight"),
        ("Tượng Thánh Jan Nepomucký", "Tượng Thánh Jan Nepomucký"),
    ],
)
def test_english_dates_take_their_vietnamese_form(aliases, text, expected):
    assert apply_fixed(text, aliases)[0] == expected


def test_model_dir_errors(tmp_path):
    from repair.errors import ModelError

    with pytest.raises(ModelError, match="no config.json"):
        model_mod.SpanRewriter(tmp_path)


def test_greedy_passes_over_tokens_that_repeat_what_the_source_does_not(copy_model):
    """A model stuck on one token ("giữ giữ giữ ...") stops instead, unless the source itself
    repeats it."""
    from types import SimpleNamespace

    from repair.rewrite.decode import greedy

    class Stuck(torch.nn.Module):
        config = copy_model.config

        def get_encoder(self):
            return lambda input_ids, attention_mask: SimpleNamespace(
                last_hidden_state=torch.zeros(input_ids.shape[0], input_ids.shape[1], 4))

        def forward(self, decoder_input_ids, **kw):
            logits = torch.full((decoder_input_ids.shape[0], 1, 40), -5.0)
            logits[:, :, 7] = 0.0  # always "7"
            logits[:, :, 1] = -1.0  # eos second best
            return SimpleNamespace(logits=logits, cache=None, past_key_values=None)

    stuck = Stuck()
    (h,) = greedy(stuck, [[5, 7, 9, 1]], max_new_tokens=6, block_repeats=False)
    assert h.tokens == [7] * 6
    (h,) = greedy(stuck, [[5, 7, 9, 1]], max_new_tokens=6)
    assert h.tokens == [7, 1]
    (h,) = greedy(stuck, [[7, 7, 9, 1]], max_new_tokens=3)  # the source says "7 7"
    assert h.tokens[:2] == [7, 7]
