import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
SAMPLES = ROOT / "samples" / "seeds"


@pytest.fixture(scope="session")
def settings():
    from repair.config import load_settings

    return load_settings()


@pytest.fixture(scope="session")
def aliases(settings):
    from repair.jobs import load_aliases

    return load_aliases(settings)


@pytest.fixture
def write(tmp_path):
    """Write a file under tmp_path: text (str), bytes, or JSON lines (list of dicts)."""

    def _write(name, content):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, list):
            path.write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in content), encoding="utf-8"
            )
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
