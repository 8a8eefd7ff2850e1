"""Word tables the runtime needs: English month, weekday and relative-day words with their
Vietnamese forms. The date rules (``repair.rewrite.dates``) read them to repair English dates,
and the synthetic generator (``repair.synth.date``) to write them: one table, so the two never
disagree about a word.
"""

__all__ = ["MONTHS", "MONTHS_ABBR", "RELATIVE_EN", "WEEKDAYS"]

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
MONTHS_ABBR = (
    "Jan.",
    "Feb.",
    "March",
    "April",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
)
RELATIVE_EN = {
    "hôm qua": ("yesterday",),
    "hôm nay": ("today",),
    "sáng nay": ("this morning",),
    "chiều nay": ("this afternoon",),
    "tối nay": ("tonight", "this evening"),
    "tuần trước": ("last week",),
    "tuần tới": ("next week",),
    "năm ngoái": ("last year",),
    "tháng trước": ("last month",),
    "năm tới": ("next year",),
    "ngày mai": ("tomorrow",),
}
WEEKDAYS = {
    "Hai": "Monday",
    "Ba": "Tuesday",
    "Tư": "Wednesday",
    "Năm": "Thursday",
    "Sáu": "Friday",
    "Bảy": "Saturday",
}
