"""The rewriter's training loop: one run's model, optimizer, position in the data stream and
learning curve, and the steps that advance them.

A checkpoint holds all of it (and the RNG states), so a resumed run continues at the exact data
position; SIGTERM and Ctrl-C stop the loop after the current step, with a checkpoint.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import random
import signal
import sys
import time
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from repair.rewrite.examples import SpanExample, SpanStream
from repair.train.rewriter_data import collate, measure
from repair.train.rewriter_io import save_checkpoint

if TYPE_CHECKING:
    from repair.train.rewriter_config import RewriterTrainSettings

__all__ = ["TrainingLoop", "lr_factor"]

log = logging.getLogger(__name__)


def lr_factor(st: RewriterTrainSettings, step: int, seconds: float) -> float:
    """Learning-rate multiplier: linear warm-up over steps, then linear decay to 0 at
    ``max_steps`` or ``max_minutes``, whichever comes first."""
    if step < st.warmup_steps:
        return (step + 1) / st.warmup_steps
    done = (step - st.warmup_steps) / max(1, st.max_steps - st.warmup_steps)
    if st.max_minutes:
        done = max(done, seconds / (st.max_minutes * 60))
    return max(0.0, 1.0 - done)


class TrainingLoop:
    """Train ``model`` on a span stream; ``restore`` a checkpoint first to resume."""

    def __init__(self, st: RewriterTrainSettings, model, tok, device: str, run_dir: Path,
                 curve: list[dict]):
        import torch

        self.st, self.model, self.tok, self.device = st, model, tok, device
        self.run_dir, self.ckpt_path = run_dir, run_dir / "checkpoint.pt"
        decay = [p for p in model.parameters() if p.dim() >= 2]
        no_decay = [p for p in model.parameters() if p.dim() < 2]
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": st.weight_decay},
                                      {"params": no_decay, "weight_decay": 0.0}],
                                     lr=st.lr, betas=(0.9, 0.98), eps=1e-8)
        self.curve = curve
        self.offset = curve[-1]["examples"] if curve else 0  # a warm start continues the stream
        self.step, self.seconds, self.ema = 0, 0.0, float("nan")
        self.stopped = False

    @property
    def examples(self) -> int:
        """Examples seen, warm starts included: the position in the data stream."""
        return self.offset + self.step * self.st.batch_size

    def restore(self) -> None:
        """Continue from the run's checkpoint: weights, optimizer, position, curve, RNGs."""
        import torch

        state = torch.load(self.ckpt_path, map_location="cpu", weights_only=False)
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["optimizer"])
        self.step, self.seconds, self.ema = state["step"], state["seconds"], state["loss_ema"]
        self.offset, self.curve = state["offset"], state["curve"]
        random.setstate(state["py_rng"])
        torch.set_rng_state(state["torch_rng"])
        log.info("resumed at step %d (%.0f s trained)", self.step, self.seconds)

    def checkpoint(self) -> None:
        import torch

        save_checkpoint(self.ckpt_path, {
            "model": self.model.state_dict(), "optimizer": self.opt.state_dict(),
            "step": self.step, "seconds": self.seconds, "loss_ema": self.ema,
            "offset": self.offset, "curve": self.curve, "examples_total": self.examples,
            "py_rng": random.getstate(), "torch_rng": torch.get_rng_state(),
            "settings": dataclasses.asdict(self.st),
        })

    def point(self, dev: list[SpanExample]) -> None:
        """A learning-curve point on the held-out ``dev`` spans."""
        m = measure(self.model, self.tok, dev)
        self.curve.append({"examples": self.examples, "step": self.step,
                           "seconds": round(self.seconds, 1), "loss_ema": round(self.ema, 4),
                           **m})
        log.info("curve: %d examples, exact %.3f, keep %.3f", self.curve[-1]["examples"],
                 m["exact"], m["keep"])
        with (self.run_dir / "curve.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(self.curve[-1]) + "\n")

    def out_of_time(self) -> bool:
        st = self.st
        return bool(st.max_minutes) and self.seconds >= st.max_minutes * 60  # type: ignore[operator]

    def _done(self, stop_at: int | None) -> bool:
        return (self.step >= self.st.max_steps or self.out_of_time() or self.stopped
                or (stop_at is not None and self.step >= stop_at))

    def _train_step(self, stream: SpanStream, autocast) -> tuple[float, float]:
        """One optimizer step on the next batch of the stream; (loss, learning rate)."""
        import torch

        st = self.st
        g0 = self.examples
        batch = collate([stream.example(g) for g in range(g0, g0 + st.batch_size)], self.tok,
                        st.max_source, st.max_target)
        lr = st.lr * lr_factor(st, self.step, self.seconds)
        for group in self.opt.param_groups:
            group["lr"] = lr
        with autocast:
            loss = self.model(**{k: v.to(self.device) for k, v in batch.items()}).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), st.grad_clip)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        self.step += 1
        li = float(loss.detach())
        self.ema = li if math.isnan(self.ema) else 0.98 * self.ema + 0.02 * li
        return li, lr

    def run(self, stream: SpanStream, dev: list[SpanExample], stop_at: int | None = None,
            ) -> bool:
        """Train until ``max_steps``, the time budget, a signal or ``stop_at``; checkpoint and
        return whether the run is finished."""
        import torch
        from tqdm import tqdm

        st = self.st

        def _on_signal(signum, frame):  # noqa: ARG001
            self.stopped = True

        old = {s: signal.signal(s, _on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        autocast = (torch.autocast("cuda", dtype=torch.bfloat16)
                    if st.precision == "bf16" and self.device == "cuda" else nullcontext())
        self.model.train()
        bar = tqdm(total=st.max_steps, initial=self.step, desc="rewriter", file=sys.stderr,
                   mininterval=10 if not sys.stderr.isatty() else 0.5, dynamic_ncols=True)
        t_last = time.perf_counter()
        try:
            while not self._done(stop_at):
                li, lr = self._train_step(stream, autocast)
                now = time.perf_counter()
                self.seconds += now - t_last
                bar.update(1)
                bar.set_postfix(loss=f"{self.ema:.3f}", lr=f"{lr:.2e}", refresh=False)
                if self.step % st.log_every == 0:
                    log.info("step %d loss %.4f (ema %.4f) lr %.2e %.0f s, %.0f examples/s",
                             self.step, li, self.ema, lr, self.seconds,
                             self.step * st.batch_size / max(self.seconds, 1e-9))
                if st.eval_every and self.step % st.eval_every == 0 and dev:
                    self.point(dev)
                if self.step % st.save_every == 0:
                    self.checkpoint()
                t_last = time.perf_counter()  # curve points and checkpoints are not training
        finally:
            bar.close()
            for s, h in old.items():
                signal.signal(s, h)
        finished = self.step >= st.max_steps or self.out_of_time()
        last = self.curve[-1] if self.curve else None
        if finished and dev and (last is None or last["step"] != self.step
                                 or last["examples"] != self.examples):
            self.point(dev)
        self.checkpoint()
        log.info("%s at step %d, %.0f s, loss ema %.4f", "finished" if finished else "stopped",
                 self.step, self.seconds, self.ema)
        return finished
