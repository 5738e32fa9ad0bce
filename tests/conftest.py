"""Shared fixtures: the real data in ../shared/data (tests skip when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "paper"


@pytest.fixture(scope="session")
def paper_data() -> Path:
    """The paper's data directory; skips the test when ../shared is not beside the project."""
    if not SHARED.is_dir():
        pytest.skip(
            f"real data not available: {SHARED} is absent (a fresh clone without ../shared)"
        )
    return SHARED


@pytest.fixture(autouse=True)
def no_detoxify_weights(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Tests never use detoxify weights found on the machine: an empty torch hub cache, no
    checkpoint in the environment (tests that score build their own tiny checkpoint)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path_factory.getbasetemp() / "empty-torch-home"))
    monkeypatch.delenv("SYNTHGATE_DETOXIFY_CHECKPOINT", raising=False)
