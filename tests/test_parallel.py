"""The process pool gives the same results, in the same order, as one process."""

from __future__ import annotations

from reglint.config import Settings
from reglint.engine import PARALLEL_THRESHOLD, Plan, run

HAZARD = "import torch\n\nopt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay={wd})\n"


def test_pool_matches_one_process(tmp_path):
    paths = []
    for index in range(PARALLEL_THRESHOLD * 3):
        path = tmp_path / f"train_{index:03}.py"
        path.write_text(HAZARD.format(wd=0 if index % 3 else f"{index}e-5") if index % 5 else "x = 1\n")
        paths.append(str(path))
    plan = Plan.build(Settings(root=str(tmp_path)))

    def summary(jobs):
        return [(r.path, [(d.code, d.start.line, d.start.column, d.message) for d in r.diagnostics]) for r in run(paths, plan, jobs=jobs)]

    serial, pooled = summary(1), summary(2)
    assert pooled == serial
    assert [p for p, _ in pooled] == paths
    assert sum(1 for _, found in serial if found) == len([i for i in range(len(paths)) if i % 5 and not i % 3])
