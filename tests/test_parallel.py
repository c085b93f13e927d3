"""The process pool gives the same results, in the same order, as one process."""

from __future__ import annotations

from reglint.config import Settings
from reglint.engine import Plan
from reglint.runner import PARALLEL_THRESHOLD, run

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


def test_checking_collects_garbage_less_often(tmp_path):
    """The parse-heavy run raises the collector's thresholds, in this process and in workers."""
    import gc
    from concurrent.futures import ProcessPoolExecutor

    from reglint import runner

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        path = tmp_path / "train.py"
        path.write_text(HAZARD.format(wd="1e-4"))
        plan = Plan.build(Settings(root=str(tmp_path)))
        assert [r.path for r in run([str(path)], plan, jobs=1)] == [str(path)]
        assert gc.get_threshold() == runner.GC_THRESHOLDS
        gc.set_threshold(700, 10, 10)
        with ProcessPoolExecutor(max_workers=1) as pool:
            assert pool.submit(_thresholds_after_a_batch, str(path), plan).result() == runner.GC_THRESHOLDS
    finally:
        gc.set_threshold(*before)


def _thresholds_after_a_batch(path, plan):
    import gc

    from reglint import runner

    gc.set_threshold(700, 10, 10)  # as a spawned worker would start
    runner._check_batch(([path], plan, False, False))
    return gc.get_threshold()


def test_no_collection_while_a_file_is_checked_and_its_cycles_collected_after(tmp_path, monkeypatch):
    """The collector would walk the file's whole live trees; it waits until they are freed,
    then collects the cyclic garbage the check left (here 20,000 self-referencing lists)."""
    import gc

    from reglint import runner

    path = tmp_path / "train.py"
    path.write_text(HAZARD.format(wd="1e-4"))
    plan = Plan.build(Settings(root=str(tmp_path)))
    seen = []
    check_bytes = runner.check_bytes

    def checking(*args, **kwargs):
        seen.append(gc.isenabled())
        for _ in range(20_000):
            cycle = []
            cycle.append(cycle)
        return check_bytes(*args, **kwargs)

    monkeypatch.setattr(runner, "check_bytes", checking)
    assert gc.isenabled()
    gc.collect()
    result = runner.check_path(str(path), plan)
    assert [d.code for d in result.diagnostics] == ["RL002"]
    assert seen == [False] and gc.isenabled()
    assert gc.get_count()[0] < runner.YOUNG_AFTER_A_FILE
