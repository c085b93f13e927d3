"""In-process measurements that bench/run.py starts as child processes.

    python bench/floors.py read      --list FILES   # read every file's bytes
    python bench/floors.py ast       --list FILES   # ast.parse of every file
    python bench/floors.py libcst    --list FILES   # libcst.parse_module of every file
    python bench/floors.py prefilter --list FILES --root DIR [--check] [--all]
    python bench/floors.py prefilter --discover PATH... --root DIR [--check] [--all]

FILES holds one path a line. Each mode prints one JSON object on stdout:
`files`, `seconds` (the loop, import excluded), `import_seconds`, and the files
that failed (`failure_count`, the first `failures` as [path, one-line error]).

`prefilter` builds reglint's Plan for the settings of DIR (as `reglint check DIR`
would) and counts the files whose bytes `plan.trigger` lets through; with
`--check` it also runs reglint's per-file pipeline on those files in this
process, catching any exception, so a crash is named with its file (with `--all`
on every file, the prefilter bypassed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections import Counter
from typing import Callable, List, Optional, Sequence, Tuple

MAX_LISTED_FAILURES = 50


def read_list(path: str) -> List[str]:
    with open(path, encoding="utf-8") as handle:
        return [line.rstrip("\n") for line in handle if line.strip()]


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def loop(files: Sequence[str], work: Callable[[bytes], object]) -> Tuple[float, int, List[Tuple[str, str]]]:
    """Seconds, total bytes and failures of `work` over every file's bytes."""
    failures: List[Tuple[str, str]] = []
    size = 0
    start = time.perf_counter()
    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        size += len(data)
        try:
            work(data)
        except Exception as error:  # a floor measures, it never stops on a bad file
            failures.append((path, one_line(error)))
    return time.perf_counter() - start, size, failures


def floor(kind: str, files: Sequence[str]) -> dict:
    start = time.perf_counter()
    if kind == "read":
        work = len
    elif kind == "ast":
        import ast

        work = ast.parse
    elif kind == "libcst":
        import libcst

        work = libcst.parse_module
    else:
        raise ValueError(kind)
    imported = time.perf_counter() - start
    seconds, size, failures = loop(files, work)
    return _result(kind, files, seconds, imported, failures, bytes=size)


def prefilter(files: Sequence[str], root: str, check: bool, everything: bool) -> dict:
    start = time.perf_counter()
    from reglint.config import load_settings
    from reglint.engine import Plan

    settings = load_settings(None, [root])
    plan = Plan.build(settings)
    imported = time.perf_counter() - start
    words = sorted({w.decode("latin-1") for rule in plan.rules for w in rule_words(rule)})
    lets_through = prefilter_of(plan)
    by_rule = {rule.code: 0 for rule in plan.rules}
    checker = Checker(plan, everything) if check else None
    passed = 0
    seconds = 0.0
    for path in files:
        with open(path, "rb") as handle:
            data = handle.read()
        scan = time.perf_counter()
        hit = lets_through(path, data)
        seconds += time.perf_counter() - scan
        passed += hit
        lowered = data.lower()
        for rule in plan.rules:
            if rule_lets_through(rule, data, lowered):
                by_rule[rule.code] += 1
        if checker and (hit or everything):
            checker.check(path, data)
    result = _result("prefilter", files, seconds, imported, [], passed=passed, passed_by_rule=by_rule,
                     rules=[rule.code for rule in plan.rules], trigger_words=words,
                     config_file=settings.config_file)
    if checker:
        result["check"] = checker.summary()
    return result


def rule_words(rule):
    """A rule's words (grouped `words`, or the older flat `triggers`), flat."""
    if hasattr(rule, "all_words"):  # code `words` and `prose_words`
        return list(rule.all_words)
    if hasattr(rule, "words"):
        return [word for group in rule.words for word in group]
    return list(getattr(rule, "triggers", ()))


def rule_lets_through(rule, data: bytes, lowered: bytes) -> bool:
    """Whether one rule's bytes test passes, whichever API the Rule has."""
    if hasattr(rule, "prose_words"):  # its code words looked for in the whole file: an upper bound
        return bool(rule.words or rule.prose_words) and rule.may_flag(lambda word: word in lowered)
    if hasattr(rule, "words"):
        return bool(rule.words) and rule.may_flag(lambda word: word in lowered)
    return hasattr(rule, "may_flag") and rule.may_flag(data)


def prefilter_of(plan) -> Callable[[str, bytes], bool]:
    """reglint's bytes prefilter as `(path, data) -> lets the file through`, whichever API the Plan has."""
    if hasattr(plan, "may_flag"):
        return lambda path, data: bool(plan.may_flag(data, plan.rules_for(path)))
    if hasattr(plan, "trigger"):
        return lambda path, data: plan.trigger.search(data) is not None
    raise RuntimeError("reglint's Plan has neither may_flag nor trigger: update bench/floors.py")


def bypassed(plan):
    """A copy of `plan` whose prefilter lets every file through."""
    import re
    from dataclasses import replace

    if hasattr(plan, "may_flag"):
        copy = replace(plan)
        object.__setattr__(copy, "may_flag", lambda data, rules: True)
        return copy
    return replace(plan, trigger=re.compile(b""))


class Checker:
    """Runs reglint's per-file pipeline file by file, naming every file that raises."""

    def __init__(self, plan, everything: bool):
        from reglint.runner import check_bytes

        self.plan = bypassed(plan) if everything else plan
        self.everything = everything
        self.check_bytes = check_bytes
        self.files = 0
        self.seconds = 0.0
        self.codes: Counter = Counter()
        self.crashes: List[Tuple[str, str]] = []
        self.parse_errors: List[Tuple[str, str]] = []

    def check(self, path: str, data: bytes) -> None:
        self.files += 1
        start = time.perf_counter()
        try:
            result = self.check_bytes(path, data, self.plan)
        except Exception as error:  # every crash is a finding here
            frames = traceback.extract_tb(error.__traceback__)
            where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
            self.crashes.append((path, one_line(error) + where))
            return
        finally:
            self.seconds += time.perf_counter() - start
        for diagnostic in result.diagnostics:
            self.codes[diagnostic.code] += 1
            if diagnostic.code == "RL000":
                self.parse_errors.append((path, f"{diagnostic.start.line}:{diagnostic.start.column} {diagnostic.message}"))

    def summary(self) -> dict:
        return {
            "files": self.files,
            "prefilter_bypassed": self.everything,
            "seconds": self.seconds,
            "diagnostics_by_code": dict(sorted(self.codes.items())),
            "crash_count": len(self.crashes),
            "crashes": self.crashes[:MAX_LISTED_FAILURES],
            "parse_error_count": len(self.parse_errors),
            "parse_errors": self.parse_errors[:MAX_LISTED_FAILURES],
        }


def _result(kind, files, seconds, imported, failures, **extra) -> dict:
    return {
        "kind": kind,
        "files": len(files),
        "seconds": seconds,
        "import_seconds": imported,
        "failure_count": len(failures),
        "failures": failures[:MAX_LISTED_FAILURES],
        **extra,
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="benchmark floors (started by bench/run.py)")
    parser.add_argument("kind", choices=("read", "ast", "libcst", "prefilter"))
    parser.add_argument("--list", help="file with one path a line")
    parser.add_argument("--discover", nargs="+", metavar="PATH",
                        help="prefilter: the files reglint's own discovery finds under PATH (instead of --list)")
    parser.add_argument("--root", default=".", help="prefilter: the folder whose reglint settings apply")
    parser.add_argument("--check", action="store_true", help="prefilter: also run reglint on the files let through")
    parser.add_argument("--all", action="store_true", help="prefilter --check: run reglint on every file")
    options = parser.parse_args(argv)
    if options.discover:
        from reglint.config import load_settings
        from reglint.files import discover

        files = discover(options.discover, load_settings(None, options.discover)).files
    elif options.list:
        files = read_list(options.list)
    else:
        parser.error("give --list or --discover")
    if options.kind == "prefilter":
        result = prefilter(files, options.root, options.check, options.all)
    else:
        result = floor(options.kind, files)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
