"""Command line: thin Typer commands that load config, call one function, write output."""

from __future__ import annotations

import dataclasses
import logging
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from repair.errors import RepairError

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
# markup=False: paths, reviewer names and ids are user text, never rich markup ("[/b]x").
console = Console(stderr=True, markup=False)


def _stdout() -> Console:
    return Console(markup=False)

Inputs = Annotated[
    list[Path], typer.Argument(help=".txt articles, .jsonl or .jsonl.gz records, or folders")
]
Out = Annotated[Path, typer.Option("--out", "-o", help="output JSONL file")]
AliasOpt = Annotated[
    list[Path] | None, typer.Option("--aliases", help="extra alias table (TSV), repeatable")
]
UnitOpt = Annotated[str | None, typer.Option("--unit", help="document | sentence")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="YAML config")]


def _abs(p: Path | None) -> str | None:
    return str(p.resolve()) if p is not None else None


def _queue_location(q: str | None) -> str | None:
    """A queue given on the command line: a PostgreSQL URL as it is, a file made absolute."""
    from repair.review.backends import is_url

    return q if q is None or is_url(q) else _abs(Path(q))


def _settings(config: Path | None, **overrides):
    from repair.config import load_settings

    data: dict = {}
    for key, value in overrides.items():
        if value is None:
            continue
        node = data
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return load_settings(config, data)


def _summary_table(summary) -> Table:
    table = Table(title=f"repair {summary.mode} -> {summary.output}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("documents", str(summary.documents))
    table.add_row("segments", str(summary.segments))
    table.add_row(
        "flagged", f"{summary.flagged} ({summary.flagged / max(summary.segments, 1):.1%})"
    )
    if summary.mode == "run":
        table.add_row("proposals that change the text", str(summary.changed))
        table.add_row("new queue items", str(summary.queued_new))
        for source, n in summary.sources.most_common():
            table.add_row(f"  flagged, proposal from {source}", str(n))
        for reason, n in summary.checks.most_common():
            table.add_row(f"  model repairs not used: {reason}", str(n))
    for cat, n in summary.categories.most_common():
        table.add_row(f"  segments with {cat}", str(n))
    table.add_row("seconds", f"{summary.seconds:.2f}")
    table.add_row("segments / s", f"{summary.segments_per_second:.0f}")
    return table


ResumeOpt = Annotated[bool, typer.Option(
    "--resume", help="continue a killed job from what it had committed")]
WorkersOpt = Annotated[int, typer.Option(
    help="worker processes (detector and rewriter batches); output order is unchanged")]
BatchOpt = Annotated[int, typer.Option(
    help="segments per batch of whole documents (memory grows with it, not with the input)")]


EngineOpt = Annotated[str, typer.Option(
    help="local (this process and --workers) or ray (Ray Data: local instance or --ray-address)")]
RayAddressOpt = Annotated[str | None, typer.Option(
    help="an existing Ray cluster (ray.init(address=...)); default: a local instance")]


def _job(mode: str, inputs, out, aliases, unit, config, resume=False, workers=1,
         batch_segments=256, engine="local", ray_address=None, **extra) -> None:
    from repair.errors import ConfigError
    from repair.jobs import run_job

    if unit is not None and unit not in ("document", "sentence"):
        raise typer.BadParameter("--unit must be 'document' or 'sentence'")
    if engine not in ("local", "ray"):
        raise typer.BadParameter("--engine must be 'local' or 'ray'")
    settings = _settings(config, unit=unit, **extra)
    if engine == "ray":
        if resume:
            raise ConfigError("--resume works with the local engine only")
        from repair.jobs import run_job_ray

        summary = run_job_ray(inputs, out, settings, mode=mode, extra_aliases=aliases or [],
                              address=ray_address)
        _stdout().print(_summary_table(summary))
        return
    summary = run_job(inputs, out, settings, mode=mode, extra_aliases=aliases or [],
                      resume=resume, workers=workers, batch_segments=batch_segments)
    _stdout().print(_summary_table(summary))


@app.command("detect")
def detect_cmd(
    inputs: Inputs,
    out: Out,
    aliases: AliasOpt = None,
    unit: UnitOpt = None,
    resume: ResumeOpt = False,
    workers: WorkersOpt = 1,
    batch_segments: BatchOpt = 256,
    config: ConfigOpt = None,
) -> None:
    """Score every segment for machine-translation artifacts."""
    _job("detect", inputs, out, aliases, unit, config, resume, workers, batch_segments)


@app.command("run")
def run_cmd(
    inputs: Inputs,
    out: Out,
    aliases: AliasOpt = None,
    unit: UnitOpt = None,
    queue: Annotated[
        str | None, typer.Option(help="review queue: SQLite file or postgresql:// URL")
    ] = None,
    model: Annotated[Path | None, typer.Option(help="rewriter model directory")] = None,
    queue_all: Annotated[bool, typer.Option(
        "--queue-all", help="queue every segment, not only changed proposals")] = False,
    resume: ResumeOpt = False,
    workers: WorkersOpt = 1,
    batch_segments: BatchOpt = 256,
    engine: EngineOpt = "local",
    ray_address: RayAddressOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Detect, propose repairs for flagged segments, and queue them for review."""
    _job(
        "run",
        inputs,
        out,
        aliases,
        unit,
        config,
        resume,
        workers,
        batch_segments,
        engine,
        ray_address,
        **{"queue.path": _queue_location(queue), "rewrite.model": _abs(model),
           "queue.all": True if queue_all else None},
    )


@app.command("eval")
def eval_cmd(
    gold: Annotated[
        Path | None, typer.Option("--gold", help="labelled JSONL (default: eval.gold)")
    ] = None,
    aliases: AliasOpt = None,
    config: ConfigOpt = None,
    model: Annotated[Path | None, typer.Option(help="detector model directory")] = None,
    clean_n: Annotated[
        int | None, typer.Option(help="held-out clean sentences for the FPR (0 = skip)")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="list every failure")] = False,
    rewriter: Annotated[Path | None, typer.Option(help="seq2seq rewriter directory")] = None,
    synthetic: Annotated[
        int, typer.Option(help="also score the rewriter on N held-out synthetic sentences")
    ] = 0,
    no_default_aliases: Annotated[
        bool, typer.Option("--no-default-aliases", help="without the config's alias tables")
    ] = False,
) -> None:
    """Measure detection and proposals on a labelled file and held-out clean text."""
    from repair.errors import ConfigError
    from repair.evaluate import evaluate
    from repair.jobs import load_aliases

    settings = _settings(config, **{"detect.model": _abs(model), "eval.clean_n": clean_n,
                                    "rewrite.model": _abs(rewriter),
                                    "aliases": [] if no_default_aliases else None})
    gold = gold or (Path(settings.eval.gold) if settings.eval.gold else None)
    if gold is None:
        raise ConfigError("no gold file: pass --gold FILE.jsonl or set eval.gold")
    report = evaluate(gold, settings, load_aliases(settings, aliases or []))
    table = Table(title="repair eval")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in report.rows():
        table.add_row(name, value)
    out = _stdout()
    out.print(table)
    out.print(f"signature: {report.signature}")
    if report.missed:
        out.print(f"missed artifacts: {', '.join(report.missed)}")
    if report.false_positives:
        out.print(f"false positives: {', '.join(report.false_positives)}")
    if verbose:
        for f in report.failures:
            out.print(f"  {f}")
    if synthetic > 0:
        from repair.rewrite.heldout import evaluate_synthetic

        if not settings.eval.clean:
            raise ConfigError("no held-out corpus: set eval.clean for --synthetic")
        syn = evaluate_synthetic(settings.eval.clean, synthetic, settings,
                                 load_aliases(settings, aliases or []))
        table = Table(title="repair eval: held-out synthetic sentences and spans")
        table.add_column("measure")
        table.add_column("value", justify="right")
        for name, value in syn.rows():
            table.add_row(name, value)
        out.print(table)
        out.print(f"signature: {syn.signature}")
        if verbose:
            for src, hyp, ref in syn.examples:
                out.print(f"  in:  {src}\n  out: {hyp}\n  ref: {ref}\n", highlight=False)


# --------------------------------------------------------------------------- review (issue 6)

review_app = typer.Typer(no_args_is_help=True, help="Work through the review queue.")
aliases_app = typer.Typer(no_args_is_help=True, help="Alias-table tools.")
app.add_typer(review_app, name="review")
app.add_typer(aliases_app, name="aliases")

QueueOpt = Annotated[
    str, typer.Option("--queue", help="review queue: SQLite file or postgresql:// URL")
]
ReviewerOpt = Annotated[str, typer.Option("--reviewer", help="your name, recorded with decisions")]
CommentOpt = Annotated[str | None, typer.Option("--comment", help="optional note")]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="accept although the QA gate fails (recorded)")
]
ItemArg = Annotated[int, typer.Argument(help="item id")]


def _queue(path: str, config: Path | None = None, aliases: list[Path] | None = None):
    from repair.jobs import load_aliases
    from repair.review import Queue

    settings = _settings(config)
    return Queue(
        path,
        settings.queue.busy_timeout_ms,
        aliases=load_aliases(settings, aliases or []),
        claim_ttl_s=settings.queue.claim_ttl_s,
        must_exist=True,
    )


def _item_json(q, item) -> str:
    import json

    data = item.to_dict()
    data["qa"] = list(q.qa(item).messages)
    return json.dumps(data, ensure_ascii=False, indent=1)


@review_app.command("next")
def review_next(
    queue: QueueOpt,
    reviewer: ReviewerOpt,
    order: Annotated[str, typer.Option(help="score | uncertainty | document")] = "score",
    min_score: Annotated[float, typer.Option(help="lowest detector score")] = 0.0,
    max_score: Annotated[float, typer.Option(help="highest detector score")] = 1.0,
    category: Annotated[str | None, typer.Option(help="only items with this span category")] = None,
    config: ConfigOpt = None,
) -> None:
    """Claim the next pending item and print it as JSON (exit 0, empty output when none)."""
    with _queue(queue, config) as q:
        item = q.claim(
            reviewer, order=order, min_score=min_score, max_score=max_score, category=category
        )
        if item is not None:
            typer.echo(_item_json(q, item))


@review_app.command("show")
def review_show(item_id: ItemArg, queue: QueueOpt, config: ConfigOpt = None) -> None:
    """Print one item, its QA report and its decision history as JSON."""
    with _queue(queue, config) as q:
        typer.echo(_item_json(q, q.get(item_id)))


def _decide(queue, config, item_id, action, reviewer, **kw) -> None:
    import json

    with _queue(queue, config) as q:
        d = q.decide(item_id, action, reviewer, **kw)
        typer.echo(json.dumps(d.to_dict(), ensure_ascii=False))


@review_app.command("accept")
def review_accept(
    item_id: ItemArg,
    queue: QueueOpt,
    reviewer: ReviewerOpt,
    comment: CommentOpt = None,
    force: ForceOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Accept the proposal as it is."""
    _decide(queue, config, item_id, "accept", reviewer, comment=comment, force=force)


@review_app.command("reject")
def review_reject(
    item_id: ItemArg,
    queue: QueueOpt,
    reviewer: ReviewerOpt,
    comment: CommentOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Reject the proposal: the machine text stays."""
    _decide(queue, config, item_id, "reject", reviewer, comment=comment)


@review_app.command("edit")
def review_edit(
    item_id: ItemArg,
    queue: QueueOpt,
    reviewer: ReviewerOpt,
    text: Annotated[str, typer.Option("--text", help="the final sentence")],
    comment: CommentOpt = None,
    force: ForceOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Replace the proposal with your own final text."""
    _decide(
        queue, config, item_id, "edit", reviewer, final_text=text, comment=comment, force=force
    )


@review_app.command("skip")
def review_skip(
    item_id: ItemArg,
    queue: QueueOpt,
    reviewer: ReviewerOpt,
    comment: CommentOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Pass on an item: it stays pending and comes back to you last."""
    _decide(queue, config, item_id, "skip", reviewer, comment=comment)


@review_app.command("undo")
def review_undo(
    queue: QueueOpt,
    reviewer: ReviewerOpt,
    item_id: Annotated[int | None, typer.Argument(help="item id (default: your last)")] = None,
    comment: CommentOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Revert your last decision (on ITEM_ID, if given) by appending an undo."""
    import json

    with _queue(queue, config) as q:
        d = q.undo(reviewer, item_id, comment)
        typer.echo(json.dumps(d.to_dict(), ensure_ascii=False))


@review_app.command("stats")
def review_stats(
    queue: QueueOpt,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON, items included")] = False,
    config: ConfigOpt = None,
) -> None:
    """Progress per status and document; effort per reviewer (time, HTER)."""
    import json

    from repair.review.stats import queue_stats

    with _queue(queue, config) as q:
        stats = queue_stats(q)
    if as_json:
        typer.echo(json.dumps(stats.to_dict(), ensure_ascii=False, indent=1))
        return
    out = _stdout()
    table = Table(title=f"review queue {q.location}")
    table.add_column("status")
    table.add_column("items", justify="right")
    for status, n in sorted(stats.status.items()):
        table.add_row(status, str(n))
    out.print(table)
    table = Table(title="per reviewer")
    for col in ("reviewer", "decided", "acc", "edit", "rej", "skip", "undo", "forced",
                "med s", "HTER"):
        table.add_column(col, justify="left" if col == "reviewer" else "right")
    for r in stats.reviewers.values():
        table.add_row(
            r.reviewer,
            str(r.decided),
            *(str(r.actions.get(a, 0)) for a in ("accept", "edit", "reject", "skip", "undo")),
            str(r.forced),
            "-" if r.median_seconds is None else f"{r.median_seconds:.1f}",
            "-" if r.mean_hter is None else f"{r.mean_hter:.2f}",
        )
    out.print(table)
    table = Table(title="per document")
    table.add_column("document")
    table.add_column("done", justify="right")
    table.add_column("left", justify="right")
    for doc, d in sorted(stats.documents.items()):
        table.add_row(doc, str(d["done"]), str(d["left"]))
    out.print(table)


@app.command("export")
def export_cmd(
    queue: QueueOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="output file (folder for hf)")],
    status: Annotated[str, typer.Option(help="accepted (= accepted or edited) | edited | "
                                        "rejected | pending | all")] = "accepted",
    fmt: Annotated[str, typer.Option("--format", help="jsonl | tmx | xliff | hf")] = "jsonl",
    config: ConfigOpt = None,
) -> None:
    """Export reviewed items for translation tools (TMX, XLIFF) or training (JSONL, HF)."""
    from repair.export import export_queue

    with _queue(queue, config) as q:
        n = export_queue(q, out, fmt, status)
    console.print(f"{n} items -> {out}")


@app.command("apply")
def apply_cmd(
    inputs: Inputs,
    queue: QueueOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder")],
    config: ConfigOpt = None,
) -> None:
    """Write the articles with accepted and edited sentences substituted, all else as it was."""
    from repair.apply import apply_decisions

    with _queue(queue, config) as q:
        s = apply_decisions(inputs, q, out)
    console.print(
        f"{s.documents} documents, {s.changed_documents} changed, {len(s.substituted)} "
        f"sentences substituted, {len(s.stale)} stale -> {out}"
    )


@aliases_app.command("suggest")
def aliases_suggest(
    queue: QueueOpt,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="TSV (default: stdout)")] = None,
    aliases: AliasOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Propose alias-table rows from accepted edits, with their evidence, to confirm by hand."""
    from repair.alias_mining import format_suggestions, suggest_aliases

    with _queue(queue, config, aliases) as q:
        text = format_suggestions(suggest_aliases(q, q.aliases))
    if out is None:
        typer.echo(text, nl=False)
    else:
        from repair.outputs import check_output, write_atomic

        write_atomic(check_output(out, [queue, *(aliases or [])]), text.encode("utf-8"))


# --------------------------------------------------------------------------- train / bench

train_app = typer.Typer(no_args_is_help=True, help="Train the project's models.")
bench_app = typer.Typer(no_args_is_help=True, help="Throughput and memory benchmarks.")
app.add_typer(train_app, name="train")
app.add_typer(bench_app, name="bench")


@train_app.command("detector")
def train_detector_cmd(
    config: Annotated[Path, typer.Option("--config", help="training YAML")] = Path(
        "configs/train_detector.yaml"
    ),
    out: Annotated[Path | None, typer.Option(help="model directory")] = None,
    run_config: Annotated[Path | None, typer.Option(help="run YAML (rules, aliases)")] = None,
) -> None:
    """Train the artifact detector on synthetic artifacts over the clean corpus."""
    from repair.config import load_section
    from repair.jobs import load_aliases
    from repair.train.detector import DetectorTrainSettings, train_and_describe

    settings = load_section(config, "train", DetectorTrainSettings, ("corpus", "out"),
                            {"out": str(out.resolve())} if out else None)
    run_settings = _settings(run_config)
    metrics = train_and_describe(settings, run_settings, load_aliases(run_settings))
    table = Table(title=f"repair train detector -> {settings.out}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for k, v in metrics.items():
        table.add_row(k, f"{v:.4f}" if isinstance(v, float) else str(v))
    _stdout().print(table)


@bench_app.command("detect")
def bench_detect_cmd(
    source: Annotated[Path | None, typer.Option(help="corpus .jsonl.gz or articles")] = None,
    n: Annotated[int, typer.Option(help="sentences")] = 5000,
    config: ConfigOpt = None,
) -> None:
    """Sentences per second and peak memory of the whole detector on this machine."""
    from repair.bench import bench_detect, bench_sentences
    from repair.jobs import load_aliases

    settings = _settings(config)
    src = source or (Path(settings.eval.clean) if settings.eval.clean else None)
    if src is None or not src.exists():
        src = Path(__file__).resolve().parent.parent / "samples" / "seeds"
    result = bench_detect(bench_sentences(src, n), settings.detect, load_aliases(settings))
    table = Table(title=f"repair bench detect ({src.name})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for k, v in result.items():
        table.add_row(k, str(v))
    _stdout().print(table)


@bench_app.command("segment")
def bench_segment_cmd(
    source: Annotated[Path | None, typer.Option(help="corpus .jsonl.gz or articles")] = None,
    size_mb: Annotated[float, typer.Option(help="size of the text files, MB")] = 1.0,
    sentences: Annotated[int, typer.Option(help="sentences in the one JSONL record")] = 20_000,
    stage: Annotated[str, typer.Option(help="detect (the whole job) | segment")] = "detect",
    config: ConfigOpt = None,
) -> None:
    """Seconds for the same sentences as text with line breaks, as one line, and as one JSONL
    record: a long line should cost what the line-broken text does."""
    from repair.bench import bench_sentences
    from repair.bench_input import bench_shapes

    settings = _settings(config)
    src = source or (Path(settings.eval.clean) if settings.eval.clean else None)
    if src is None or not src.exists():
        src = Path(__file__).resolve().parent.parent / "samples" / "seeds"
    results = bench_shapes(bench_sentences(src, min(sentences, 20_000)), settings,
                           size_bytes=int(size_mb * 1_000_000), n_record=sentences, stage=stage)
    table = Table(title=f"repair bench segment ({stage}, {src.name}): {size_mb:g} MB of text, "
                  f"a record of {sentences} sentences",
                  caption="ratio: CPU seconds / those of the same sentences with line breaks")
    for col in ("input", "characters", "segments", "seconds", "CPU s", "ratio"):
        table.add_column(col, justify="left" if col == "input" else "right", no_wrap=True)
    for r in results:
        table.add_row(r.case, str(r.chars), str(r.segments), f"{r.seconds:.2f}",
                      f"{r.cpu_seconds:.2f}", f"{r.ratio(results):.2f}")
    _stdout().print(table)


@train_app.command("rewriter")
def train_rewriter_cmd(
    config: Annotated[Path, typer.Option("--config", help="configs/train_rewriter*.yaml")],
    resume: Annotated[bool, typer.Option("--resume", help="continue from the checkpoint")] = False,
    init: Annotated[Path | None, typer.Option(
        "--init", help="warm-start from this model directory (continues its curve)")] = None,
    export: Annotated[bool, typer.Option(
        "--export", help="only export (and calibrate) the run's last checkpoint")] = False,
    calibrate: Annotated[int, typer.Option(
        help="held-out dev spans to calibrate the keep margin on")] = 1500,
) -> None:
    """Train the span rewriter (resumable; Ctrl-C saves a checkpoint), calibrate its keep
    margin on held-out spans, and print its learning curve."""
    from repair.jobs import load_aliases
    from repair.rewrite.heldout import write_calibration
    from repair.train.rewriter import export_checkpoint, load_train_settings, train_rewriter
    from repair.train.rewriter_io import write_card

    logging.getLogger("repair").setLevel(logging.INFO)
    st = load_train_settings(config, init=_abs(init))
    if export:
        out, finished, curve = export_checkpoint(st), True, None
    else:
        result = train_rewriter(st, resume=resume)
        out, finished, curve = Path(result.out_dir), result.finished, result.curve
        state = "finished" if finished else "stopped (resume with --resume)"
        console.print(f"{state}: {result.steps} steps, {result.seconds / 60:.1f} min, "
                      f"loss {result.final_loss:.3f}")
    if not finished:
        return
    settings = _settings(None)
    meta = write_calibration(out, settings, load_aliases(settings), calibrate)
    write_card(out)
    console.print(f"{out}: keep margin {meta['keep_margin']} nats "
                  f"(calibration keep {meta['calibration']['keep']}, "
                  f"exact {meta['calibration']['exact']})")
    if curve:
        table = Table(title="learning curve (held-out dev spans, greedy)")
        for key in ("examples", "minutes", "exact", "keep"):
            table.add_column(key, justify="right")
        for p in curve:
            table.add_row(str(p["examples"]), f"{p['seconds'] / 60:.1f}", f"{p['exact']:.3f}",
                          f"{p['keep']:.3f}")
        console.print(table)


def _rows_table(title: str, rows: list[dict], keys: tuple[str, ...]) -> Table:
    table = Table(title=title)
    for key in keys:
        table.add_column(key, justify="right")
    for r in rows:
        table.add_row(*(str(r.get(k, "")) for k in keys))
    return table


@bench_app.command("rewrite")
def bench_rewrite_cmd(
    model: Annotated[Path | None, typer.Option(help="rewriter directory (default: rewrite.model)")]
    = None,
    n: Annotated[int, typer.Option(help="held-out spans")] = 256,
    threads: Annotated[int, typer.Option(help="torch CPU threads")] = 1,
    config: ConfigOpt = None,
) -> None:
    """Spans per second of the rewriter alone at batch 1 and batched, on this machine."""
    from repair.bench import bench_rewrite
    from repair.errors import ConfigError
    from repair.jobs import load_aliases
    from repair.rewrite.heldout import EVAL_SEED, heldout_spans
    from repair.rewrite.model import load_rewriter

    settings = _settings(config, **{"rewrite.model": _abs(model)})
    if not settings.rewrite.model:
        raise ConfigError("no rewriter: pass --model DIR or set rewrite.model")
    if not settings.eval.clean:
        raise ConfigError("no held-out corpus: set eval.clean")
    examples = heldout_spans(load_rewriter(settings.rewrite.model), n, EVAL_SEED, settings,
                             load_aliases(settings))
    rows = bench_rewrite(settings.rewrite.model, examples, threads=threads)
    _stdout().print(_rows_table(f"repair bench rewrite ({threads} thread(s))", rows,
                                ("model", "batch", "spans", "seconds", "spans_per_s")))


@bench_app.command("run")
def bench_run_cmd(
    model: Annotated[Path | None, typer.Option(help="rewriter directory (default: rewrite.model)")]
    = None,
    mt_sentences: Annotated[int, typer.Option(help="sample-article sentences (repeated)")] = 2000,
    clean_n: Annotated[int, typer.Option(help="clean corpus sentences")] = 5000,
    workers: Annotated[list[int] | None, typer.Option(help="worker counts to compare")] = None,
    ray: Annotated[bool, typer.Option("--ray", help="also the Ray engine (MT text)")] = False,
    model_off: Annotated[bool, typer.Option(
        "--model-off", help="also the deterministic proposals alone (MT text)")] = False,
    config: ConfigOpt = None,
) -> None:
    """Input sentences per second of whole `repair run` jobs (detector + proposals), on MT
    text (the sample articles repeated) and on clean corpus sentences; start-up excluded."""
    import tempfile

    from repair.bench import bench_run, corpus_as_jsonl, repeated_articles
    from repair.config import ROOT

    settings = _settings(config, **{"rewrite.model": _abs(model)})
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mt = repeated_articles(ROOT / "samples" / "seeds", mt_sentences, work / "mt")
        for w in workers or [1]:
            rows.append(bench_run(settings, mt, work, "sample articles (MT)", w))
        if ray:
            rows.append(bench_run(settings, mt, work, "sample articles (MT)", engine="ray"))
        if model_off:
            off = dataclasses.replace(settings, rewrite=dataclasses.replace(settings.rewrite,
                                                                              model=None))
            for w in workers or [1]:
                rows.append(bench_run(off, mt, work, "sample articles (MT)", w))
        if settings.eval.clean and clean_n:
            sents = corpus_as_jsonl(settings.eval.clean, clean_n, work / "clean.jsonl")
            unit = dataclasses.replace(settings, unit="sentence")
            for w in workers or [1]:
                rows.append(bench_run(unit, [sents], work, "clean corpus sentences", w))
    _stdout().print(_rows_table("repair bench run", rows, (
        "input", "engine", "workers", "rewriter", "sentences", "flagged_share", "changed",
        "seconds",
        "sentences_per_s", "peak_rss_mb")))



@train_app.command("lexicon")
def train_lexicon(
    corpus: Annotated[Path, typer.Option(help="clean corpus .jsonl.gz")] = Path(
        "../shared/data/corpus/train.jsonl.gz"
    ),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="default: rewrite.lexicon")]
    = None,
    min_count: Annotated[int, typer.Option(help="keep words written at least this often")] = 3,
    config: ConfigOpt = None,
) -> None:
    """Mine the term lexicon (Latin-letter words, counts, usual spelling) from clean news."""
    from repair.config import project_path
    from repair.rewrite.lexicon import build_lexicon, write_lexicon
    from repair.text import corpus_sentences

    settings = _settings(config)
    target = out or settings.rewrite.lexicon
    if target is None:
        raise typer.BadParameter("give --out, or set rewrite.lexicon in the config")
    counts = build_lexicon(corpus_sentences(project_path(corpus)), min_count=min_count)
    write_lexicon(counts, project_path(target))
    console.print(f"{len(counts)} words -> {target}")


# --------------------------------------------------------------------------- fine-tuning, models

models_app = typer.Typer(no_args_is_help=True, help="The model registry (models/registry.json).")
app.add_typer(models_app, name="models")


def _finetune_config(config: Path | None) -> Path:
    from repair.config import ROOT

    return config or ROOT / "configs" / "finetune.yaml"


def _register_finetuned(report, kind: str = "rewriter") -> None:
    from repair.registry import ModelEntry, register

    register(ModelEntry(name=Path(report.out_dir).name, kind=kind, path=report.out_dir,
                        parent=report.parent, metrics={"before": report.before,
                                                       "after": report.after}))


def _before_after(title: str, before: dict, after: dict) -> Table:
    table = Table(title=title)
    for col in ("measure", "before", "after"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    for k in sorted(set(before) | set(after)):
        table.add_row(k, str(before.get(k, "")), str(after.get(k, "")))
    return table


@app.command("finetune")
def finetune_cmd(
    queue: Annotated[
        str, typer.Option("--queue", help="review queue with accepted edits (file or URL)")
    ],
    base: Annotated[Path, typer.Option("--base", help="rewriter model directory")],
    out: Annotated[Path, typer.Option("--out", help="new model directory")],
    config: Annotated[Path | None, typer.Option(help="fine-tuning YAML")] = None,
) -> None:
    """Fine-tune a rewriter on the queue's accepted and edited items; before/after figures."""
    from repair.config import load_section
    from repair.export import reviewed_rows
    from repair.jobs import load_aliases
    from repair.review import Queue
    from repair.train.finetune import FinetuneSettings, finetune

    ft = load_section(_finetune_config(config), "finetune", FinetuneSettings, ("corpus",))
    settings = _settings(None)
    aliases = load_aliases(settings)
    with Queue(queue, aliases=aliases, must_exist=True) as q:
        rows = reviewed_rows(q, "accepted")
    report = finetune(rows, base, out, ft, aliases, settings)
    _register_finetuned(report)
    _stdout().print(_before_after(
        f"repair finetune -> {out} ({report.edits_train} edits, {report.steps} steps, "
        f"{report.seconds:.0f} s)", report.before, report.after))


def _demo_rows(report, model: str) -> dict:
    return {
        "held-out fix rate (span given to the model)": report.fix_rate[model],
        "clean no-harm (random span given to the model)": report.no_harm[model],
        "held-out fix rate (pipeline)": report.pipeline_fix_rate[model],
        "clean no-harm (pipeline)": report.pipeline_no_harm[model],
    }


@app.command("finetune-demo")
def finetune_demo_cmd(
    base: Annotated[Path, typer.Option("--base", help="rewriter model directory")],
    out: Annotated[Path, typer.Option("--out", help="work folder (queue, model, report)")] = Path(
        "out/finetune-demo"
    ),
    n: Annotated[int, typer.Option(help="accepted edits the simulated reviewers make")] = 100,
    config: Annotated[Path | None, typer.Option(help="fine-tuning YAML")] = None,
) -> None:
    """Simulate reviewers correcting a new calque, fine-tune, and measure before and after."""
    from repair.config import load_section
    from repair.jobs import load_aliases
    from repair.train.finetune import FinetuneSettings
    from repair.train.finetune_demo import DemoSettings, run_demo

    path = _finetune_config(config)
    ft = load_section(path, "finetune", FinetuneSettings, ("corpus",))
    ds = load_section(path, "demo", DemoSettings, ("corpus", "clean_corpus"), {"n_edits": n})
    settings = _settings(None)
    report = run_demo(base.resolve(), out.resolve(), ds, ft, settings, load_aliases(settings))
    table = _before_after(
        f"fine-tuning demo: '{ds.calque}' -> '{ds.correct}', {report.n_edits} edits "
        f"({report.finetune.seconds:.0f} s of training)",
        {**_demo_rows(report, "base"), **report.finetune.before},
        {**_demo_rows(report, "fine-tuned"), **report.finetune.after},
    )
    _stdout().print(table)


@models_app.command("list")
def models_list_cmd(config: ConfigOpt = None) -> None:
    """The registered models, what each was trained from, and which the config uses."""
    from repair.registry import list_models

    settings = _settings(config)
    rows = list_models({"detector": settings.detect.model, "rewriter": settings.rewrite.model})
    table = Table(title="models (models/registry.json)")
    for col in ("name", "kind", "default", "path", "parent", "created", "version"):
        table.add_column(col, overflow="fold")  # paths wrap, never cut at 80 columns
    for r in rows:
        table.add_row(r["name"], r["kind"], "yes" if r["default"] else "", r["path"],
                      r.get("parent") or "", r["created"], r.get("version", ""))
    _stdout().print(table)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that every ``finally`` (temporary files) runs."""


def _on_sigterm(signum, frame) -> None:
    global _stopped_by
    _stopped_by = "SIGTERM"
    raise _Terminated()


_stopped_by = "Ctrl-C"
_INTERRUPTED = 130


def _interrupted() -> None:
    code = _INTERRUPTED if _stopped_by == "Ctrl-C" else 128 + signal.SIGTERM
    console.print(f"interrupted ({_stopped_by}): stopped before finishing; partial output "
                  "removed, queue work already committed kept", soft_wrap=True)
    sys.exit(code)

# --------------------------------------------------------------------------- names (issue 12)

names_app = typer.Typer(no_args_is_help=True, help="Names no alias table knows.")
app.add_typer(names_app, name="names")


@names_app.command("resolve")
def names_resolve(
    src: Annotated[Path, typer.Argument(help="JSONL: id, text (the rendering), [context]")],
    out: Out,
    config: ConfigOpt = None,
    top_k: Annotated[int | None, typer.Option(help="candidates per rendering")] = None,
) -> None:
    """Candidate Vietnamese names for pinyin renderings, best first, with their evidence."""
    from repair.names import resolve_file

    settings = _settings(config, **{"names.top_k": top_k})
    n = resolve_file(src, out, settings.names)
    console.print(f"{n} renderings resolved -> {out}")


@names_app.command("eval")
def names_eval(
    labelled: Annotated[Path, typer.Argument(help="TSV with rendering, name [, context]")] = Path(
        "tests/data/names/vi_pinyin_names.tsv"
    ),
    config: ConfigOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="list every miss")] = False,
    clean_n: Annotated[
        int, typer.Option(help="also run the pipeline on N held-out clean sentences (eval.clean)")
    ] = 0,
    no_default_aliases: Annotated[
        bool, typer.Option("--no-default-aliases", help="without the config's alias tables")
    ] = False,
) -> None:
    """Top-1 / top-5 of the resolver on a labelled list of renderings; with --clean-n, what
    candidates do on clean text (they must never end up in a proposal)."""
    from repair.jobs import load_aliases
    from repair.names import evaluate_list

    settings = _settings(config, aliases=[] if no_default_aliases else None)
    rep = evaluate_list(labelled, settings.names)
    rows = rep.rows()
    examples: list[str] = []
    if clean_n > 0 and settings.eval.clean:
        from repair.names.measure import clean_candidates

        clean = clean_candidates(settings.eval.clean, clean_n, settings, load_aliases(settings))
        rows += clean.rows()
        examples = clean.examples
    table = Table(title=f"repair names eval: {labelled.name}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in rows:
        table.add_row(name, value)
    Console().print(table)
    if verbose:
        for rendering, gold, cands in rep.misses:
            Console().print(f"  {rendering} -> {gold}: {', '.join(cands)}", highlight=False)
        for line in examples:
            Console().print(f"  clean with candidates: {line}", highlight=False)


@names_app.command("gazetteer")
def names_gazetteer(
    corpus: Annotated[Path, typer.Option(help="clean corpus .jsonl.gz")] = Path(
        "../shared/data/corpus/train.jsonl.gz"
    ),
    out: Annotated[Path | None, typer.Option("--out", "-o", help="default: names.gazetteer")]
    = None,
    min_count: Annotated[int, typer.Option(help="keep names seen at least this often")] = 3,
    config: ConfigOpt = None,
) -> None:
    """Mine the name gazetteer (names, counts, title / place context) from clean news, and
    beside it the name statistics of the detector's name rules (name_stats.tsv.gz)."""
    from repair.names import mine_gazetteer, mine_name_stats, project_path
    from repair.text import corpus_sentences

    settings = _settings(config)
    target = out or project_path(settings.names.gazetteer)
    sentences = corpus_sentences(corpus)
    gaz = mine_gazetteer(sentences, min_count=min_count)
    gaz.save(target)
    console.print(f"{len(gaz.names)} names, {len(gaz.syllables)} syllables -> {target}")
    stats = mine_name_stats(sentences)
    stats.save(target.with_name("name_stats.tsv.gz"))
    console.print(f"{len(stats.words)} words, {len(stats.slots)} name slots -> "
                  f"{target.with_name('name_stats.tsv.gz')}")


@names_app.command("accept")
def names_accept(
    item_id: ItemArg,
    queue: QueueOpt,
    reviewer: ReviewerOpt,
    span: Annotated[int | None, typer.Option(help="span index (default: first with candidates)")]
    = None,
    candidate: Annotated[int, typer.Option(help="candidate index, 0 = best")] = 0,
    comment: CommentOpt = None,
    force: ForceOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Apply one name candidate as the reviewer's edit and print the alias row it offers."""
    import json

    from repair.errors import QueueError
    from repair.names import load_resolver
    from repair.names.review import candidate_text

    with _queue(queue, config) as q:
        item = q.get(item_id)
        spans = list(item.spans)
        idx = span if span is not None else next(
            (i for i, s in enumerate(spans) if s.get("candidates")), None)
        if idx is None or not 0 <= idx < len(spans) or not spans[idx].get("candidates"):
            raise QueueError(f"item {item_id} has no name candidates at span {idx}")
        cands = spans[idx]["candidates"]
        if not 0 <= candidate < len(cands):
            raise QueueError(f"span {idx} of item {item_id} has {len(cands)} candidate(s)")
        c = cands[candidate]
        try:
            final = candidate_text(item.text, item.proposal, spans[idx], c)
        except ValueError as exc:
            raise QueueError(f"item {item_id}: {exc}") from exc
        note = f"name candidate {c['rendering']} -> {c['name']}"
        d = q.decide(item_id, "edit", reviewer, final_text=final,
                     comment=f"{note}; {comment}" if comment else note, force=force)
        typer.echo(json.dumps(d.to_dict(), ensure_ascii=False))
        entry = load_resolver(_settings(config).names).gaz.lookup(c["name"].split())
        kind = "place" if entry and entry[2] > entry[1] else "person"
        typer.echo(f"alias row offered (repair aliases suggest lists it):\n"
                   f"{c['name']}\t{kind}\t{c['rendering']}", err=True)

# ---------------------------------------------------------------- queue: back ends
queue_app = typer.Typer(no_args_is_help=True, help="Review queues across back ends.")
app.add_typer(queue_app, name="queue")


@queue_app.command("copy")
def queue_copy_cmd(
    src: Annotated[str, typer.Argument(help="queue to copy: SQLite file or postgresql:// URL")],
    dst: Annotated[str, typer.Argument(help="new file, or URL of a database with no queue")],
) -> None:
    """Copy a queue, every item and decision with its id, e.g. from SQLite to PostgreSQL."""
    from repair.review.copy import copy_queue

    report = copy_queue(_queue_location(src), _queue_location(dst))  # type: ignore[arg-type]
    status = ", ".join(f"{k} {v}" for k, v in sorted(report.status.items()))
    typer.echo(
        f"copied {report.items} items and {report.decisions} decisions from {report.source} "
        f"to {report.destination} ({status})"
    )


@queue_app.command("race")
def queue_race_cmd(
    queue: QueueOpt,
    reviewers: Annotated[int, typer.Option(help="reviewer processes")] = 4,
    items: Annotated[
        int, typer.Option(help="fill a new queue with this many items first (0: use as is)")
    ] = 0,
    think_ms: Annotated[float, typer.Option(help="pause between claim and decision")] = 0.0,
) -> None:
    """Bench: reviewer processes decide a queue at once; time, and exactly-once check."""
    import time

    from repair.errors import QueueError
    from repair.review import Queue
    from repair.review.race import fill, problems, race

    location = _queue_location(queue)
    assert location is not None
    if items:
        with Queue(location) as q:
            if q.items():
                raise QueueError("--items fills a new queue; this one has items", q.location)
        t0 = time.perf_counter()
        queued = fill(location, items)
        typer.echo(f"filled {queued} items in {time.perf_counter() - t0:.1f} s")
    result = race(location, reviewers, think_ms / 1000)
    with Queue(location) as q:
        n = len(q.items())
        wrong = problems(q, result)
    typer.echo(
        f"{reviewers} reviewers, {n} items: {result.seconds:.2f} s "
        f"({n / result.seconds:.0f} items/s); decided per reviewer {result.per_reviewer}"
    )
    if wrong:
        raise QueueError("not exactly once: " + "; ".join(wrong), location)
    typer.echo("every item decided exactly once; every reported decision stored as reported")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        rc = app(standalone_mode=False)
    except KeyboardInterrupt:
        _interrupted()
    except RepairError as exc:
        console.print(Text.assemble(("error:", "red"), " ", str(exc)), soft_wrap=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # usage errors, from click or from Typer's own copy of it
        import click

        if isinstance(exc, (click.ClickException, typer.TyperException)) and hasattr(
            exc, "show"
        ):
            exc.show()
            sys.exit(getattr(exc, "exit_code", 2))
        if isinstance(exc, (click.exceptions.Abort, typer.Abort)):
            _interrupted()
        raise
    # Typer turns Ctrl-C into a returned 130 (and `typer.Exit(n)` into n) in this mode.
    if rc == _INTERRUPTED:
        _interrupted()
    if isinstance(rc, int) and rc:
        sys.exit(rc)


if __name__ == "__main__":
    main()
