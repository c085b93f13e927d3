"""README.md stays true: its rule table is the generated one, and CI runs its test command.

Run this file as a script (`python tests/test_readme.py`) to regenerate the rule table.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from _cli import reglint

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CI_RUN = ROOT / ".ci" / "run"
START, END = "<!-- rules:start -->", "<!-- rules:end -->"
BLOCK = re.compile(re.escape(START) + r"\n(.*?)" + re.escape(END), re.DOTALL)


def generated_table() -> str:
    result = reglint("rules", "--output-format", "markdown", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


def first_section(text: str) -> str:
    """Everything before the first `## ` heading: the title and the quick start."""
    return re.split(r"^## ", text, maxsplit=1, flags=re.MULTILINE)[0]


def quick_start_commands(text: str) -> list:
    return [block.strip() for block in re.findall(r"^```sh\n(.*?)^```", first_section(text), re.DOTALL | re.MULTILINE)]


def readme_test_command(text: str) -> str:
    """The last step of the second quick-start command: what runs the tests."""
    return quick_start_commands(text)[1].split("&&")[-1].strip()


def test_readme_rule_table_is_generated():
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    assert len(blocks) == 1, f"README.md needs exactly one {START} ... {END} block"
    assert blocks[0] == generated_table(), "README rule table is stale: run `python tests/test_readme.py`"


def test_readme_starts_with_exactly_two_one_line_commands():
    commands = quick_start_commands(README.read_text(encoding="utf-8"))
    assert len(commands) == 2, commands
    assert all("\n" not in command for command in commands), commands
    install_and_run, install_and_test = commands
    assert "pip install" in install_and_run and install_and_run.endswith("reglint examples/")
    assert "pip install" in install_and_test and ".[test]" in install_and_test
    assert (ROOT / "examples").is_dir() and (ROOT / "examples" / "clean").is_dir()


def test_ci_runs_the_readme_test_command():
    command = readme_test_command(README.read_text(encoding="utf-8"))
    assert "pytest" in command, command
    script = CI_RUN.read_text(encoding="utf-8")
    lines = [line.split(" #")[0].strip() for line in script.splitlines()]
    assert command in lines, f".ci/run does not run the README's test command {command!r} as written"
    assert script.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in script
    assert "'.[test]'" in script and " -m venv " in script
    assert CI_RUN.stat().st_mode & 0o111, ".ci/run is not executable"
    subprocess.run(["bash", "-n", str(CI_RUN)], check=True)


def option_table(text: str) -> str:
    """The rows of the Usage section's option table."""
    usage = text.split("## Usage\n", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in usage.splitlines() if line.startswith("| `"))


def test_every_check_option_is_documented():
    from reglint.cli import check_parser

    table = option_table(README.read_text(encoding="utf-8"))
    options = [s for action in check_parser()._actions for s in action.option_strings if s.startswith("--") and s != "--help"]
    assert {"--force-exclude", "--no-fix", "--no-unsafe-fixes"} <= set(options)
    missing = [option for option in options if f"`{option}" not in table]
    assert not missing, f"README's option table does not document {missing}"


def test_config_help_and_readme_agree():
    from reglint.cli import CONFIG_HELP, check_parser

    (action,) = [a for a in check_parser()._actions if "--config" in a.option_strings]
    assert action.help == CONFIG_HELP
    (row,) = [line for line in option_table(README.read_text(encoding="utf-8")).splitlines() if line.startswith("| `--config")]
    assert f"| {CONFIG_HELP} |" in row, row


def test_snippets_pin_versions_that_exist():
    """A `rev:` or `git+…@REF` a user copies must name something the repository has: `main`
    (pinned by `pre-commit autoupdate`) or a tag that exists, never a tag not yet made."""
    text = README.read_text(encoding="utf-8")
    tags = set(subprocess.run(["git", "tag"], cwd=ROOT, capture_output=True, text=True).stdout.split())
    refs = re.findall(r"^\s*rev: *(\S+)", text, re.MULTILINE) + re.findall(r"git\+https://github\.com/reglint/reglint@([\w.\-/]+)", text)
    assert refs, "README has no pre-commit or pip snippet"
    assert all(ref == "main" or ref in tags for ref in refs), refs
    assert "pre-commit autoupdate --repo https://github.com/reglint/reglint" in text


def test_readme_says_the_examples_exit_1_on_purpose():
    text = README.read_text(encoding="utf-8")
    assert "exit status 1 on purpose" in first_section(text)
    assert reglint("check", "--no-cache", "--quiet", "examples/", cwd=ROOT).returncode == 1
    assert reglint("check", "--no-cache", "--quiet", "examples/clean/", cwd=ROOT).returncode == 0


def test_readme_gives_the_suite_duration_and_the_fast_route():
    text = first_section(README.read_text(encoding="utf-8"))
    assert 'python -m pytest -m "not slow"' in text
    assert re.search(r"whole suite takes about \d+(–\d+)? minutes", text), "give the suite's duration"
    assert "slow:" in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def update() -> None:
    text = README.read_text(encoding="utf-8")
    new = BLOCK.sub(lambda _: f"{START}\n{generated_table()}{END}", text, count=1)
    if new != text:
        README.write_text(new, encoding="utf-8")
        print("README.md: rule table regenerated")
    else:
        print("README.md: rule table already up to date")


if __name__ == "__main__":
    update()
