"""The alias-table check judges a variant by what it would rewrite in real text: the counts of
the variant as written in clean news (models/aliases/phrase_counts.tsv.gz)."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from repair.aliases import FREQUENT_COUNT, AliasTable, load_alias_tables
from repair.aliases.counts import (
    PhraseCounts,
    count_ngrams,
    load_phrase_counts,
    phrase_tokens,
    save_phrase_counts,
)
from repair.errors import AliasTableError

from .conftest import ROOT, run_cli

HEADER = "canonical\ttype\tvariants\tcontext\n"
DATA = ROOT / "tests" / "data" / "aliases"


def test_a_real_world_table_of_transliterations_and_names_loads():
    """Hyphenated transliterations (I-rắc, ra-đa, ra-đi-ô) and multi-word names: all 73
    variants load (the syllable-by-syllable check refused 6 of them)."""
    table = load_alias_tables([DATA / "realworld.tsv"])
    assert sum(len(r.variants) for r in table.rows) == 73
    assert [m.canonical for m in table.find("Quân đội I-rắc dùng ra-đa và ra-đi-ô.")] == [
        "Iraq", "radar", "radio"]


def test_the_default_table_loads():
    assert len(load_alias_tables([ROOT / "configs" / "aliases" / "seeds.tsv"])) == 10


@pytest.mark.parametrize("variant, canonical, shown", [
    ("thành phố", "Hà Nội", "8057 times"),               # the everyday phrase
    ("Thành phố", "Hà Nội", "times as 'thành phố'"),     # the same at a sentence start
    ("Ngày hôm sau", "Việt Nam – Nhật Bản", "times as 'ngày hôm sau'"),
    ("người dân", "Nhân dân", "times"),
    ("Đài Loan", "Taiwan", "853 times"),                 # the held-out family's one refusal
    ("và", "Ông Và", "times"),
])
def test_a_context_free_everyday_phrase_is_refused_with_its_count(write, variant, canonical,
                                                                  shown):
    path = write("t.tsv", HEADER + f"Xyz Qwv\tperson\tQwzt\n{canonical}\tplace\t{variant}\n")
    with pytest.raises(AliasTableError) as err:
        load_alias_tables([path])
    msg = str(err.value)
    assert msg.startswith(f"{path}:3:") and shown in msg and "per million words" in msg
    assert "Add a context column" in msg
    # with a context it is judged no more: it only rewrites where the context says
    ok = write("ok.tsv", HEADER + f"{canonical}\tplace\t{variant}\tÔng Qwzt _\n")
    assert len(load_alias_tables([ok])) == 1


@pytest.mark.parametrize("variants, needle", [
    ("A||B", "empty variant"), ("A|", "empty variant"), ("|A", "empty variant"),
    ("Hà Nội", "is the canonical name itself"),
    ("Qwzt|Hà Nội", "is the canonical name itself"),
])
def test_empty_and_self_variants_name_the_line(write, variants, needle):
    path = write("t.tsv", HEADER + "Xyz Qwv\tperson\tQwzt\nHà Nội\tplace\t" + variants + "\n")
    with pytest.raises(AliasTableError) as err:
        load_alias_tables([path])
    assert str(err.value).startswith(f"{path}:3:") and needle in str(err.value)


def test_tone_placement_self_variant(write):
    path = write("t.tsv", HEADER + "Hòa Bình\tplace\tHoà Bình\n")
    with pytest.raises(AliasTableError, match="canonical name itself"):
        load_alias_tables([path])


def test_counts_key_phrases_as_the_matcher_sees_them(tmp_path):
    sentences = ["Quân I-rắc có ra-đa, ra-đi-ô.", "Ở thành phố Hà Nội, thành phố lớn.",
                 "Thành phố đẹp; thành, phố.", "Hoà bình ở I-rắc ra đa."] * 3
    counts, words = count_ngrams(sentences, floor=3)
    assert words == 3 * 24
    pc = PhraseCounts(counts, 3, words, len(sentences), "test")
    assert pc.count("I-rắc") == (6, True)         # the hyphenated word is one token
    assert pc.count("ra-đa") == (3, True) and pc.count("ra đa") == (3, True)
    assert pc.count("thành phố") == (6, True)     # not across the comma
    assert pc.count("Thành phố") == (3, True)     # case kept
    assert pc.count("Hòa bình") == (3, True)      # tone placement folded
    assert pc.count("I-rắc, ra") == (None, False)  # not a plain run of words
    assert phrase_tokens("  ra-đi-ô ") == ("ra-đi-ô",)
    assert pc.count("ở thành phố Hà Nội thành") == (0, False)  # 5 words: an upper bound
    path = tmp_path / "c.tsv.gz"
    save_phrase_counts(path, counts, floor=3, words=words, sentences=12, source="test")
    back = load_phrase_counts(str(path))
    assert back.counts == counts and back.words == words and back.floor == 3


def test_counts_are_read_only_for_a_context_free_variant(write, monkeypatch):
    import repair.aliases as aliases

    calls = []
    monkeypatch.setattr(aliases, "_phrase_counts", lambda p: calls.append(p) or 1 / 0)
    load_alias_tables([write("c.tsv", HEADER + "Đỗ Bá Tỵ\tperson\tDoberman\tĐô đốc _\n")])
    assert calls == []


def test_the_shipped_counts_and_their_card():
    pc = load_phrase_counts(str(ROOT / "models" / "aliases" / "phrase_counts.tsv.gz"))
    assert pc.floor <= FREQUENT_COUNT and pc.sentences == 653_767
    card = (ROOT / "models" / "aliases" / "README.md").read_text(encoding="utf-8")
    assert "repair train alias-counts" in card and f"{pc.words:,}" in card


# ------------------------------------------------------------------ aliases suggest


def test_aliases_suggest_proposes_only_rows_that_load(tmp_path, settings, capsys):
    """A simulated reviewer fixes names (the default table's rows), English dates and an
    everyday phrase; the suggestions load as a table, hold no date and no everyday phrase."""
    from repair.aliases import canonicalize
    from repair.jobs import run_job
    from repair.review import Queue
    from repair.rewrite.dates import find_dates

    from .conftest import SAMPLES
    from .review_support import rules_settings

    db = tmp_path / "q.db"
    s = rules_settings(settings)
    s = replace(s, aliases=(), queue=replace(s.queue, path=str(db), all=True))
    run_job([SAMPLES], tmp_path / "o.jsonl", s)
    seeds = load_alias_tables([ROOT / "configs" / "aliases" / "seeds.tsv"])
    with Queue(str(db), aliases=AliasTable()) as q:
        for it in q.items():
            final, _ = canonicalize(it.text, seeds)
            for m in reversed(find_dates(final)):
                final = final[: m.start] + m.canonical + final[m.end:]
            if final != it.text:
                q.decide(it.id, "edit", "sim", final_text=final, force=True)
    out = tmp_path / "rows.tsv"
    cfg = tmp_path / "no-table.yaml"
    cfg.write_text("aliases: []\n", encoding="utf-8")
    assert run_cli("aliases", "suggest", "--queue", db, "--out", out, "--config", cfg) == 0
    err = capsys.readouterr().err
    assert "a date repair, not a name" in err and "'Ngày hôm sau'" in err
    table = load_alias_tables([out])  # every suggested row loads
    variants = {v for r in table.rows for v in r.variants}
    assert {"Ruan Chunfu", "Okinaw", "Diorcin"} <= variants
    assert not any(find_dates(v) for v in variants) and "Ngày hôm sau" not in variants
    assert json.loads(json.dumps(sorted(variants)))  # plain strings
    assert Path(str(out) + ".config.yaml").exists()
