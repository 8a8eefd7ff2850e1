"""A reproducible demonstration that fine-tuning on reviewers' edits teaches the rewriter a
correction pattern it did not know, without harming clean text.

The pattern is a calque the synthetic generator never makes: "Chủ tịch nước" (the state
president, 国家主席) machine-translated word by word as "Chủ tịch quốc gia". The demonstration
1. takes clean corpus sentences with "Chủ tịch nước" and puts the calque in, split by article
   into a pool for reviewers and a held-out pool;
2. runs the real pipeline on the reviewers' pool and queues every sentence, flagged or not
   (``repair run --queue-all``): the detector does not know the calque;
3. simulates reviewers through the real queue: each item is claimed and edited to the clean
   sentence (or accepted where the proposal already is);
4. fine-tunes the base model on the queue's accepted and edited items, which also learns the
   phrase for detection (``patterns.tsv`` beside the new model);
5. measures, for the base and the new model, how often the pattern is fixed in held-out
   sentences and how often clean held-out sentences come back unchanged (no harm): once with
   the span given to the model directly ("model": its raw ability, a random span marked in
   each clean sentence) and once through the production pipeline.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from repair import SHARED, project_path
from repair.aliases import AliasTable
from repair.errors import InputError
from repair.pipeline import Pipeline
from repair.text import corpus_records, corpus_sentences
from repair.train.finetune import FinetuneReport, FinetuneSettings, finetune

__all__ = ["DemoSettings", "DemoReport", "run_demo"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoSettings:
    correct: str = "Chủ tịch nước"
    calque: str = "Chủ tịch quốc gia"
    n_edits: int = 100
    n_heldout: int = 80
    n_clean: int = 300
    max_words: int = 30
    corpus: str = f"{SHARED}/corpus/train.jsonl.gz"
    clean_corpus: str = f"{SHARED}/corpus/dev.jsonl.gz"
    reviewer: str = "demo-reviewer"


@dataclass
class DemoReport:
    n_edits: int
    n_heldout: int
    n_clean: int
    # model -> share; the span given to the model (its raw ability), or "pipeline": the
    # production path (detector, keep margin, guard)
    fix_rate: dict = field(default_factory=dict)  # held-out sentences with the pattern fixed
    no_harm: dict = field(default_factory=dict)  # clean held-out sentences left unchanged
    pipeline_fix_rate: dict = field(default_factory=dict)
    pipeline_no_harm: dict = field(default_factory=dict)
    finetune: FinetuneReport | None = None
    queued: int = 0


def _pattern_sentences(ds: DemoSettings) -> tuple[list[str], list[str]]:
    path = project_path(ds.corpus)
    if not path.exists():
        raise InputError("corpus not found; set the demo's corpus", path)
    pool, held = [], []
    for obj in corpus_records(path):
        text = obj["text"]
        if ds.correct not in text or len(text.split()) > ds.max_words:
            continue
        # held-out articles never give an edit
        (held if zlib.crc32(obj["doc_id"].encode()) % 3 == 0 else pool).append(text)
        if len(pool) >= ds.n_edits and len(held) >= ds.n_heldout:
            break
    if len(pool) < ds.n_edits or len(held) < ds.n_heldout:
        raise InputError(f"only {len(pool)} + {len(held)} sentences with {ds.correct!r}", path)
    return pool[: ds.n_edits], held[: ds.n_heldout]


def _clean_sentences(ds: DemoSettings) -> list[str]:
    return corpus_sentences(project_path(ds.clean_corpus), max_words=ds.max_words, limit=ds.n_clean)


def _fixed(out: str, ds: DemoSettings) -> bool:
    return ds.correct in out and ds.calque not in out


def _pipeline(model: Path, segs: list, run_settings, aliases: AliasTable) -> list:
    """The production path (detector with what the model directory learned, keep margin,
    guard, entity checks): nobody edits a config file."""
    s = dataclasses.replace(
        run_settings, rewrite=dataclasses.replace(run_settings.rewrite, model=str(model)))
    return Pipeline.from_settings(s, aliases).process(segs)


def _given_spans(model: Path, segs: list, phrase: str | None, run_settings,
                 aliases: AliasTable) -> list:
    """Proposals with one span given to the model in each sentence: ``phrase`` where it
    occurs, else a random word run (what a detector false positive looks like)."""
    import random

    from repair.detect import Detection, Span
    from repair.rewrite.examples import random_span

    rng = random.Random(0)
    dets = []
    for seg in segs:
        k = seg.text.find(phrase) if phrase else -1
        a, b = (k, k + len(phrase)) if k >= 0 else (random_span(seg.text, rng) or (0, 0))
        cat = "calque" if k >= 0 else "unk"
        dets.append(Detection(seg, 1.0, True, (Span(a, b, cat, seg.text[a:b], 1.0),)))
    s = dataclasses.replace(
        run_settings, rewrite=dataclasses.replace(run_settings.rewrite, model=str(model)))
    return Pipeline.from_settings(s, aliases).propose(dets)


def _queue_and_review(work: Path, base: Path, sources: list[str], targets: list[str],
                      ds: DemoSettings, run_settings, aliases: AliasTable) -> tuple[Path, int]:
    from repair.review import Queue
    from repair.text import Segment

    segs = [Segment(f"demo-{i}", f"demo-doc-{i}", t, 0, len(t), 0) for i, t in enumerate(sources)]
    proposals = _pipeline(base, segs, run_settings, aliases)
    db = work / "queue.db"
    clean_of = {s.id: t for s, t in zip(segs, targets, strict=True)}
    with Queue.from_settings(run_settings.queue, db, aliases=aliases) as q:
        queued = q.add(proposals, aliases.digest, include_all=True)  # as `run --queue-all`
        while (item := q.claim(ds.reviewer)) is not None:
            final = clean_of[item.segment_id]
            if item.proposal == final:
                q.decide(item.id, "accept", ds.reviewer)
            else:
                q.decide(item.id, "edit", ds.reviewer, final_text=final, force=True,
                         comment="demo: the clean corpus sentence")
    return db, queued


def run_demo(base_dir: str | Path, work_dir: str | Path, ds: DemoSettings,
             settings: FinetuneSettings, run_settings, aliases: AliasTable) -> DemoReport:
    """Run the whole demonstration; the fine-tuned model is written to ``work_dir/model``."""
    from repair.text.outputs import guarded_folder

    with guarded_folder(work_dir, [base_dir], command="finetune-demo") as work:
        return _run_demo(Path(base_dir), work, ds, settings, run_settings, aliases)


def _run_demo(base: Path, work: Path, ds: DemoSettings, settings: FinetuneSettings,
              run_settings, aliases: AliasTable) -> DemoReport:
    from repair.review import Queue
    from repair.review.export import reviewed_rows

    pool, held = _pattern_sentences(ds)
    corrupt = [s.replace(ds.correct, ds.calque) for s in pool]
    held_corrupt = [s.replace(ds.correct, ds.calque) for s in held]
    clean = _clean_sentences(ds)
    report = DemoReport(len(pool), len(held), len(clean))
    db, report.queued = _queue_and_review(work, base, corrupt, pool, ds, run_settings, aliases)
    with Queue.from_settings(run_settings.queue, db, aliases=aliases) as q:
        rows = reviewed_rows(q, "accepted")
    out = work / "model"
    # Everything reviewed trains: the demo's held-out sentences come from other articles.
    report.finetune = finetune(rows, base, out, dataclasses.replace(settings, heldout_splits=()),
                               aliases, run_settings)
    from repair.text import Segment

    def share(hits: list[bool]) -> float:
        return round(sum(hits) / len(hits), 4)

    held_segs = [Segment(f"h{i}", f"h{i}", t, 0, len(t), 0) for i, t in enumerate(held_corrupt)]
    clean_segs = [Segment(f"c{i}", f"c{i}", t, 0, len(t), 0) for i, t in enumerate(clean)]
    for name, model in (("base", base), ("fine-tuned", out)):
        props = _given_spans(model, held_segs, ds.calque, run_settings, aliases)
        report.fix_rate[name] = share([_fixed(p.text, ds) for p in props])
        props = _given_spans(model, clean_segs, None, run_settings, aliases)
        report.no_harm[name] = share([not p.changed for p in props])
        props = _pipeline(model, held_segs, run_settings, aliases)
        report.pipeline_fix_rate[name] = share([_fixed(p.text, ds) for p in props])
        props = _pipeline(model, clean_segs, run_settings, aliases)
        report.pipeline_no_harm[name] = share([not p.changed for p in props])
    (work / "demo_report.json").write_text(json.dumps(dataclasses.asdict(report),
                                                      ensure_ascii=False, indent=1),
                                           encoding="utf-8")
    return report
