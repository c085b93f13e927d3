"""Recorded findings: the JSON diagnostics of every fixture, example, the benchmark corpus
and the Python standard library, so a refactoring can prove it changed nothing.

    python bench/findings.py record [TARGET ...]   # write bench/findings/<target>.json
    python bench/findings.py check  [TARGET ...]   # compare with the recorded files (exit 1 on a difference)

TARGETs: fixtures, examples, stdlib, corpus (default: all four; the corpus is built
with bench/corpus.py when missing). Every rule runs (`--select ALL`), with no cache and
an empty configuration, so the repository's own excludes do not hide the fixtures.
Each diagnostic is kept as code, file (relative to the target's root), start, end,
message and fix; the list is sorted, so the file diffs well. A deliberate change of
findings is recorded again in a commit of its own that says why.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RECORDED = BENCH / "findings"


def targets() -> Dict[str, Path]:
    return {
        "fixtures": REPO / "tests" / "fixtures",
        "examples": REPO / "examples",
        "stdlib": Path(sysconfig.get_paths()["stdlib"]),
        "corpus": BENCH / ".corpus",
    }


def _ensure_corpus(root: Path) -> None:
    if not root.is_dir() or not any(root.iterdir()):
        subprocess.run([sys.executable, str(BENCH / "corpus.py")], check=True, stdout=subprocess.DEVNULL)


def _normal(entry: dict, root: Path) -> dict:
    fix = entry.get("fix")
    if fix is not None:
        fix = {
            "applicability": fix["applicability"],
            "message": fix.get("message"),
            "edits": [[e["location"]["row"], e["location"]["column"], e["end_location"]["row"],
                       e["end_location"]["column"], e["content"]] for e in fix["edits"]],
        }
    found = {
        "file": os.path.relpath(entry["filename"], root).replace(os.sep, "/"),
        "code": entry["code"],
        "start": [entry["location"]["row"], entry["location"]["column"]],
        "end": [entry["end_location"]["row"], entry["end_location"]["column"]],
        "message": entry["message"],
        "fix": fix,
    }
    if entry.get("note"):
        found["note"] = entry["note"]
    return found


def findings(name: str, root: Path) -> dict:
    """Run reglint on one target; the sorted, position-exact findings."""
    if name == "corpus":
        _ensure_corpus(root)
    with tempfile.TemporaryDirectory() as empty:
        config = Path(empty) / "reglint.toml"
        config.write_text("", encoding="utf-8")
        command = [sys.executable, "-m", "reglint", "check", "--no-cache", "--select", "ALL", "--exit-zero",
                   "--output-format", "json", "--config", str(config), str(root)]
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    if done.returncode != 0:
        raise SystemExit(f"findings: reglint failed on {name} (exit {done.returncode}):\n{done.stderr[-2000:]}")
    entries = [_normal(entry, root) for entry in json.loads(done.stdout or "[]")]
    entries.sort(key=lambda e: (e["file"], e["start"], e["end"], e["code"], e["message"]))
    return {"target": name, "python": "%d.%d" % sys.version_info[:2] if name == "stdlib" else None, "findings": entries}


def _path(name: str) -> Path:
    return RECORDED / f"{name}.json"


def record(name: str, root: Path) -> None:
    RECORDED.mkdir(exist_ok=True)
    data = findings(name, root)
    _path(name).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{name}: {len(data['findings'])} findings recorded in {_path(name).relative_to(REPO)}")


def differences(name: str, root: Path) -> Optional[List[str]]:
    """Lines describing what changed against the recording; None when none was recorded."""
    if not _path(name).exists():
        return None
    old = json.loads(_path(name).read_text(encoding="utf-8"))
    new = findings(name, root)
    if old.get("python") != new.get("python"):
        return [f"{name}: recorded with Python {old.get('python')}, this is {new.get('python')}; record again"]
    key = lambda e: json.dumps(e, sort_keys=True)  # noqa: E731
    before = {key(e) for e in old["findings"]}
    after = {key(e) for e in new["findings"]}
    return [f"- {e}" for e in sorted(before - after)] + [f"+ {e}" for e in sorted(after - before)]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["record", "check"])
    parser.add_argument("targets", nargs="*", choices=[[], *targets()], default=[])
    options = parser.parse_args(argv)
    chosen = {name: root for name, root in targets().items() if not options.targets or name in options.targets}
    status = 0
    for name, root in chosen.items():
        if options.action == "record":
            record(name, root)
            continue
        changed = differences(name, root)
        if changed is None:
            print(f"{name}: nothing recorded")
            status = 1
        elif changed:
            print(f"{name}: {len(changed)} differences")
            print("\n".join(changed))
            status = 1
        else:
            print(f"{name}: same findings")
    return status


if __name__ == "__main__":
    sys.exit(main())
