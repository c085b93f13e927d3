"""Config inputs that used to be skipped silently or served stale: a config over `max-file-size`,
and a cached config result whose `_BASE_` or defaults-list group file changed."""

from __future__ import annotations

import json
from pathlib import Path

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


def test_the_default_limit_is_max_file_size_for_configs_too():
    data = _padded_yaml(2_000_100).encode()
    result = check_bytes("conf/opt.yaml", data, Plan.build(Settings()))
    (diagnostic,) = result.diagnostics
    assert (diagnostic.code, diagnostic.start.line, diagnostic.start.column, result.parsed) == ("RL000", 1, 1, False)
    assert diagnostic.message == f"file too large to analyse ({len(data) / 1e6:.1f} MB > 2 MB limit, setting `max-file-size`)"
