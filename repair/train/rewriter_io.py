"""Checkpoints, exported model directories and the model card of the span rewriter.

A run directory holds ``checkpoint.pt`` (model, optimizer, step, data position, RNG state,
curve) and the tokenizer; an exported model directory is what users load: fp16 safetensors,
tokenizer (and the ``spiece.model`` it came from), ``train_config.yaml``, ``curve.json`` (the
learning curve across warm starts), ``rewriter.json`` (the calibrated keep margin) and
``README.md`` (the card).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from repair import ROOT, project_path
from repair.errors import InputError
from repair.text.outputs import save_settings

if TYPE_CHECKING:
    from repair.train.rewriter_config import RewriterTrainSettings

__all__ = ["save_checkpoint", "export_model", "prior_curve", "export_checkpoint", "run_facts",
           "write_card", "write_finetune_card"]


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    import torch

    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def export_model(model, tok, st: RewriterTrainSettings, out_dir: Path, extra: dict,
                 curve: list[dict]) -> None:
    """Write the model as fp16 safetensors with its tokenizer, resolved training config and
    learning curve."""
    import copy

    import torch

    out_dir.mkdir(parents=True, exist_ok=True)
    half = copy.deepcopy(model).to("cpu", dtype=torch.float16)
    half.save_pretrained(str(out_dir), safe_serialization=True)
    tok.save_pretrained(str(out_dir))
    spm_file = project_path(st.run_dir) / "tokenizer" / "spiece.model"
    if spm_file.exists():
        shutil.copyfile(spm_file, out_dir / "spiece.model")
    save_settings(st, out_dir / "train_config.yaml", extra=extra)
    (out_dir / "curve.json").write_text(json.dumps(curve, indent=1) + "\n", encoding="utf-8")


def prior_curve(init: str | None) -> list[dict]:
    if not init:
        return []
    f = project_path(init) / "curve.json"
    return json.loads(f.read_text(encoding="utf-8")) if f.exists() else []


def export_checkpoint(st: RewriterTrainSettings, out_dir: str | Path | None = None) -> Path:
    """Export the run's last checkpoint as a model directory (default ``st.out_dir``)."""
    import torch
    from transformers import AutoTokenizer

    run_dir = project_path(st.run_dir)
    ckpt = run_dir / "checkpoint.pt"
    if not ckpt.exists():
        raise InputError("no checkpoint yet; train first (`repair train rewriter`)", ckpt)
    state = torch.load(ckpt, map_location="cpu", weights_only=False)
    init = state.get("settings", {}).get("init")
    if st.init is None and init:
        # the model card says where the run that made the checkpoint started from
        inside = Path(init).resolve().is_relative_to(ROOT)
        st = dataclasses.replace(st, init=os.path.relpath(init, ROOT) if inside else init)
    tok = AutoTokenizer.from_pretrained(str(run_dir / "tokenizer"))
    from repair.train.rewriter_config import build_model

    model = build_model(st, tok)
    model.load_state_dict(state["model"])
    model.eval()
    out = project_path(str(out_dir)) if out_dir is not None else project_path(st.out_dir)
    export_model(model, tok, st, out, run_facts(state, model, "cpu"), state.get("curve", []))
    return out


def run_facts(state: dict, model, device: str) -> dict:
    """What a run did, recorded in the exported ``train_config.yaml``."""
    return {"trained_steps": state["step"], "train_seconds": round(state["seconds"], 1),
            "examples_seen": state["examples_total"],
            "final_loss_ema": round(state["loss_ema"], 4),
            "parameters": sum(p.numel() for p in model.parameters()), "device": device}


def write_card(out_dir: str | Path, measured: str = "") -> Path:
    """``README.md`` for an exported model: architecture, data, training, the learning curve
    and the calibrated keep margin, read from the files beside it; ``measured`` (markdown) is
    appended as the evaluation section."""
    from repair.rewrite.model import train_config

    out = Path(out_dir)
    cfg: dict[str, Any] = train_config(out)
    curve = json.loads((out / "curve.json").read_text("utf-8")) if (out / "curve.json").exists() \
        else []
    meta = json.loads((out / "rewriter.json").read_text("utf-8")) \
        if (out / "rewriter.json").exists() else {}
    size = sum(f.stat().st_size for f in out.glob("*.safetensors")) / 1e6
    cal = meta.get("calibration", {})
    lines = [
        f"# {out.name}: vi-repair span rewriter (copy-T5)",
        "",
        "Repairs one flagged span at a time: it reads a window of "
        f"{cfg.get('context_words')} words each side of the span (marked `<sp> ... </sp>`, "
        "the detector's category as a tag, entities as `<entN>` placeholders) and writes only "
        "the span's repair. Load it with `repair run --rewriter DIR` or `rewrite.model: DIR`.",
        "",
        "## Model",
        "",
        f"- T5 v1.1 encoder-decoder with a pointer-generator copy head (`model_type: copy_t5`), "
        f"d_model {cfg.get('d_model')}, d_ff {cfg.get('d_ff')}, {cfg.get('num_layers')} encoder "
        f"+ {cfg.get('num_decoder_layers')} decoder layers, {cfg.get('num_heads')} heads, "
        f"{cfg.get('parameters', 0) / 1e6:.2f} M parameters, fp16 safetensors ({size:.1f} MB).",
        f"- Tokenizer: sentencepiece unigram, {cfg.get('vocab_size')} pieces, byte fallback; "
        "placeholders, span markers and category tags are single tokens.",
        "",
        "## Data and training",
        "",
        f"- Span examples made on the fly from `{Path(str(cfg.get('corpus'))).name}` (sentences "
        f"of at most {cfg.get('max_words')} words) by `repair.train.rewriter_data`: one "
        "synthetic corruption (`repair.synth`) per repair example, its span widened by 0-2 words "
        f"at random; {cfg.get('keep_rate')} keep examples (random word spans, and the spans the "
        f"detector marks on {cfg.get('negative_sentences')} clean sentences). Names are "
        "placeholders as at inference; an unprotected pinyin or calqued name is a keep example.",
        f"- This export: {cfg.get('trained_steps')} steps of batch {cfg.get('batch_size')} in "
        f"{cfg.get('train_seconds', 0) / 60:.0f} min on {cfg.get('device')} "
        f"({cfg.get('threads')} thread(s)); {cfg.get('examples_seen')} examples seen in all "
        f"(warm start from `{cfg.get('init')}`)." if cfg.get("init") else
        f"- This export: {cfg.get('trained_steps')} steps of batch {cfg.get('batch_size')} in "
        f"{cfg.get('train_seconds', 0) / 60:.0f} min on {cfg.get('device')} "
        f"({cfg.get('threads')} thread(s)), from scratch; {cfg.get('examples_seen')} examples.",
        f"- AdamW lr {cfg.get('lr')}, {cfg.get('warmup_steps')} warm-up steps, linear decay over "
        f"{cfg.get('max_steps')} steps or {cfg.get('max_minutes')} minutes. Resume with "
        "`--resume`; continue with `--init DIR` (the curve below goes on).",
        "",
        "## Learning curve (held-out dev spans, greedy, no keep margin)",
        "",
        "| examples seen | training min (this run) | loss | exact repairs | clean spans kept |",
        "|---|---|---|---|---|",
        *(f"| {p['examples']:,} | {p['seconds'] / 60:.1f} | {p['loss_ema']} | {p['exact']:.3f} "
          f"| {p['keep']:.3f} |" for p in curve),
        "",
        f"## Keep margin: {meta.get('keep_margin')} nats",
        "",
        "A repair replaces the span only when its log-probability beats keeping "
        "the span by this margin, chosen on "
        f"{cal.get('spans')} held-out dev spans (seed {cal.get('seed')}, sentences after the "
        f"first {cal.get('sentences_after')}) to keep {cal.get('target_keep')} of the marked "
        f"clean spans: measured keep {cal.get('keep')}, exact repairs {cal.get('exact')}.",
        "",
    ]
    if measured:
        lines += ["## Measured", "", measured.strip(), ""]
    path = out / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_finetune_card(out: Path, report: Any, settings: Any) -> None:
    """The model card (``README.md``) of a fine-tuned rewriter: its data and before/after
    (``report``: a ``repair.train.finetune.FinetuneReport``, ``settings`` its
    ``FinetuneSettings``; named by shape, as fine-tuning writes its card through this
    module)."""
    keys = sorted(set(report.before) | set(report.after))
    lines = [
        f"# {out.name}: vi-repair span rewriter fine-tuned on reviewed edits",
        "",
        f"- Parent: `{report.parent}`",
        f"- Data: {report.edits_train} edited items for training, {report.edits_heldout} held "
        f"out (by document); {report.examples_train} span examples (the reviewers' changes and "
        f"keep spans from unchanged words) and {report.replay_pairs} replay examples from the "
        "parent's recipe. The data is in `finetune_data/`.",
        f"- Training: {report.steps} steps in {report.seconds:.0f} s "
        f"(lr {settings.lr}, {settings.epochs} epochs, batch {settings.batch_size}).",
        f"- Reviewed rows used: digest `{report.queue_digest}`.",
        "- Learned for detection (`patterns.tsv`, flagged by `repair run --rewriter` with this "
        f"directory): {', '.join(repr(p) for p in report.patterns) or 'none'}; rows with a "
        "suggestion (reviewers agreed) are applied like known calques.",
        "- Learned edit templates applied (`templates.json`, over name and number slots, with "
        f"the reviewers' counts): {', '.join(repr(t) for t in report.templates) or 'none'}.",
        "- Learned detection layer (`detector_layer/`, over the trained detector): "
        + (f"threshold {report.layer.get('threshold')}, "
           f"{report.layer.get('edited_sentences_caught')}"
           f"/{report.layer.get('edited_sentences')} edited training sentences caught, "
           f"{report.layer.get('clean_heldout_flagged')}/{report.layer.get('clean_heldout')} "
           "held-out clean sentences flagged." if report.layer else "none."),
        "",
        "| measure | parent | this model |",
        "|---|---|---|",
        *(f"| {k} | {report.before.get(k, '')} | {report.after.get(k, '')} |" for k in keys),
        "",
    ]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")
