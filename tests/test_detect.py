"""The transparent rules (the detector without a model)."""

import dataclasses

import pytest

from repair.detect import detect
from repair.text import Segment


def _detect(text, settings, aliases):
    rules_only = dataclasses.replace(settings.detect, model=None, threshold=None)
    (det,) = detect([Segment("s", "d", text, 0, len(text), 0)], rules_only, aliases)
    return det


@pytest.mark.parametrize(
    "text, category",
    [
        ("Bộ trưởng Onodera Five Mã phát biểu.", "alias"),
        ("Phóng viên báo cáo February 17, hai bên gặp nhau.", "date"),
        ("Ông đánh giá cao vai trò và vai trò của quân đội.", "duplicate"),
        ("Cả Nhật Bản lẫn Nhật Bản đều là các nước trong khu vực.", "duplicate"),
        ("Hai bên và và nhất trí tăng cường hợp tác.", "duplicate"),
        ("Khi có cuộc gọi lịch sự trên Bộ trưởng, ông nói.", "calque"),
        ("Quan hệ đối tác chiến lược giữa Nhật Bản.", "grammar"),
        ("Ông Bắc canon đến thăm Hà Nội.", "english"),
        ("Hai bên nhất trí however tăng cường hợp tác.", "english"),
        # issue #22: Vietnamese news writes Chinese leaders in Hán-Việt (Tập Cận Bình);
        # "Jinping" occurs in none of the 653,767 clean training sentences
        ("Tổng thống Nga Vladimir Putin gặp ông Xi Jinping tại Moscow.", "pinyin"),
    ],
)
def test_artifacts_flagged_with_category(settings, aliases, text, category):
    det = _detect(text, settings, aliases)
    assert det.flagged, det
    spans = [s for s in det.spans if s.category == category]
    assert spans and all(text[s.start : s.end] == s.text for s in det.spans)


@pytest.mark.parametrize(
    "text",
    [
        "Bộ trưởng Takeshi Iwaya đánh giá cao kết quả hợp tác.",
        "Thượng tướng Phan Văn Giang và Đô đốc Katsutoshi Kawano đã trao đổi.",
        "Sự phối hợp trên diễn đàn đa phương, nhất là ARF và ADMM+ được tăng cường.",
        "Đạo diễn Tim Burton ra mắt phim mới tại Hollywood.",
        "Hợp tác giữa Việt Nam và Nhật Bản ngày càng phát triển.",
        "Người người, nhà nhà thi đua; xe chạy từ từ qua cầu.",
        "Đảng của ông giành thắng lợi trong cuộc bầu cử.",
        "Hai bên trao đổi về tình hình hợp tác quốc phòng song phương và phương hướng hợp tác.",
    ],
)
def test_clean_sentences_not_flagged(settings, aliases, text):
    det = _detect(text, settings, aliases)
    assert not det.flagged, det.spans


def test_score_is_a_probability(settings, aliases):
    det = _detect(
        "Ông Tây canon gặp Onodera Five Mã February 17 vai trò và vai trò.", settings, aliases
    )
    assert 0.99 < det.score <= 1.0
