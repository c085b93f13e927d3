"""Benchmark reglint against ruff, Fixit and the parsing floors on the corpus.

    python bench/run.py                 # the full benchmark (build the corpus first: bench/corpus.py)
    python bench/run.py --quick         # a fast smoke run on a small part of the corpus
    python bench/run.py --repeat 5 --libcst-floor-whole

Every measurement runs as a child process, side by side in one run: each round
runs every measurement once, and every other round runs them in reverse order,
so drift (thermal, page cache, other load) hits all tools alike. The table shows
medians over the rounds. Results also go to bench/.work/results-<timestamp>.json.
See bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402  (bench/corpus.py)

REPO = corpus.BENCH.parent
WORK = corpus.WORK
LOGS = WORK / "logs"
LISTS = WORK / "lists"
CACHE_DIR = WORK / "reglint-cache"
FLOORS = corpus.BENCH / "floors.py"
REFERENCE_FILE = Path("optax/optax/_src/alias.py")  # 2,769 lines: the issue's one-file reference

# DESIGN §4 targets
COLD_VS_RUFF_MAX = 2.0
FIXIT_VS_REGLINT_MIN = 20.0
ONE_FILE_MAX_SECONDS = 0.150
WARM_VS_RUFF_MAX = 0.5

DIAGNOSTIC_LINE = re.compile(r"^.+?:\d+:\d+: ([A-Za-z]+[0-9]*)", re.MULTILINE)
FIXIT_LINE = re.compile(r"^.+?@\d+:\d+ (\w+):", re.MULTILINE)
FIXIT_FILES = re.compile(r"(\d+) files? checked")


# -- running one command -------------------------------------------------------------

@dataclass
class Sample:
    wall: float  # seconds, start-up included
    rss_kib: int  # peak RSS of the largest process of the command's tree
    rc: int
    inner: Optional[float] = None  # a floor's own loop time, import and start-up excluded


# GNU time reports the peak RSS of the command alone. Without it, wait4 does, but a
# child started from this process inherits this process's own peak RSS at exec
# (Linux keeps the high-water mark of the replaced address space), so the numbers
# then have this process's size as their floor.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def child_env() -> Dict[str, str]:
    env = dict(os.environ)
    env["NO_COLOR"] = "1"
    env.pop("FORCE_COLOR", None)
    env.pop("CLICOLOR_FORCE", None)
    # as users run it: with bytecode caches (a shell that sets this makes every reglint
    # start compile its ~35 modules again, +60 ms a run)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(cmd: Sequence[str], out: Path, err: Path, cwd: Path = REPO) -> Sample:
    """Wall time, peak RSS and exit code of one run; its output goes to files."""
    rss_file = Path(f"{out}.rss")
    prefix = [GNU_TIME, "-f", "%M", "-o", str(rss_file)] if GNU_TIME else []
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(prefix + list(cmd), cwd=cwd, stdout=stdout, stderr=stderr, env=child_env())
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss
    if GNU_TIME:
        numbers = re.findall(r"^\d+$", rss_file.read_text(), re.MULTILINE) if rss_file.exists() else []
        rss = int(numbers[-1]) if numbers else 0
    return Sample(wall, rss, process.returncode)


# -- what each tool's output says --------------------------------------------------

# Outputs are read line by line: ruff --select ALL prints ~100 MB on the corpus, and
# this process stays small.

def lines(path: Path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        yield from handle


def count_codes(paths: Sequence[Path], pattern: "re.Pattern[str]" = DIAGNOSTIC_LINE) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for path in paths:
        for line in lines(path):
            found = pattern.match(line)
            if found:
                counts[found.group(1)] = counts.get(found.group(1), 0) + 1
    return dict(sorted(counts.items()))


def matching(path: Path, keep: Callable[[str], bool], limit: int = 20) -> List[str]:
    found = []
    for line in lines(path):
        if keep(line) and len(found) < limit:
            found.append(line.rstrip("\n"))
    return found


def parse_lint(out: Path, err: Path) -> dict:
    codes = count_codes([out])
    info = {"diagnostics": sum(codes.values()), "by_code": codes}
    problems = matching(err, lambda line: "error" in line.lower() and "SyntaxError" not in line)
    if problems:
        info["stderr"] = problems
    return info


def parse_fixit(out: Path, err: Path) -> dict:
    codes = count_codes([out, err], FIXIT_LINE)
    files = [int(m.group(1)) for path in (out, err) for line in lines(path) for m in [FIXIT_FILES.search(line)] if m]
    info = {"diagnostics": sum(codes.values()), "by_code": codes, "files_checked": files[-1] if files else None}
    crashed = matching(out, lambda line: "Traceback" in line) + matching(err, lambda line: "Traceback" in line)
    if crashed:
        info["stderr"] = crashed
    return info


def parse_floor(out: Path, err: Path) -> dict:
    try:
        return json.loads(out.read_text(errors="replace").strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": err.read_text(errors="replace").strip().splitlines()[-5:]}


# -- measurements --------------------------------------------------------------------

@dataclass
class Task:
    key: str
    label: str
    cmd: List[str]
    files: int
    parse: Callable[[Path, Path], dict] = parse_lint
    ok: Tuple[int, ...] = (0,)
    inner: int = 1  # back-to-back runs per round (short runs need more samples)
    rounds: Optional[int] = None  # at most this many rounds (the slowest floors)
    display: str = ""  # the command as shown (long file lists abbreviated)
    samples: List[Sample] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    def run(self) -> Sample:
        out, err = log_paths(self.key)
        sample = measure(self.cmd, out, err)
        self.info = self.parse(out, err)
        sample.inner = self.info.get("seconds") if self.parse is parse_floor else None
        if sample.rc not in self.ok:
            tail = err.read_text(errors="replace").strip().splitlines()[-3:]
            self.info.setdefault("failed_runs", []).append({"rc": sample.rc, "stderr_tail": tail})
        self.samples.append(sample)
        return sample

    @property
    def values(self) -> List[float]:
        """Per run: a floor's own loop time, a tool's wall time."""
        return [s.inner if s.inner is not None else s.wall for s in self.samples]

    @property
    def seconds(self) -> Optional[float]:
        return statistics.median(self.values) if self.samples else None

    def summary(self) -> dict:
        walls = [s.wall for s in self.samples]
        seconds = self.seconds
        return {
            "label": self.label,
            "command": self.display or " ".join(self.cmd),
            "files": self.files,
            "runs": len(self.samples),
            "seconds": seconds,
            "wall_median": statistics.median(walls) if walls else None,
            "min": min(self.values) if walls else None,
            "max": max(self.values) if walls else None,
            "inner_seconds": [s.inner for s in self.samples if s.inner is not None],
            "walls": walls,
            "files_per_second": self.files / seconds if seconds else None,
            "peak_rss_mib": max(s.rss_kib for s in self.samples) / 1024 if self.samples else None,
            "exit_codes": sorted({s.rc for s in self.samples}),
            "output": self.info,
        }


def log_paths(key: str) -> Tuple[Path, Path]:
    """Where the last run of `key` leaves its stdout and stderr (keys contain dots)."""
    return LOGS / f"{key}.out", LOGS / f"{key}.err"


def find_tool(name: str) -> Optional[str]:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def tool_version(command: Sequence[str], cwd: Path = REPO) -> str:
    try:
        done = subprocess.run(list(command), cwd=cwd, capture_output=True, text=True, env=child_env())
    except OSError as error:
        return f"unavailable ({error})"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr).strip() else "?"


def write_list(name: str, files: Sequence[Path]) -> Path:
    LISTS.mkdir(parents=True, exist_ok=True)
    path = LISTS / f"{name}.txt"
    path.write_text("".join(f"{f}\n" for f in files))
    return path


def relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


@dataclass
class Scope:
    """A named set of corpus files: the folders given to the tools, and the files in them."""

    name: str
    packages: Tuple[str, ...]
    dirs: List[str]
    files: List[Path]
    listed: Path


def make_scope(name: str, packages: Sequence[str], root: Path) -> Scope:
    files = [f for f in corpus.iter_files(root, packages)]
    dirs = [relative(d) for d in corpus.package_dirs(root, packages)]
    if tuple(packages) == tuple(corpus.PINS):
        dirs = [relative(root)]  # the whole corpus: the folder itself, as a user would run it
    return Scope(name, tuple(packages), dirs, files, write_list(name, files))


def one_file_target(root: Path, chosen: Optional[str]) -> Tuple[str, str]:
    """(path, why): the one-file case, an example training script when there is one."""
    if chosen:
        return chosen, "given with --one-file"
    examples = sorted((REPO / "examples").glob("*.py"), key=lambda p: (-p.stat().st_size, p.name))
    if examples:
        return relative(examples[0]), "the largest script in examples/"
    return relative(root / REFERENCE_FILE), "no script in examples/: the issue's 2,769-line reference file"


def reglint_supports(reglint: str, option: str) -> bool:
    done = subprocess.run([reglint, "check", "--help"], cwd=REPO, capture_output=True, text=True, env=child_env())
    return option in done.stdout


# -- the plan of one run --------------------------------------------------------------

def build_tasks(options, whole: Scope, subset: Scope, tools: Dict[str, Optional[str]], notes: List[str]) -> List[Task]:
    reglint, ruff, fixit, python = tools["reglint"], tools["ruff"], tools["fixit"], sys.executable
    tasks: List[Task] = []
    cold = [reglint, "check", "--no-cache", "--exit-zero", "-q", "--output-format", "concise"]
    warm = [reglint, "check", "--exit-zero", "-q", "--output-format", "concise"]
    if reglint_supports(reglint, "--cache-dir"):
        warm += ["--cache-dir", relative(CACHE_DIR)]
        warm_label = "reglint warm (cache)"
    else:
        warm_label = "reglint warm (NO CACHE YET: same work as cold)"
        notes.append("reglint has no --cache-dir yet: the 'warm' run is a second run without --no-cache")
    ruff_base = [ruff, "check", "--no-cache", "--exit-zero", "--isolated", "--output-format", "concise"]

    baseline = tools.get("baseline")
    for scope in (whole, subset):
        tasks.append(Task(f"reglint.cold.{scope.name}", f"reglint cold, {scope.name}", cold + scope.dirs, len(scope.files)))
        if baseline:
            tasks.append(Task(f"baseline.cold.{scope.name}", f"baseline reglint cold, {scope.name}",
                              [baseline] + cold[1:] + scope.dirs, len(scope.files)))
        tasks.append(Task(f"reglint.warm.{scope.name}", f"{warm_label}, {scope.name}", warm + scope.dirs, len(scope.files)))
        tasks.append(Task(f"ruff.default.{scope.name}", f"ruff default rules, {scope.name}", ruff_base + scope.dirs, len(scope.files)))
        tasks.append(Task(f"ruff.all.{scope.name}", f"ruff --select ALL, {scope.name}",
                          ruff_base + ["--select", "ALL"] + scope.dirs, len(scope.files)))
    if fixit and not options.skip_fixit:
        tasks.append(Task(f"fixit.{subset.name}", f"Fixit default rules, {subset.name}", [fixit, "lint"] + subset.dirs,
                          len(subset.files), parse=parse_fixit, ok=(0, 1)))
    elif not fixit:
        notes.append("FIXIT NOT FOUND: install the bench extra (pip install -e .[bench]); Fixit not measured")

    target, why = one_file_target(options.corpus, options.one_file)
    reference = relative(options.corpus / REFERENCE_FILE)
    singles = [(target, "target", why)] + ([(reference, "reference", "2,769 lines")] if reference != target else [])
    for path, name, why in singles:
        notes.append(f"one file, {name}: {path} ({why})")
        tasks.append(Task(f"reglint.one.{name}", f"reglint check, one file ({name})", [reglint, "check", path], 1,
                          ok=(0, 1), inner=options.one_file_runs))
        tasks.append(Task(f"reglint.one-nocache.{name}", f"reglint check --no-cache, one file ({name})",
                          [reglint, "check", "--no-cache", path], 1, ok=(0, 1), inner=options.one_file_runs))
        tasks.append(Task(f"ruff.one.{name}", f"ruff default rules, one file ({name})",
                          ruff_base + [path], 1, inner=options.one_file_runs))
        if baseline:
            tasks.append(Task(f"baseline.one-nocache.{name}", f"baseline reglint check --no-cache, one file ({name})",
                              [baseline, "check", "--no-cache", path], 1, ok=(0, 1), inner=options.one_file_runs))

    for scope in (whole, subset):
        for kind in ("read", "ast"):
            tasks.append(floor_task(python, kind, scope))
    if not options.skip_libcst_floor:
        tasks.append(floor_task(python, "libcst", subset))
        if options.libcst_floor_whole:
            tasks.append(floor_task(python, "libcst", whole, rounds=1))

    if not options.skip_scaling:
        tasks.extend(scaling_tasks(whole, cold, ruff_base))
    return tasks


def floor_task(python: str, kind: str, scope: Scope, rounds: Optional[int] = None) -> Task:
    names = {"read": "read every file", "ast": "ast.parse every file", "libcst": "libcst parse every file"}
    cmd = [python, str(FLOORS), kind, "--list", str(scope.listed)]
    return Task(f"floor.{kind}.{scope.name}", f"floor: {names[kind]}, {scope.name}", cmd, len(scope.files),
                parse=parse_floor, rounds=rounds, display=" ".join([Path(python).name, relative(FLOORS), kind, "--list", relative(scope.listed)]))


def scaling_tasks(whole: Scope, cold: List[str], ruff_base: List[str]) -> List[Task]:
    """reglint and ruff on 1/4, 1/2 and all of the files (every 4th, every 2nd, all), reglint with -j 1 and -j 2."""
    tasks = []
    for name, step in (("quarter", 4), ("half", 2), ("all", 1)):
        files = [relative(f) for f in whole.files[::step]]
        listed = write_list(f"scale-{name}", [Path(f) for f in files])
        shown = f"<{len(files)} files of {relative(listed)}>"
        for jobs in (1, 2):
            tasks.append(Task(f"scale.reglint.j{jobs}.{name}", f"scaling: reglint cold -j {jobs}, {name}",
                              cold + ["-j", str(jobs)] + files, len(files),
                              display=" ".join(cold[1:] + ["-j", str(jobs), shown])))
        tasks.append(Task(f"scale.ruff.{name}", f"scaling: ruff default, {name}", ruff_base + files, len(files),
                          display=" ".join(ruff_base[1:] + [shown])))
    return tasks


def info_steps(options, whole: Scope, subset: Scope) -> dict:
    """Once, untimed: what reglint's prefilter lets through (and, with rules, a crash scan)."""
    found = {}
    for scope in (whole, subset):
        cmd = [sys.executable, str(FLOORS), "prefilter", "--discover", *scope.dirs, "--root", relative(options.corpus)]
        if scope is whole and not options.no_crash_scan:
            cmd += ["--check"] + (["--all"] if options.crash_scan_all else [])
        out, err = log_paths(f"prefilter.{scope.name}")
        sample = measure(cmd, out, err)
        result = parse_floor(out, err)
        result["wall"] = sample.wall
        found[scope.name] = result
        progress(f"prefilter, {scope.name}: {result.get('passed')} of {result.get('files')} files let through")
    return found


# -- running the rounds ----------------------------------------------------------------

def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def prime(tasks: Sequence[Task]) -> None:
    """Untimed first runs: the page cache holds the corpus, and the warm runs have a cache to find."""
    shutil.rmtree(CACHE_DIR, ignore_errors=True)
    for task in tasks:
        if task.key.startswith(("floor.read.", "reglint.warm.", "reglint.one.")):
            measure(task.cmd, *log_paths("prime"))


def run_rounds(tasks: Sequence[Task], repeat: int) -> None:
    for number in range(repeat):
        order = list(tasks) if number % 2 == 0 else list(reversed(tasks))
        for task in order:
            if task.rounds is not None and number >= task.rounds:
                continue
            for _ in range(task.inner):
                sample = task.run()
            shown = f"{sample.inner:.3f} s in-process" if sample.inner is not None else f"{sample.wall:.3f} s"
            flag = "" if sample.rc in task.ok else f"  !! exit {sample.rc}"
            progress(f"round {number + 1}/{repeat}  {task.label}: {shown}{flag}")


# -- reporting -----------------------------------------------------------------------

def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def ratio_table(sec: Callable[[str], Optional[float]], by_key: Dict[str, "Task"], w: str, s: str) -> dict:
    """The ratios, from per-measurement seconds given by `sec` (the median or the minimum)."""
    ratios = {
        "reglint_cold_over_ruff_default": ratio(sec(f"reglint.cold.{w}"), sec(f"ruff.default.{w}")),
        "reglint_cold_over_ruff_all": ratio(sec(f"reglint.cold.{w}"), sec(f"ruff.all.{w}")),
        "reglint_cold_over_ruff_default_subset": ratio(sec(f"reglint.cold.{s}"), sec(f"ruff.default.{s}")),
        "fixit_over_reglint_subset": ratio(sec(f"fixit.{s}"), sec(f"reglint.cold.{s}")),
        "fixit_over_ruff_default_subset": ratio(sec(f"fixit.{s}"), sec(f"ruff.default.{s}")),
        "reglint_warm_over_ruff_default": ratio(sec(f"reglint.warm.{w}"), sec(f"ruff.default.{w}")),
        "reglint_cold_over_ast_floor": ratio(sec(f"reglint.cold.{w}"), sec(f"floor.ast.{w}")),
        "reglint_one_file_over_ruff_one_file": ratio(sec("reglint.one.target"), sec("ruff.one.target")),
    }
    if f"baseline.cold.{w}" in by_key:  # --baseline: another reglint, measured in the same rounds
        ratios["reglint_cold_over_baseline_cold"] = ratio(sec(f"reglint.cold.{w}"), sec(f"baseline.cold.{w}"))
        ratios["baseline_cold_over_ruff_default"] = ratio(sec(f"baseline.cold.{w}"), sec(f"ruff.default.{w}"))
        ratios["reglint_one_file_nocache_over_baseline"] = ratio(sec("reglint.one-nocache.target"),
                                                                 sec("baseline.one-nocache.target"))
    if all(f"scale.reglint.j2.{name}" in by_key for name in ("quarter", "all")):
        ratios["scaling_all_over_quarter_time"] = ratio(sec("scale.reglint.j2.all"), sec("scale.reglint.j2.quarter"))
        ratios["scaling_all_over_quarter_peak_rss"] = ratio(
            by_key["scale.reglint.j2.all"].summary()["peak_rss_mib"],
            by_key["scale.reglint.j2.quarter"].summary()["peak_rss_mib"])
        ratios["speedup_j2_over_j1_all"] = ratio(sec("scale.reglint.j1.all"), sec("scale.reglint.j2.all"))
    return ratios


def evaluate(by_key: Dict[str, Task], whole: Scope, subset: Scope) -> Tuple[dict, dict, dict]:
    """Ratios from the medians and from the minimums (the least disturbed runs), and the targets."""
    def median(key: str) -> Optional[float]:
        task = by_key.get(key)
        return task.seconds if task and task.samples else None

    def minimum(key: str) -> Optional[float]:
        task = by_key.get(key)
        return min(task.values) if task and task.samples else None

    ratios = ratio_table(median, by_key, whole.name, subset.name)
    best = ratio_table(minimum, by_key, whole.name, subset.name)

    def target(key: str, limit: float, at_most: bool, what: str, seconds: bool = False) -> dict:
        value = median(key) if seconds else ratios[key]
        value_min = minimum(key) if seconds else best[key]
        met = None if value is None else (value <= limit if at_most else value >= limit)
        met_min = None if value_min is None else (value_min <= limit if at_most else value_min >= limit)
        return {"what": what, "value": value, "limit": limit, "met": met, "value_from_minimums": value_min,
                "met_from_minimums": met_min}

    targets = {
        "cold": target("reglint_cold_over_ruff_default", COLD_VS_RUFF_MAX, True,
                       f"cold whole-corpus run <= {COLD_VS_RUFF_MAX:g}x ruff default"),
        "fixit": target("fixit_over_reglint_subset", FIXIT_VS_REGLINT_MIN, False,
                        f">= {FIXIT_VS_REGLINT_MIN:g}x faster than Fixit on the subset"),
        "one_file": target("reglint.one.target", ONE_FILE_MAX_SECONDS, True,
                           f"one-file run <= {ONE_FILE_MAX_SECONDS * 1000:g} ms wall", seconds=True),
        "warm": target("reglint_warm_over_ruff_default", WARM_VS_RUFF_MAX, True,
                       f"warm run <= {WARM_VS_RUFF_MAX:g}x ruff cold"),
    }
    return ratios, best, targets


def fmt(value: Optional[float], spec: str = ".3f", unit: str = "") -> str:
    return "—" if value is None else f"{value:{spec}}{unit}"


def print_table(tasks: Sequence[Task]) -> None:
    header = f"{'measurement':<66} {'files':>6} {'median s':>9} {'min–max s':>15} {'files/s':>9} {'peak MiB':>8} {'diags':>8}"
    print(header)
    print("-" * len(header))
    for task in tasks:
        row = task.summary()
        spread = f"{fmt(row['min'], '.2f')}–{fmt(row['max'], '.2f')}" if task.samples else "—"
        diags = task.info.get("diagnostics", task.info.get("failure_count"))
        bad = "" if all(s.rc in task.ok for s in task.samples) else f"  !! exit {row['exit_codes']}"
        print(f"{task.label[:66]:<66} {task.files:>6} {fmt(row['seconds']):>9} {spread:>15} "
              f"{fmt(row['files_per_second'], ',.0f'):>9} {fmt(row['peak_rss_mib'], '.0f'):>8} "
              f"{'' if diags is None else diags:>8}{bad}")


def print_report(tasks, ratios, best, targets, prefilter, notes, whole: Scope, subset: Scope) -> None:
    print()
    print(f"corpus: {whole.name} = {len(whole.files)} files ({'+'.join(whole.packages) if len(whole.packages) < 12 else 'all 12 packages'}); "
          f"{subset.name} = {len(subset.files)} files ({'+'.join(subset.packages)})")
    print("seconds: median wall time of the command, start-up included; floors: median in-process loop time")
    print()
    print_table(tasks)
    print()
    for name, result in prefilter.items():
        if "passed" in result:
            share = 100 * result["passed"] / result["files"] if result["files"] else 0
            print(f"prefilter, {name}: {result['passed']:,} of {result['files']:,} files let through ({share:.1f}%); "
                  f"{len(result.get('rules', []))} rules, {len(result.get('trigger_words', []))} trigger words; "
                  f"per rule {result.get('passed_by_rule') or '—'}")
        else:
            print(f"prefilter, {name}: could not be measured: {result.get('error')}")
        scan = result.get("check")
        if scan:
            print(f"  reglint in-process on {scan['files']:,} files"
                  f"{' (prefilter bypassed)' if scan['prefilter_bypassed'] else ''}: "
                  f"{scan['crash_count']} crashes, {scan['parse_error_count']} RL000 parse errors, "
                  f"diagnostics {scan['diagnostics_by_code'] or 'none'}")
            for path, error in scan["crashes"]:
                print(f"    CRASH {path}: {error}")
            for path, error in scan["parse_errors"]:
                print(f"    RL000 {path}: {error}")
    for task in tasks:
        if task.key.startswith("floor.") and task.info.get("failure_count"):
            print(f"{task.label}: {task.info['failure_count']} files failed, e.g. {task.info['failures'][:3]}")
    print()
    print(f"ratios, same run:{'':<27} {'medians':>8} {'minimums':>9}")
    for name, value in ratios.items():
        print(f"  {name:<42} {fmt(value, '.2f'):>8} {fmt(best.get(name), '.2f'):>9}")
    print()
    print("DESIGN §4 targets (from medians; from minimums):")
    verdicts = {True: "MET", False: "NOT MET", None: "not measured"}
    for result in targets.values():
        print(f"  {result['what']:<48} {fmt(result['value'], '.3f'):>8}  {verdicts[result['met']]:<12}"
              f"{fmt(result['value_from_minimums'], '.3f'):>8}  {verdicts[result['met_from_minimums']]}")
    for note in notes:
        print(f"note: {note}")


def meta(tools: Dict[str, Optional[str]], options) -> dict:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip()

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "cpu": cpu, "platform": platform.platform(),
                    "loadavg_at_end": os.getloadavg()},
        "peak_rss_from": "GNU time" if GNU_TIME else "wait4 (floored by the benchmark's own size)",
        "python": sys.version.split()[0],
        "versions": {
            "reglint": tool_version([tools["reglint"], "--version"]),
            # from / : with `-c` the current folder comes first on sys.path, and in the
            # repository that would find the work tree's reglint, not the installed one
            "reglint_from": tool_version([sys.executable, "-c", "import reglint; print(reglint.__file__)"], Path("/")),
            "ruff": tool_version([tools["ruff"], "--version"]),
            "baseline": tool_version([tools["baseline"], "--version"]) if tools.get("baseline") else None,
            "fixit": tool_version([tools["fixit"], "--version"]) if tools["fixit"] else None,
            "libcst": tool_version([sys.executable, "-c", "import importlib.metadata as m; print(m.version('libcst'))"], Path("/")),
        },
        "git": {"commit": git("rev-parse", "HEAD"), "dirty_reglint": bool(git("status", "--porcelain", "reglint", "rules"))},
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(options).items()},
    }


# -- main --------------------------------------------------------------------------------

def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark reglint against ruff, Fixit and the parsing floors.")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the table shows medians (default 3)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 1 round, the subset as 'whole' and deepxde as 'subset'")
    parser.add_argument("--corpus", type=Path, default=corpus.CORPUS, help="the unpacked corpus (bench/corpus.py)")
    parser.add_argument("--one-file", help="the file of the one-file case (default: the largest examples/*.py)")
    parser.add_argument("--one-file-runs", type=int, default=5, help="one-file runs per round (default 5)")
    parser.add_argument("--skip-libcst-floor", action="store_true", help="no libcst parse floor at all")
    parser.add_argument("--libcst-floor-whole", action="store_true",
                        help="also the libcst floor on the whole corpus (about 90 s, one round)")
    parser.add_argument("--skip-fixit", action="store_true", help="do not run Fixit (the slowest part)")
    parser.add_argument("--baseline", metavar="REGLINT",
                        help="another reglint executable (an earlier commit installed in its own venv: pip install "
                             "/path/to/checkout), measured in the same rounds: cold runs and the one-file run")
    parser.add_argument("--skip-scaling", action="store_true", help="no 1/4, 1/2, all and -j 1 / -j 2 runs")
    parser.add_argument("--no-crash-scan", action="store_true",
                        help="do not run reglint in-process over the prefiltered files to name crashing files")
    parser.add_argument("--crash-scan-all", action="store_true",
                        help="crash scan every file of the corpus, the prefilter bypassed (slow)")
    options = parser.parse_args(argv)
    if options.quick:
        options.repeat = 1
        options.one_file_runs = 2
    options.corpus = options.corpus.resolve()
    return options


def main(argv: Optional[Sequence[str]] = None) -> int:
    options = parse_args(argv)
    try:
        corpus.check_built(options.corpus)
    except corpus.CorpusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    tools = {name: find_tool(name) for name in ("reglint", "ruff", "fixit")}
    if options.baseline:
        if not Path(options.baseline).is_file():
            print(f"error: --baseline {options.baseline}: no such executable", file=sys.stderr)
            return 2
        tools["baseline"] = str(Path(options.baseline).resolve())
    for name in ("reglint", "ruff"):
        if not tools[name]:
            print(f"error: {name} not found (install reglint with the bench extra: pip install -e .[bench])", file=sys.stderr)
            return 2
    shutil.rmtree(LOGS, ignore_errors=True)  # only the last run's logs
    LOGS.mkdir(parents=True)
    notes: List[str] = []
    if options.quick:
        whole = make_scope("quick-whole", corpus.SUBSET, options.corpus)
        subset = make_scope("quick-subset", ("deepxde",), options.corpus)
        notes.append("--quick: a smoke run on part of the corpus; the targets are for the full corpus")
    else:
        whole = make_scope("whole", tuple(corpus.PINS), options.corpus)
        subset = make_scope("subset", corpus.SUBSET, options.corpus)
    tasks = build_tasks(options, whole, subset, tools, notes)
    if not GNU_TIME:
        notes.append("no /usr/bin/time (apt-get install time): peak RSS from wait4, floored by this process's own size")
    load = os.getloadavg()[0]
    if load > 0.5:
        notes.append(f"load average {load:.1f} at the start: other processes share the CPUs, timings are noisier")
    progress(f"{len(tasks)} measurements x {options.repeat} rounds; logs in {relative(LOGS)}")
    prime(tasks)
    prefilter = info_steps(options, whole, subset)
    for scope in (whole, subset):
        seen = prefilter[scope.name].get("files")
        if seen is not None and seen < 0.99 * len(scope.files):
            notes.append(f"REGLINT DISCOVERS ONLY {seen} OF {len(scope.files)} FILES in {scope.name} "
                         f"(excludes or .gitignore?): its timings cover fewer files than the others'")
    run_rounds(tasks, options.repeat)

    by_key = {task.key: task for task in tasks}
    ratios, best, targets = evaluate(by_key, whole, subset)
    print_report(tasks, ratios, best, targets, prefilter, notes, whole, subset)
    results = {
        "meta": meta(tools, options),
        "scopes": {s.name: {"packages": list(s.packages), "files": len(s.files), "paths": s.dirs} for s in (whole, subset)},
        "measurements": {task.key: task.summary() for task in tasks},
        "prefilter": prefilter,
        "ratios": ratios,
        "ratios_from_minimums": best,
        "targets": targets,
        "notes": notes,
    }
    out = WORK / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nresults: {relative(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
