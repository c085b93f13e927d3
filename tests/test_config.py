"""[tool.reglint]: finding the file, strict keys and types, layered rule selection, globs."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from reglint.config import (
    DEFAULT_EXCLUDES,
    ConfigError,
    GlobSet,
    Settings,
    find_pyproject,
    load_settings,
    read_config_file,
    settings_from_table,
)

RULES = {
    "RL001": SimpleNamespace(default=True),
    "RL002": SimpleNamespace(default=True),
    "RL003": SimpleNamespace(default=True),
    "RL010": SimpleNamespace(default=False),  # opt-in
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def error_of(function, *args) -> str:
    with pytest.raises(ConfigError) as caught:
        function(*args)
    message = str(caught.value)
    assert "\n" not in message
    return message


# -- keys and types --------------------------------------------------------------------

def test_every_key_is_read():
    settings = settings_from_table(
        {
            "select": ["RL0"], "extend-select": ["RL010"], "ignore": ["RL003"],
            "per-file-ignores": {"tests/*": ["RL002"]}, "exclude": ["a"], "extend-exclude": ["b"],
            "respect-gitignore": False, "force-exclude": True, "fix": True, "unsafe-fixes": True, "output-format": "json",
        },
        "/proj", "/proj/pyproject.toml",
    )
    assert settings == Settings(
        select=("RL0",), extend_select=("RL010",), ignore=("RL003",), per_file_ignores=(("tests/*", ("RL002",)),),
        exclude=("a",), extend_exclude=("b",), respect_gitignore=False, force_exclude=True, fix=True, unsafe_fixes=True,
        output_format="json", root="/proj", config_file="/proj/pyproject.toml",
    )


def test_defaults():
    settings = settings_from_table({}, "/proj", None)
    assert settings.exclude == DEFAULT_EXCLUDES and settings.respect_gitignore and settings.select is None


@pytest.mark.parametrize(
    "table, message",
    [
        ({"selct": ["RL001"]}, "P: [tool.reglint] unknown key 'selct' (did you mean 'select'?)"),
        ({"extend_select": ["RL001"]}, "P: [tool.reglint] unknown key 'extend_select' (did you mean 'extend-select'?)"),
        ({"zzz": 1}, "P: [tool.reglint] unknown key 'zzz' (known keys: select, extend-select, ignore, per-file-ignores, "
                     "exclude, extend-exclude, respect-gitignore, force-exclude, fix, unsafe-fixes, output-format, max-file-size, "
                     "config-files)"),
        ({"select": "RL001"}, "P: [tool.reglint] select: expected a list of strings, got a string"),
        ({"ignore": [1]}, "P: [tool.reglint] ignore: expected a list of strings, got a list containing an integer"),
        ({"exclude": {"a": 1}}, "P: [tool.reglint] exclude: expected a list of strings, got a table"),
        ({"extend-exclude": 3.5}, "P: [tool.reglint] extend-exclude: expected a list of strings, got a number"),
        ({"fix": "yes"}, "P: [tool.reglint] fix: expected true or false, got a string"),
        ({"unsafe-fixes": 1}, "P: [tool.reglint] unsafe-fixes: expected true or false, got an integer"),
        ({"respect-gitignore": []}, "P: [tool.reglint] respect-gitignore: expected true or false, got a list"),
        ({"force-exclude": "yes"}, "P: [tool.reglint] force-exclude: expected true or false, got a string"),
        ({"output-format": "xml"}, "P: [tool.reglint] output-format: expected one of full, concise, json, json-lines, "
                                   "sarif, github, got 'xml'"),
        ({"output-format": 2}, "P: [tool.reglint] output-format: expected one of full, concise, json, json-lines, "
                               "sarif, github, got an integer"),
        ({"per-file-ignores": ["tests/*"]}, "P: [tool.reglint] per-file-ignores: expected a table of "
                                            "\"glob\" = [\"RL001\", ...], got a list"),
        ({"per-file-ignores": {"tests/*": "RL001"}}, "P: [tool.reglint] per-file-ignores 'tests/*': expected a list "
                                                     "of strings, got a string"),
    ],
)
def test_bad_keys_and_types_name_the_key(table, message):
    assert error_of(settings_from_table, table, "/proj", "P") == message


# -- finding and reading the file -------------------------------------------------------------

def test_nearest_pyproject_with_a_reglint_table_wins(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.reglint]\nselect = ['RL001']\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'pkg'\n")  # not ours: skipped
    write(tmp_path / "pkg" / "sub" / "pyproject.toml", "[tool.black]\n# reglint is mentioned but absent\n")
    write(tmp_path / "pkg" / "sub" / "train.py", "")
    path, table = find_pyproject(tmp_path / "pkg" / "sub" / "train.py")
    assert path == tmp_path / "pyproject.toml" and table == {"select": ["RL001"]}
    settings = load_settings(None, [str(tmp_path / "pkg" / "sub" / "train.py")])
    assert settings.select == ("RL001",)
    assert Path(settings.root) == tmp_path and Path(settings.config_file) == tmp_path / "pyproject.toml"


def test_a_nested_table_counts(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.reglint.per-file-ignores]\n'tests/*' = ['RL002']\n")
    assert load_settings(None, [str(tmp_path)]).per_file_ignores == (("tests/*", ("RL002",)),)


def test_a_path_that_does_not_exist_still_finds_its_config(tmp_path):
    """--stdin-filename names a file that may not exist yet."""
    write(tmp_path / "pyproject.toml", "[tool.reglint]\nignore = ['RL003']\n")
    assert load_settings(None, [str(tmp_path / "new" / "unsaved.py")]).ignore == ("RL003",)


def test_no_config_means_defaults_rooted_at_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, ["."])
    assert settings.config_file is None and Path(settings.root) == tmp_path.resolve()


def test_no_paths_starts_from_the_working_folder(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", "[tool.reglint]\nfix = true\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    assert load_settings(None, []).fix is True
    assert load_settings(None, ["-"]).fix is True


@pytest.mark.parametrize(
    "text, reason",
    [
        ("[tool.reglint]\nselect = [\"RL001\"\n", "Unclosed array (at end of document)"),
        ("[tool.reglint]\nselect = = 1\n", "Invalid value (at line 2, column 10)"),
    ],
)
def test_broken_toml_that_mentions_reglint_is_an_error(tmp_path, text, reason):
    write(tmp_path / "pyproject.toml", text)
    assert error_of(load_settings, None, [str(tmp_path)]) == f"{tmp_path / 'pyproject.toml'}: invalid TOML: {reason}"


def test_broken_toml_that_is_not_ours_is_skipped(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.reglint]\nfix = true\n")
    write(tmp_path / "sub" / "pyproject.toml", "[project\nname = \n")
    assert load_settings(None, [str(tmp_path / "sub")]).fix is True


@pytest.mark.parametrize(
    "text, message",
    [
        ("tool = 1  # reglint\n", "[tool] must be a table, got an integer"),
        ("[tool]\nreglint = 'yes'\n", "[tool.reglint] must be a table, got a string"),
    ],
)
def test_tool_tables_of_the_wrong_type(tmp_path, text, message):
    write(tmp_path / "pyproject.toml", text)
    assert error_of(load_settings, None, [str(tmp_path)]) == f"{tmp_path / 'pyproject.toml'}: {message}"


def test_not_utf8_is_an_error(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes(b"[tool.reglint]\n# caf\xe9\n")
    assert error_of(load_settings, None, [str(tmp_path)]) == f"{tmp_path / 'pyproject.toml'}: invalid TOML: not UTF-8 text (byte 20)"


def test_a_bom_is_accepted(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes(b"\xef\xbb\xbf[tool.reglint]\nfix = true\n")
    assert load_settings(None, [str(tmp_path)]).fix is True


def test_config_option_reads_a_pyproject(tmp_path):
    config = write(tmp_path / "conf" / "pyproject.toml", "[tool.reglint]\nselect = ['RL002']\n")
    settings = load_settings(str(config), ["elsewhere"])
    assert settings.select == ("RL002",) and Path(settings.root) == tmp_path / "conf"


def test_config_option_pyproject_without_a_table_means_defaults(tmp_path):
    config = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    assert read_config_file(config).select is None


def test_config_option_reads_a_standalone_file(tmp_path):
    config = write(tmp_path / "reglint.toml", "select = ['RL002']\n[per-file-ignores]\n'a.py' = ['RL002']\n")
    assert read_config_file(config).per_file_ignores == (("a.py", ("RL002",)),)
    config = write(tmp_path / "other.toml", "[tool.reglint]\nfix = true\n")
    assert read_config_file(config).fix is True


def test_config_option_errors(tmp_path):
    assert error_of(read_config_file, tmp_path / "missing.toml") == (
        f"cannot read config file {tmp_path / 'missing.toml'}: No such file or directory")
    assert error_of(read_config_file, tmp_path) == f"cannot read config file {tmp_path}: Is a directory"
    bad = write(tmp_path / "reglint.toml", "fix = true\nfix = false\n")
    assert error_of(read_config_file, bad).startswith(f"{bad}: invalid TOML: Cannot overwrite a value")


# -- rule selection ---------------------------------------------------------------------------

def enabled(**fields) -> list:
    return sorted(Settings(**fields).enabled_codes(RULES))


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({}, ["RL001", "RL002", "RL003"]),
        ({"select": ("RL002",)}, ["RL002"]),
        ({"select": ("rl00",)}, ["RL001", "RL002", "RL003"]),  # a prefix, any case
        ({"select": ("ALL",)}, ["RL001", "RL002", "RL003", "RL010"]),
        ({"select": ()}, []),
        ({"extend_select": ("RL010",)}, ["RL001", "RL002", "RL003", "RL010"]),
        ({"ignore": ("RL002",)}, ["RL001", "RL003"]),
        ({"select": ("RL",), "ignore": ("RL01",)}, ["RL001", "RL002", "RL003"]),
        # the command line is a layer on top: --select replaces the config's whole selection
        ({"select": ("RL001",), "extend_select": ("RL010",), "cli_select": ("RL002",)}, ["RL002"]),
        ({"ignore": ("RL002",), "cli_select": ("RL002",)}, ["RL002"]),
        ({"select": ("RL001",), "cli_extend_select": ("RL003",)}, ["RL001", "RL003"]),
        ({"ignore": ("RL003",), "cli_extend_select": ("RL003",)}, ["RL001", "RL002", "RL003"]),
        ({"extend_select": ("RL010",), "cli_ignore": ("RL010", "RL001")}, ["RL002", "RL003"]),
        ({"cli_select": ("RL001", "RL002"), "cli_ignore": ("RL002",)}, ["RL001"]),
    ],
)
def test_layered_selection(fields, expected):
    assert enabled(**fields) == expected


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"cli_select": ("RL999",)}, "--select: unknown rule code or prefix 'RL999' (see `reglint rules`)"),
        ({"cli_extend_select": ("XY",)}, "--extend-select: unknown rule code or prefix 'XY' (see `reglint rules`)"),
        ({"cli_ignore": ("RL9",)}, "--ignore: unknown rule code or prefix 'RL9' (see `reglint rules`)"),
        ({"select": ("E501",), "config_file": "/p/pyproject.toml"},
         "/p/pyproject.toml: [tool.reglint] select: unknown rule code or prefix 'E501' (see `reglint rules`)"),
        ({"ignore": ("RL02",)}, "[tool.reglint] ignore: unknown rule code or prefix 'RL02' (see `reglint rules`)"),
        ({"per_file_ignores": (("tests/*", ("RL7",)),), "config_file": "P"},
         "P: [tool.reglint] per-file-ignores 'tests/*': unknown rule code or prefix 'RL7' (see `reglint rules`)"),
        # a code that is not selected is still checked: a typo must not pass silently
        ({"cli_select": ("RL001",), "ignore": ("RL0O2",)}, "[tool.reglint] ignore: unknown rule code or prefix 'RL0O2' (see `reglint rules`)"),
    ],
)
def test_unknown_codes_are_errors_naming_where(fields, message):
    assert error_of(Settings(**fields).enabled_codes, RULES) == message


# -- globs and per-file-ignores ---------------------------------------------------------------

def test_per_file_ignores(tmp_path, monkeypatch):
    settings = Settings(
        root=str(tmp_path),
        per_file_ignores=(
            ("tests/*", ("RL002",)),
            ("__init__.py", ("rl001",)),
            ("scripts/**/gen_*.py", ("RL003",)),
            ("!src/**", ("RL010",)),
        ),
    )
    assert settings.ignored_for(str(tmp_path / "tests" / "unit" / "test_a.py")) == ("RL002", "RL010")
    assert settings.ignored_for(str(tmp_path / "src" / "pkg" / "__init__.py")) == ("RL001",)
    assert settings.ignored_for(str(tmp_path / "scripts" / "gen_x.py")) == ("RL003", "RL010")
    assert settings.ignored_for(str(tmp_path / "scripts" / "a" / "b" / "gen_x.py")) == ("RL003", "RL010")
    assert settings.ignored_for(str(tmp_path / "src" / "train.py")) == ()
    monkeypatch.chdir(tmp_path / "..")
    assert settings.ignored_for(os.path.join(tmp_path.name, "tests", "t.py")) == ("RL002", "RL010")  # relative paths
    assert settings.ignored_for(str(tmp_path / "tests" / "not-saved-yet.py")) == ("RL002", "RL010")
    assert Settings(root=str(tmp_path)).ignored_for("x.py") == ()


def test_globset_matches_from_the_root_or_by_base_name(tmp_path):
    globs = GlobSet(("gen", "data/*.py", "/abs/x"), str(tmp_path))
    root = tmp_path.resolve().as_posix()
    assert globs.match(f"{root}/a/b/gen", "gen")
    assert globs.match(f"{root}/data/sub/x.py", "x.py")
    assert not globs.match(f"{root}/other/data/x.py", "x.py")
    assert globs.match("/abs/x", "x")
    assert not GlobSet((), str(tmp_path)).match(f"{root}/a", "a")
