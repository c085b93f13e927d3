"""Path discovery: default excludes, virtualenvs, config globs, .gitignore (with git itself
as the oracle), named paths, symlink loops, unreadable folders and a deterministic order."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path
from typing import Iterable, List

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st

from reglint import files, gitignore
from reglint.config import Settings
from reglint.files import discover

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git is not installed")  # CI images have git


def make(root: Path, *names: str) -> None:
    """Create files (and their folders); a name ending in / is a folder."""
    for name in names:
        path = root / name
        if name.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x = 1\n")


def found(root: Path, paths: Iterable[str] = (".",), **settings) -> List[str]:
    """Discovered files, as posix paths relative to `root` (discovery runs from there)."""
    old = os.getcwd()
    os.chdir(root)
    try:
        result = discover(list(paths), Settings(root=str(root), **settings))
    finally:
        os.chdir(old)
    assert result.errors == []
    return [Path(p).as_posix() for p in result.files]


# -- basics ------------------------------------------------------------------------

def test_python_sources_only_in_a_deterministic_order(tmp_path):
    make(tmp_path, "b.py", "a.pyi", "c.txt", "setup.cfg", "pkg/z.py", "pkg/a.py", "pkg/sub/m.py", "notes.py.bak", "aa/x.py")
    assert found(tmp_path) == ["a.pyi", "b.py", "aa/x.py", "pkg/a.py", "pkg/z.py", "pkg/sub/m.py"]
    assert found(tmp_path) == found(tmp_path)


def test_arguments_keep_their_order_and_are_not_repeated(tmp_path):
    make(tmp_path, "a.py", "pkg/b.py")
    assert found(tmp_path, ["pkg", "a.py", "pkg/b.py", "./a.py"]) == ["pkg/b.py", "a.py"]


def test_paths_are_shown_as_given(tmp_path):
    make(tmp_path, "pkg/b.py")
    assert found(tmp_path, ["./pkg/"]) == ["pkg/b.py"]
    result = discover([str(tmp_path / "pkg")], Settings(root=str(tmp_path)))
    assert result.files == [str(tmp_path / "pkg" / "b.py")]


def test_a_missing_path_is_an_error_and_the_rest_is_still_found(tmp_path):
    make(tmp_path, "a.py")
    result = discover([str(tmp_path / "nope.py"), str(tmp_path / "a.py")], Settings(root=str(tmp_path)))
    assert result.files == [str(tmp_path / "a.py")]
    assert result.errors == [(str(tmp_path / "nope.py"), "cannot read: No such file or directory")]


def test_a_folder_without_python_files_finds_nothing(tmp_path):
    make(tmp_path, "README.md", "data/x.csv")
    assert found(tmp_path) == []


# -- default excludes and environments ------------------------------------------------

def test_default_excludes(tmp_path):
    make(
        tmp_path,
        "keep.py",
        ".git/hooks/x.py", ".venv/lib/x.py", "venv/x.py", "build/lib/x.py", "dist/x.py",
        "__pycache__/x.py", "node_modules/x.py", ".tox/x.py", ".mypy_cache/x.py", "pkg/__pycache__/y.py",
        "pkg/build/z.py", "pkg/ok.py",
    )
    assert found(tmp_path) == ["keep.py", "pkg/ok.py"]


def test_a_virtualenv_is_skipped_whatever_its_name(tmp_path):
    make(tmp_path, "keep.py", "myenv/pyvenv.cfg", "myenv/lib/python3.11/site.py", "conda/conda-meta/", "conda/lib/x.py")
    assert found(tmp_path) == ["keep.py"]


def test_a_named_virtualenv_or_excluded_folder_is_still_walked(tmp_path):
    make(tmp_path, "myenv/pyvenv.cfg", "myenv/tool.py", "build/gen.py")
    assert found(tmp_path, ["myenv", "build"]) == ["myenv/tool.py", "build/gen.py"]


def test_a_named_file_is_checked_even_if_excluded_or_not_py(tmp_path):
    make(tmp_path, "build/gen.py", "scripts/train", "gen_pb2.py")
    assert found(tmp_path, ["build/gen.py", "scripts/train", "gen_pb2.py"], extend_exclude=("*_pb2.py",)) == [
        "build/gen.py", "scripts/train", "gen_pb2.py"]


def test_force_exclude_applies_the_excludes_to_named_paths(tmp_path):
    make(tmp_path, "tests/fixtures/bad.py", "build/x.py", "src/a.py", "src/a_pb2.py", "tests/t.py")
    named = ["tests/fixtures/bad.py", "build/x.py", "src/a.py", "src/a_pb2.py", "tests/fixtures", "tests"]
    assert found(tmp_path, named, extend_exclude=("tests/fixtures", "*_pb2.py"), force_exclude=True) == [
        "src/a.py", "tests/t.py"]


def test_force_exclude_looks_no_higher_than_the_config_root(tmp_path):
    project = tmp_path / "build" / "proj"  # a project that lives in a folder named like a default exclude
    make(project, "a.py")
    assert found(project, ["a.py"], force_exclude=True) == ["a.py"]
    settings = Settings(root=str(project))
    assert files.is_excluded(str(project / "a.py"), settings) is False
    assert files.is_excluded(str(tmp_path / "build"), settings) is True  # outside the root: the path itself
    assert files.is_excluded(str(tmp_path / "build" / "x.py"), settings) is False


def test_fifos_and_other_special_files_are_never_opened(tmp_path):
    make(tmp_path, "a.py")
    os.mkfifo(tmp_path / "pipe.py")  # opening it would block the run forever
    assert found(tmp_path) == ["a.py"]


def test_exclude_replaces_the_defaults_and_extend_exclude_adds(tmp_path):
    make(tmp_path, "build/a.py", "gen/b.py", "c.py")
    assert found(tmp_path, exclude=()) == ["c.py", "build/a.py", "gen/b.py"]
    assert found(tmp_path, exclude=("gen",)) == ["c.py", "build/a.py"]
    assert found(tmp_path, extend_exclude=("gen",)) == ["c.py"]


# -- config globs ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "pattern, expected",
    [
        ("tests/fixtures", ["a.py", "src/fixtures/f.py", "src/m_pb2.py", "tests/t.py"]),  # from the root
        ("fixtures", ["a.py", "src/m_pb2.py", "tests/t.py"]),  # a base name, at any depth
        ("*_pb2.py", ["a.py", "src/fixtures/f.py", "tests/t.py", "tests/fixtures/f.py"]),
        ("src/*.py", ["a.py", "tests/t.py", "tests/fixtures/f.py"]),  # * crosses / as in ruff
        ("**/fixtures", ["a.py", "src/m_pb2.py", "tests/t.py"]),
        ("{src,tests}/fixtures", ["a.py", "src/m_pb2.py", "tests/t.py"]),
        ("./tests", ["a.py", "src/fixtures/f.py", "src/m_pb2.py"]),
        ("t?sts", ["a.py", "src/fixtures/f.py", "src/m_pb2.py"]),
        ("[st]*/fixtures", ["a.py", "src/m_pb2.py", "tests/t.py"]),
        ("nothing[", ["a.py", "src/fixtures/f.py", "src/m_pb2.py", "tests/t.py", "tests/fixtures/f.py"]),
    ],
)
def test_extend_exclude_globs(tmp_path, pattern, expected):
    make(tmp_path, "a.py", "src/m_pb2.py", "src/fixtures/f.py", "tests/t.py", "tests/fixtures/f.py")
    assert sorted(found(tmp_path, extend_exclude=(pattern,))) == sorted(expected)


def test_exclude_is_relative_to_the_config_root_not_the_working_folder(tmp_path):
    make(tmp_path, "tests/fixtures/f.py", "tests/t.py")
    settings = Settings(root=str(tmp_path), extend_exclude=("tests/fixtures",))
    old = os.getcwd()
    os.chdir(tmp_path / "tests")
    try:
        assert discover(["."], settings).files == ["t.py"]
    finally:
        os.chdir(old)


def test_an_absolute_exclude_pattern(tmp_path):
    make(tmp_path, "gen/a.py", "b.py")
    assert found(tmp_path, extend_exclude=(str(tmp_path / "gen"),)) == ["b.py"]


# -- symlinks and unreadable folders -----------------------------------------------------

def test_symlink_loops_end(tmp_path):
    make(tmp_path, "pkg/a.py", "pkg/sub/b.py")
    os.symlink("..", tmp_path / "pkg" / "sub" / "up")  # a loop back to pkg
    os.symlink(".", tmp_path / "pkg" / "self")
    os.symlink("loop.py", tmp_path / "pkg" / "loop.py")  # a file symlink to itself
    os.symlink("missing.py", tmp_path / "pkg" / "broken.py")
    assert found(tmp_path) == ["pkg/a.py", "pkg/broken.py", "pkg/loop.py", "pkg/sub/b.py"]


def test_a_symlinked_folder_is_followed(tmp_path):
    make(tmp_path, "shared/util.py", "proj/a.py")
    os.symlink(tmp_path / "shared", tmp_path / "proj" / "shared")
    assert found(tmp_path, ["proj"]) == ["proj/a.py", "proj/shared/util.py"]


def test_an_unreadable_folder_is_an_error_and_the_walk_goes_on(tmp_path, monkeypatch):
    # Real permissions are tested end to end as an unprivileged user in test_cli.py;
    # here the OS refusal is simulated so the walk's handling runs as root too.
    make(tmp_path, "a.py", "locked/b.py", "z/c.py")
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(files.os, "scandir", scandir)
    monkeypatch.chdir(tmp_path)
    result = discover(["."], Settings(root=str(tmp_path)))
    assert result.files == ["a.py", os.path.join("z", "c.py")]
    assert result.errors == [("locked", "cannot read directory: Permission denied")]


# -- .gitignore: the matcher ---------------------------------------------------------------

def matches(pattern: str, path: str, is_dir: bool = False) -> bool:
    return gitignore.ignored([gitignore.Level("", gitignore.parse(pattern))], path, is_dir)


@pytest.mark.parametrize(
    "pattern, path, is_dir, expected",
    [
        ("*.py", "a/b/c.py", False, True),
        ("/a.py", "a.py", False, True),
        ("/a.py", "sub/a.py", False, False),
        ("a/b.py", "x/a/b.py", False, False),  # a middle slash anchors
        ("gen/", "gen", True, True),
        ("gen/", "gen", False, False),  # dir-only
        ("**/gen", "x/y/gen", True, True),
        ("a/**/b.py", "a/b.py", False, True),
        ("a/**/b.py", "a/x/y/b.py", False, True),
        ("a/**", "a/x/y.py", False, True),
        ("a/**", "a", True, False),
        ("a*b.py", "a/b.py", False, False),  # * never crosses /
        ("a?b.py", "a/b.py", False, False),
        ("[ab].py", "b.py", False, True),
        ("[!ab].py", "c.py", False, True),
        ("[!ab].py", "a.py", False, False),
        ("[a-c].py", "b.py", False, True),
        ("[[:digit:]].py", "7.py", False, True),
        ("\\#x.py", "#x.py", False, True),
        ("#x.py", "#x.py", False, False),  # a comment
        ("\\!x.py", "!x.py", False, True),
        ("x.py  ", "x.py", False, True),  # trailing spaces dropped
        ("x.py\\ ", "x.py ", False, True),  # unless escaped
        ("x.py\r", "x.py", False, True),  # CRLF file
        ("x[.py", "x[.py", False, False),  # an unclosed bracket matches nothing, as in git
        ("a**/*.py", "a.py", False, True),  # git's literal-prefix quirk: `a` + `**/*.py`
        ("a**/*.py", "abc/d/q.py", False, True),
        ("**a/*.py", "ba/q.py", False, True),  # `**` not at a segment edge is `*`
        ("**a/*.py", "b/a/q.py", False, False),
        ("*.py\n!keep.py", "keep.py", False, False),
        ("!keep.py\n*.py", "keep.py", False, True),  # the last match wins
    ],
)
def test_gitignore_patterns(pattern, path, is_dir, expected):
    assert matches(pattern, path, is_dir) is expected


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab/*?[]!^-\\{},:. #\r\t()|$+", max_size=12))
def test_any_pattern_compiles_or_is_dropped_never_raises(pattern):
    from reglint.config import GlobSet

    for rule in gitignore.parse(pattern):
        rule.regex.fullmatch("a/b")
    GlobSet((pattern,), "/tmp").match("/tmp/a/b", "b")


def test_a_deeper_gitignore_wins():
    levels = [gitignore.Level("", gitignore.parse("*.py")), gitignore.Level("sub", gitignore.parse("!keep.py"))]
    assert gitignore.ignored(levels, "sub/keep.py", False) is False
    assert gitignore.ignored(levels, "keep.py", False) is True
    assert gitignore.ignored(levels, "sub/other.py", False) is True


# -- .gitignore: discovery against git itself ------------------------------------------------

def git(repo: Path, *args: str, stdin: str = "") -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,  # no user-level excludesFile may change the answer
        "GIT_CONFIG_NOSYSTEM": "1",
        "XDG_CONFIG_HOME": str(repo / ".no-xdg"),
        "HOME": str(repo / ".no-home"),
    }
    return subprocess.run([GIT, *args], cwd=repo, env=env, input=stdin, capture_output=True, text=True, check=False).stdout


def git_kept(repo: Path) -> List[str]:
    """The .py files git does not ignore, by `git check-ignore` and by `git ls-files`."""
    every = sorted(p.relative_to(repo).as_posix() for p in repo.rglob("*.py") if ".git" not in p.relative_to(repo).parts)
    ignored = set(git(repo, "check-ignore", "--no-index", "--stdin", stdin="\n".join(every) + "\n").splitlines())
    kept = sorted(set(every) - ignored)
    untracked = sorted(p for p in git(repo, "ls-files", "--others", "--exclude-standard").splitlines() if p.endswith(".py"))
    assert kept == untracked, "git check-ignore and git ls-files disagree"
    return kept


def init_repo(repo: Path) -> None:
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", ".")
    assert (repo / ".git").is_dir()


TREE = [
    "a.py", "b.py", "keep.py", "main.py", "x.pyc.py", "#hash.py", "!bang.py", "sp .py",
    "data/a.py", "data/keep.py", "data/raw/r.py", "data/raw/keep.py",
    "gen/g.py", "gen/sub/g2.py", "src/gen/g.py", "src/pkg/mod.py", "src/pkg/gen.py",
    "src/pkg/tests/test_mod.py", "src/pkg/tests/fixtures/fx.py", "src/pkg/deep/er/still.py",
    "logs/2024/run.py", "logs/keep/run.py", "docs/conf.py", "docs/api/x.py", "[x].py", "x.py",
    "tmp1.py", "tmp22.py", "tmpa.py", "A.py", "nested/n.py", "nested/in/n2.py",
]

GITIGNORES = {
    ".gitignore": "\n".join([
        "# comment", "", "/a.py", "gen/", "!src/gen/", "data/*", "!data/keep.py", "!data/raw/",
        "data/raw/*.py", "!data/raw/keep.py", "**/tests/fixtures", "logs/**", "!logs/keep/",
        "tmp?.py", "\\#hash.py", "\\!bang.py", "sp\\ .py", "trailing.py   ", "[x].py", "A.py",
        "src/**/still.py",
    ]) + "\n",
    "docs/.gitignore": "*.py\n!conf.py\n",
    "src/pkg/.gitignore": "/gen.py\ntests/\n!tests/\n",
    "nested/.gitignore": "in\n",
}


def build_tree(repo: Path) -> None:
    make(repo, *TREE)
    for name, text in GITIGNORES.items():
        (repo / name).write_text(text)
    (repo / ".git" / "info").mkdir(parents=True, exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("main.py\n!b.py\n")


@needs_git
def test_gitignore_discovery_matches_git(tmp_path):
    repo = tmp_path / "repo"
    init_repo(repo)
    build_tree(repo)
    expected = git_kept(repo)
    assert "keep.py" in expected and "a.py" not in expected and "main.py" not in expected  # the tree means something
    assert sorted(found(repo, exclude=())) == expected


@needs_git
def test_gitignore_from_a_subfolder_walk_uses_the_rules_above_it(tmp_path):
    repo = tmp_path / "repo"
    init_repo(repo)
    build_tree(repo)
    expected = sorted(p[len("src/"):] for p in git_kept(repo) if p.startswith("src/"))
    old = os.getcwd()
    os.chdir(repo / "src")
    try:
        got = discover(["."], Settings(root=str(repo), exclude=())).files
    finally:
        os.chdir(old)
    assert sorted(Path(p).as_posix() for p in got) == expected


@needs_git
def test_respect_gitignore_false_finds_ignored_files(tmp_path):
    repo = tmp_path / "repo"
    init_repo(repo)
    make(repo, "a.py", "gen/b.py")
    (repo / ".gitignore").write_text("gen/\n")
    assert found(repo) == ["a.py"]
    assert found(repo, respect_gitignore=False) == ["a.py", "gen/b.py"]


def test_gitignore_outside_a_repository_applies_from_the_config_root(tmp_path):
    make(tmp_path, "a.py", "gen/b.py", "src/c.py", "src/gen/d.py")
    (tmp_path / ".gitignore").write_text("gen/\n")
    assert found(tmp_path) == ["a.py", "src/c.py"]
    assert found(tmp_path, ["src"]) == ["src/c.py"]


@needs_git
def test_a_nested_repository_has_its_own_rules(tmp_path):
    repo = tmp_path / "repo"
    init_repo(repo)
    init_repo(repo / "vendor" / "lib")
    make(repo, "a.py", "vendor/lib/gen.py", "vendor/lib/ok.py")
    (repo / ".gitignore").write_text("gen.py\n")
    (repo / "vendor" / "lib" / ".gitignore").write_text("ok.py\n")
    assert found(repo) == ["a.py", "vendor/lib/gen.py"]


# -- .gitignore: random patterns against git check-ignore ---------------------------------------

NAMES = ["a", "b", "ab", "a.py", "b.py", "ab.py", "x.py"]
TOKENS = ["a", "b", "*", "?", "**", "[ab]", "[!a]", ".py", "x", "a**", "**b", "[a-b]", "\\a", "[^b]", "***"]


def random_pattern(rng: random.Random) -> str:
    parts = ["".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 2))) for _ in range(rng.randint(1, 3))]
    pattern = "/".join(parts)
    if rng.random() < 0.25:
        pattern = "/" + pattern
    if rng.random() < 0.2:
        pattern += "/"
    if rng.random() < 0.25:
        pattern = "!" + pattern
    return pattern


def random_tree(rng: random.Random) -> List[str]:
    paths = set()
    for _ in range(rng.randint(4, 14)):
        depth = rng.randint(0, 2)
        folders = [rng.choice(["a", "b", "ab", "x"]) for _ in range(depth)]
        paths.add("/".join(folders + [rng.choice([n for n in NAMES if n.endswith(".py")])]))
    return sorted(paths)


@needs_git
@pytest.mark.parametrize("seed", range(60))
def test_random_gitignores_agree_with_git(tmp_path, seed):
    rng = random.Random(seed)
    repo = tmp_path / "repo"
    init_repo(repo)
    tree = random_tree(rng)
    make(repo, *tree)
    folders = sorted({"/".join(p.split("/")[:i]) for p in tree for i in range(len(p.split("/")))})
    for folder in rng.sample(folders, k=min(len(folders), rng.randint(1, 3))):
        lines = [random_pattern(rng) for _ in range(rng.randint(1, 5))]
        (repo / folder / ".gitignore").write_text("\n".join(lines) + "\n")
    expected = git_kept(repo)
    assert sorted(found(repo, exclude=())) == expected, {
        f: (repo / f / ".gitignore").read_text() for f in folders if (repo / f / ".gitignore").exists()}
