"""vi-repair: detect and repair machine-translation artifacts in Vietnamese text."""

__version__ = "0.1.0"

__all__ = ["__version__"]
