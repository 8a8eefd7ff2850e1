import pytest

from repair import ROOT, project_path
from repair.aliases import canonicalize, load_alias_tables
from repair.errors import AliasTableError

TABLE = (
    "canonical\ttype\tvariants\tcontext\n"
    "Đỗ Bá Tỵ\tperson\tDuboji|Du Bo Pat|Tổng Doberman\n"
    "Đỗ Bá Tỵ\tperson\tDoberman|Burton\tĐô đốc _|_ đô đốc\n"
    "Itsunori Onodera\tperson\tOnodera Five Mã|Onodera\n"
    "hòa bình\tterm\thoà bìnhh\n"
)


@pytest.fixture
def table(write):
    return load_alias_tables([write("a.tsv", TABLE)])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Đô đốc Duboji thăm Nhật Bản", "Đô đốc Đỗ Bá Tỵ thăm Nhật Bản"),
        ("Đô đốc Burton nhấn mạnh", "Đô đốc Đỗ Bá Tỵ nhấn mạnh"),
        ("Đô Đốc Burton nhấn mạnh", "Đô Đốc Đỗ Bá Tỵ nhấn mạnh"),  # context ignores case
        ("Burton đô đốc nhấn mạnh", "Đỗ Bá Tỵ đô đốc nhấn mạnh"),  # right context
        ("đạo diễn Tim Burton ra phim mới", "đạo diễn Tim Burton ra phim mới"),  # no context
        ("Tổng Doberman nói rằng", "Đỗ Bá Tỵ nói rằng"),  # longest match first
        ("chó Doberman", "chó Doberman"),
        ("Ông Onodera Five Mã nói", "Ông Itsunori Onodera nói"),
        ("Dubojis và xDuboji", "Dubojis và xDuboji"),  # word boundaries
        ("duboji", "duboji"),  # case-sensitive
        ("Duboji", "Đỗ Bá Tỵ"),  # at both edges
        ("vì hòa bìnhh", "vì hòa bình"),  # tone placement insensitive
    ],
)
def test_canonicalize(table, text, expected):
    assert canonicalize(text, table)[0] == expected


def test_digest_changes_with_content(write, table):
    other = load_alias_tables([write("b.tsv", TABLE + "Xavier Qwzt\tperson\tQwzt Xav\n")])
    assert table.digest != other.digest and len(table.digest) == 12


@pytest.mark.parametrize(
    "content, line, needle",
    [
        ("canon\ttype\tvariants\n", 1, "header"),
        ("canonical\ttype\tvariants\nA\tperson\n", 2, "columns"),
        ("canonical\ttype\tvariants\n\tperson\tB\n", 2, "empty canonical"),
        ("canonical\ttype\tvariants\nA\tperson\tB\tc\td\n", 2, "columns"),
        ("canonical\ttype\tvariants\tcontext\nA\tperson\tB\tsomewhere\n", 2, "context"),
    ],
)
def test_malformed_table(write, content, line, needle):
    path = write("bad.tsv", content)
    with pytest.raises(AliasTableError) as err:
        load_alias_tables([path])
    assert f"{path}:{line}:" in str(err.value) and needle in str(err.value)


def test_three_column_tables_stay_valid(write):
    t = load_alias_tables(
        [write("c.tsv", "canonical\ttype\tvariants\ndioxin\tterm\tDiorcin|Doxian\n")]
    )
    assert canonicalize("chất Doxian", t)[0] == "chất dioxin"


def test_row_sources_name_project_tables_relative(write, monkeypatch, tmp_path):
    """Output records carry a table's place relative to the project (the same bytes from any
    checkout or working directory); a table outside it keeps its absolute path."""
    monkeypatch.chdir(tmp_path)
    inside = load_alias_tables([ROOT / "configs/aliases/seeds.tsv"]).rows[0].source
    assert inside.startswith("configs/aliases/seeds.tsv:")
    outside = load_alias_tables([write("o.tsv", TABLE)]).rows[0].source
    assert outside.startswith(str(tmp_path)) and project_path(outside.rpartition(":")[0]).is_file()
