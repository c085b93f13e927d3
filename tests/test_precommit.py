"""The pre-commit hooks, run by the real pre-commit against this checkout.

`pre-commit try-repo` clones a repository, builds the hook's virtualenv with pip
from the package index, and runs every hook of `.pre-commit-hooks.yaml`
(`reglint` and `reglint-fix`) on the files given, inside a throwaway git
repository. It would clone this checkout's HEAD plus changes to tracked files
only, so the repository it gets is a one-commit snapshot of the working tree
(tracked and untracked files, minus what .gitignore ignores): the hooks are
tested on the same code as every other test. On a clean clone (CI) that is HEAD.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

HAZARDOUS = '''\
import torch
import torch.nn.functional as F


def train(model, loader, epochs=10):
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=5e-4)
    for _ in range(epochs):
        for inputs, targets in loader:
            loss = F.cross_entropy(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
'''

CLEAN = HAZARDOUS.replace("torch.optim.Adam(", "torch.optim.AdamW(").replace("weight_decay=5e-4", "weight_decay=0.05")

HOOK_LINE = re.compile(r"^(reglint(?: \(fix\))?)\.+\(?(Passed|Failed|no files to check\)Skipped)", re.MULTILINE)


@pytest.fixture
def work_repo(tmp_path):
    repo = tmp_path / "project"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "train_hazardous.py").write_text(HAZARDOUS)
    (repo / "train_clean.py").write_text(CLEAN)
    subprocess.run(["git", "add", "train_hazardous.py", "train_clean.py"], cwd=repo, check=True)
    return repo


def snapshot(destination: Path) -> Path:
    """This checkout's working tree as a one-commit git repository."""
    assert (ROOT / ".git").exists(), f"pre-commit try-repo needs a git checkout; {ROOT} is not one"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # tracked files deleted in the working tree are left out
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    git = ["git", "-c", "user.name=reglint tests", "-c", "user.email=tests@reglint.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(destination)], check=True)
    subprocess.run([*git, "add", "-A"], cwd=destination, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "snapshot"], cwd=destination, check=True)
    return destination


def try_repo(hooks_repo: Path, repo: Path, home: Path, *files: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", NO_COLOR="1")
    env.pop("PRE_COMMIT", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hooks_repo), "--color", "never", "--files", *files],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
    )


def hook_results(output: str) -> dict:
    return {name: status for name, status in HOOK_LINE.findall(output)}


@pytest.mark.slow
def test_try_repo_fails_on_hazard_and_passes_clean_code(work_repo, tmp_path):
    hooks_repo = snapshot(tmp_path / "reglint")
    assert (hooks_repo / ".pre-commit-hooks.yaml").is_file()

    bad = try_repo(hooks_repo, work_repo, tmp_path / "pre-commit-home", "train_hazardous.py")
    assert bad.returncode == 1, bad.stdout
    assert hook_results(bad.stdout) == {"reglint": "Failed", "reglint (fix)": "Failed"}, bad.stdout
    assert "RL002" in bad.stdout, bad.stdout
    assert "train_hazardous.py" in bad.stdout, bad.stdout
    # the fix hook applies safe fixes only: Adam -> AdamW changes training, so it is left alone
    assert (work_repo / "train_hazardous.py").read_text() == HAZARDOUS
    assert "files were modified by this hook" not in bad.stdout, bad.stdout

    good = try_repo(hooks_repo, work_repo, tmp_path / "pre-commit-home", "train_clean.py")
    assert good.returncode == 0, good.stdout
    assert hook_results(good.stdout) == {"reglint": "Passed", "reglint (fix)": "Passed"}, good.stdout
    assert (work_repo / "train_clean.py").read_text() == CLEAN


def test_hooks_manifest():
    hooks = {hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"reglint", "reglint-fix"}
    assert hooks["reglint"]["entry"] == "reglint check"
    assert hooks["reglint-fix"]["entry"] == "reglint check --fix"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "pyi", "jupyter", "yaml", "json", "jsonnet"]  # notebooks and training configs too
        assert hook["require_serial"] is True  # reglint runs its own worker pool


@pytest.mark.parametrize("entry", ["reglint check", "reglint check --fix"])
def test_hook_entry_with_nothing_to_check_exits_0_silently(entry, tmp_path):
    """What pre-commit relies on when the files it passes leave nothing to check."""
    (tmp_path / "notes.txt").write_text("weight_decay = 5e-4 with Adam\n")
    args = entry.split()[1:]
    result = subprocess.run(
        [sys.executable, "-m", "reglint", *args, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def readme_precommit_config() -> str:
    """The README's `.pre-commit-config.yaml` snippet, as a user copies it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (config,) = [b for b in re.findall(r"^```yaml\n(.*?)^```", readme, re.DOTALL | re.MULTILINE) if b.startswith("repos:")]
    return config


def pre_commit(repo: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never", NO_COLOR="1")
    env.pop("PRE_COMMIT", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=repo, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=900)


@pytest.mark.slow
def test_readme_snippet_pinned_by_autoupdate_runs(work_repo, tmp_path):
    """The README's config with `rev: main`, then its `pre-commit autoupdate` command: the rev
    becomes the newest commit (no release tag yet), then the newest tag once one exists, and the
    hook runs from it."""
    hooks_repo = snapshot(tmp_path / "reglint")
    config = readme_precommit_config()
    assert "rev: main" in config and "https://github.com/reglint/reglint" in config
    (work_repo / ".pre-commit-config.yaml").write_text(config.replace("https://github.com/reglint/reglint", str(hooks_repo)))
    home = tmp_path / "pre-commit-home"

    pinned = pre_commit(work_repo, home, "autoupdate", "--repo", str(hooks_repo))
    assert pinned.returncode == 0, pinned.stdout
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hooks_repo, capture_output=True, text=True).stdout.strip()
    assert yaml.safe_load((work_repo / ".pre-commit-config.yaml").read_text())["repos"][0]["rev"] == head

    subprocess.run(["git", "tag", "v0.1.0"], cwd=hooks_repo, check=True)
    tagged = pre_commit(work_repo, home, "autoupdate", "--repo", str(hooks_repo))
    assert tagged.returncode == 0, tagged.stdout
    assert yaml.safe_load((work_repo / ".pre-commit-config.yaml").read_text())["repos"][0]["rev"] == "v0.1.0"

    subprocess.run(["git", "add", ".pre-commit-config.yaml"], cwd=work_repo, check=True)
    run = pre_commit(work_repo, home, "run", "--color", "never", "--files", "train_hazardous.py", "train_clean.py")
    assert run.returncode == 1, run.stdout
    assert hook_results(run.stdout) == {"reglint": "Failed"}, run.stdout
    assert "train_hazardous.py" in run.stdout and "RL002" in run.stdout and "train_clean.py" not in run.stdout


def test_hook_types_select_code_notebooks_and_every_config_format_pre_commit_can_name(tmp_path):
    """The files pre-commit would pass (identify's tags against `types_or`); a Caffe
    solver has no type of its own, so README's `files:` override is what adds it."""
    from identify import identify

    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    names = ["train.py", "stubs.pyi", "nb.ipynb", "adam.yaml", "ds_config.json", "allen.jsonnet", "solver.prototxt", "notes.md"]
    for name in names:
        (tmp_path / name).write_text("{}\n")
    picked = [n for n in names if identify.tags_from_path(str(tmp_path / n)) & set(hook["types_or"])]
    assert picked == names[:6]
    override = re.search(r"types_or: (\[.*\])\n\s+files: '(.*)'", (ROOT / "README.md").read_text())
    types, files = set(yaml.safe_load(override.group(1))), re.compile(override.group(2))
    widened = [n for n in names if identify.tags_from_path(str(tmp_path / n)) & types and files.search(n)]
    assert widened == names[:7]
