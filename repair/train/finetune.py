"""Fine-tune the span rewriter on reviewers' decisions, and measure the effect.

Data flow: queue -> accepted and edited items (machine text -> final text) -> a ``datasets``
dataset split by document (held-out documents never train) -> span examples in exactly the
form inference makes them: the differences between the machine text (entities, calques and
dates as placeholders) and the final text are the spans and their repairs; the unchanged words
of reviewed sentences give keep examples -> mixed with replay examples from the base model's
recipe so older skills stay -> the base and the new model measured on the held-out edits and
on the labelled seed file. The new model's keep margin is recalibrated on dev spans.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import random
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from repair import SHARED, project_path
from repair.aliases import AliasTable
from repair.errors import ConfigError, InputError, ModelError
from repair.rewrite.examples import SpanExample
from repair.text import corpus_sentences
from repair.train.learned import marked_regions, widened
from repair.train.patterns import changed_regions

__all__ = ["FinetuneSettings", "FinetuneReport", "edit_dataset", "edit_examples", "finetune",
           "finetune_from_queue"]

log = logging.getLogger(__name__)
_PH = re.compile(r"<ent\d+>")


@dataclass(frozen=True)
class FinetuneSettings:
    lr: float = 5e-4
    epochs: int = 8
    batch_size: int = 32
    replay_per_edit: float = 2.0  # replay examples per edit example in every epoch
    keep_per_sentence: int = 1  # keep examples from the unchanged words of each reviewed item
    widen: int = 1  # extra examples of each change with its span grown by a word or two
    warmup_steps: int = 10
    threads: int = 1
    seed: int = 0
    corpus: str = f"{SHARED}/corpus/train.jsonl.gz"  # replay source
    replay_sentences: int = 20_000
    max_minutes: float = 14.0  # stop training (and keep what was learned) after this long
    heldout_splits: tuple[str, ...] = ("test",)  # export.split_of splits held out of training
    calibrate_spans: int = 600  # dev spans for the new model's keep margin (0 = parent's)
    patterns: bool = True  # learn phrases reviewers always replace (patterns.tsv, detection)
    layer: bool = True  # learn a detection layer from the reviewed sentences (detector_layer/)
    suggestions: bool = True  # agreed replacements of learned phrases applied like calques
    templates: bool = True  # edit templates over name/number slots (templates.json)
    name_slots: int = 2  # copies of each edit carrying a name over, with other corpus names


@dataclass
class FinetuneReport:
    out_dir: str
    parent: str
    edits_train: int
    edits_heldout: int
    replay_pairs: int
    steps: int
    seconds: float
    examples_train: int = 0
    patterns: list[str] = field(default_factory=list)  # phrases learned for detection
    templates: list[str] = field(default_factory=list)  # edit templates applied (agreed)
    queue_digest: str = ""  # what was learned from: the reviewed rows' content hash
    layer: dict = field(default_factory=dict)  # the learned detection layer's figures
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- data


def edit_dataset(rows: Sequence[dict], heldout_splits: Sequence[str] = ("test",)):
    """The reviewed items as a ``datasets.DatasetDict`` with ``train`` and ``heldout`` splits,
    split by document (``repair.review.export.split_of``); ``changed`` marks real edits."""
    from datasets import Dataset, DatasetDict

    from repair.review.export import split_of

    cols = ("id", "doc_id", "machine_text", "proposal", "final_text", "reviewer", "model")
    parts: dict[str, list[dict]] = {"train": [], "heldout": []}
    for r in rows:
        if not r["final_text"]:
            continue
        part = "heldout" if split_of(r["doc_id"]) in heldout_splits else "train"
        cats = r.get("categories") or []
        parts[part].append({**{c: r[c] for c in cols},
                            "changed": r["final_text"] != r["machine_text"],
                            "category": cats[0] if len(cats) == 1 else "unk"})
    names = (*cols, "changed", "category")
    return DatasetDict({k: Dataset.from_list(v) if v else Dataset.from_dict({c: [] for c in names})
                        for k, v in parts.items()})


def _to_placeholders(final: str, prot) -> str | None:
    """``final`` with each protected entity's canonical form put back as its placeholder, left
    to right; None when the reviewer removed or changed one."""
    from repair.rewrite.tokenizer import placeholder

    out, pos = [], 0
    for i, slot in enumerate(prot.slots):
        k = final.find(slot.canonical, pos)
        if k < 0:
            return None
        out += [final[pos:k], placeholder(i)]
        pos = k + len(slot.canonical)
    return "".join(out) + final[pos:]


def edit_examples(machine: Sequence[str], final: Sequence[str], categories: Sequence[str],
                  table: AliasTable, context_words: int, keep_per_sentence: int = 1,
                  seed: int = 0, widen: int = 1,
                  detected: Sequence[Sequence[tuple[int, int, str]]] | None = None,
                  ) -> tuple[list[SpanExample], list[SpanExample]]:
    """(repair examples, keep examples) from reviewed sentences, windows cut as inference
    cuts them (entities, calques and dates as placeholders). Each change is a phrase edit
    (:mod:`repair.review.edits`), grown to the spans the detector marks at run time
    (``detected``: per sentence, in its own offsets; :func:`repair.train.learned.
    detected_spans`) with their category; each also comes ``widen`` times with its span
    grown by a word or two, as the detector may mark it."""
    from repair.rewrite.entities import protect
    from repair.rewrite.examples import random_span
    from repair.rewrite.propose import fixed_matches
    from repair.rewrite.spans import make_window

    rng = random.Random(seed)
    repairs, keeps = [], []
    for k, (src, tgt, cat) in enumerate(zip(machine, final, categories, strict=True)):
        prot = protect(src, table, fixed_matches(src, table))
        text, target = (prot.text, _to_placeholders(tgt, prot)) if prot else (src, None)
        if target is None:
            text, target = src, tgt
        marks = list(detected[k]) if detected is not None else []
        if marks and text != src:
            marks = [(prot.to_protected(a), prot.to_protected(b), c) for a, b, c in marks]
        spans = marked_regions(text, changed_regions(text, target), marks, cat)
        regions = [(a, b, rep) for a, b, rep, _ in spans]
        for a0, b0, rep0, span_cat in spans:
            region = (a0, b0, rep0)
            variants = [region] + [widened(text, *region, regions, rng) for _ in range(widen)]
            for a, b, rep in filter(None, dict.fromkeys(variants)):
                w = make_window(text, a, b, span_cat, context_words)
                local = {p: f"<ent{i}>" for i, p in enumerate(w.placeholders)}
                rep = _PH.sub(lambda m, local=local: local.get(m.group(), m.group()), rep)
                repairs.append(SpanExample(w.source, rep, "edit", "repair"))
        for _ in range(keep_per_sentence):
            for _attempt in range(8):  # a span of unchanged words, if the sentence has one
                span = random_span(text, rng)
                if span and not any(span[0] < b and a < span[1] for a, b, _ in regions):
                    w = make_window(text, span[0], span[1], cat, context_words)
                    keeps.append(SpanExample(w.source, w.span, "keep", "keep"))
                    break
    return repairs, keeps


def _replay(base_dir: Path, n: int, settings: FinetuneSettings) -> list[SpanExample]:
    """Examples like the base model's training data (synthetic repairs and keeps)."""

    from repair.rewrite.model import train_config
    from repair.train.rewriter import RewriterTrainSettings, stream_for

    names = {f.name for f in dataclasses.fields(RewriterTrainSettings)}
    data = train_config(base_dir)
    base_st = RewriterTrainSettings(**{k: v for k, v in data.items() if k in names})
    sentences = corpus_sentences(project_path(settings.corpus), max_words=base_st.max_words,
                                 limit=settings.replay_sentences * 4)
    random.Random(settings.seed).shuffle(sentences)
    stream = stream_for(sentences[: settings.replay_sentences], [], base_st, settings.seed + 1,
                     settings.seed + 1)
    return [stream.example(g) for g in range(n)]


# --------------------------------------------------------------------------- measurement


def _score_edits(model_dir: Path, repairs: list[SpanExample], keeps: list[SpanExample]) -> dict:
    if not repairs:
        return {"heldout_edit_spans": 0}
    from repair.rewrite.calibrate import span_scores
    from repair.rewrite.model import SpanRewriter

    s = span_scores(SpanRewriter(model_dir), repairs + keeps)
    return {"heldout_edit_spans": len(repairs),
            "heldout_edit_exact": round(s["exact"], 4),
            "heldout_keep": round(s["keep"], 4)}


def _score_seed_dev(model_dir: Path, run_settings, aliases: AliasTable) -> dict:
    from repair.eval.evaluate import evaluate

    gold = run_settings.eval.gold
    if not gold or not Path(gold).exists():
        return {}
    from repair.pipeline import Pipeline

    s = dataclasses.replace(
        run_settings, rewrite=dataclasses.replace(run_settings.rewrite, model=str(model_dir)))
    rep = evaluate(gold, Pipeline.from_settings(s, aliases),
                   dataclasses.replace(run_settings.eval, clean_n=0))

    def share(pair: tuple[int, int]) -> float:
        return round(pair[0] / pair[1], 4) if pair[1] else float("nan")

    return {
        "seed_alias_must_have": share(rep.alias_must_have),
        "seed_other_must_not_have_gone": share(rep.other_must_not_have),
        "seed_clean_unchanged": share(rep.clean_unchanged),
    }


def _digest(rows: Sequence[dict]) -> str:
    import hashlib

    h = hashlib.sha256()
    for r in sorted(rows, key=lambda r: r["id"]):
        h.update(json.dumps([r["id"], r["machine_text"], r["final_text"]],
                            ensure_ascii=False).encode())
    return h.hexdigest()[:12]


# --------------------------------------------------------------------------- training


def _train(base_dir: Path, out_dir: Path, edits: list[SpanExample], replay: list[SpanExample],
           settings: FinetuneSettings) -> tuple[int, float, float]:
    import copy

    import torch
    from tqdm import tqdm
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    import repair.rewrite.copy_model  # noqa: F401  (registers copy_t5)
    from repair.train.rewriter_data import collate

    torch.manual_seed(settings.seed)
    if settings.threads:
        torch.set_num_threads(settings.threads)
    tok = AutoTokenizer.from_pretrained(str(base_dir))
    model = AutoModelForSeq2SeqLM.from_pretrained(str(base_dir), dtype=torch.float32)
    model.train()
    rng = random.Random(settings.seed)
    per_epoch = max(1, round(len(edits) * settings.replay_per_edit))
    n_batches = math.ceil((len(edits) + per_epoch) / settings.batch_size)
    total = settings.epochs * n_batches
    opt = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / settings.warmup_steps) * max(0.0, 1 - s / total))
    t0, step, loss_ema = time.perf_counter(), 0, float("nan")
    bar = tqdm(total=total, desc="fine-tune", unit="step", disable=None)
    for epoch in range(settings.epochs):
        chunk = replay[(epoch * per_epoch) % max(len(replay), 1):][:per_epoch]
        data = list(edits) + chunk
        rng.shuffle(data)
        for b in range(0, len(data), settings.batch_size):
            loss = model(**collate(data[b : b + settings.batch_size], tok, 64, 32)).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            value = float(loss.detach())
            loss_ema = value if math.isnan(loss_ema) else 0.9 * loss_ema + 0.1 * value
            bar.update(1)
            bar.set_postfix(loss=f"{loss_ema:.3f}")
            if time.perf_counter() - t0 > settings.max_minutes * 60:
                log.warning("fine-tuning stopped at the %.0f-minute limit", settings.max_minutes)
                break
        else:
            continue
        break
    bar.close()
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    copy.deepcopy(model).to(dtype=torch.float16).save_pretrained(str(out_dir),
                                                                 safe_serialization=True)
    tok.save_pretrained(str(out_dir))
    return step, time.perf_counter() - t0, loss_ema


def finetune(
    rows: Sequence[dict],
    base_dir: str | Path,
    out_dir: str | Path,
    settings: FinetuneSettings,
    aliases: AliasTable,
    run_settings=None,
) -> FinetuneReport:
    """Fine-tune the model in ``base_dir`` on reviewed rows (``repair.review.export`` rows, accepted
    and edited) and write it to ``out_dir`` with a model card of before/after figures."""
    from repair.rewrite.model import DEFAULT_CONTEXT, LAYER_DIR, model_meta
    from repair.rewrite.propose import fixed_table
    from repair.train.learned import detected_spans, learn_layer, learn_patterns
    from repair.train.templates import learn_templates

    base, out = Path(base_dir), Path(out_dir)
    if not (base / "config.json").exists():
        raise ModelError("base model directory has no config.json", base)
    if out.resolve() == base.resolve():
        raise ConfigError("--out must differ from --base: the parent model is kept as it was")
    ds = edit_dataset(rows, settings.heldout_splits)
    train, held = ds["train"], ds["heldout"]
    if sum(train["changed"]) == 0:
        raise InputError("no accepted or edited items to learn from in the queue")
    table = fixed_table(run_settings.rewrite, aliases) if run_settings is not None else aliases
    words = int(model_meta(base).get("context_words", DEFAULT_CONTEXT))

    digest = _digest(rows)
    out.mkdir(parents=True, exist_ok=True)
    # detection first (phrases, then the layer), so the rewriter trains on the spans the
    # detector will mark with them at run time (repair.train.learned)
    patterns = (learn_patterns(base, out, train["machine_text"], train["final_text"],
                               settings.corpus, settings.suggestions) if settings.patterns else [])
    templates = (learn_templates(base, out, train["machine_text"], train["final_text"],
                                 settings.corpus, run_settings and run_settings.detect.name_stats)
                 if settings.templates else [])
    layer = (learn_layer(out, train["machine_text"], train["final_text"], run_settings, aliases,
                         settings.corpus, {"parent": str(base), "queue_digest": digest})
             if settings.layer else {})
    if not layer and (base / LAYER_DIR / "config.json").exists():  # the parent's, kept
        shutil.copytree(base / LAYER_DIR, out / LAYER_DIR, dirs_exist_ok=True)

    def examples(part):
        marked = detected_spans(part["machine_text"], out, run_settings, aliases, table)
        return edit_examples(part["machine_text"], part["final_text"], part["category"], table,
                             words, settings.keep_per_sentence, settings.seed, settings.widen,
                             marked)

    repairs, keeps = examples(train)
    if settings.name_slots and run_settings is not None and run_settings.detect.model:
        from repair.detect.model import load_detector
        from repair.train.learned import name_slot_examples, name_test

        names_from = corpus_sentences(project_path(settings.corpus), limit=5000)
        repairs += name_slot_examples(repairs, names_from, name_test(load_detector(
            run_settings.detect.model).stats), settings.name_slots, settings.seed)
    edits = repairs + keeps
    replay = _replay(base, max(1, round(len(edits) * settings.replay_per_edit))
                     * settings.epochs, settings)
    log.info("fine-tuning on %d edit spans + %d keep spans + %d replay examples",
             len(repairs), len(keeps), len(replay))
    report = FinetuneReport(str(out), str(base), sum(train["changed"]), sum(held["changed"]),
                            len(replay), 0, 0.0, len(edits), patterns, templates, digest,
                            layer=layer)
    held_repairs, held_keeps = examples(held)
    report.before = _score_edits(base, held_repairs, held_keeps)
    if run_settings is not None:
        report.before.update(_score_seed_dev(base, run_settings, aliases))
    report.steps, report.seconds, loss = _train(base, out, edits, replay, settings)
    for name in ("train_config.yaml", "spiece.model", "rewriter.json"):
        if (base / name).exists():  # the replay recipe, tokenizer source, parent's margin
            shutil.copy(base / name, out / name)
    if run_settings is not None and settings.calibrate_spans:
        from repair.rewrite.calibrate import write_calibration

        write_calibration(out, run_settings.eval.clean, run_settings.detect, aliases,
                          settings.calibrate_spans)
    report.after = _score_edits(out, held_repairs, held_keeps)
    if run_settings is not None:
        report.after.update(_score_seed_dev(out, run_settings, aliases))
    ds.save_to_disk(str(out / "finetune_data"))
    (out / "finetune.json").write_text(json.dumps(
        {"parent": str(base), "settings": asdict(settings), "final_loss_ema": round(loss, 4),
         **asdict(report)}, ensure_ascii=False, indent=1), encoding="utf-8")
    from repair.train.rewriter_io import write_finetune_card

    write_finetune_card(out, report, settings)
    return report


def finetune_from_queue(queue: str | Path, base_dir: str | Path, out_dir: str | Path,
                        settings: FinetuneSettings, run_settings, aliases: AliasTable,
                        ) -> FinetuneReport:
    """``finetune`` on the accepted and edited items of ``queue`` into a new folder (never a
    user's folder); registered with its parent and before/after figures (``register_new``)."""
    from repair.review import Queue
    from repair.review.export import reviewed_rows
    from repair.text.outputs import guarded_folder
    from repair.train.registry import ModelEntry, register_new

    with Queue.from_settings(run_settings.queue, queue, aliases=aliases, must_exist=True) as q:
        rows = reviewed_rows(q, "accepted")
    with guarded_folder(out_dir, [base_dir], command="finetune") as out:
        report = finetune(rows, base_dir, out, settings, aliases, run_settings)
    register_new(ModelEntry(name=out.name, kind="rewriter", path=report.out_dir,
                            parent=report.parent, metrics={"before": report.before,
                                                           "after": report.after}))
    return report
