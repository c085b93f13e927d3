"""YAML text -> positioned `Node` tree, through PyYAML's composed nodes.

`yaml.compose` with the safe loader (libyaml's when installed) builds nodes with
marks and never constructs a tag, so no YAML input runs code. Scalars are typed by
`tree.plain_scalar` (YAML 1.2 numbers, as OmegaConf reads them). Anchors and aliases
are shared nodes; a `<<` merge key is kept as an ordinary key. Only the first
document of a stream is read. Positions come from the marks' character
offsets, so lines break where `reglint.fixes` breaks them (\n, \r\n, \r).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Tuple

from reglint.configs.tree import MAPPING, SCALAR, SEQUENCE, ConfigSyntaxError, Key, LineIndex, Node, plain_scalar

MAX_DEPTH = 200  # deeper is no training config; keeps the recursion of `_convert` safe


def read(text: str) -> Node:
    import yaml

    try:
        for document in yaml.compose_all(text, Loader=_loader()):
            if document is None:
                break
            return _convert(document, LineIndex(text), (), None, 0)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = " ".join(part for part in (error.context, error.problem) if part) or "invalid YAML"
        if mark is None:
            raise ConfigSyntaxError(f"YAML error: {reason}") from None
        raise ConfigSyntaxError(f"YAML error: {reason}", mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as error:
        raise ConfigSyntaxError(f"YAML error: {str(error).splitlines()[0] if str(error) else 'invalid YAML'}") from None
    except RecursionError:
        raise ConfigSyntaxError("YAML nested too deeply to analyse") from None
    return Node(MAPPING, {}, 0, 0, LineIndex(text), style="block")


@lru_cache(maxsize=1)
def _loader():
    """The safe loader (libyaml's when installed) without implicit tag resolution:
    scalars are typed by `plain_scalar`, so PyYAML's per-scalar regex pass (a quarter
    of the compose time) is skipped."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):
        def resolve(self, kind, value, implicit):
            return kind.__name__  # any tag: no constructor ever sees these nodes

    return Loader


def _convert(node, lines: LineIndex, path: Tuple[Key, ...], key_node, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise ConfigSyntaxError("YAML nested too deeply to analyse", node.start_mark.line + 1, node.start_mark.column + 1)
    start, end, kind = node.start_mark.index, node.end_mark.index, node.id
    if kind == "scalar":
        style = node.style or ""
        value = plain_scalar(node.value) if style == "" else node.value
        return Node(SCALAR, value, start, end, lines, path, key_node, style)
    style = "flow" if node.flow_style else "block"
    if kind == "sequence":
        items = [_convert(item, lines, path + (index,), None, depth + 1) for index, item in enumerate(node.value)]
        return Node(SEQUENCE, items, start, end, lines, path, key_node, style)
    mapping = Node(MAPPING, {}, start, end, lines, path, key_node, style)
    for key, value in node.value:
        if key.id == "scalar":  # keys are text, as OmegaConf reads them (`1:` is "1")
            key_tree = Node(SCALAR, key.value, key.start_mark.index, key.end_mark.index, lines, path, None, key.style or "")
            name = key.value
        else:
            key_tree = _convert(key, lines, path, None, depth + 1)
            name = key_tree.raw
        value_tree = _convert(value, lines, path + (name,), key_tree, depth + 1)
        mapping.value[name] = value_tree
        mapping.entries.append((key_tree, value_tree))
    return mapping
