"""Stage timers that cost nothing when off: where a job's seconds go (``repair bench``).

``with timed("detect: features"):`` adds the block's wall time to its name when timing is on,
and is a shared do-nothing context manager when it is off (one global read and one call: about
0.1 µs, measured in ``tests/test_timing.py``'s neighbour, ``repair bench startup``). Timing is
on in a process started with ``REPAIR_TIMING=FILE`` in its environment (the totals are written
to ``FILE`` as JSON when it exits: how ``repair bench startup`` reads a fresh process) or after
:func:`enable`.

Nested blocks count in both names (a model load inside a stage counts in the stage too); a
report lists names, seconds and calls, not a tree.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

__all__ = ["timed", "timed_call", "enable", "disable", "enabled", "totals", "reset", "ENV"]

ENV = "REPAIR_TIMING"  # a file: time this process and write the totals there at exit

_ON = False
_TOTALS: dict[str, list[float]] = {}  # name -> [seconds, calls]
_OFF = nullcontext()
F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def _timer(name: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        slot = _TOTALS.setdefault(name, [0.0, 0])
        slot[0] += time.perf_counter() - t0
        slot[1] += 1


def timed(name: str) -> AbstractContextManager[None]:
    """A context manager adding the block's wall time to ``name`` (nothing when off)."""
    return _timer(name) if _ON else _OFF


def timed_call(name: str) -> Callable[[F], F]:
    """Decorator: every call of the function is timed as ``name`` (a loader: put it below
    ``functools.lru_cache`` so that only the loads themselves count)."""
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            if not _ON:
                return fn(*args, **kwargs)
            with _timer(name):
                return fn(*args, **kwargs)
        return inner  # type: ignore[return-value]
    return wrap


def enable() -> None:
    global _ON
    _ON = True


def disable() -> None:
    global _ON
    _ON = False


def enabled() -> bool:
    return _ON


def reset() -> None:
    _TOTALS.clear()


def totals() -> dict[str, tuple[float, int]]:
    """name -> (seconds, calls), in the order the names were first timed."""
    return {k: (v[0], int(v[1])) for k, v in _TOTALS.items()}


def _write_at_exit(path: str) -> None:
    data = {k: {"seconds": s, "calls": n} for k, (s, n) in totals().items()}
    try:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
    except OSError:  # a bench's temporary folder already gone: nothing to report to
        pass


if os.environ.get(ENV):
    enable()
    atexit.register(_write_at_exit, os.environ[ENV])
