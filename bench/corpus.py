"""The benchmark corpus: the `.py` files of 12 pinned ML libraries' wheels.

    python bench/corpus.py            # download (if not cached) and unpack, then print sizes
    python bench/corpus.py --stats    # only print sizes of the corpus already unpacked

Wheels are fetched with `pip download --no-deps --only-binary=:all:` into
bench/.work/wheels/ (kept, so a rebuild needs no network), and their `.py`
members are unpacked into bench/.corpus/<distribution>/<path in the wheel>.
Both folders are git-ignored. A pin that cannot be downloaded stops the build
with an error: nothing else is picked instead.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

BENCH = Path(__file__).resolve().parent
WORK = BENCH / ".work"
WHEELS = WORK / "wheels"
CORPUS = BENCH / ".corpus"

# distribution name -> pinned version
PINS: Dict[str, str] = {
    "transformers": "5.23.0",
    "keras": "3.15.1",
    "tf-keras": "2.21.0",
    "keras-hub": "0.32.0",
    "timm": "1.0.31",
    "optax": "0.2.8",
    "pytorch-lightning": "2.6.6",
    "mmengine": "0.10.7",
    "mmdet": "3.3.0",
    "tensorpack": "0.11",
    "tf-slim": "1.1.0",
    "deepxde": "1.15.0",
}

# the part of the corpus small enough for Fixit to finish in reasonable time
SUBSET: Tuple[str, ...] = ("optax", "deepxde", "tf-slim", "mmengine")

# Written at the corpus root so every tool sees the corpus as its own project with
# default settings, not as part of the reglint repository (whose pyproject.toml
# excludes bench/): reglint and Fixit stop their config search here; ruff is run
# with --isolated.
CORPUS_PYPROJECT = """\
# Written by bench/corpus.py: the corpus is a project of its own with default settings.
[tool.reglint]

[tool.fixit]
root = true
"""


class CorpusError(Exception):
    pass


# -- building ---------------------------------------------------------------------

def _normalized(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


def find_wheel(name: str, version: str, wheels: Path = WHEELS) -> Optional[Path]:
    """The cached wheel of `name==version`, if it was downloaded already."""
    for path in sorted(wheels.glob("*.whl")) if wheels.is_dir() else ():
        parts = path.name.split("-")  # {distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl
        if len(parts) >= 5 and _normalized(parts[0]) == _normalized(name) and parts[1] == version:
            return path
    return None


def download(name: str, version: str, wheels: Path = WHEELS) -> Path:
    """The wheel of exactly `name==version`, from the cache or the package index."""
    cached = find_wheel(name, version, wheels)
    if cached:
        return cached
    wheels.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "-q", "-d", str(wheels), f"{name}=={version}"]
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found = find_wheel(name, version, wheels)
    if done.returncode != 0 or found is None:
        tail = "\n".join(line for line in done.stdout.splitlines() if "is ignored" not in line)[-2000:]
        raise CorpusError(f"PINNED WHEEL UNAVAILABLE: {name}=={version} (pip exit {done.returncode}); "
                          f"no other version is used.\n{tail}")
    return found


def unpack(wheel: Path, dest: Path) -> int:
    """Extract the wheel's `.py` members under `dest`; the number of files written."""
    if dest.exists():
        shutil.rmtree(dest)
    count = 0
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.infolist():
            name = member.filename
            if member.is_dir() or not name.endswith(".py"):
                continue
            parts = Path(name).parts
            if name.startswith("/") or ".." in parts:  # never write outside dest
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(member))
            count += 1
    return count


def build(pins: Dict[str, str] = PINS, corpus: Path = CORPUS, wheels: Path = WHEELS) -> None:
    failures: List[str] = []
    corpus.mkdir(parents=True, exist_ok=True)
    for name, version in pins.items():
        try:
            wheel = download(name, version, wheels)
        except CorpusError as error:
            failures.append(str(error))
            print(f"!! {error}", file=sys.stderr)
            continue
        count = unpack(wheel, corpus / name)
        print(f"{name}=={version}: {count} files from {wheel.name}")
    (corpus / "pyproject.toml").write_text(CORPUS_PYPROJECT)
    if failures:
        raise CorpusError(f"{len(failures)} pinned wheel(s) unavailable; the corpus is INCOMPLETE:\n"
                          + "\n".join(failures))


# -- reading -----------------------------------------------------------------------

def package_dirs(corpus: Path = CORPUS, packages: Optional[Iterable[str]] = None) -> List[Path]:
    names = list(packages) if packages is not None else list(PINS)
    return [corpus / name for name in names]


def iter_files(corpus: Path = CORPUS, packages: Optional[Iterable[str]] = None) -> Iterator[Path]:
    """Every `.py` file of the given packages (all by default), in a stable order."""
    for folder in package_dirs(corpus, packages):
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    yield Path(root, name)


def stats(files: Iterable[Path]) -> Tuple[int, int, int]:
    """(files, lines, bytes)."""
    count = lines = size = 0
    for path in files:
        data = path.read_bytes()
        count += 1
        size += len(data)
        lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return count, lines, size


def check_built(corpus: Path = CORPUS) -> None:
    missing = [name for name in PINS if not (corpus / name).is_dir()]
    if missing:
        raise CorpusError(f"corpus missing {', '.join(missing)} under {corpus}; run `python bench/corpus.py`")


def print_stats(corpus: Path = CORPUS) -> None:
    total = [0, 0, 0]
    subset = [0, 0, 0]
    print(f"{'package':<20} {'files':>7} {'lines':>11} {'bytes':>13}")
    for name in PINS:
        numbers = stats(iter_files(corpus, [name]))
        print(f"{name:<20} {numbers[0]:>7,} {numbers[1]:>11,} {numbers[2]:>13,}")
        for i, value in enumerate(numbers):
            total[i] += value
            if name in SUBSET:
                subset[i] += value
    print(f"{'TOTAL':<20} {total[0]:>7,} {total[1]:>11,} {total[2]:>13,}"
          f"   ({total[1] / 1e6:.2f} M lines, {total[2] / 2**20:.1f} MiB)")
    print(f"{'subset':<20} {subset[0]:>7,} {subset[1]:>11,} {subset[2]:>13,}   ({' + '.join(SUBSET)})")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stats", action="store_true", help="only print the sizes of the unpacked corpus")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help=f"where to unpack (default: {CORPUS})")
    options = parser.parse_args(argv)
    try:
        if not options.stats:
            build(corpus=options.corpus)
        check_built(options.corpus)
    except CorpusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print_stats(options.corpus)
    return 0


if __name__ == "__main__":
    sys.exit(main())
