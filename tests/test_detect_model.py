"""The trained detector: features, a tiny model trained in a fixture, and its detections."""

import gzip
import json

import numpy as np
import pytest

from repair.detect import CATEGORIES, DetectSettings, detect
from repair.detect.features import FEATURE_NAMES, LexStats, featurize
from repair.detect.rules import RuleDetector
from repair.errors import ModelError
from repair.text import Segment

from .conftest import ROOT, SHARED

CLEAN = [
    "Hai bên nhất trí tăng cường hợp tác quốc phòng trong thời gian tới.",
    "Bộ trưởng Takeshi Iwaya đánh giá cao kết quả hợp tác giữa hai nước.",
    "Thủ tướng Nguyễn Xuân Phúc tiếp Đại sứ Nhật Bản tại Hà Nội.",
] * 20


@pytest.fixture(scope="module")
def rules():
    from repair.aliases import load_alias_tables

    return RuleDetector(
        DetectSettings(calques=str(ROOT / "configs/calques.tsv")),
        load_alias_tables([ROOT / "configs/aliases/seeds.tsv"]),
    )


def test_lexstats_roundtrip(tmp_path):
    stats = LexStats.count(CLEAN, min_count=2)
    assert stats.unigrams["hợp"] == 40 and stats.lower["hai"] == 40
    stats.save(tmp_path)
    again = LexStats.load(tmp_path)
    assert again.unigrams == stats.unigrams and again.total == stats.total
    assert np.array_equal(again.bigrams, np.minimum(stats.bigrams, 65535))


def test_featurize_shapes_and_values(rules):
    stats = LexStats.count(CLEAN)
    text = "Ông Ruan Chunfu nói vai trò và vai trò February 17."
    table = featurize(text, stats, rules)
    assert table.features.shape == (len(table.words), len(FEATURE_NAMES))
    assert [text[a:b] for a, b in zip(table.starts, table.ends, strict=True)] == table.words
    col = {n: i for i, n in enumerate(FEATURE_NAMES)}
    i = table.words.index("Chunfu")
    assert table.features[i, col["kind=pinyin"]] == 1.0
    assert table.features[i, col["log_count"]] == 0.0  # never seen in clean text
    j = table.words.index("February")
    assert table.features[j, col["rule=date"]] > 0.5


BATCH_CASES = [
    "Ông Ruan Chunfu nói vai trò và vai trò February 17.",
    "",
    "Trump",  # one token: no neighbours on either side
    "   ",
    "Hà Nội Hà Nội Hà Nội",  # repeats that must not reach into the next text
    "Tổng thống Donald Trump",  # a capitalised run at the end ...
    "Trump Donald nói.",  # ... and at the start of the next text
    "ông ông",
]


def test_featurize_batch_equals_one_text_at_a_time(rules):
    """No feature reaches across texts: neighbours, repeats, capitalised runs, positions."""
    from repair.detect.features import featurize_batch

    stats = LexStats.count(CLEAN)
    together = featurize_batch(BATCH_CASES, stats, rules)
    for text, table in zip(BATCH_CASES, together, strict=True):
        alone = featurize(text, stats, rules)
        assert (table.words, table.starts, table.ends) == (alone.words, alone.starts,
                                                           alone.ends)
        assert np.array_equal(table.features, alone.features), text
    col = {n: i for i, n in enumerate(FEATURE_NAMES)}
    first_of_next = together[6].features[0]  # "Trump" after "... Donald Trump"
    assert first_of_next[col["prev_cap"]] == 0 and first_of_next[col["same_as_prev"]] == 0
    assert first_of_next[col["position"]] == 0


def test_missing_model_directory(tmp_path):
    from repair.detect.model import load_detector

    with pytest.raises(ModelError, match="not a detector model directory"):
        load_detector(tmp_path)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    corpus = SHARED / "corpus" / "dev.jsonl.gz"
    if not corpus.exists():
        pytest.skip("shared corpus not available")
    from repair.aliases import load_alias_tables
    from repair.train.detector import DetectorTrainSettings, train_detector

    tmp = tmp_path_factory.mktemp("det")
    small = tmp / "corpus.jsonl.gz"
    with gzip.open(corpus, "rt", encoding="utf-8") as src, gzip.open(small, "wt") as dst:
        for k, line in enumerate(src):
            if k >= 3000:
                break
            dst.write(line)
    settings = DetectorTrainSettings(
        corpus=str(small),
        out=str(tmp / "model"),
        stats_sentences=1500,
        train_sentences=400,
        valid_sentences=150,
        num_boost_round=8,
        early_stopping_rounds=5,
        num_leaves=15,
        min_data_in_leaf=5,
        num_threads=1,
    )
    detect_settings = DetectSettings(calques=str(ROOT / "configs/calques.tsv"))
    aliases = load_alias_tables([ROOT / "configs/aliases/seeds.tsv"])
    metrics = train_detector(settings, detect_settings, aliases)
    return tmp / "model", metrics, aliases


def test_tiny_model_trains_and_detects(tiny_model):
    model_dir, metrics, aliases = tiny_model
    assert (model_dir / "config.json").exists() and (model_dir / "train_config.yaml").exists()
    assert 0.0 <= metrics["valid_recall_at_0.5"] <= 1.0 and metrics["train_tokens"] > 1000
    assert 0.0 <= metrics["recommended_threshold"] <= 1.0
    config = json.loads((model_dir / "config.json").read_text())
    assert config["classes"][0] == "O" and len(config["calibration"]) == 2

    settings = DetectSettings(calques=str(ROOT / "configs/calques.tsv"), model=str(model_dir))
    texts = [
        "Bộ trưởng Onodera Five Mã phát biểu tại hội nghị.",
        "Hai bên nhất trí tăng cường hợp tác quốc phòng.",
    ]
    dets = list(
        detect(
            [Segment(str(i), "d", t, 0, len(t), i) for i, t in enumerate(texts)], settings, aliases
        )
    )
    assert dets[0].flagged  # the alias variant is strong evidence whatever the model says
    for d in dets:
        assert 0.0 <= d.score <= 1.0
        if d.flagged:
            assert d.spans, "every flag is explained by spans"
        for s in d.spans:
            assert s.category in CATEGORIES and d.segment.text[s.start : s.end] == s.text


# --------------------------------------------------------------------------- the shipped model

SHIPPED = ROOT / "models" / "detector"


@pytest.fixture(scope="module")
def shipped(settings):
    if not (SHIPPED / "config.json").exists():
        pytest.skip("no shipped detector")
    import dataclasses

    return dataclasses.replace(settings.detect, model=str(SHIPPED), threshold=None)


@pytest.mark.parametrize(
    "text, flagged, category",
    [
        # names and terms in no alias table
        ("Bộ trưởng Quốc phòng Nhật Bản Hamada One đã gặp Đại tướng Phan Văn Giang.", True,
         "calque_name"),
        ("Chủ tịch Quốc hội Wang Tingyue đã phát biểu khai mạc kỳ họp.", True, "pinyin"),
        ("Hai bên sẽ gặp lại nhau on Monday để ký kết thỏa thuận.", True, "date"),
        ("Hai nước nhất trí tăng cường hợp tác kinh tế kinh tế trong thời gian tới.", True,
         "duplicate"),
        # clean text with real foreign names and dates
        ("Đạo diễn Tim Burton ra mắt bộ phim mới tại Hollywood.", False, None),
        ("Ông Tập Cận Bình và Tổng thống Joe Biden đã điện đàm hôm qua.", False, None),
        ("Hội nghị diễn ra vào ngày 5/6 tại Hà Nội với sự tham gia của 200 đại biểu.", False, None),
    ],
)
def test_shipped_model_cases(shipped, aliases, text, flagged, category):
    (det,) = detect([Segment("s", "d", text, 0, len(text), 0)], shipped, aliases)
    assert det.flagged is flagged, (det.score, det.spans)
    if category:
        assert category in {s.category for s in det.spans}


def test_model_only_term_below_the_news_operating_point(shipped, aliases):
    """The operating threshold 0.93 (chosen for <= 1% flags on clean dev news, issue #22)
    costs model-only detections between the validation operating point 0.8848 and 0.93: the
    span and its category are still found, the sentence is no longer flagged."""
    text = "Công ty đã nhập khẩu chất Diocxin từ nước ngoài."
    (det,) = detect([Segment("s", "d", text, 0, len(text), 0)], shipped, aliases)
    assert "term" in {s.category for s in det.spans}
    assert 0.8848 <= det.score < 0.93 and not det.flagged


def test_shipped_model_meets_targets_on_seed_dev(settings, shipped, aliases):
    if not (SHARED / "seed_dev.jsonl").exists():
        pytest.skip("shared data not available")
    import dataclasses

    from repair.eval.evaluate import evaluate
    from repair.pipeline import Pipeline

    s = dataclasses.replace(settings, detect=shipped,
                            eval=dataclasses.replace(settings.eval, clean_n=2000))
    rep = evaluate(SHARED / "seed_dev.jsonl", Pipeline.from_settings(s, aliases), s.eval)
    assert rep.auc >= 0.97 and rep.recall >= 0.95 and len(rep.false_positives) <= 2
    flagged, total = rep.heldout_clean
    assert total == 2000 and flagged / total <= 0.02


def test_train_detector_command_writes_a_measured_model_card(tmp_path):
    corpus = SHARED / "corpus" / "dev.jsonl.gz"
    if not corpus.exists():
        pytest.skip("shared corpus not available")
    from .conftest import run_cli

    small = tmp_path / "corpus.jsonl.gz"
    with gzip.open(corpus, "rt", encoding="utf-8") as src, gzip.open(small, "wt") as dst:
        for k, line in enumerate(src):
            if k >= 2000:
                break
            dst.write(line)
    cfg = tmp_path / "train.yaml"
    cfg.write_text(
        f"train:\n  corpus: {small}\n  stats_sentences: 1000\n  train_sentences: 300\n"
        "  valid_sentences: 100\n  num_boost_round: 5\n  num_leaves: 7\n  min_data_in_leaf: 5\n"
        "  num_threads: 1\n", encoding="utf-8")
    out = tmp_path / "det"
    assert run_cli("train", "detector", "--config", cfg, "--out", out) == 0
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "## `repair eval`" in card and "## `repair bench detect`" in card
    assert "stats_sentences: 1000" in card
    assert run_cli("train", "detector", "--config", tmp_path / "missing.yaml") == 2
