"""Writing results back to the checked files: the fixed bytes of `--fix`, the `# noqa`
comments of `--add-noqa`, and the diff `--diff` shows instead of writing.

Every write goes through `fixes.write_fixed` (atomic, keeping mode and line endings);
what each kind of source writes is its source kind's business (`reglint.sources`).
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from reglint.diagnostic import parse_error
from reglint.engine import Plan
from reglint.fixes import write_fixed
from reglint.pipeline import FileResult
from reglint.runner import check_path, run
from reglint.sources import kind_for


def write_fixes(results: Iterable[FileResult], plan: Plan) -> List[FileResult]:
    """Write each result's fixed bytes; RL000 results for the files that could not be written.

    Such a file keeps its hazards: its result is replaced by what is still on disk. A file
    that changed after it was read (an editor saving, another tool) is such a file: the
    newer bytes are kept, never overwritten with fixes of the older ones."""
    problems: List[FileResult] = []
    for result in results:
        if result.fixed is None:
            continue
        problem = write_fixed(result.path, result.fixed, expected=result.original)
        if problem:
            unchanged = check_path(result.path, plan)
            result.diagnostics, result.source = unchanged.diagnostics, unchanged.source
            result.fixed, result.fixed_diagnostics = None, []
            problems.append(FileResult(result.path, [parse_error(result.path, problem)]))
    return problems


def diff_lines(results: Sequence[FileResult], originals: Optional[Dict[str, bytes]] = None) -> List[str]:
    """The unified diff of each fixed result against its original bytes (read from disk
    when `originals` does not hold them)."""
    originals = dict(originals or {})
    for result in results:
        if result.fixed is not None and result.path not in originals:
            with open(result.path, "rb") as handle:
                originals[result.path] = handle.read()
    lines: List[str] = []
    for result in results:
        if result.fixed is not None:
            lines.extend(kind_for(result.path).diff(result.path, originals[result.path], result.fixed))
    return lines


def add_noqa(files: Sequence[str], plan: Plan, jobs: Optional[int] = None) -> Tuple[int, List[FileResult]]:
    """Silence every remaining diagnostic with a `# noqa` comment on its line: (directives
    added, results for what is left: diagnostics no comment can silence, files not written)."""
    left: List[FileResult] = []
    added = 0
    for result in run(files, plan, jobs=jobs):
        if not result.diagnostics:
            continue
        try:
            with open(result.path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            left.append(FileResult(result.path, [parse_error(result.path, f"cannot read file: {error.strerror or error}")]))
            continue
        new, changed, remaining = kind_for(result.path).add_noqa(data, result.diagnostics)
        if new is not None:
            problem = write_fixed(result.path, new, expected=data)
            if problem:
                left.append(FileResult(result.path, [parse_error(result.path, problem)]))
                continue
            added += changed
        if remaining:
            left.append(FileResult(result.path, remaining, result.source))
    return added, left
