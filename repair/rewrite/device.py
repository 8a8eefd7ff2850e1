"""Where the span rewriter runs: the device, its number type, its batch size and its runtime.

``cpu`` runs a copy-T5 on NumPy (:mod:`repair.rewrite.runtime`: no torch import, the fastest
here) and any other encoder-decoder on eager PyTorch in float32; ``cuda`` (``cuda:N``) runs it
on PyTorch on that GPU in bfloat16 where the card supports it (Ampere and later), else float16,
with a batch size for the device (spans on a GPU cost little each: a large batch fills it).
Asking for ``cuda`` where torch sees no GPU is refused with a :class:`DeviceError` that says
so; tests exercise that path and the choice itself on CPU (:func:`choose_device` takes what
torch reports as arguments).
"""

from __future__ import annotations

from dataclasses import dataclass

from repair.errors import DeviceError

__all__ = ["DevicePlan", "choose_device", "plan_device", "DEVICES", "GPU_BATCH", "CPU_BATCH"]

DEVICES = ("cpu", "cuda")
CPU_BATCH = 64  # spans per batch on a CPU (rewrite.batch_size): measured best on one thread
GPU_BATCH = 512  # ... on a GPU: the model is 4.2M parameters, a batch of 512 spans is ~40 MB


@dataclass(frozen=True)
class DevicePlan:
    device: str  # "cpu" or "cuda:N"
    dtype: str  # "float32", "bfloat16" or "float16"
    batch_size: int
    runtime: str  # "numpy" or "torch"


def choose_device(requested: str, *, cuda_available: bool, cuda_count: int = 0,
                  bf16_supported: bool = False, numpy_model: bool = True,
                  batch_size: int | None = None) -> DevicePlan:
    """The plan for ``requested`` ("cpu", "cuda", "cuda:N") given what torch reports."""
    req = (requested or "cpu").strip().lower()
    kind, _, index = req.partition(":")
    if kind not in DEVICES or (index and not index.isdigit()) or (kind == "cpu" and index):
        raise DeviceError(f"unknown device {requested!r}; use cpu, cuda or cuda:N")
    if kind == "cpu":
        return DevicePlan("cpu", "float32", batch_size or CPU_BATCH,
                          "numpy" if numpy_model else "torch")
    if not cuda_available or cuda_count == 0:
        raise DeviceError(f"--device {requested} asked for a GPU, but torch sees none "
                          "(no CUDA device, or a CPU-only torch build); run with --device cpu, "
                          "or install a CUDA build of torch on a machine with a GPU")
    n = int(index or 0)
    if n >= cuda_count:
        raise DeviceError(f"--device {requested}: torch sees {cuda_count} GPU(s), numbered "
                          f"0..{cuda_count - 1}")
    return DevicePlan(f"cuda:{n}", "bfloat16" if bf16_supported else "float16",
                      batch_size or GPU_BATCH, "torch")


def plan_device(requested: str, numpy_model: bool, batch_size: int | None = None) -> DevicePlan:
    """:func:`choose_device` with what this machine's torch reports (torch is imported only
    when a GPU is asked for)."""
    if (requested or "cpu").strip().lower() == "cpu":
        return choose_device("cpu", cuda_available=False, numpy_model=numpy_model,
                             batch_size=batch_size)
    import torch

    ok = torch.cuda.is_available()
    return choose_device(requested, cuda_available=ok,
                         cuda_count=torch.cuda.device_count() if ok else 0,
                         bf16_supported=bool(ok and torch.cuda.is_bf16_supported()),
                         numpy_model=numpy_model, batch_size=batch_size)
