"""Issue #21: rank order, doubled function words, closing "etc.", weekdays (rules)."""

import pytest

from repair.aliases import AliasTable
from repair.rewrite.dates import find_dates
from repair.rewrite.propose import _splice, fixed_matches


@pytest.mark.parametrize("text, fixed", [
    ("Trần Văn Hải trung tướng phát biểu.", "Trung tướng Trần Văn Hải phát biểu."),
    ("Ông nói Lê Hùng đô đốc, Tư lệnh, đã đến.", "Ông nói Đô đốc Lê Hùng, Tư lệnh, đã đến."),
    ("Bộ trưởng Nhật Bản tướng Sato nói.", None),          # the rank has a name of its own
    ("Đại tướng Trần Văn Hải phát biểu.", None),            # already in order
    # a two-word title whose capitalised head the name run took: not "Tướng ... Thủ"
    ("Ông gặp Margaret Thatcher Thủ tướng hôm qua.", None),
    ("Trần Văn Hải Đại tướng phát biểu.", None),
    ("Họ đã đã ký và và chào.", "Họ đã ký và chào."),
    ("Những những người đến.", "Những người đến."),
    ("Ông ấy nói nói mãi.", None),                         # not a function word
    ("Các nước họp, etc.", "Các nước họp."),
    ("Các nước họp vv.", "Các nước họp."),
    ("Các nước họp, v.v.", None),                          # well-formed Vietnamese
])
def test_leftover_rules(text, fixed):
    ms = fixed_matches(text, AliasTable(), dates=False, leftovers=True)
    assert (_splice(text, ms) if ms else None) == fixed
    assert not fixed_matches(text, AliasTable(), dates=False, leftovers=False)


@pytest.mark.parametrize("text, fixed", [
    ("Báo cáo on Tuesday, ông nói.", "Báo cáo hôm thứ Ba, ông nói."),
    ("On Friday, ông đến.", "Hôm thứ Sáu, ông đến."),
    ("Ông gặp Joko Widodo on Sunday tại đây.", "Ông gặp Joko Widodo hôm Chủ nhật tại đây."),
    ("Đoàn đến vào Saturday.", "Đoàn đến vào thứ Bảy."),
    ("Báo Sunday Mirror viết.", "Báo Sunday Mirror viết."),
])
def test_weekdays(text, fixed):
    assert _splice(text, find_dates(text)) == fixed
