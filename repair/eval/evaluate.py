"""Evaluation against a labelled file (the format of ``seed_dev.jsonl``).

Each gold record has ``id``, ``text``, ``label`` (artifact / clean / unsure), and optionally
``must_have`` and ``must_not_have`` strings. Like sacrebleu, every report carries a signature
naming the settings that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from repair.aliases import AliasTable, canonicalize
from repair.detect import effective_threshold
from repair.errors import InputError
from repair.eval.settings import EvalSettings
from repair.metrics import chrf, roc_auc
from repair.pipeline import Pipeline
from repair.text import Segment, corpus_sentences, read_documents, segment_documents

__all__ = ["EvalSettings", "EvalReport", "evaluate", "clean_false_positives"]


@dataclass
class EvalReport:
    signature: str
    n_artifact: int = 0
    n_clean: int = 0
    auc: float = float("nan")
    recall: float = float("nan")
    fpr: float = float("nan")
    false_positives: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    alias_must_have: tuple[int, int] = (0, 0)  # (present, total)
    alias_must_not_have: tuple[int, int] = (0, 0)  # (gone, total)
    other_must_not_have: tuple[int, int] = (0, 0)
    clean_unchanged: tuple[int, int] = (0, 0)
    heldout_clean: tuple[int, int] = (0, 0)  # (flagged, total) on held-out clean corpus
    failures: list[str] = field(default_factory=list)
    # chrF++ against gold rewrites ("gold"/"reference" fields), where the file has them:
    # (n, proposals, do-nothing, alias-only)
    chrf: tuple[int, float, float, float] | None = None
    # recall per artifact family, where gold records name one ("family": the name-artifact
    # families of tests/data/families): family -> (flagged, total)
    families: dict[str, tuple[int, int]] = field(default_factory=dict)
    # exact match of proposals against gold rewrites: (equal, n), and per ``kind`` field:
    # kind -> (n, exact, chrF++ proposals, do-nothing, alias-only)
    exact: tuple[int, int] = (0, 0)
    by_kind: dict[str, tuple[int, int, float, float, float]] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str]]:
        def share(pair: tuple[int, int]) -> str:
            a, b = pair
            return f"{a}/{b} = {a / b:.3f}" if b else "n/a"

        return [
            ("sentences (artifact / clean)", f"{self.n_artifact} / {self.n_clean}"),
            ("detector ROC-AUC", f"{self.auc:.4f}"),
            ("recall of flagged (artifact)", f"{self.recall:.4f}"),
            ("false-positive rate (clean)", f"{self.fpr:.4f} ({len(self.false_positives)})"),
            ("alias must-have present", share(self.alias_must_have)),
            ("alias must-not-have gone", share(self.alias_must_not_have)),
            ("other must-not-have gone", share(self.other_must_not_have)),
            ("clean sentences unchanged", share(self.clean_unchanged)),
            ("held-out clean corpus flagged (FPR)", share(self.heldout_clean)),
        ] + ([] if self.chrf is None else [
            (f"chrF++ vs gold rewrites ({self.chrf[0]}): proposals", f"{self.chrf[1]:.2f}"),
            ("chrF++ vs gold rewrites: do-nothing", f"{self.chrf[2]:.2f}"),
            ("chrF++ vs gold rewrites: alias-only", f"{self.chrf[3]:.2f}"),
            ("proposals equal to gold", share(self.exact)),
        ]) + [(f"recall: {k}", share(v)) for k, v in sorted(self.families.items())] + [
            (f"kind {k} ({v[0]}): exact / chrF++ prop, nothing, alias",
             f"{v[1]}/{v[0]} / {v[2]:.2f}, {v[3]:.2f}, {v[4]:.2f}")
            for k, v in sorted(self.by_kind.items())]


def _by_kind(refs: list, aliases: AliasTable) -> dict[str, tuple[int, int, float, float, float]]:
    """Per ``kind`` field of the gold records: (n, exact, chrF++ of proposals, do-nothing,
    alias-only)."""
    groups: dict[str, list] = {}
    for p, r in refs:
        kind = p.detection.segment.fields.get("kind")
        if isinstance(kind, str):
            groups.setdefault(kind, []).append((p, r))
    out = {}
    for kind, items in groups.items():
        golds = [r for _, r in items]
        srcs = [p.detection.segment.text for p, _ in items]
        out[kind] = (len(items), sum(p.text == r for p, r in items),
                     chrf([p.text for p, _ in items], golds), chrf(srcs, golds),
                     chrf([canonicalize(t, aliases)[0] for t in srcs], golds))
    return out


def _alias_covered(s: str, aliases: AliasTable) -> bool:
    return s in aliases.canonicals or bool(aliases.find(s))


def clean_false_positives(path: str | Path, n: int, pipeline: Pipeline) -> tuple[int, int]:
    """(flagged, total) over the first ``n`` sentences of a clean corpus file."""
    texts = corpus_sentences(path, limit=n)
    segs = [Segment(str(i), "clean", t, 0, len(t), i) for i, t in enumerate(texts)]
    return sum(d.flagged for d in pipeline.detect(segs)), len(segs)


def evaluate(gold: str | Path, pipeline: Pipeline, eval_settings: EvalSettings) -> EvalReport:
    """Run the pipeline on a gold file (and its detector on ``eval_settings``' held-out clean
    text) and measure detection and proposals."""
    settings, aliases = pipeline.settings, pipeline.aliases
    docs = list(read_documents([gold]))
    for d in docs:
        if d.fields.get("label") not in ("artifact", "clean", "unsure"):
            raise InputError("gold record needs 'label': artifact, clean or unsure", d.path, d.line)
    segments = list(segment_documents(docs, unit="sentence"))
    proposals = pipeline.process(segments)
    detector = f"model:{Path(settings.detect.model).name}" if settings.detect.model else "rules-v1"
    sig = (
        f"detector={detector}"
        f"|threshold={effective_threshold(settings.detect):.4g}|rewriter="
        f"{Path(settings.rewrite.model).name if settings.rewrite.model else 'alias-v1'}"
        f"|aliases={aliases.digest}|learned={len(settings.detect.learned)}"
        f"|gold={Path(gold).name}({len(docs)})"
    )
    rep = EvalReport(signature=sig)
    pos, neg = [], []
    a_mh = [0, 0]
    a_mnh = [0, 0]
    o_mnh = [0, 0]
    unchanged = [0, 0]
    for p in proposals:
        seg, det = p.detection.segment, p.detection
        label = seg.fields["label"]
        if label == "artifact":
            pos.append(det.score)
            fam = seg.fields.get("family")
            if isinstance(fam, str):
                hit, total = rep.families.get(fam, (0, 0))
                rep.families[fam] = (hit + det.flagged, total + 1)
            if not det.flagged:
                rep.missed.append(seg.id)
        elif label == "clean":
            neg.append(det.score)
            unchanged[1] += 1
            if p.text == seg.text:
                unchanged[0] += 1
            else:
                rep.failures.append(f"{seg.id}: clean sentence changed")
            if det.flagged:
                rep.false_positives.append(seg.id)
        for s in seg.fields.get("must_have") or []:
            if _alias_covered(s, aliases):
                a_mh[1] += 1
                a_mh[0] += s in p.text
                if s not in p.text:
                    rep.failures.append(f"{seg.id}: must-have {s!r} missing")
        for s in seg.fields.get("must_not_have") or []:
            bucket = a_mnh if _alias_covered(s, aliases) else o_mnh
            bucket[1] += 1
            bucket[0] += s not in p.text
            if s not in p.text:
                continue
            rep.failures.append(f"{seg.id}: must-not-have {s!r} still there")
    rep.n_artifact, rep.n_clean = len(pos), len(neg)
    rep.auc = roc_auc(pos, neg)
    rep.recall = (len(pos) - len(rep.missed)) / len(pos) if pos else float("nan")
    rep.fpr = len(rep.false_positives) / len(neg) if neg else float("nan")
    rep.alias_must_have = tuple(a_mh)  # type: ignore[assignment]
    rep.alias_must_not_have = tuple(a_mnh)  # type: ignore[assignment]
    rep.other_must_not_have = tuple(o_mnh)  # type: ignore[assignment]
    rep.clean_unchanged = tuple(unchanged)  # type: ignore[assignment]
    refs = [(p, p.detection.segment.fields.get("gold") or p.detection.segment.fields.get(
        "reference")) for p in proposals]
    refs = [(p, r) for p, r in refs if isinstance(r, str)]
    if refs:
        gold_texts = [r for _, r in refs]
        rep.chrf = (
            len(refs),
            chrf([p.text for p, _ in refs], gold_texts),
            chrf([p.detection.segment.text for p, _ in refs], gold_texts),
            chrf([canonicalize(p.detection.segment.text, aliases)[0] for p, _ in refs],
                 gold_texts),
        )
        rep.exact = (sum(p.text == r for p, r in refs), len(refs))
        for p, r in refs:
            if p.text != r:
                rep.failures.append(f"{p.detection.segment.id}: {p.text!r} != gold {r!r}")
        rep.by_kind = _by_kind(refs, aliases)
    clean = eval_settings.clean
    if clean and Path(clean).exists() and eval_settings.clean_n > 0:
        rep.heldout_clean = clean_false_positives(clean, eval_settings.clean_n, pipeline)
    return rep
