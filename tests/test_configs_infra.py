"""Config infrastructure: the positioned tree, discovery, settings, noqa and every output format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reglint.config import ConfigError, Settings, settings_from_table
from reglint.configs import json_reader, yaml_reader
from reglint.configs.tree import ConfigSyntaxError
from reglint.diagnostic import Position
from reglint.engine import Plan
from reglint.runner import check_bytes
from reglint.files import discover
from tests.test_cli import run

ADAM_YAML = "optimizer:\n  _target_: torch.optim.Adam\n  weight_decay: 1e-4\n"
ADAM_MESSAGE = "optimizer.weight_decay=0.0001 with `torch.optim.Adam` is a coupled L2 penalty, not weight decay"
# the coupled 1e-4 does not carry over to AdamW: the fix writes the starting value (issue 14 item 3)
ADAMW_YAML = "optimizer:\n  _target_: torch.optim.AdamW\n  weight_decay: 0.01\n"


# -- the positioned tree ---------------------------------------------------------------

def test_yaml_nodes_carry_value_and_key_positions():
    root = yaml_reader.read("# c\nopt:\n  lr: 1e-4  # x\n  name: 'Adam'\n")
    lr = root.find("opt", "lr")
    assert (lr.value, lr.start, lr.end, lr.raw) == (1e-4, Position(3, 7), Position(3, 11), "1e-4")
    assert lr.key_node.start == Position(3, 3) and lr.entry.start == Position(3, 3)
    name = root.find("opt", "name")
    assert (name.value, name.style, name.raw, name.dotted) == ("Adam", "'", "'Adam'", "opt.name")


def test_yaml_positions_follow_characters_and_every_line_break():
    root = yaml_reader.read('a: "é€😀"\r\nb: x\rc: 2\n')
    assert root.find("a").end == Position(1, 9)
    assert root.find("b").start == Position(2, 4)
    assert root.find("c").start == Position(3, 4)


@pytest.mark.parametrize("text, value", [("1e-4", 1e-4), ("5.0e-4", 5e-4), ("10", 10), ("0.0", 0.0), ("true", True),
                                         ("null", None), ("Adam", "Adam"), ("nan", "nan"), ("'1e-4'", "1e-4")])
def test_yaml_scalars_are_typed_as_omegaconf_reads_them(text, value):
    assert yaml_reader.read(f"k: {text}\n").find("k").value == value


def test_yaml_never_constructs_tags():
    root = yaml_reader.read("k: !!python/object/apply:os.system ['echo hi']\n")
    assert root.find("k").kind == "sequence"


def test_json_reader_reads_what_pyyaml_rejects():
    root = json_reader.read('{"a":\t1e-4, "b": "x\\/y", "a": 2, "c": [true, null]}')
    assert root.find("a").value == 2  # the last of a repeated key wins, as in json.loads
    assert root.find("b").value == "x/y" and root.find("b").start == Position(1, 18)
    assert [n.value for n in root.find("c").value] == [True, None]
    assert len(root.entries) == 4


@pytest.mark.parametrize("text, line, column", [('{"a": 1,}', 1, 9), ('{\n "a" 1}', 2, 6), ("[1, 2", 1, 6), ("", 1, 1),
                                                ('{"a": 1} x', 1, 10), ("[" * 300, 1, 202)])
def test_json_errors_carry_line_and_column(text, line, column):
    with pytest.raises(ConfigSyntaxError) as caught:
        json_reader.read(text)
    assert (caught.value.line, caught.value.column) == (line, column)


def test_yaml_errors_carry_line_and_column():
    with pytest.raises(ConfigSyntaxError) as caught:
        yaml_reader.read("a: 1\nb: [1,\n")
    assert caught.value.message.startswith("YAML error: ") and caught.value.line == 3


def test_deep_yaml_is_rl000_not_a_traceback():
    with pytest.raises(ConfigSyntaxError):
        yaml_reader.read("a: " + "[" * 5000 + "]" * 5000 + "\n")


# -- which files are read ----------------------------------------------------------------

def test_walk_includes_configs_and_the_setting_narrows_or_disables_it(tmp_path):
    (tmp_path / "conf").mkdir()
    for name in ("conf/adam.yaml", "conf/x.yml", "ds.json", "notes.txt", "train.py"):
        (tmp_path / name).write_text("x = 1\n")
    found = lambda settings: sorted(Path(p).relative_to(tmp_path).as_posix() for p in discover([str(tmp_path)], settings).files)
    assert found(Settings(root=str(tmp_path))) == ["conf/adam.yaml", "conf/x.yml", "ds.json", "train.py"]
    assert found(Settings(root=str(tmp_path), config_files=("conf/*.yaml",))) == ["conf/adam.yaml", "train.py"]
    assert found(Settings(root=str(tmp_path), config_files=())) == ["train.py"]


def test_config_files_setting_is_checked():
    assert settings_from_table({"config-files": []}, "/p", None).config_files == ()
    with pytest.raises(ConfigError, match="config-files"):
        settings_from_table({"config-files": "*.yaml"}, "/p", None)


def test_off_means_a_config_is_not_read():
    plan = Plan.build(Settings(config_files=()))
    assert check_bytes("opt.yaml", ADAM_YAML.encode(), plan).diagnostics == []


@pytest.mark.parametrize("name, data", [
    ("ci.yaml", b"name: tests\non: [push]\njobs: {}\n"),
    ("package.json", b'{"name": "x", "version": "1.0.0"}'),
    ("broken.yaml", b"a: [\n"),  # malformed but no config's words: never parsed, never reported
    ("train.yaml", b"optimizer: Adam\nlr0: 0.01\n"),  # an optimizer, but no decay any check could report
    ("data.json", b"\x00\x01\x02"),
])
@pytest.mark.parametrize("named", [False, True])
def test_unrelated_yaml_and_json_are_not_parsed(name, data, named):
    """Named too (pre-commit names every YAML/JSON file): unlike a named `.py` (Plan.named), a
    YAML/JSON without a config's words is not reglint's to parse, so a Jinja template or a
    JSON-with-comments `tsconfig.json` is never RL000."""
    plan = Plan.build(Settings())
    result = check_bytes(name, data, plan.naming([name]) if named else plan)
    assert (result.parsed, result.diagnostics) == (False, [])


def test_per_file_ignores_silence_a_json_config():
    data = b'{"train_batch_size": 8, "optimizer": {"type": "Adagrad", "params": {"weight_decay": 1e-4}}}'
    assert check_bytes("ds.json", data, Plan.build(Settings())).diagnostics
    quiet = Settings(per_file_ignores=(("ds.json", ("RL002",)),))
    assert check_bytes("ds.json", data, Plan.build(quiet)).diagnostics == []


def test_yaml_noqa_comments_and_hashes_inside_quotes():
    text = ADAM_YAML.replace("1e-4\n", "1e-4  # noqa: RL002\n")
    assert check_bytes("o.yaml", text.encode(), Plan.build(Settings())).diagnostics == []
    quoted = ADAM_YAML + "note: 'see # noqa: RL002'\n"
    assert [d.code for d in check_bytes("o.yaml", quoted.encode(), Plan.build(Settings())).diagnostics] == ["RL002"]


def test_unused_yaml_noqa_is_rl100():
    text = "optimizer:\n  _target_: torch.optim.AdamW  # noqa: RL002\n  weight_decay: 0.05\n"
    found = check_bytes("o.yaml", text.encode(), Plan.build(Settings(extend_select=("RL100",)))).diagnostics
    assert [(d.code, d.start.line) for d in found] == [("RL100", 2)]


# -- every output format for one config diagnostic -------------------------------------------

@pytest.fixture
def config_project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\n")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "opt.yaml").write_text(ADAM_YAML)
    return tmp_path


def test_concise_and_github(config_project):
    concise = run("check", "--output-format", "concise", ".", cwd=config_project)
    assert concise.returncode == 1
    assert concise.stdout == f"conf/opt.yaml:3:3: RL002 {ADAM_MESSAGE}\n"
    github = run("check", "--output-format", "github", ".", cwd=config_project)
    assert github.stdout.startswith("::warning title=reglint (RL002),file=conf/opt.yaml,line=3,col=3,endLine=3,endColumn=21::")


def test_full_shows_the_config_line(config_project):
    full = run("check", "--output-format", "full", ".", cwd=config_project)
    assert "  weight_decay: 1e-4" in full.stdout and "^^^^^^^^^^^^^^^^^^" in full.stdout


def test_json_and_sarif_locate_the_config_file(config_project):
    entry, = json.loads(run("check", "--output-format", "json", ".", cwd=config_project).stdout)
    assert (entry["code"], entry["location"], entry["end_location"]) == ("RL002", {"row": 3, "column": 3}, {"row": 3, "column": 21})
    assert entry["filename"].endswith("conf/opt.yaml")
    assert entry["fix"]["applicability"] == "unsafe"
    assert entry["fix"]["edits"][0]["content"] == "torch.optim.AdamW"
    line, = run("check", "--output-format", "json-lines", ".", cwd=config_project).stdout.splitlines()
    assert json.loads(line)["location"] == {"row": 3, "column": 3}
    sarif = json.loads(run("check", "--output-format", "sarif", ".", cwd=config_project).stdout)
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("conf/opt.yaml")
    assert location["region"]["startLine"] == 3 and location["region"]["startColumn"] == 3


def test_fix_writes_the_config_and_keeps_the_rest(config_project):
    result = run("check", "--fix", "--unsafe-fixes", "--output-format", "concise", ".", cwd=config_project)
    assert result.returncode == 0
    assert (config_project / "conf" / "opt.yaml").read_text() == ADAMW_YAML


def test_a_malformed_config_named_on_the_command_line_is_rl000(tmp_path):
    (tmp_path / "opt.yaml").write_text("optimizer:\n  _target_: [torch.optim.Adam\n  weight_decay: 1e-4\n")
    result = run("check", "--output-format", "concise", "opt.yaml", cwd=tmp_path)
    assert result.returncode == 1 and result.stdout.startswith("opt.yaml:3:15: RL000 YAML error: ")


def test_add_noqa_comments_yaml_and_leaves_json_alone(tmp_path):
    (tmp_path / "opt.yaml").write_text("optimizer:\n  _target_: torch.optim.Adam  # it's the paper's\n  weight_decay: 1e-4\n")
    json_text = '{"train_batch_size": 8, "optimizer": {"type": "Adagrad", "params": {"weight_decay": 1e-4}}}\n'
    (tmp_path / "ds.json").write_text(json_text)
    result = run("check", "--add-noqa", "--output-format", "concise", ".", cwd=tmp_path)
    assert (tmp_path / "opt.yaml").read_text().splitlines()[2] == "  weight_decay: 1e-4  # noqa: RL002"
    assert (tmp_path / "ds.json").read_text() == json_text
    assert result.stdout.startswith("ds.json:1:69: RL002 ") and "Added 1 noqa directive." in result.stderr


def test_stdin_config_is_checked_and_fixed_under_its_name(tmp_path):
    checked = run("check", "--stdin-filename", "conf/opt.yaml", "--output-format", "concise", "-", cwd=tmp_path,
                  stdin=ADAM_YAML.encode())
    assert checked.stdout == f"conf/opt.yaml:3:3: RL002 {ADAM_MESSAGE}\n"
    fixed = run("check", "--stdin-filename", "conf/opt.yaml", "--fix", "--unsafe-fixes", "-", cwd=tmp_path,
                stdin=ADAM_YAML.encode())
    assert fixed.stdout == ADAMW_YAML and fixed.returncode == 0


# -- the config source kind ------------------------------------------------------------

def test_config_paths_are_the_config_kind_and_the_rest_stay_python():
    from reglint import sources
    from reglint.sources import config, notebook, python

    for name in ("a.yaml", "a.yml", "ds_config.json", "solver.prototxt", "exp.jsonnet"):
        assert sources.kind_for(name) is config
    assert sources.kind_for("a.ipynb") is notebook
    for look_alike in ("yaml.py", "a.yaml.bak", "json"):
        assert sources.kind_for(look_alike) is python


def test_a_cached_config_result_shows_the_config_text(tmp_path):
    from reglint.sources import config

    path = tmp_path / "opt.yaml"
    path.write_text(ADAM_YAML)
    fresh = check_bytes(str(path), ADAM_YAML.encode(), Plan.build(Settings()))
    cached = config.from_cache(str(path), fresh.diagnostics)
    assert (cached.diagnostics, cached.source) == (fresh.diagnostics, ADAM_YAML)
    assert config.from_cache(str(path), []).source is None


def test_a_config_left_out_of_config_files_is_not_read_as_python():
    """ADAM_YAML is no Python (read as Python it would be RL000), and its words pass the words test."""
    assert [d.code for d in check_bytes("opt.yaml", ADAM_YAML.encode(), Plan.build(Settings())).diagnostics] == ["RL002"]
    narrowed = Plan.build(Settings(config_files=("*.json",)))
    assert check_bytes("opt.yaml", ADAM_YAML.encode(), narrowed).diagnostics == []
