"""Config inputs that used to be skipped silently or served stale: a config over `max-file-size`,
a cached config result whose `_BASE_` or defaults-list group file changed; and the config
examples in the rules' docs, which are tests as their Python examples are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reglint.config import Settings
from reglint.engine import Plan
from reglint.runner import check_bytes

from _cli import reglint

ADAM_YAML = "optimizer:\n  _target_: torch.optim.Adam\n  weight_decay: 1e-4\n"
ADAM_AT = "conf/opt.yaml:3:3: RL002 optimizer.weight_decay=0.0001 with `torch.optim.Adam` is a coupled L2 penalty"
DEEPSPEED = {"train_batch_size": 8, "optimizer": {"type": "Adagrad", "params": {"weight_decay": 1e-4}}}
TOO_LARGE = "RL000 file too large to analyse ({size} MB > 0.001 MB limit, setting `max-file-size`)"


def _padded_yaml(size: int) -> str:
    """ADAM_YAML followed by comment lines up to `size` characters."""
    line = "# " + "x" * 77 + "\n"
    return ADAM_YAML + line * ((size - len(ADAM_YAML)) // len(line) + 1)


def _padded_json(size: int, document: dict) -> str:
    return json.dumps({**document, "padding": "x" * size}, indent=2) + "\n"


def _concise(*args, cwd: Path):
    result = reglint("--no-cache", "--output-format", "concise", *args, cwd=cwd)
    return result.returncode, result.stdout.splitlines()


# -- a config over `max-file-size` -------------------------------------------------------------

def test_a_config_over_the_size_limit_is_rl000_and_the_run_goes_on(tmp_path):
    """Before: over 1 MB (a constant, not the setting) a config was skipped without a word."""
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\nmax-file-size = 1_000\n")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "big.yaml").write_text(_padded_yaml(1_500))
    (tmp_path / "conf" / "opt.yaml").write_text(ADAM_YAML)
    (tmp_path / "ds_config.json").write_text(_padded_json(2_000, DEEPSPEED))
    code, lines = _concise(".", cwd=tmp_path)
    assert code == 1
    assert [line.split(" with")[0] for line in lines] == [
        "conf/big.yaml:1:1: " + TOO_LARGE.format(size="0.0"),
        ADAM_AT.split(" with")[0],
        "ds_config.json:1:1: " + TOO_LARGE.format(size="0.0"),
    ]
    # named on the command line: the same
    assert _concise("conf/big.yaml", cwd=tmp_path) == (1, ["conf/big.yaml:1:1: " + TOO_LARGE.format(size="0.0")])


def test_the_setting_raises_the_limit_for_configs(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\nmax-file-size = 2_000\n")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "opt.yaml").write_text(_padded_yaml(1_500))
    code, lines = _concise(".", cwd=tmp_path)
    assert (code, [line.split(" with")[0] for line in lines]) == (1, [ADAM_AT.split(" with")[0]])


def test_a_large_yaml_or_json_without_a_configs_words_stays_silent(tmp_path):
    """Look-alikes: large data next to the configs, found in the walk or named (pre-commit names
    every staged JSON): no optimizer shape or no decay word, never read, never reported."""
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\nmax-file-size = 1_000\n")
    (tmp_path / "package-lock.json").write_text(_padded_json(5_000, {"name": "x", "lockfileVersion": 3}))
    (tmp_path / "labels.yaml").write_text("names:\n" + "".join(f"  - class_{i}\n" for i in range(500)))
    (tmp_path / "sweep.yaml").write_text("optimizer: adam\n" + "# lr sweep\n" * 200)  # a shape, no decay word
    assert _concise(".", cwd=tmp_path) == (0, [])
    assert _concise("package-lock.json", "labels.yaml", "sweep.yaml", cwd=tmp_path) == (0, [])


def test_past_the_read_limit_only_a_config_with_a_configs_words_is_rl000(tmp_path):
    """A dataset's 70 MB annotations JSON (not read whole: past READ_LIMIT) used to be RL000 in
    every folder walk; now it is read in chunks and reported only with a config's words."""
    from reglint.reading import READ_LIMIT

    size = READ_LIMIT + 6_000_000
    for name, head in (("instances_train.json", b'{"images": [{"id": 1, "file_name": "a.jpg"}'),
                       ("ds_config.json", json.dumps(DEEPSPEED).encode()[:-1] + b', "padding": "')):
        with open(tmp_path / name, "wb") as handle:  # sparse: no disk used
            handle.write(head)
            handle.truncate(size)
    code, lines = _concise(".", cwd=tmp_path)
    message = f"file too large to analyse ({size / 1e6:.1f} MB > 2 MB limit, setting `max-file-size`)"
    assert (code, lines) == (1, [f"ds_config.json:1:1: RL000 {message}"])


def test_the_default_limit_is_max_file_size_for_configs_too():
    data = _padded_yaml(2_000_100).encode()
    result = check_bytes("conf/opt.yaml", data, Plan.build(Settings()))
    (diagnostic,) = result.diagnostics
    assert (diagnostic.code, diagnostic.start.line, diagnostic.start.column, result.parsed) == ("RL000", 1, 1, False)
    assert diagnostic.message == f"file too large to analyse ({len(data) / 1e6:.1f} MB > 2 MB limit, setting `max-file-size`)"


# -- a cached config result and the files it was composed from -----------------------------------

def _write(path: Path, text: str) -> None:
    """Write `text`, with an mtime that differs from the last write's whatever the clock's grain."""
    import os

    existed = path.exists()
    before = path.stat().st_mtime_ns if existed else 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if existed and path.stat().st_mtime_ns == before:
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def _warm(root: Path):
    """A run with the cache on (the default), as a user runs it twice."""
    result = reglint("--output-format", "concise", ".", cwd=root)
    return result.returncode, result.stdout.splitlines()


@pytest.fixture
def counted(monkeypatch):
    """The paths the engine checks again (not served from the cache), in-process."""
    from reglint import runner

    checked = []
    original = runner.check_path

    def spy(path, plan, fix=False, unsafe=False):
        checked.append(Path(path).name)
        return original(path, plan, fix, unsafe)

    monkeypatch.setattr(runner, "check_path", spy)
    return checked


def _run_cached(root: Path):
    from reglint.cache import Cache, key_for
    from reglint.files import discover
    from reglint.runner import run

    settings = Settings(root=str(root))
    plan = Plan.build(settings)
    cache = Cache(root / ".cache", key_for(settings, [r.code for r in plan.rules]))
    paths = discover([str(root)], settings).files
    return {Path(r.path).name: [(d.code, d.start.line) for d in r.diagnostics] for r in run(paths, plan, jobs=1, cache=cache)}


D2_BASE = 'SOLVER:\n  OPTIMIZER: "{name}"\n  BASE_LR: 0.01\n'
D2_CHILD = '_BASE_: "Base-Solver.yaml"\nSOLVER:\n  WEIGHT_DECAY: 0.0001\n'


def test_editing_a_detectron2_base_rechecks_the_child(tmp_path):
    """Before: the child's cached result (SGD in the base: nothing) was served after the base
    turned to ADAM, since the cache knew only the child's own stat."""
    _write(tmp_path / "configs" / "Base-Solver.yaml", D2_BASE.format(name="SGD"))
    _write(tmp_path / "configs" / "child.yaml", D2_CHILD)
    assert _warm(tmp_path) == (0, [])
    _write(tmp_path / "configs" / "Base-Solver.yaml", D2_BASE.format(name="ADAM"))
    assert _warm(tmp_path) == (1, ["configs/child.yaml:3:3: RL002 SOLVER.WEIGHT_DECAY=0.0001 with `SOLVER.OPTIMIZER: ADAM`"
                                   " (from _BASE_) is a coupled L2 penalty, not weight decay"])
    _write(tmp_path / "configs" / "Base-Solver.yaml", D2_BASE.format(name="ADAMW"))
    assert _warm(tmp_path) == (0, [])


def test_a_detectron2_base_created_later_rechecks_the_child(tmp_path, counted):
    _write(tmp_path / "configs" / "child.yaml", D2_CHILD)
    assert _run_cached(tmp_path) == {"child.yaml": []}
    _write(tmp_path / "configs" / "Base-Solver.yaml", D2_BASE.format(name="ADAM"))
    counted.clear()
    assert _run_cached(tmp_path) == {"Base-Solver.yaml": [], "child.yaml": [("RL002", 3)]}
    assert counted == ["Base-Solver.yaml", "child.yaml"]


HYDRA_PRIMARY = "defaults:\n  - optimizer: adam\n  - _self_\n\noptimizer:\n  weight_decay: 1e-4\n"
HYDRA_GROUP = "_target_: {target}\nlr: 1e-3\n"


def test_editing_a_hydra_group_file_rechecks_the_primary(tmp_path):
    _write(tmp_path / "conf" / "train.yaml", HYDRA_PRIMARY)
    _write(tmp_path / "conf" / "optimizer" / "adam.yaml", HYDRA_GROUP.format(target="torch.optim.AdamW"))
    assert _warm(tmp_path) == (0, [])
    _write(tmp_path / "conf" / "optimizer" / "adam.yaml", HYDRA_GROUP.format(target="torch.optim.Adam"))
    assert _warm(tmp_path) == (1, ["conf/train.yaml:6:3: RL002 optimizer.weight_decay=0.0001 with `torch.optim.Adam`"
                                   " (optimizer/adam.yaml) is a coupled L2 penalty, not weight decay"])


def test_a_nearer_hydra_group_file_created_later_rechecks_the_primary(tmp_path, counted):
    """Hydra composes the group file nearest the primary: one created later, nearer than the
    one read, changes the result (a missing candidate is a dependency too)."""
    _write(tmp_path / "conf" / "exp" / "train.yaml", HYDRA_PRIMARY)
    _write(tmp_path / "conf" / "optimizer" / "adam.yaml", HYDRA_GROUP.format(target="torch.optim.Adam"))
    assert _run_cached(tmp_path)["train.yaml"] == [("RL002", 6)]
    _write(tmp_path / "conf" / "exp" / "optimizer" / "adam.yaml", HYDRA_GROUP.format(target="torch.optim.AdamW"))
    counted.clear()
    assert _run_cached(tmp_path)["train.yaml"] == []
    assert sorted(counted) == ["adam.yaml", "train.yaml"]  # the new group file, and the primary again


def test_a_file_the_config_does_not_compose_leaves_its_cached_result(tmp_path, counted):
    """Look-alike: another group's file, or a base in another folder, changes; the primary is
    served from the cache."""
    _write(tmp_path / "conf" / "train.yaml", HYDRA_PRIMARY)
    _write(tmp_path / "conf" / "optimizer" / "adam.yaml", HYDRA_GROUP.format(target="torch.optim.Adam"))
    _write(tmp_path / "conf" / "optimizer" / "sgd.yaml", HYDRA_GROUP.format(target="torch.optim.SGD"))
    _write(tmp_path / "conf" / "child.yaml", D2_CHILD)
    _write(tmp_path / "other" / "Base-Solver.yaml", D2_BASE.format(name="SGD"))
    first = _run_cached(tmp_path)
    _write(tmp_path / "conf" / "optimizer" / "sgd.yaml", HYDRA_GROUP.format(target="torch.optim.Adagrad"))
    _write(tmp_path / "other" / "Base-Solver.yaml", D2_BASE.format(name="ADAM"))
    counted.clear()
    assert _run_cached(tmp_path) == first
    assert sorted(counted) == ["Base-Solver.yaml", "sgd.yaml"]


# -- the rules' docs: their config examples are tests too ------------------------------------------

def _blocks(docs: str, heading: str, language: str) -> list:
    import re

    body = re.split(r"^## ", docs, flags=re.MULTILINE)
    section = next(part for part in body if part.startswith(heading + "\n"))
    return re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL)


def test_rl002_docs_config_example_is_flagged_and_fixed_into_use_instead():
    from reglint.rule import all_rules

    docs = all_rules()["RL002"].docs
    (example,) = _blocks(docs, "Example", "yaml")
    (use_instead,) = _blocks(docs, "Use instead", "yaml")
    plan = Plan.build(Settings())
    (diagnostic,) = check_bytes("conf/optimizer/adam.yaml", example.encode(), plan).diagnostics
    assert (diagnostic.code, diagnostic.start.line, diagnostic.start.column) == ("RL002", 3, 3)
    fixed = check_bytes("conf/optimizer/adam.yaml", example.encode(), plan, fix=True, unsafe=True)
    assert fixed.fixed.decode() == use_instead  # the unsafe fix writes exactly what the docs show
    assert check_bytes("conf/optimizer/adamw.yaml", use_instead.encode(), plan).diagnostics == []


def test_the_chunked_words_test_sees_words_across_chunk_borders():
    import io

    from reglint.configs import formats

    data = json.dumps(DEEPSPEED).encode()
    for chunk in (3, 7, 16, 1 << 24):
        assert formats.may_hold_facts_in(io.BytesIO(data.upper()), chunk) is True
        assert formats.may_hold_facts_in(io.BytesIO(data.replace(b"weight_decay", b"weight decay")), chunk) is False
        assert formats.may_hold_facts(data) is True
