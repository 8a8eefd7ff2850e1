"""``repair train``, ``finetune``, ``finetune-demo`` and ``models``: the project's models."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from repair import ROOT
from repair.cli import common

__all__ = ["register"]

train_app = common.group(help="Train the project's models.")
models_app = common.group(help="The model registry (models/registry.json).")
FinetuneConfigOpt = Annotated[Path | None, typer.Option(help="fine-tuning YAML")]


@train_app.command("detector")
def train_detector_cmd(
    config: Annotated[Path, typer.Option("--config", help="training YAML")] = Path(
        "configs/train_detector.yaml"
    ),
    out: Annotated[Path | None, typer.Option(help="model directory")] = None,
    run_config: Annotated[Path | None, typer.Option(help="run YAML (rules, aliases)")] = None,
) -> None:
    """Train the artifact detector on synthetic artifacts over the clean corpus."""
    from repair.config import load_aliases, load_section
    from repair.text.outputs import guarded_folder
    from repair.train.detector import DetectorTrainSettings, train_and_describe

    st = load_section(config, "train", DetectorTrainSettings, ("corpus", "out"),
                      {"out": str(out.absolute())} if out else None)
    run = common.settings(run_config)
    with guarded_folder(st.out, [st.corpus], command="train detector"):
        metrics = train_and_describe(st, run, load_aliases(run))
    common.stdout().print(common.measure_table(
        f"repair train detector -> {st.out}",
        ((k, f"{v:.4f}" if isinstance(v, float) else str(v)) for k, v in metrics.items())))


@train_app.command("rewriter")
def train_rewriter_cmd(
    config: Annotated[Path, typer.Option("--config", help="configs/train_rewriter*.yaml")],
    resume: Annotated[bool, typer.Option("--resume", help="continue from the checkpoint")] = False,
    init: Annotated[Path | None, typer.Option(
        "--init", help="warm-start from this model directory (continues its curve)")] = None,
    export: Annotated[bool, typer.Option(
        "--export", help="only export (and calibrate) the run's last checkpoint")] = False,
    calibrate: Annotated[int, common.count_option(
        "held-out dev spans to calibrate the keep margin on")] = 1500,
) -> None:
    """Train the span rewriter (resumable; Ctrl-C saves a checkpoint), calibrate its keep
    margin on held-out spans, and print its learning curve."""
    from repair import project_path
    from repair.config import load_section
    from repair.text.outputs import guarded_folder
    from repair.train.rewriter import RewriterTrainSettings

    logging.getLogger("repair").setLevel(logging.INFO)
    st = load_section(config, None, RewriterTrainSettings,
                      overrides={"init": common.abs_path(init)})
    with guarded_folder(project_path(st.out_dir), [p for p in (init,) if p],
                        option="out_dir", command="train rewriter"):
        _train_rewriter(st, export, resume, calibrate)


def _train_rewriter(st, export: bool, resume: bool, calibrate: int) -> None:
    from repair.config import load_aliases
    from repair.rewrite.calibrate import write_calibration
    from repair.train.rewriter import export_checkpoint, train_rewriter
    from repair.train.rewriter_io import write_card

    run = common.settings(None)
    if export:
        out, finished, curve = export_checkpoint(st), True, None
    else:
        result = train_rewriter(st, resume=resume, detect_settings=run.detect,
                                aliases=load_aliases(run))
        out, finished, curve = Path(result.out_dir), result.finished, result.curve
        state = "finished" if finished else "stopped (resume with --resume)"
        common.console.print(f"{state}: {result.steps} steps, {result.seconds / 60:.1f} min, "
                      f"loss {result.final_loss:.3f}")
    if not finished:
        return
    meta = write_calibration(out, run.eval.clean, run.detect, load_aliases(run), calibrate)
    write_card(out)
    common.console.print(f"{out}: keep margin {meta['keep_margin']} nats "
                  f"(calibration keep {meta['calibration']['keep']}, "
                  f"exact {meta['calibration']['exact']})")
    if curve:
        table = Table(title="learning curve (held-out dev spans, greedy)")
        for key in ("examples", "minutes", "exact", "keep"):
            table.add_column(key, justify="right")
        for p in curve:
            table.add_row(str(p["examples"]), f"{p['seconds'] / 60:.1f}", f"{p['exact']:.3f}",
                          f"{p['keep']:.3f}")
        common.console.print(table)


@train_app.command("lexicon")
def train_lexicon(
    corpus: common.CorpusOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="lexicon file (default: rewrite.lexicon); its settings go beside "
        "it as OUT.config.yaml")] = None,
    min_count: Annotated[int, common.count_option("keep words written at least this often")] = 3,
    config: common.ConfigOpt = None,
) -> None:
    """Mine the term lexicon (Latin-letter words, counts, usual spelling) from clean news."""
    from repair.rewrite.lexicon import build_lexicon, write_lexicon
    from repair.text.outputs import guarded_file

    default = common.settings(config).rewrite.lexicon
    if out is None and default is None:
        raise typer.BadParameter("give --out, or set rewrite.lexicon in the config")
    corpus_path = common.corpus_path(corpus)
    with guarded_file(common.out_path(out, default), [corpus_path], command="train lexicon",
                      extra={"corpus": str(corpus_path), "min_count": min_count}) as target:
        counts = build_lexicon(common.corpus_sentences(corpus_path), min_count=min_count)
        write_lexicon(counts, target)
    common.console.print(f"{len(counts)} words -> {target}")


@train_app.command("alias-counts")
def train_alias_counts(
    corpus: common.CorpusOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="counts file (default: models/aliases/phrase_counts.tsv.gz); its "
        "settings go beside it as OUT.config.yaml, its card as README.md in its folder "
        "(OUT.README.md where a README.md of someone else's is there)")] = None,
    floor: Annotated[int, common.count_option(
        "keep n-grams seen at least this often (the alias check's limit must not be lower)")]
    = 50,
) -> None:
    """Count the phrases of clean news (1-4 words, as alias variants match them) that the
    alias-table check judges context-free variants by."""
    from repair.aliases import PHRASE_COUNTS
    from repair.aliases.counts import count_ngrams, save_phrase_counts, write_counts_card
    from repair.text.outputs import guarded_file

    corpus_path = common.corpus_path(corpus)
    with guarded_file(common.out_path(out, PHRASE_COUNTS), [corpus_path],
                      command="train alias-counts",
                      extra={"corpus": str(corpus_path), "floor": floor}) as target:
        sentences = common.corpus_sentences(corpus_path)
        counts, words = count_ngrams(sentences, floor)
        save_phrase_counts(target, counts, floor=floor, words=words, sentences=len(sentences),
                           source=corpus_path.name)
        card = write_counts_card(target)
    common.console.print(f"{len(counts)} phrases seen at least {floor} times in {words} words "
                         f"-> {target} (card {card})")


@train_app.command("calque-contexts")
def train_calque_contexts(
    corpus: common.CorpusOpt = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="contexts file (default: models/lexicon/calque_contexts.json.gz); "
        "its settings go beside it as OUT.config.yaml")] = None,
    config: common.ConfigOpt = None,
) -> None:
    """Count the words clean news writes right before and after each known calque's
    suggestion: the evidence for dropping a function word a pivot translation left beside a
    replaced calque (repair.rewrite.dangling)."""
    from repair import project_path
    from repair.aliases import load_calque_table
    from repair.rewrite.dangling import CONTEXTS, build_contexts, save_contexts
    from repair.text.outputs import guarded_file

    calques = common.settings(config).rewrite.calques
    if not calques:
        raise typer.BadParameter("set rewrite.calques in the config: its suggestions are counted")
    corpus_path = common.corpus_path(corpus)
    phrases = [r.canonical for r in load_calque_table(project_path(calques)).rows]
    with guarded_file(common.out_path(out, CONTEXTS), [corpus_path],
                      command="train calque-contexts",
                      extra={"corpus": str(corpus_path), "calques": str(calques)}) as target:
        contexts, n = build_contexts(common.corpus_sentences(corpus_path), phrases)
        save_contexts(target, contexts, sentences=n, source=corpus_path.name)
    common.console.print(f"contexts of {len(contexts)} suggestions in {n} sentences -> {target}")


def _finetune_config(config: Path | None) -> Path:
    return config or ROOT / "configs" / "finetune.yaml"


def _before_after(title: str, before: dict, after: dict) -> Table:
    table = Table(title=title)
    for col in ("measure", "before", "after"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    for k in sorted(set(before) | set(after)):
        table.add_row(k, str(before.get(k, "")), str(after.get(k, "")))
    return table


def finetune_cmd(
    queue: Annotated[
        str, typer.Option("--queue", help="review queue with accepted edits (file or URL)")
    ],
    base: Annotated[Path, typer.Option("--base", help="rewriter model directory")],
    out: Annotated[Path, typer.Option(
        "--out", help="new model folder (new or empty; or one repair wrote before)")],
    config: FinetuneConfigOpt = None,
) -> None:
    """Fine-tune a rewriter on the queue's accepted and edited items; before/after figures."""
    from repair.config import load_aliases, load_section
    from repair.train.finetune import FinetuneSettings, finetune_from_queue

    ft = load_section(_finetune_config(config), "finetune", FinetuneSettings, ("corpus",))
    run = common.settings(None)
    report = finetune_from_queue(common.queue_location(queue), base.absolute(), out.absolute(),
                                 ft, run, load_aliases(run))
    common.stdout().print(_before_after(
        f"repair finetune -> {out} ({report.edits_train} edits, {report.steps} steps, "
        f"{report.seconds:.0f} s)", report.before, report.after))


def _demo_rows(report, model: str) -> dict:
    return {
        "held-out fix rate (span given to the model)": report.fix_rate[model],
        "clean no-harm (random span given to the model)": report.no_harm[model],
        "held-out fix rate (pipeline)": report.pipeline_fix_rate[model],
        "clean no-harm (pipeline)": report.pipeline_no_harm[model],
    }


def finetune_demo_cmd(
    base: Annotated[Path, typer.Option("--base", help="rewriter model directory")],
    out: Annotated[Path, typer.Option("--out", help="work folder (queue, model, report)")] = Path(
        "out/finetune-demo"
    ),
    n: Annotated[int, common.count_option("accepted edits the simulated reviewers make")] = 100,
    config: FinetuneConfigOpt = None,
) -> None:
    """Simulate reviewers correcting a new calque, fine-tune, and measure before and after."""
    from repair.config import load_aliases, load_section
    from repair.train.finetune import FinetuneSettings
    from repair.train.finetune_demo import DemoSettings, run_demo

    path = _finetune_config(config)
    ft = load_section(path, "finetune", FinetuneSettings, ("corpus",))
    ds = load_section(path, "demo", DemoSettings, ("corpus", "clean_corpus"), {"n_edits": n})
    run = common.settings(None)
    report = run_demo(base.absolute(), out.absolute(), ds, ft, run, load_aliases(run))
    common.stdout().print(_before_after(
        f"fine-tuning demo: '{ds.calque}' -> '{ds.correct}', {report.n_edits} edits "
        f"({report.finetune.seconds:.0f} s of training)",
        {**_demo_rows(report, "base"), **report.finetune.before},
        {**_demo_rows(report, "fine-tuned"), **report.finetune.after},
    ))


@models_app.command("list")
def models_list_cmd(config: common.ConfigOpt = None) -> None:
    """The registered models, what each was trained from, and which the config uses."""
    from repair.train.registry import list_models

    run = common.settings(config)
    rows = list_models({"detector": run.detect.model, "rewriter": run.rewrite.model})
    import textwrap

    # one block per model, wrapped at 80 columns: readable in any terminal
    typer.echo("models (models/registry.json; * = used by the config)")
    for r in rows:
        typer.echo(f"{'*' if r['default'] else ' '} {r['name']} ({r['kind']})")
        about = (f"path {r['path']}; parent {r.get('parent') or '-'}; created "
                 f"{r['created'][:10]}; version {r.get('version') or '-'}")
        typer.echo(textwrap.fill(about, 80, initial_indent="    ", subsequent_indent="    "))


def register(app: typer.Typer) -> None:
    app.add_typer(train_app, name="train")
    app.command("finetune")(finetune_cmd)
    app.command("finetune-demo")(finetune_demo_cmd)
    app.add_typer(models_app, name="models")
