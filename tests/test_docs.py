"""The docs reglint links to exist in the repository, and the rules page is the generated one.

Every reference reglint can print — the rules' docs (`reglint rule`), `reglint rules
--output-format json`, `reglint convert` output and help, JSON `url` and SARIF
`helpUri` — must name a file of this repository and an anchor of that file, as
GitHub renders it. Regenerate docs/rules.md with `python -m reglint.docs`.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reglint import convert, docs
from reglint.rule import DOCS_URL, all_rules

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "https://github.com/reglint/reglint"
BLOB = re.compile(re.escape(REPOSITORY) + r"/blob/main/([\w./-]*\w)(?:#([\w-]*\w))?")
LOCAL = re.compile(r"(?<![\w/])(docs/[\w-]+\.md)(?:#([\w-]*\w))?")
HEADING = re.compile(r"^#{1,6} +(.+?) *#*$", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def github_anchors(markdown: str) -> set:
    """The anchors GitHub gives a Markdown file's headings (duplicates get -1, -2, …)."""
    seen: dict = {}
    anchors = set()
    for heading in HEADING.findall(FENCE.sub("", markdown)):
        text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading)
        slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        anchors.add(slug if count == 0 else f"{slug}-{count}")
    return anchors


def references(text: str) -> list:
    """(path in the repository, anchor or None) for each doc reference in `text`."""
    return BLOB.findall(text) + LOCAL.findall(text)


def assert_resolves(text: str, where: str) -> int:
    assert "SEMANTICS.md" not in text, f"{where} cites SEMANTICS.md, which is not in the repository"
    found = references(text)
    for path, anchor in found:
        target = ROOT / path
        assert target.is_file(), f"{where} points at {path}, which is not in the repository"
        if anchor:
            assert anchor in github_anchors(target.read_text(encoding="utf-8")), f"{where}: {path} has no #{anchor}"
    return len(found)


def run(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "reglint", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def test_rules_page_is_generated():
    page = ROOT / docs.RULES_PAGE
    assert page.is_file(), "docs/rules.md is missing: run `python -m reglint.docs`"
    assert page.read_text(encoding="utf-8") == docs.generated(), "docs/rules.md is stale: run `python -m reglint.docs`"


def test_rules_page_has_one_section_per_rule_at_its_url_anchor():
    anchors = github_anchors((ROOT / docs.RULES_PAGE).read_text(encoding="utf-8"))
    for rule in all_rules().values():
        assert rule.url == f"{REPOSITORY}/blob/main/docs/rules.md#{rule.code.lower()}"
        assert rule.code.lower() in anchors


def test_docs_check_mode_reports_a_stale_page(tmp_path):
    stale = tmp_path / "rules.md"
    stale.write_text("# old\n", encoding="utf-8")
    assert docs.main(["--check", str(stale)]) == 1
    assert docs.main([str(stale)]) == 0
    assert docs.main(["--check", str(stale)]) == 0


def test_anchor_slugs_follow_github():
    assert github_anchors("# reglint rules\n## RL001\n### Why is this bad?\n### Why is this bad?\n## TF1 regularizers and collections\n") == {
        "reglint-rules", "rl001", "why-is-this-bad", "why-is-this-bad-1", "tf1-regularizers-and-collections"}
    assert references("see docs/semantics.md#caffe and https://github.com/reglint/reglint/blob/main/docs/rules.md#rl002.") == [
        ("docs/rules.md", "rl002"), ("docs/semantics.md", "caffe")]


def test_rule_docs_references_resolve():
    count = 0
    for rule in all_rules().values():
        count += assert_resolves(rule.docs, f"rule {rule.code}'s docs")
        count += assert_resolves(run("rule", rule.code), f"`reglint rule {rule.code}`")
    assert count >= 8  # every rule with framework semantics cites docs/semantics.md
    assert assert_resolves(run("rules", "--output-format", "json"), "`reglint rules --output-format json`") > len(all_rules())


def test_convert_references_resolve():
    count = assert_resolves(convert.parser().format_help(), "`reglint convert --help`")
    for source, target in itertools.product(convert.CONVENTIONS.values(), repeat=2):
        conversion = convert.convert(5e-4, source, target, 0.1)
        where = f"`reglint convert 5e-4 --from {source.name} --to {target.name}`"
        count += assert_resolves(convert.to_text(conversion), where)
        count += assert_resolves(json.dumps(convert.to_json(conversion), ensure_ascii=False), where + " (json)")
    assert count > len(convert.CONVENTIONS) ** 2


@pytest.mark.parametrize("fmt, key", [("json", "url"), ("sarif", "helpUri")])
def test_report_urls_resolve(fmt, key):
    output = run("check", "--no-cache", "--output-format", fmt, "examples")
    urls = re.findall(rf'"{key}": "([^"]+)"', output)
    assert urls, f"no {key} in the {fmt} output of the examples"
    for url in urls:
        assert url.startswith(DOCS_URL.split("{")[0]), url
        assert assert_resolves(url, f"{fmt} {key}") == 1
