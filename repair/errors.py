"""Named exceptions. Library code raises them; only the CLI turns them into exit codes."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "RepairError",
    "InputError",
    "OutputError",
    "AliasTableError",
    "ConfigError",
    "ModelError",
    "QueueError",
    "DeviceError",
]


class RepairError(Exception):
    """Base class: a message that says what went wrong, where, and how to fix it."""

    exit_code = 1

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(f"{where}{message}")


class InputError(RepairError):
    """An input file cannot be read or does not have the expected format."""

    exit_code = 2


class OutputError(RepairError):
    """An output path cannot be written safely (it is an input, a link, a device, ...)."""

    exit_code = 2


class AliasTableError(RepairError):
    """An alias table is malformed."""

    exit_code = 2


class ConfigError(RepairError):
    """A configuration file or override is invalid."""

    exit_code = 2


class ModelError(RepairError):
    """A model directory is missing, incomplete or incompatible."""

    exit_code = 3


class QueueError(RepairError):
    """The review queue cannot be opened or an operation on it is invalid."""

    exit_code = 4


class DeviceError(RepairError):
    """The device asked for (``--device cuda``) is not there, or is not a device name."""

    exit_code = 3
