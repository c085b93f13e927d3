"""YAML text -> positioned `Node` tree, through PyYAML's composed nodes.

`yaml.compose` with the safe loader (libyaml's when installed) builds nodes with
marks and never constructs a tag, so no YAML input runs code. Scalars are typed by
`tree.plain_scalar` (YAML 1.2 numbers, as OmegaConf reads them). Anchors and aliases
are shared nodes; a `<<` merge key is kept as an ordinary key. Only the first
document of a stream is read. Positions come from the marks' character
offsets, so lines break where `reglint.fixes` breaks them (\n, \r\n, \r).
"""

from __future__ import annotations

from typing import Tuple

from reglint.configs.tree import MAPPING, SCALAR, SEQUENCE, ConfigSyntaxError, Key, LineIndex, Node

MAX_DEPTH = 200  # deeper is no training config; keeps the recursion of `_convert` safe


def read(text: str) -> Node:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for document in yaml.compose_all(text, Loader=loader):
            if document is None:
                break
            return _convert(document, text, LineIndex(text), (), None, 0)
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


def _convert(node, text: str, lines: LineIndex, path: Tuple[Key, ...], key_node, depth: int) -> Node:
    import yaml

    if depth > MAX_DEPTH:
        raise ConfigSyntaxError("YAML nested too deeply to analyse", node.start_mark.line + 1, node.start_mark.column + 1)
    start, end = node.start_mark.index, node.end_mark.index
    if isinstance(node, yaml.ScalarNode):
        from reglint.configs.tree import plain_scalar

        style = node.style or ""
        value = plain_scalar(node.value) if style == "" else node.value
        return Node(SCALAR, value, start, end, lines, path, key_node, style)
    style = "flow" if node.flow_style else "block"
    if isinstance(node, yaml.SequenceNode):
        items = [_convert(item, text, lines, path + (index,), None, depth + 1) for index, item in enumerate(node.value)]
        return Node(SEQUENCE, items, start, end, lines, path, key_node, style)
    mapping = Node(MAPPING, {}, start, end, lines, path, key_node, style)
    for key, value in node.value:
        key_tree = _convert(key, text, lines, path, None, depth + 1)
        name = key_tree.value if key_tree.kind == SCALAR else key_tree.raw
        name = name if isinstance(name, str) else str(name)
        value_tree = _convert(value, text, lines, path + (name,), key_tree, depth + 1)
        mapping.value[name] = value_tree
        mapping.entries.append((key_tree, value_tree))
    return mapping
