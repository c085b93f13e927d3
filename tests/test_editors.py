"""The README's editor and CI setups, tested against what reglint really prints.

Each editor pattern is read out of README.md as documented — VS Code's problem-matcher
regexp, nvim-lint's and Vim's `errorformat`, Emacs's `compilation-error-regexp-alist`
entry — turned into a Python regex (errorformat and Emacs regexps by a small faithful
translator) and run on real `concise` output of the examples: every diagnostic line of a
`.py` file must parse, and give the file, line, column and code that `--output-format
json` gives for it. Notebook lines (`nb.ipynb:cell 3:2:5: …`) must not parse as some
other position. Every `reglint check …` command in the README must be accepted by the
real argument parser, and the YAML and TOML snippets must parse.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from reglint import cli

import _cli

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLES = ["examples/keras_caffe_port.py", "examples/optax_chain.py", "examples/tf1_estimator.py",
            "examples/torch_adam_weight_decay.py"]


def blocks(language: str) -> list:
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.DOTALL | re.MULTILINE)


def section(title: str) -> str:
    return re.split(r"^## ", README.split(f"## {title}\n", 1)[1], maxsplit=1, flags=re.MULTILINE)[0]


def reglint(*args: str, stdin: bytes = b"", cwd: Path = ROOT) -> str:
    result = _cli.reglint(*args, cwd=cwd, stdin=stdin)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


# -- translators: the editors' pattern languages into Python regexes ---------------------------

# Vim's 'isfname' on Unix: letters and digits, and / . - _ + , # $ % ~ = (no colon, no space)
VIM_FILE_CHARS = r"[\w/.\-+,#$%~=]+"


def vim_option_value(text: str) -> str:
    """`:set option=value` escaping: `\\ ` is a space, `\\\\` a backslash."""
    return re.sub(r"\\(.)", r"\1", text)


def errorformat_to_regex(efm: str) -> "re.Pattern[str]":
    """One errorformat entry (the %-items reglint's setups use) as an anchored regex."""
    out = ["^"]
    index = 0
    while index < len(efm):
        char = efm[index]
        if char == "%":
            item = efm[index + 1]
            out.append({
                "f": f"(?P<file>{VIM_FILE_CHARS})",
                "l": r"(?P<line>\d+)",
                "c": r"(?P<col>\d+)",
                "m": r"(?P<message>.+)",
                "%": "%",
            }[item])
            index += 2
            continue
        out.append(re.escape(char))
        index += 1
    return re.compile("".join(out) + "$")


def elisp_string(literal: str) -> str:
    """The value of an Emacs Lisp string literal (without its quotes)."""
    escapes = {"n": "\n", "t": "\t", "\\": "\\", '"': '"'}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), literal)


def emacs_regex_to_python(pattern: str) -> "re.Pattern[str]":
    """Emacs regexp syntax: `\\(` `\\)` `\\|` group and alternate; bare ( ) | { } are literal."""
    out = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            following = pattern[index + 1]
            out.append({"(": "(", ")": ")", "|": "|", "{": "{", "}": "}"}.get(following, "\\" + following))
            index += 2
            continue
        out.append("\\" + char if char in "(){}|" else char)
        index += 1
    return re.compile("".join(out))


# -- the patterns, read out of the README ---------------------------------------------------------

def vscode_task() -> dict:
    (task_file,) = [b for b in blocks("json") if '"problemMatcher"' in b]
    (task,) = json.loads(task_file)["tasks"]
    return task


def nvim_lint_errorformat() -> str:
    (config,) = [b for b in blocks("lua") if "from_errorformat" in b]
    return re.search(r'from_errorformat\("((?:[^"\\]|\\.)*)"', config).group(1)


def vim_settings() -> dict:
    (config,) = blocks("vim")
    return {m.group(1): m.group(2) for m in re.finditer(r"^setlocal (\w+)=(.*)$", config, re.MULTILINE)}


def emacs_compile_regex() -> "re.Pattern[str]":
    (config,) = [b for b in blocks("elisp") if "compilation-error-regexp-alist-alist" in b]
    literal = re.search(r"'\(reglint \"((?:[^\"\\]|\\.)*)\" 1 2 3", config).group(1)
    return emacs_regex_to_python(elisp_string(literal))


def patterns():
    vscode = vscode_task()["problemMatcher"]["pattern"]
    yield "vscode", re.compile(vscode["regexp"]), {"file": vscode["file"], "line": vscode["line"],
                                                    "col": vscode["column"], "code": vscode["code"]}
    yield "nvim-lint", errorformat_to_regex(nvim_lint_errorformat()), {"file": "file", "line": "line", "col": "col"}
    yield "vim", errorformat_to_regex(vim_option_value(vim_settings()["errorformat"])), {
        "file": "file", "line": "line", "col": "col"}
    yield "emacs", emacs_compile_regex(), {"file": 1, "line": 2, "col": 3, "code": 4}


PATTERNS = list(patterns())


# -- real output -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_output():
    """(concise lines, json objects) of the examples, each a diagnostic."""
    concise = reglint("check", "--output-format", "concise", "--quiet", "--unsafe-fixes", "--no-cache", *EXAMPLES)
    objects = json.loads(reglint("check", "--output-format", "json", "--no-cache", *EXAMPLES))
    lines = concise.splitlines()
    assert len(lines) == len(objects) >= 5
    return lines, objects


@pytest.mark.parametrize("name, regex, groups", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_pattern_parses_every_concise_line(name, regex, groups, real_output):
    lines, objects = real_output
    for line, expected in zip(lines, objects):
        match = regex.search(line)
        assert match, f"{name} does not match {line!r}"
        assert match.group(groups["file"]) == expected["filename"]
        assert (ROOT / match.group(groups["file"])).is_file()
        assert int(match.group(groups["line"])) == expected["location"]["row"]
        assert int(match.group(groups["col"])) == expected["location"]["column"]
        if "code" in groups:
            assert match.group(groups["code"]) == expected["code"]


@pytest.mark.parametrize("name, regex, groups", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_pattern_parses_stdin_and_full_output_headers(name, regex, groups):
    source = (ROOT / "examples" / "torch_adam_weight_decay.py").read_bytes()
    buffer = "src/my_train.py"
    out = reglint("check", "--output-format", "concise", "--quiet", "--stdin-filename", buffer, "-", stdin=source)
    (line,) = out.splitlines()
    match = regex.search(line)
    assert match and match.group(groups["file"]) == buffer
    # `full` starts each diagnostic with the concise line, so the matchers read it too
    full = reglint("check", "--output-format", "full", "--quiet", "--no-cache", *EXAMPLES)
    headers = [l for l in full.splitlines() if re.match(r"^examples/\S+:\d+:\d+: RL\d{3} ", l)]
    assert len(headers) == len(json.loads(reglint("check", "--output-format", "json", "--no-cache", *EXAMPLES)))
    assert all(regex.search(header) for header in headers), name


@pytest.mark.parametrize("name, regex, groups", PATTERNS, ids=[p[0] for p in PATTERNS])
def test_pattern_does_not_misread_notebook_lines(name, regex, groups, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\n")
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell("import torch\nmodel = torch.nn.Linear(4, 2)"),
                  nbformat.v4.new_code_cell("opt = torch.optim.Adam(model.parameters(), weight_decay=1e-4)")]
    nbformat.write(book, str(tmp_path / "nb.ipynb"))
    (line,) = reglint("check", "--output-format", "concise", "--quiet", "nb.ipynb", cwd=tmp_path).splitlines()
    assert line.startswith("nb.ipynb:cell 2:1:")
    assert regex.search(line) is None, f"{name} would put {line!r} at a line of the JSON file"


def test_the_translators_are_faithful_on_known_cases():
    efm = errorformat_to_regex(vim_option_value(r"%f:%l:%c:\ %m"))
    assert efm.pattern.startswith("^(?P<file>") and efm.search("a/b.py:3:4: msg").group("message") == "msg"
    assert efm.search("a b.py:3:4: msg") is None  # a space is not a file-name character for Vim
    emacs = emacs_regex_to_python(elisp_string(r"^\\([^:\n]+\\):\\([0-9]+\\)"))
    assert emacs.pattern == r"^([^:" + "\n" + r"]+):([0-9]+)"
    assert emacs_regex_to_python(r"a(b)\|c").pattern == r"a\(b\)|c"


# -- commands and snippets ---------------------------------------------------------------------------

def _reglint_commands():
    """Every `reglint check …` command line in the README's code blocks and settings."""
    texts = [b for lang in ("sh", "yaml", "json", "vim", "lua", "elisp", "text") for b in blocks(lang)]
    texts.append(vim_option_value(vim_settings()["makeprg"]))
    texts.append(vscode_task()["command"])
    commands = []
    for text in texts:
        for line in text.splitlines():
            match = re.search(r"\breglint check\b([^\"'`]*)", line)
            if not match or "compile" in line:
                continue
            words = shlex.split(match.group(1).split("#")[0])
            # shell redirections are not reglint's arguments
            args = []
            skip = False
            for word in words:
                if skip:
                    skip = False
                    continue
                if word in (">", "<", ">>"):
                    skip = True
                    continue
                args.append(word)
            commands.append(args)
    return commands


def test_every_documented_check_command_is_accepted():
    commands = _reglint_commands()
    assert len(commands) >= 12
    parser = cli.check_parser()
    for args in commands:
        options = parser.parse_args(args)
        assert options.output_format in (None, "full", "concise", "json", "json-lines", "sarif", "github")


def test_ci_snippets_are_valid_yaml_and_upload_sarif():
    workflow, gitlab = [yaml.safe_load(b) for b in blocks("yaml") if "reglint check" in b and "pre-commit" not in b][:2]
    steps = workflow["jobs"]["reglint"]["steps"]
    runs = [step.get("run", "") for step in steps]
    assert any("--output-format github" in run for run in runs)
    sarif_step = next(run for run in runs if "--output-format sarif" in run)
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert upload["with"]["sarif_file"] in sarif_step
    assert workflow["permissions"]["security-events"] == "write"
    script = gitlab["reglint"]["script"]
    assert any("--output-format sarif" in line for line in script) and any("--statistics" in line for line in script)
    assert gitlab["reglint"]["artifacts"]["when"] == "always"


def test_language_server_snippets():
    (helix,) = [b for b in blocks("toml") if "language-server.reglint" in b]
    config = tomllib.loads(helix)
    assert [config["language-server"]["reglint"]["command"], *config["language-server"]["reglint"]["args"]] == ["reglint", "server"]
    (neovim,) = [b for b in blocks("lua") if "vim.lsp.config" in b]
    assert 'cmd = { "reglint", "server" }' in neovim
    assert any('("reglint" "server")' in b for b in blocks("elisp"))
    assert "pip install\n'reglint[lsp]'" in README or "pip install 'reglint[lsp]'" in README


def test_readme_documents_the_notebook_line_format():
    notebooks = section("Notebooks")
    (example,) = blocks("text")
    assert re.match(r"^train\.ipynb:cell 3:2:53: RL002 ", example)
    assert "extend-exclude = [\"*.ipynb\"]" in notebooks


# -- Neovim: the README's language-server snippets, run by a real Neovim -----------------------

NVIM_PROBE = """\
local found = vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 100)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(lines, string.format("%d:%d:%s", d.lnum + 1, d.col + 1, d.message))
end
if not found then table.insert(lines, "no diagnostics") end
vim.fn.writefile(lines, "diagnostics.txt")
vim.cmd("qa!")
"""


def nvim_version():
    """Neovim's (major, minor, patch), or None when `nvim` is not installed."""
    import shutil

    executable = shutil.which("nvim")
    if executable is None:
        return None
    first = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    return tuple(int(part) for part in re.search(r"v(\d+)\.(\d+)\.(\d+)", first).groups())


@pytest.mark.parametrize("marker, supported", [
    ("vim.lsp.config", ((0, 11, 0), None)),
    ("vim.lsp.start_client", ((0, 7, 0), (0, 11, 0))),
])
def test_neovim_snippet_shows_the_diagnostics(marker, supported, tmp_path):
    """The snippet in init.lua, a Python file opened: Neovim shows reglint's diagnostic."""
    import os

    lowest, beyond = supported
    version = nvim_version()
    if version is None:
        pytest.skip("Neovim is not installed (no `nvim` on PATH); `apt install neovim` gives 0.7")
    shown = ".".join(map(str, version))
    if version < lowest or (beyond and version >= beyond):
        pytest.skip(f"this snippet is for Neovim {'.'.join(map(str, lowest))}"
                    f"{' to before ' + '.'.join(map(str, beyond)) if beyond else ' and later'}; found {shown}")
    (snippet,) = [b for b in blocks("lua") if marker in b]
    (tmp_path / "init.lua").write_text(snippet)
    (tmp_path / "probe.lua").write_text(NVIM_PROBE)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.reglint]\n")
    (project / "train.py").write_text(
        "import torch\n\nmodel = torch.nn.Linear(4, 2)\nopt = torch.optim.Adam(model.parameters(), weight_decay=1e-4)\n")
    (expected,) = json.loads(reglint("check", "--no-cache", "--output-format", "json", "train.py", cwd=project))
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               XDG_CONFIG_HOME=str(tmp_path / "config"), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_STATE_HOME=str(tmp_path / "state"))
    subprocess.run(["nvim", "--headless", "-i", "NONE", "-n", "-u", str(tmp_path / "init.lua"), "train.py",
                    "-c", f"luafile {tmp_path / 'probe.lua'}"], cwd=project, env=env, timeout=90,
                   stdin=subprocess.DEVNULL, capture_output=True)
    lines = (project / "diagnostics.txt").read_text().splitlines()
    location = f"{expected['location']['row']}:{expected['location']['column']}:"
    assert [line for line in lines if line.startswith(location)], (lines, expected)
    assert any(expected["message"].split(":")[0] in line for line in lines), (lines, expected["message"])
