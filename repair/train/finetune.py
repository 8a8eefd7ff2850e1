"""Fine-tune a rewriter on reviewers' accepted and edited decisions, and measure the effect.

Data flow: queue -> accepted/edited items (machine text -> final text) -> a ``datasets``
dataset split by document (held-out documents never train) -> training pairs with entity
placeholders exactly as inference makes them -> mixed with replay pairs (synthetic and copy
pairs from the clean corpus, as the base model was trained) so the model does not forget ->
the base and the new model evaluated on the held-out edits and on the labelled seed file.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from repair.aliases import AliasTable
from repair.errors import ConfigError, InputError, ModelError
from repair.text import corpus_sentences

__all__ = [
    "FinetuneSettings",
    "FinetuneReport",
    "edit_dataset",
    "edit_pairs",
    "window_pairs",
    "finetune",
    "rewrite_whole",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FinetuneSettings:
    lr: float = 3e-4
    epochs: int = 10
    batch_size: int = 16
    replay_per_edit: float = 1.0  # replay pairs per edit pair in every epoch
    warmup_steps: int = 10
    max_len: int = 64
    threads: int = 2
    seed: int = 0
    corpus: str = "../shared/data/corpus/train.jsonl.gz"  # replay source
    replay_sentences: int = 20_000
    max_minutes: float = 14.0  # stop training (and keep what was learned) after this long
    heldout_splits: tuple[str, ...] = ("test",)  # export.split_of splits held out of training
    # also train on the windows around each change, as production rewrites windows of
    # rewrite.window_words words around flagged spans; 0 = whole sentences only
    window_words: int = 6


@dataclass
class FinetuneReport:
    out_dir: str
    parent: str
    edits_train: int
    edits_heldout: int
    replay_pairs: int
    steps: int
    seconds: float
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)


# --------------------------------------------------------------------------- data


def edit_dataset(rows: Sequence[dict], heldout_splits: Sequence[str] = ("test",)):
    """The reviewed edits as a ``datasets.DatasetDict`` with ``train`` and ``heldout`` splits,
    split by document (``repair.export.split_of``)."""
    from datasets import Dataset, DatasetDict

    from repair.export import split_of

    cols = ("id", "doc_id", "machine_text", "proposal", "final_text", "reviewer", "model")
    keep = [r for r in rows if r["final_text"] and r["final_text"] != r["machine_text"]]
    parts: dict[str, list[dict]] = {"train": [], "heldout": []}
    for r in keep:
        part = "heldout" if split_of(r["doc_id"]) in heldout_splits else "train"
        parts[part].append({c: r[c] for c in cols})
    return DatasetDict({k: Dataset.from_list(v, features=None) if v else
                        Dataset.from_dict({c: [] for c in cols}) for k, v in parts.items()})


def window_pairs(src: str, tgt: str, words: int) -> list[tuple[str, str]]:
    """The changed regions of an edit with ``words`` unchanged words of context on each side,
    as (source window, target window): what the rewriter sees in production, where it gets
    only windows around flagged spans (``rewrite.focus: window``)."""
    import difflib
    import re

    a = [(m.start(), m.end()) for m in re.finditer(r"\S+", src)]
    b = [(m.start(), m.end()) for m in re.finditer(r"\S+", tgt)]
    sm = difflib.SequenceMatcher(a=[src[x:y] for x, y in a], b=[tgt[x:y] for x, y in b],
                                 autojunk=False)
    out = []
    for group in sm.get_grouped_opcodes(words):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        s_win = src[a[i1][0] : a[i2 - 1][1]] if i2 > i1 else ""
        t_win = tgt[b[j1][0] : b[j2 - 1][1]] if j2 > j1 else ""
        if s_win and (s_win, t_win) != (src, tgt):
            out.append((s_win, t_win))
    return out


def edit_pairs(sources: Sequence[str], targets: Sequence[str], aliases: AliasTable,
               window_words: int = 0) -> list[tuple[str, str]]:
    """(model input, model target) pairs: entities in placeholders on both sides, the way
    inference protects them (``repair.rewrite.entities.protect``); with ``window_words``,
    also the windows around each change (see ``window_pairs``)."""
    from repair.rewrite.entities import protect
    from repair.rewrite.tokenizer import placeholder

    out = []
    for src, tgt in zip(sources, targets, strict=True):
        prot = protect(src, aliases)
        if prot is None:
            continue
        target, ok = tgt, True
        for i, slot in enumerate(prot.slots):
            if slot.canonical not in target:
                ok = False
                break
            target = target.replace(slot.canonical, placeholder(i), 1)
        pair = (prot.text, target) if ok else (src, tgt)
        out.append(pair)
        if window_words:
            out.extend(window_pairs(*pair, window_words))
    return out


def _replay(base_dir: Path, n: int, settings: FinetuneSettings):
    """A stream of synthetic and copy pairs like the base model's training data."""
    import yaml

    from repair.train.rewriter import PairStream, RewriterTrainSettings

    cfg_path = base_dir / "train_config.yaml"
    names = {f.name for f in dataclasses.fields(RewriterTrainSettings)}
    data = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) if cfg_path.exists() else {}
    base_st = RewriterTrainSettings(**{k: v for k, v in (data or {}).items() if k in names})
    base_st = dataclasses.replace(base_st, corpus=settings.corpus, seed=settings.seed + 1)
    # the head of the corpus is enough for a few thousand replay pairs
    sentences = corpus_sentences(settings.corpus, max_words=base_st.max_words,
                                 limit=settings.replay_sentences * 4)
    random.Random(settings.seed).shuffle(sentences)
    stream = PairStream(sentences[: settings.replay_sentences], base_st)
    return [stream.example(g) for g in range(n)]


# --------------------------------------------------------------------------- model use


def rewrite_whole(model_dir: str | Path, texts: Sequence[str], aliases: AliasTable) -> list[str]:
    """Each text rewritten whole by the model (entities protected and restored; the text
    itself where protection or restoration fails), with the fast decoder."""
    from repair.rewrite.entities import protect, restore
    from repair.rewrite.model import Seq2SeqRewriter

    rw = Seq2SeqRewriter(model_dir)
    prots = [protect(t, aliases) for t in texts]
    outs = rw.rewrite([p.text if p else t for p, t in zip(prots, texts, strict=True)])
    result = []
    for t, p, o in zip(texts, prots, outs, strict=True):
        restored = restore(o, p) if p else None
        result.append(restored if restored is not None else t)
    return result


def _score_edits(model_dir: Path, sources: Sequence[str], finals: Sequence[str],
                 aliases: AliasTable) -> dict:
    if not sources:
        return {"heldout_edits": 0}
    from repair.rewrite.heldout import chrf

    outs = rewrite_whole(model_dir, sources, aliases)
    return {
        "heldout_edits": len(sources),
        "heldout_exact": round(sum(o == f for o, f in zip(outs, finals, strict=True))
                               / len(sources), 4),
        "heldout_chrf": round(chrf(outs, list(finals)), 2),
    }


def _score_seed_dev(model_dir: Path, run_settings, aliases: AliasTable) -> dict:
    from repair.evaluate import evaluate

    gold = run_settings.eval.gold
    if not gold or not Path(gold).exists():
        return {}
    s = dataclasses.replace(
        run_settings,
        rewrite=dataclasses.replace(run_settings.rewrite, model=str(model_dir)),
        eval=dataclasses.replace(run_settings.eval, clean_n=0),
    )
    rep = evaluate(gold, s, aliases)

    def share(pair: tuple[int, int]) -> float:
        return round(pair[0] / pair[1], 4) if pair[1] else float("nan")

    return {
        "seed_alias_must_have": share(rep.alias_must_have),
        "seed_other_must_not_have_gone": share(rep.other_must_not_have),
        "seed_clean_unchanged": share(rep.clean_unchanged),
    }


# --------------------------------------------------------------------------- training


def _train(base_dir: Path, out_dir: Path, edits: list[tuple[str, str]],
           replay: list[tuple[str, str]], settings: FinetuneSettings) -> tuple[int, float, float]:
    import copy

    import torch
    from tqdm import tqdm
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    from repair.train.rewriter import collate

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
            batch = collate(data[b : b + settings.batch_size], tok, settings.max_len)
            loss = model(**batch).loss
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
    """Fine-tune the model in ``base_dir`` on reviewed rows (``repair.export`` rows, accepted
    and edited) and write it to ``out_dir`` with a model card of before/after figures."""
    base, out = Path(base_dir), Path(out_dir)
    if not (base / "config.json").exists():
        raise ModelError("base model directory has no config.json", base)
    if out.resolve() == base.resolve():
        raise ConfigError("--out must differ from --base: the parent model is kept as it was")
    ds = edit_dataset(rows, settings.heldout_splits)
    train, held = ds["train"], ds["heldout"]
    if len(train) == 0:
        raise InputError("no accepted or edited items to learn from in the queue")
    edits = edit_pairs(train["machine_text"], train["final_text"], aliases,
                       settings.window_words)
    replay = _replay(base, max(1, round(len(edits) * settings.replay_per_edit))
                     * settings.epochs, settings)
    log.info("fine-tuning on %d edits + %d replay pairs", len(edits), len(replay))
    report = FinetuneReport(str(out), str(base), len(train), len(held), len(replay), 0, 0.0)
    report.before = _score_edits(base, held["machine_text"], held["final_text"], aliases)
    if run_settings is not None:
        report.before.update(_score_seed_dev(base, run_settings, aliases))
    report.steps, report.seconds, loss = _train(base, out, edits, replay, settings)
    report.after = _score_edits(out, held["machine_text"], held["final_text"], aliases)
    if run_settings is not None:
        report.after.update(_score_seed_dev(out, run_settings, aliases))
    ds.save_to_disk(str(out / "finetune_data"))
    if (base / "train_config.yaml").exists():  # the replay recipe, for the next fine-tune
        shutil.copy(base / "train_config.yaml", out / "train_config.yaml")
    (out / "finetune.json").write_text(json.dumps(
        {"parent": str(base), "settings": asdict(settings), "final_loss_ema": round(loss, 4),
         **asdict(report)}, ensure_ascii=False, indent=1), encoding="utf-8")
    _write_card(out, report, settings)
    return report


def _write_card(out: Path, report: FinetuneReport, settings: FinetuneSettings) -> None:
    keys = sorted(set(report.before) | set(report.after))
    lines = [
        f"# {out.name}: vi-repair rewriter fine-tuned on reviewed edits",
        "",
        f"- Parent: `{report.parent}`",
        f"- Data: {report.edits_train} accepted/edited items for training, "
        f"{report.edits_heldout} held out (by document); {report.replay_pairs} replay pairs "
        "(synthetic and copy pairs from the clean corpus). The data is in `finetune_data/`.",
        f"- Training: {report.steps} steps in {report.seconds:.0f} s "
        f"(lr {settings.lr}, {settings.epochs} epochs, batch {settings.batch_size}).",
        "",
        "| measure | parent | this model |",
        "|---|---|---|",
        *(f"| {k} | {report.before.get(k, '')} | {report.after.get(k, '')} |" for k in keys),
        "",
    ]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")
