"""``repair names``: names no alias table knows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from repair.cli import common

__all__ = ["register"]

names_app = common.group(help="Names no alias table knows.")


@names_app.command("resolve")
def names_resolve(
    src: Annotated[Path, typer.Argument(help="JSONL: id, text (the rendering), [context]")],
    out: common.Out,
    config: common.ConfigOpt = None,
    top_k: Annotated[int | None, common.count_option("candidates per rendering")] = None,
) -> None:
    """Candidate Vietnamese names for pinyin renderings, best first, with their evidence."""
    from repair.names import resolve_file
    from repair.text.outputs import guarded_file

    run = common.settings(config, **{"names.top_k": top_k})
    with guarded_file(out, [src], command="names resolve", settings=run.names) as path:
        n = resolve_file(src, path, run.names)
    common.console.print(f"{n} renderings resolved -> {path}")


@names_app.command("eval")
def names_eval(
    labelled: Annotated[Path, typer.Argument(help="TSV with rendering, name [, context]")] = Path(
        "tests/data/names/vi_pinyin_names.tsv"
    ),
    config: common.ConfigOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="list every miss")] = False,
    clean_n: Annotated[
        int, typer.Option(
            min=0, help="also run the pipeline on N held-out clean sentences (eval.clean)")
    ] = 0,
    no_default_aliases: Annotated[
        bool, typer.Option("--no-default-aliases", help="without the config's alias tables")
    ] = False,
) -> None:
    """Top-1 / top-5 of the resolver on a labelled list of renderings; with --clean-n, what
    candidates do on clean text (they must never end up in a proposal)."""
    from repair.config import load_aliases
    from repair.names import evaluate_list

    run = common.settings(config, aliases=[] if no_default_aliases else None)
    rep = evaluate_list(labelled, run.names)
    rows = rep.rows()
    examples: list[str] = []
    if clean_n > 0 and run.eval.clean:
        from repair.eval.names import clean_candidates
        from repair.pipeline import Pipeline

        clean = clean_candidates(run.eval.clean, clean_n,
                                 Pipeline.from_settings(run, load_aliases(run)))
        rows += clean.rows()
        examples = clean.examples
    Console().print(common.measure_table(f"repair names eval: {labelled.name}", rows))
    if verbose:
        for rendering, gold, cands in rep.misses:
            Console().print(f"  {rendering} -> {gold}: {', '.join(cands)}", highlight=False)
        for line in examples:
            Console().print(f"  clean with candidates: {line}", highlight=False)


@names_app.command("gazetteer")
def names_gazetteer(
    corpus: common.CorpusOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="gazetteer file (default: names.gazetteer); its settings go "
        "beside it as OUT.config.yaml")] = None,
    stats_out: Annotated[Path | None, typer.Option(
        "--stats-out", help="name statistics file (default: detect.name_stats without --out, "
        "else name_stats.tsv.gz beside --out); settings beside it likewise")] = None,
    min_count: Annotated[int, common.count_option("keep names seen at least this often")] = 3,
    config: common.ConfigOpt = None,
) -> None:
    """Mine the name gazetteer (names, counts, title / place context) from clean news, and
    the name statistics of the detector's name rules (--stats-out)."""
    from repair import project_path
    from repair.names import mine_gazetteer, mine_name_stats
    from repair.text.outputs import guarded_file

    run = common.settings(config)
    target = common.out_path(out, run.names.gazetteer)
    stats_target = common.out_path(stats_out, None) if stats_out else (
        target.with_name("name_stats.tsv.gz") if out is not None
        else project_path(run.detect.name_stats or "models/names/name_stats.tsv.gz"))
    corpus_path = common.corpus_path(corpus)
    with (guarded_file(target, [corpus_path], command="names gazetteer",
                       extra={"corpus": str(corpus_path), "min_count": min_count}) as t,
          guarded_file(stats_target, [corpus_path, target], option="--stats-out",
                       command="names gazetteer",
                       extra={"corpus": str(corpus_path)}) as st):
        sentences = common.corpus_sentences(corpus_path)
        gaz = mine_gazetteer(sentences, min_count=min_count)
        gaz.save(t)
        common.console.print(f"{len(gaz.names)} names, {len(gaz.syllables)} syllables -> {t}")
        stats = mine_name_stats(sentences)
        stats.save(st)
        common.console.print(f"{len(stats.words)} words, {len(stats.slots)} name slots -> {st}")


@names_app.command("accept")
def names_accept(
    item_id: common.ItemArg,
    queue: common.QueueOpt,
    reviewer: common.ReviewerOpt,
    span: Annotated[int | None, typer.Option(
        min=0, help="span index (default: first with candidates)")] = None,
    candidate: Annotated[int, typer.Option(min=0, help="candidate index, 0 = best")] = 0,
    comment: common.CommentOpt = None,
    force: common.ForceOpt = False,
    config: common.ConfigOpt = None,
) -> None:
    """Apply one name candidate as the reviewer's edit and print the alias row it offers."""
    from repair.names import load_resolver
    from repair.names.review import accept_candidate

    with common.open_queue(queue, config) as q:
        decision, row = accept_candidate(q, item_id, reviewer, span, candidate, comment, force,
                                         load_resolver(common.settings(config).names))
    typer.echo(json.dumps(decision.to_dict(), ensure_ascii=False))
    typer.echo(f"alias row offered (repair aliases suggest lists it):\n{row}", err=True)


def register(app: typer.Typer) -> None:
    app.add_typer(names_app, name="names")
