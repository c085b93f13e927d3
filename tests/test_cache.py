"""The result cache serves unchanged files and re-checks exactly the changed ones."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reglint import runner
from reglint.cache import Cache, key_for
from reglint.config import Settings
from reglint.engine import Plan
from reglint.runner import run

from _cli import reglint

HAZARD = "import torch\n\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n"
CLEAN = "import torch\n\nopt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-2)\n"


@pytest.fixture
def project(tmp_path):
    files = {}
    for index in range(4):
        path = tmp_path / f"train_{index}.py"
        path.write_text(HAZARD if index % 2 == 0 else CLEAN)
        files[index] = str(path)
    return tmp_path, files


@pytest.fixture
def counted(monkeypatch):
    """Records the paths the engine really checks (not served from the cache)."""
    checked = []
    original = runner.check_path

    def spy(path, plan, fix=False, unsafe=False):
        checked.append(path)
        return original(path, plan, fix, unsafe)

    monkeypatch.setattr(runner, "check_path", spy)
    return checked


def _run(folder: Path, paths, settings: Settings):
    plan = Plan.build(settings)
    cache = Cache(folder / ".cache", key_for(settings, [r.code for r in plan.rules]))
    return {r.path: [(d.code, d.start.line, d.start.column) for d in r.diagnostics] for r in run(paths, plan, jobs=1, cache=cache)}


def test_second_run_checks_nothing_and_reports_the_same(project, counted):
    folder, files = project
    paths = list(files.values())
    first = _run(folder, paths, Settings(root=str(folder)))
    assert counted == paths
    counted.clear()
    second = _run(folder, paths, Settings(root=str(folder)))
    assert counted == []
    assert second == first
    assert first[files[0]] == [("RL002", 3, 53)] and first[files[1]] == []


def test_a_changed_file_is_the_only_one_checked_again(project, counted):
    folder, files = project
    paths = list(files.values())
    _run(folder, paths, Settings(root=str(folder)))
    counted.clear()
    Path(files[1]).write_text(HAZARD + "# now hazardous too\n")
    results = _run(folder, paths, Settings(root=str(folder)))
    assert counted == [files[1]]
    assert results[files[1]] == [("RL002", 3, 53)]


def test_a_mode_change_alone_invalidates_the_entry(project, counted):
    folder, files = project
    paths = list(files.values())
    _run(folder, paths, Settings(root=str(folder)))
    counted.clear()
    os.chmod(files[2], 0o600)
    _run(folder, paths, Settings(root=str(folder)))
    assert counted == [files[2]]


def test_a_config_change_invalidates_every_entry(project, counted):
    folder, files = project
    paths = list(files.values())
    _run(folder, paths, Settings(root=str(folder)))
    counted.clear()
    results = _run(folder, paths, Settings(root=str(folder), ignore=("RL002",)))
    assert counted == paths
    assert all(found == [] for found in results.values())
    counted.clear()
    _run(folder, paths, Settings(root=str(folder)))  # the first settings' entries are still there
    assert counted == []


def test_a_damaged_cache_file_is_an_empty_cache(project, counted):
    folder, files = project
    paths = list(files.values())
    _run(folder, paths, Settings(root=str(folder)))
    for stale in (folder / ".cache").glob("*.pickle"):
        stale.write_bytes(b"not a pickle")
    counted.clear()
    results = _run(folder, paths, Settings(root=str(folder)))
    assert counted == paths
    assert results[files[0]] == [("RL002", 3, 53)]


def _cli(*args, cwd):
    return reglint(*args, cwd=cwd)


def test_cli_writes_reads_and_cleans_the_cache(project):
    folder, _ = project
    (folder / "pyproject.toml").write_text("[tool.reglint]\n")
    first = _cli("check", ".", "--output-format", "concise", cwd=folder)
    assert first.returncode == 1
    assert len(list((folder / ".reglint_cache").glob("*.pickle"))) == 1
    assert (folder / ".reglint_cache" / ".gitignore").read_text().endswith("*\n")
    second = _cli("check", ".", "--output-format", "concise", cwd=folder)
    assert second.stdout == first.stdout and second.returncode == 1
    cleaned = _cli("clean", cwd=folder)
    assert cleaned.returncode == 0 and "Removed cache directory" in cleaned.stderr
    assert not (folder / ".reglint_cache").exists()


def test_cli_no_cache_and_cache_dir(project, tmp_path_factory):
    folder, _ = project
    (folder / "pyproject.toml").write_text("[tool.reglint]\n")
    _cli("check", ".", "--no-cache", cwd=folder)
    assert not (folder / ".reglint_cache").exists()
    elsewhere = tmp_path_factory.mktemp("cache")
    _cli("check", ".", "--cache-dir", str(elsewhere), cwd=folder)
    assert list(elsewhere.glob("*.pickle")) and not (folder / ".reglint_cache").exists()


def test_fixing_never_uses_the_cache(project):
    folder, files = project
    (folder / "pyproject.toml").write_text("[tool.reglint]\n")
    _cli("check", ".", cwd=folder)
    fixed = _cli("check", ".", "--fix", "--unsafe-fixes", "--output-format", "concise", cwd=folder)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "AdamW" in Path(files[0]).read_text()
    after = _cli("check", ".", "--output-format", "concise", cwd=folder)
    assert after.returncode == 0 and after.stdout == ""
