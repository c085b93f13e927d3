"""Framework knowledge is data: qualified names live in `reglint/frameworks/` tables.

The extractor, the engine and the commands read the tables; none of them spells a
framework's qualified name as a string of its own. The rules (top-level `rules/`)
may name the APIs they talk about in their messages and fixes.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import List, Tuple

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reglint"
TABLES = PACKAGE / "frameworks"

FRAMEWORK_ROOTS = (
    "tensorflow", "tensorflow_addons", "tf", "tfa", "keras", "tf_keras", "tf_slim", "torch", "torchvision",
    "jax", "jnp", "optax", "flax", "haiku", "transformers", "timm", "mmengine", "mmcv", "numpy",
)
# `torch.optim.Adam`, `tensorflow.add_n`, and a prefix to complete (`torch.optim.` in an f-string)
QUALIFIED_NAME = re.compile(rf"^(?:{'|'.join(FRAMEWORK_ROOTS)})(?:\.[A-Za-z_]\w*)+\.?$")


def qualified_names(source: str) -> List[Tuple[int, str]]:
    """(line, text) of every string constant, f-string parts included, that is a framework qualified name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and QUALIFIED_NAME.match(node.value):
            found.append((node.lineno, node.value))
    return sorted(found)


def test_the_detector_finds_qualified_names_and_prefixes():
    source = (
        'A = "torch.optim.Adam"\n'
        'B = f"torch.optim.{name}"\n'
        'C = ("tensorflow.add_n", "tensorflow.math.add_n")\n'
        'D = "tf.keras.regularizers.l2"\n'
    )
    assert qualified_names(source) == [
        (1, "torch.optim.Adam"), (2, "torch.optim."), (3, "tensorflow.add_n"), (3, "tensorflow.math.add_n"),
        (4, "tf.keras.regularizers.l2"),
    ]


def test_the_detector_leaves_look_alikes_alone():
    source = (
        'import torch.optim\n'  # an import is code, not a string
        'A = "weight_decay"\n'
        'B = "torch"\n'  # a bare package name is no qualified name
        'C = "reglint.frameworks.torch"\n'
        'D = "torchvision_models.resnet"\n'  # a different root that starts alike
        'E = "use torch.optim.AdamW here"\n'  # prose that mentions one
        'F = "self.fc.weight"\n'
        'G = "keras-l2"\n'
        'H = torch.optim.Adam\n'
    )
    assert qualified_names(source) == []


def test_no_framework_qualified_name_outside_the_tables():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if TABLES in path.parents:
            continue
        for line, text in qualified_names(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {text!r}")
    assert offenders == [], "framework qualified names belong in reglint/frameworks/:\n" + "\n".join(offenders)


def test_the_tables_are_data():
    """One module per framework, no control flow: tables, the dataclasses that type them,
    and `canonical` (the one normalisation, in the package's __init__)."""
    flow = (ast.If, ast.For, ast.While, ast.Try, ast.With, ast.Match)
    for path in sorted(TABLES.glob("*.py")):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert not any(isinstance(node, flow) for node in ast.walk(tree)), path.name
