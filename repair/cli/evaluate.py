"""``repair eval`` and ``repair bench``: how well the pipeline does, and how fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from repair.cli import common

__all__ = ["register"]

bench_app = common.group(help="Throughput and memory benchmarks.")

RewriterOpt = Annotated[Path | None, typer.Option(
    "--rewriter", help="span rewriter directory (default: rewrite.model)")]
OldModelOpt = Annotated[Path | None, typer.Option(
    "--model", hidden=True, help="deprecated spelling of --rewriter")]
DeviceOpt = Annotated[str, typer.Option(
    help="where the rewriter runs: cpu, cuda or cuda:N (a GPU: half precision, a larger "
         "batch; refused with a message where there is none)")]


def eval_cmd(
    gold: Annotated[
        Path | None, typer.Option("--gold", help="labelled JSONL (default: eval.gold)")
    ] = None,
    aliases: common.AliasOpt = None,
    config: common.ConfigOpt = None,
    detector: Annotated[Path | None, typer.Option(
        "--detector", help="detector model directory (default: detect.model)")] = None,
    model: Annotated[Path | None, typer.Option(
        "--model", hidden=True, help="deprecated spelling of --detector")] = None,
    clean_n: Annotated[
        int | None, typer.Option(min=0, help="held-out clean sentences for the FPR (0 = skip)")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="list every failure")] = False,
    rewriter: RewriterOpt = None,
    synthetic: Annotated[
        int, typer.Option(min=0, help="also score the rewriter on N held-out synthetic sentences")
    ] = 0,
    no_default_aliases: Annotated[
        bool, typer.Option("--no-default-aliases", help="without the config's alias tables")
    ] = False,
    harm: Annotated[int, typer.Option(
        help="also list every change on N clean human-written sentences no stage reads")] = 0,
) -> None:
    """Measure detection and proposals on a labelled file and held-out clean text."""
    from repair.config import load_aliases
    from repair.errors import ConfigError
    from repair.eval.evaluate import evaluate

    detector = common.renamed(detector, model, "--model", "--detector")
    run = common.settings(config, **{"detect.model": common.abs_path(detector),
                                     "eval.clean_n": clean_n,
                              "rewrite.model": common.abs_path(rewriter),
                              "aliases": [] if no_default_aliases else None})
    gold = gold or (Path(run.eval.gold) if run.eval.gold else None)
    if gold is None:
        raise ConfigError("no gold file: pass --gold FILE.jsonl or set eval.gold")
    from repair.pipeline import Pipeline

    pipeline = Pipeline.from_settings(run, load_aliases(run, aliases or []))
    report = evaluate(gold, pipeline, run.eval)
    out = common.stdout()
    out.print(common.measure_table("repair eval", report.rows()))
    out.print(f"signature: {report.signature}")
    if report.missed:
        out.print(f"missed artifacts: {', '.join(report.missed)}")
    if report.false_positives:
        out.print(f"false positives: {', '.join(report.false_positives)}")
    if verbose:
        for f in report.failures:
            out.print(f"  {f}")
    if harm > 0:
        from repair.eval.harm import clean_changes, clean_human_sentences

        if not run.eval.clean:
            raise ConfigError("no held-out corpus: set eval.clean for --harm")
        sents = clean_human_sentences(run.eval.clean, harm)
        changes = clean_changes(pipeline, sents)
        out.print(f"clean human-written sentences unchanged: {len(sents) - len(changes)}/"
                  f"{len(sents)} = {1 - len(changes) / max(1, len(sents)):.4f}")
        for c in changes:
            out.print(f"  [{c.index}] {c.source}\n  - {c.text}\n  + {c.proposal}",
                      highlight=False, markup=False)
    if synthetic > 0:
        from repair.eval.heldout import evaluate_synthetic

        if not run.eval.clean:
            raise ConfigError("no held-out corpus: set eval.clean for --synthetic")
        syn = evaluate_synthetic(run.eval.clean, synthetic, pipeline)
        out.print(common.measure_table("repair eval: held-out synthetic sentences and spans",
                                syn.rows()))
        out.print(f"signature: {syn.signature}")
        if verbose:
            for src, hyp, ref in syn.examples:
                out.print(f"  in:  {src}\n  out: {hyp}\n  ref: {ref}\n", highlight=False)


@bench_app.command("detect")
def bench_detect_cmd(
    source: Annotated[Path | None, typer.Option(help="corpus .jsonl.gz or articles")] = None,
    n: Annotated[int, common.count_option("sentences")] = 5000,
    config: common.ConfigOpt = None,
) -> None:
    """Sentences per second and peak memory of the whole detector on this machine."""
    from repair.config import load_aliases
    from repair.eval.bench import bench_detect, bench_sentences, bench_source
    from repair.pipeline import Pipeline

    run = common.settings(config)
    src = bench_source(source, run.eval.clean)
    result = bench_detect(bench_sentences(src, n), Pipeline.from_settings(run, load_aliases(run)))
    common.stdout().print(common.measure_table(f"repair bench detect ({src.name})",
                                 ((k, str(v)) for k, v in result.items())))


@bench_app.command("segment")
def bench_segment_cmd(
    source: Annotated[Path | None, typer.Option(help="corpus .jsonl.gz or articles")] = None,
    size_mb: Annotated[float, typer.Option(help="size of the text files, MB")] = 1.0,
    sentences: Annotated[int, common.count_option("sentences in the one JSONL record")] = 20_000,
    stage: Annotated[str, typer.Option(help="detect (the whole job) | segment")] = "detect",
    config: common.ConfigOpt = None,
) -> None:
    """Seconds for the same sentences as text with line breaks, as one line, and as one JSONL
    record: a long line should cost what the line-broken text does."""
    from repair.eval.bench import bench_sentences, bench_source
    from repair.jobs.bench_input import bench_shapes

    run = common.settings(config)
    src = bench_source(source, run.eval.clean)
    results = bench_shapes(bench_sentences(src, min(sentences, 20_000)), run,
                           size_bytes=int(size_mb * 1_000_000), n_record=sentences, stage=stage)
    table = Table(title=f"repair bench segment ({stage}, {src.name}): {size_mb:g} MB of text, "
                  f"a record of {sentences} sentences",
                  caption="ratio: CPU seconds / those of the same sentences with line breaks")
    for col in ("input", "characters", "segments", "seconds", "CPU s", "ratio"):
        table.add_column(col, justify="left" if col == "input" else "right", no_wrap=True)
    for r in results:
        table.add_row(r.case, str(r.chars), str(r.segments), f"{r.seconds:.2f}",
                      f"{r.cpu_seconds:.2f}", f"{r.ratio(results):.2f}")
    common.stdout().print(table)


@bench_app.command("rewrite")
def bench_rewrite_cmd(
    rewriter: RewriterOpt = None,
    model: OldModelOpt = None,
    n: Annotated[int, common.count_option("held-out spans")] = 256,
    threads: Annotated[int, common.count_option("torch CPU threads (torch runtime)")] = 1,
    device: DeviceOpt = "cpu",
    batch: Annotated[list[int] | None, typer.Option(
        help="batch sizes to time (default: 1 and 64 on a CPU, the device's on a GPU)")] = None,
    config: common.ConfigOpt = None,
) -> None:
    """Spans per second of the rewriter alone at batch 1 and batched, on this machine, with
    the arithmetic per span and the share of one CPU thread's measured matmul peak."""
    from repair.config import load_aliases
    from repair.eval.bench import bench_rewrite_heldout
    from repair.pipeline import Pipeline

    rewriter = common.renamed(rewriter, model, "--model", "--rewriter")
    run = common.settings(config, **{"rewrite.model": common.abs_path(rewriter),
                                     "rewrite.device": device})
    sizes = tuple(batch) if batch else ((1, 64) if device == "cpu" else (None,))
    rows = bench_rewrite_heldout(Pipeline.from_settings(run, load_aliases(run)), run.eval.clean,
                                 n, threads, device, sizes)
    common.stdout().print(common.rows_table(
        f"repair bench rewrite ({device}, {threads} thread(s))", rows,
        ("runtime", "dtype", "batch", "spans", "seconds", "spans_per_s", "mean_window_tokens",
         "mean_steps", "mflop_per_span", "gflop_s", "peak_gflop_s", "of_peak",
         "of_possible")))


@bench_app.command("run")
def bench_run_cmd(
    rewriter: RewriterOpt = None,
    model: OldModelOpt = None,
    mt_sentences: Annotated[int, common.count_option("sample-article sentences (repeated)")] = 2000,
    clean_n: Annotated[int, common.count_option("clean corpus sentences")] = 5000,
    synthetic_n: Annotated[int, typer.Option(
        min=0, help="held-out sentences each given a synthetic artifact (no sentence repeats, "
                    "so the span cache cannot stand in for the model); 0 = none")] = 2000,
    workers: Annotated[list[int] | None, typer.Option(help="worker counts to compare")] = None,
    ray: Annotated[bool, typer.Option("--ray", help="also the Ray engine (MT text)")] = False,
    rewriter_off: Annotated[bool, typer.Option(
        "--rewriter-off", "--model-off",
        help="also the deterministic proposals alone (MT text); --model-off: deprecated")
    ] = False,
    config: common.ConfigOpt = None,
) -> None:
    """Input sentences per second of whole `repair run` jobs (detector + proposals), on MT
    text (the sample articles repeated), on held-out sentences with synthetic artifacts and on
    clean corpus sentences; start-up excluded."""
    from repair.jobs.bench import bench_runs

    rewriter = common.renamed(rewriter, model, "--model", "--rewriter")
    run = common.settings(config, **{"rewrite.model": common.abs_path(rewriter)})
    rows = bench_runs(run, mt_sentences=mt_sentences, clean_n=clean_n, synthetic_n=synthetic_n,
                      workers=workers or [1],
                      ray=ray, rewriter_off=rewriter_off)
    common.stdout().print(common.rows_table("repair bench run", rows, (
        "input", "engine", "workers", "rewriter", "sentences", "flagged_share", "changed",
        "seconds", "sentences_per_s", "peak_rss_mb", "worker_peak_rss_mb")))
    names = list(dict.fromkeys(n for r in rows for n in r.get("stages", {})))
    table = Table(title="where the seconds of each job go (s; nested names count in their "
                  "parents too; worker processes not counted)")
    table.add_column("stage")
    for i, r in enumerate(rows):
        table.add_column(f"{i + 1}: {r['input'][:14]} {r['workers']}w {r['rewriter'][:8]}",
                         justify="right")
    for n in names:
        table.add_row(n, *(f"{r.get('stages', {}).get(n, 0.0):.3f}" for r in rows))
    common.stdout().print(table)


@bench_app.command("startup")
def bench_startup_cmd(
    repeats: Annotated[int, common.count_option("cold runs per case (medians reported)")] = 5,
    base: Annotated[Path | None, typer.Option(
        help="another checkout of the project (e.g. a git worktree of an older commit): its "
             "runs are interleaved with these")] = None,
) -> None:
    """Wall time and peak memory of a one-sentence `repair run` from a cold process, with the
    time of each load and stage, and of each package's imports."""
    from repair.jobs.bench_startup import bench_startup

    if base is not None and not (base / "repair" / "__init__.py").is_file():
        raise typer.BadParameter(f"{base} is not a checkout of this project (no repair/)")
    report = bench_startup(repeats, base)
    out = common.stdout()
    out.print(common.rows_table("repair bench startup: one-sentence `repair run`, cold",
                                report["rows"], ("case", "code", "runs", "wall_s",
                                                 "wall_min_s", "peak_mb")))
    for label, parts in report["parts"].items():
        out.print(common.measure_table(f"where the seconds go ({label}; median, s; nested "
                                       "names count in their parents too)",
                                       ((n, f"{v:.3f}") for n, v in parts)))
    for code, rows in report["imports"].items():
        out.print(common.measure_table(f"imports by package ({code}; own time, s)",
                                       ((n, f"{v:.3f}") for n, v in rows)))


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_cmd)
    app.add_typer(bench_app, name="bench")
