"""The runner: every path's result, in the order given, from the cache or from a fresh
check, in a process pool when there are enough files to pay for one.

A path is checked by the source kind that reads it (`reglint.sources`).
"""

from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from typing import Iterator, List, Optional, Sequence

from reglint import project
from reglint.diagnostic import Diagnostic, parse_error
from reglint.engine import Plan
from reglint.pipeline import FileResult
from reglint.reading import SourceTooLarge, read_source, too_large


def check_bytes(path: str, data: bytes, plan: Plan, fix: bool = False, unsafe: bool = False) -> FileResult:
    """Check (and with `fix`, repair) one file's bytes; never raises on bad input."""
    from reglint.sources import kind_for

    return kind_for(path).check(path, data, plan, fix, unsafe)


def check_path(path: str, plan: Plan, fix: bool = False, unsafe: bool = False) -> FileResult:
    try:
        data = read_source(path)
    except SourceTooLarge as error:
        from reglint.sources import kind_for

        oversized = getattr(kind_for(path), "oversized", None)  # a kind that can tell without reading it all
        if oversized is not None:
            return oversized(path, error.size, plan)
        return FileResult(path, [parse_error(path, too_large(error.size, plan.settings.max_file_size))])
    except OSError as error:
        return FileResult(path, [parse_error(path, f"cannot read file: {error.strerror or error}")])
    with _collected_after():
        result = check_bytes(path, data, plan, fix, unsafe)
    if result.fixed is not None:
        result.original = data  # so the write can see an edit made meanwhile (`writing.write_fixes`)
    return result


PARALLEL_THRESHOLD = 16  # below this many files a process pool costs more than it saves
# ast and libcst build hundreds of thousands of small objects for one file, and every
# collection of the cyclic garbage collector walks those still alive: while a tree is
# built and analysed, all of them. At the default threshold (a collection every 700
# allocations) that was 40 % of libcst's parse time on the corpus; every 100,000, still
# 1.5 s of 14.5 s CPU in a single-process corpus run (0.5-0.8 s this way). Reference counting frees a file's trees once
# it is checked, and the little cyclic garbage a check leaves (a few % of the memory) is
# collected then, when only it is young: `_collected_after`. Between files, collect rarely.
GC_THRESHOLDS = (100_000, 50, 100)
YOUNG_AFTER_A_FILE = 10_000  # young objects a check may leave before they are collected


def _collect_less() -> None:
    gc.set_threshold(*GC_THRESHOLDS)


@contextmanager
def _collected_after() -> Iterator[None]:
    """No cyclic collection while one file is checked; its young leftovers after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            if gc.get_count()[0] > YOUNG_AFTER_A_FILE:
                gc.collect(0)


def _check_batch(args) -> List[FileResult]:
    paths, plan, fix, unsafe = args
    _collect_less()  # in a worker (a forked one has the parent's setting already)
    return [check_path(p, plan, fix, unsafe) for p in paths]


def run(paths: Sequence[str], plan: Plan, fix: bool = False, unsafe: bool = False, jobs: Optional[int] = None,
        cache=None) -> Iterator[FileResult]:
    """Results for every path, in the order given; `cache` (a cache.Cache) serves unchanged files."""
    _collect_less()
    project.forget()  # a run sees the project's files as they are when it starts
    if cache is None or fix:
        yield from _run_all(paths, plan, fix, unsafe, jobs)
        return
    stamps = {path: _stamp(path, plan) for path in paths}
    cached = {}
    for path in paths:
        diagnostics = cache.get(path, stamps[path])
        if diagnostics is not None:
            cached[path] = _from_cache(path, diagnostics)
    fresh = iter(_run_all([p for p in paths if p not in cached], plan, fix, unsafe, jobs))
    for path in paths:
        if path in cached:
            yield cached[path]
            continue
        result = next(fresh)
        cache.put(path, stamps[path], result.diagnostics, result.depends)
        yield result
    cache.save()


def _stamp(path: str, plan: Plan):
    """The cache stamp of `path`; a named file's result may hold more RL000 (see
    `Plan.named`) than the same file found in a folder, so its stamp is its own."""
    from reglint.cache import stamp_of

    stamp = stamp_of(path)
    return stamp + ("named",) if stamp is not None and path in plan.named else stamp


def _from_cache(path: str, diagnostics: List[Diagnostic]) -> FileResult:
    from reglint.sources import kind_for

    return kind_for(path).from_cache(path, diagnostics)


def _run_all(paths, plan, fix, unsafe, jobs) -> Iterator[FileResult]:
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(paths) < PARALLEL_THRESHOLD:
        for path in paths:
            yield check_path(path, plan, fix, unsafe)
        return
    from concurrent.futures import ProcessPoolExecutor

    size = max(8, min(64, len(paths) // (workers * 4) or 1))
    batches = [paths[i:i + size] for i in range(0, len(paths), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for batch in pool.map(_check_batch, [(b, plan, fix, unsafe) for b in batches]):
            yield from batch
