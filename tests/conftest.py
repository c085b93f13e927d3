"""Fixtures shared by the CLI-level test modules."""

from pathlib import Path

import pytest


@pytest.fixture
def work(tmp_path) -> Path:
    """An empty project folder with no config above it that could change the results."""
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "pyproject.toml").write_text("[tool.reglint]\n")
    return folder
