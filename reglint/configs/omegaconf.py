"""OmegaConf's `${a.b[0]}` interpolation, which Hydra configs and their group files share:
the pattern of a whole-value reference and the key path it names."""

from __future__ import annotations

import re
from typing import List, Union

INTERPOLATION = re.compile(r"\$\{(?P<key>[A-Za-z0-9_.\[\]-]+)\}")


def key_parts(key: str) -> List[Union[str, int]]:
    """`a.b[0].c` -> ["a", "b", 0, "c"]: the path `tree.Node.find` takes."""
    parts: List[Union[str, int]] = []
    for piece in key.split("."):
        for name, index in re.findall(r"([^\[\]]+)|\[(\d+)\]", piece):
            parts.append(int(index) if index else name)
    return parts
