"""Command line: thin Typer commands that load config, call one function, write output."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from repair.errors import RepairError

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console(stderr=True)

Inputs = Annotated[list[Path], typer.Argument(help=".txt articles, .jsonl records, or folders")]
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
        for reason, n in getattr(summary, "checks", {}).items():
            table.add_row(f"  model rewrites not used: {reason}", str(n))
    for cat, n in summary.categories.most_common():
        table.add_row(f"  segments with {cat}", str(n))
    table.add_row("seconds", f"{summary.seconds:.2f}")
    table.add_row("segments / s", f"{summary.segments_per_second:.0f}")
    return table


def _job(mode: str, inputs, out, aliases, unit, config, **extra) -> None:
    from repair.jobs import run_job

    if unit is not None and unit not in ("document", "sentence"):
        raise typer.BadParameter("--unit must be 'document' or 'sentence'")
    settings = _settings(config, unit=unit, **extra)
    summary = run_job(inputs, out, settings, mode=mode, extra_aliases=aliases or [])
    Console().print(_summary_table(summary))


@app.command("detect")
def detect_cmd(
    inputs: Inputs,
    out: Out,
    aliases: AliasOpt = None,
    unit: UnitOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Score every segment for machine-translation artifacts."""
    _job("detect", inputs, out, aliases, unit, config)


@app.command("run")
def run_cmd(
    inputs: Inputs,
    out: Out,
    aliases: AliasOpt = None,
    unit: UnitOpt = None,
    queue: Annotated[
        str | None, typer.Option(help="review queue: SQLite file or postgresql:// URL")
    ] = None,
    model: Annotated[Path | None, typer.Option(help="seq2seq model directory")] = None,
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
        **{"queue.path": _queue_location(queue), "rewrite.model": _abs(model)},
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
) -> None:
    """Measure detection and proposals on a labelled file and held-out clean text."""
    from repair.errors import ConfigError
    from repair.evaluate import evaluate
    from repair.jobs import load_aliases

    settings = _settings(config, **{"detect.model": _abs(model), "eval.clean_n": clean_n,
                                    "rewrite.model": _abs(rewriter)})
    gold = gold or (Path(settings.eval.gold) if settings.eval.gold else None)
    if gold is None:
        raise ConfigError("no gold file: pass --gold FILE.jsonl or set eval.gold")
    report = evaluate(gold, settings, load_aliases(settings, aliases or []))
    table = Table(title="repair eval")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for name, value in report.rows():
        table.add_row(name, value)
    out = Console()
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
        table = Table(title="repair eval: rewriter on held-out synthetic pairs",
                      caption=syn.signature)
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
    out = Console()
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
        out.write_text(text, encoding="utf-8")


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
    Console().print(table)


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
    Console().print(table)


@train_app.command("rewriter")
def train_rewriter_cmd(
    config: Annotated[Path, typer.Option("--config", help="configs/train_rewriter*.yaml")],
    resume: Annotated[bool, typer.Option("--resume", help="continue from the checkpoint")] = False,
) -> None:
    """Train the seq2seq rewriter on synthetic pairs (resumable; Ctrl-C saves a checkpoint)."""
    from repair.train.rewriter import load_train_settings, train_rewriter

    logging.getLogger("repair").setLevel(logging.INFO)
    result = train_rewriter(load_train_settings(config), resume=resume)
    state = "finished" if result.finished else "stopped (resume with --resume)"
    console.print(
        f"{state}: {result.steps} steps, {result.seconds / 60:.1f} min, "
        f"loss {result.final_loss:.3f} -> {result.out_dir if result.finished else 'checkpoint'}"
    )


@bench_app.command("rewrite")
def bench_rewrite_cmd(
    model: Annotated[Path | None, typer.Option(help="rewriter directory (default: rewrite.model)")]
    = None,
    n: Annotated[int, typer.Option(help="corrupted held-out sentences")] = 64,
    threads: Annotated[int, typer.Option(help="torch CPU threads")] = 1,
    config: ConfigOpt = None,
) -> None:
    """Sentences per second of greedy, beam and fast (input-copy) decoding on this machine."""
    from repair.bench import bench_rewrite, synthetic_inputs
    from repair.errors import ConfigError

    settings = _settings(config, **{"rewrite.model": _abs(model)})
    if not settings.rewrite.model:
        raise ConfigError("no rewriter: pass --model DIR or set rewrite.model")
    if not settings.eval.clean:
        raise ConfigError("no held-out corpus: set eval.clean")
    rows = bench_rewrite(settings.rewrite.model, synthetic_inputs(settings.eval.clean, n),
                         threads=threads)
    table = Table(title=f"repair bench rewrite ({rows[0]['model']}, {threads} thread(s))")
    keys = ("decoder", "batch", "sentences", "seconds", "sentences_per_s", "same_as_greedy",
            "tokens_per_pass")
    for key in keys:
        table.add_column(key, justify="right")
    for r in rows:
        table.add_row(*(str(r.get(k, "")) for k in keys))
    Console().print(table)


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
    Console().print(_before_after(
        f"repair finetune -> {out} ({report.edits_train} edits, {report.steps} steps, "
        f"{report.seconds:.0f} s)", report.before, report.after))


def _demo_rows(report, model: str) -> dict:
    return {
        "held-out fix rate (whole sentences)": report.fix_rate[model],
        "clean no-harm (whole sentences)": report.no_harm[model],
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
    Console().print(table)


@models_app.command("list")
def models_list_cmd(config: ConfigOpt = None) -> None:
    """The registered models, what each was trained from, and which the config uses."""
    from repair.registry import list_models

    settings = _settings(config)
    rows = list_models({"detector": settings.detect.model, "rewriter": settings.rewrite.model})
    table = Table(title="models (models/registry.json)")
    for col in ("name", "kind", "default", "path", "parent", "created", "version"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["name"], r["kind"], "yes" if r["default"] else "", r["path"],
                      r.get("parent") or "", r["created"], r.get("version", ""))
    Console().print(table)

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
    try:
        app(standalone_mode=False)
    except RepairError as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if isinstance(exc, click.exceptions.Abort):
            sys.exit(130)
        raise


if __name__ == "__main__":
    main()
