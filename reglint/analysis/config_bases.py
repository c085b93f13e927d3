"""MMEngine `_base_` inheritance: what a config's dict inherits from its base files.

A config that names base files is merged into them (mmengine 0.10.7
`mmengine/config/config.py`: `_file2dict` L880-913 reads every base, a key written in two
bases is an error, L897-901; L972 merges the child into the bases with `_merge_a_into_b`,
L1289-1345): a child dict merges key by key into the base's dict of the same key unless it
sets `_delete_=True`; any other child value replaces the base's. So
`optimizer=dict(type='Adam', lr=1e-3)` over a base's `dict(type='AdamW', weight_decay=0.05)`
trains Adam with `weight_decay=0.05`.

Base files are read with CPython's `ast`, never executed: a literal (or a name bound to one
at the base's module level) is known; anything else, a base that cannot be found or read
(a package base `mmdet::...`, a YAML base), or a merge mmengine itself would reject makes
the answer unknown (None), and nothing is reported from it.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from reglint.cache import stamp_of
from reglint.frameworks.mmengine import BASE_KEY, DELETE_KEY

MAX_BASE_DEPTH = 8  # bases of bases followed at most this deep (a cycle stops there too)
MAX_BASE_BYTES = 1 << 20
UNKNOWN = object()  # a value the base writes that is not a literal


@dataclass(frozen=True)
class Entry:
    """A value a base file writes (a literal, a nested `Entries`, or UNKNOWN), and where."""

    value: object
    path: str
    line: int
    column: int  # 1-based


Entries = Dict[str, Entry]

# absolute path -> (the (path, stamp) of it and of every base below it, its merged entries)
_read: Dict[str, Tuple[Tuple[Tuple[str, Optional[tuple]], ...], Entries]] = {}


def inherited(config: str, bases: Sequence[str], key_path: Sequence[str], read: List[str]) -> Optional[Entries]:
    """The entries `bases` (as written in file `config`'s `_base_`) give the dict at
    `key_path` (`("optim_wrapper", "optimizer")`): {} when they give it none; None when
    unknown. Every base file consulted is added to `read` (the cache's dependencies)."""
    merged = _merged_bases(os.path.dirname(os.path.abspath(config)), bases, read, MAX_BASE_DEPTH)
    if merged is None:
        return None
    for key in key_path:
        entry = merged.get(key)
        if entry is None:
            return {}
        if not isinstance(entry.value, dict):
            return None  # mmengine: a child dict over a base's non-dict value is a TypeError
        merged = entry.value
    return merged


def _merged_bases(folder: str, bases: Sequence[str], read: List[str], depth: int) -> Optional[Entries]:
    merged: Entries = {}
    for base in bases:
        if depth <= 0 or "::" in base or not base.endswith(".py"):
            return None
        path = os.path.normpath(os.path.join(folder, base))
        read.append(path)
        entries = _entries_of(path, read, depth - 1)
        if entries is None or not merged.keys().isdisjoint(entries):
            return None
        merged.update(entries)
    return merged


def _entries_of(path: str, read: List[str], depth: int) -> Optional[Entries]:
    """A base file's own entries merged into those of its bases, remembered while none of
    those files changes."""
    known = _read.get(path)
    if known is not None and all(stamp_of(file) == stamp for file, stamp in known[0]):
        read.extend(file for file, _ in known[0])
        return known[1]
    stamp = stamp_of(path)
    if stamp is None or stamp[0] > MAX_BASE_BYTES:
        return None
    try:
        with open(path, "rb") as handle:
            tree = ast.parse(handle.read())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    bases = base_files(tree)
    if bases is None:
        return None
    own = _module_entries(path, tree)
    below_read: List[str] = []
    below = _merged_bases(os.path.dirname(path), bases, below_read, depth) if bases else {}
    read.extend(below_read)
    if below is None:
        return None
    result = merge(own, below)
    _read[path] = (((path, stamp),) + tuple((file, stamp_of(file)) for file in below_read), result)
    return result


def bases_written(text: str) -> Optional[List[str]]:
    """The `_base_` files of a config's text ([] without any); None when unknown (text CPython
    cannot parse, a `_base_` that is not a string or a list of strings)."""
    try:
        return base_files(ast.parse(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def base_files(tree: ast.Module) -> Optional[List[str]]:
    """The files of the module's first top-level `_base_ = ...`, as mmengine reads them (0.10.7
    `config.py` `_get_base_files` L1202-1245: a string, or a list of them); [] without one,
    None when it is anything else."""
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name) \
                and statement.targets[0].id == BASE_KEY:
            written = _literal(statement.value, {})
            files = written if isinstance(written, list) else [written]
            return files if all(isinstance(file, str) for file in files) else None
    return []


def _module_entries(path: str, tree: ast.Module) -> Entries:
    """The file's top-level assignments as entries (its `_base_` aside: `base_files`)."""
    constants: Dict[str, object] = {}
    own: Entries = {}
    for statement in tree.body:
        plain = isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value is not None
        targets = (statement.targets if isinstance(statement, ast.Assign) else [statement.target]) if plain else []
        simple = plain and all(isinstance(target, ast.Name) for target in targets)
        for target in targets if simple else ():
            if target.id == BASE_KEY:
                continue
            value = _value(path, statement.value, constants)
            own[target.id] = Entry(value, path, statement.value.lineno, statement.value.col_offset + 1)
            constants.pop(target.id, None)
            if not isinstance(value, dict) and value is not UNKNOWN:
                constants[target.id] = value
        # what any other statement may change is no longer known: `optim_wrapper.optimizer.lr
        # = ...`, `cfg['x'] = ...`, `optim_wrapper.update(...)`, an assignment under `if`
        for name in _touched(statement.value if simple else statement):
            if name in own:
                own[name] = Entry(UNKNOWN, path, statement.lineno, statement.col_offset + 1)
                constants.pop(name, None)
    return own


def _touched(node: ast.AST) -> List[str]:
    """The top-level names a statement (or expression) may change: names it binds or deletes,
    and the roots of attributes or items it assigns, deletes or calls a method of."""
    found = []
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name) and isinstance(inner.ctx, (ast.Store, ast.Del)):
            found.append(inner.id)
        elif isinstance(inner, (ast.Attribute, ast.Subscript)) and isinstance(inner.ctx, (ast.Store, ast.Del)) \
                or isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
            root = inner.func if isinstance(inner, ast.Call) else inner
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                root = root.value
            if isinstance(root, ast.Name):
                found.append(root.id)
    return found


def _value(path: str, node: ast.expr, constants: Dict[str, object]) -> object:
    """A literal, a name bound to one, a `dict(...)` / `{...}` of them (as nested entries), else UNKNOWN."""
    pairs = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
        pairs = [(keyword.arg, keyword.value) for keyword in node.keywords]
    elif isinstance(node, ast.Dict):
        pairs = [(_literal(key, {}) if key is not None else None, value) for key, value in zip(node.keys, node.values)]
    if pairs is None:
        found = _literal(node, constants)
        return UNKNOWN if found is _NOT_LITERAL else found
    entries: Entries = {}
    for key, value in pairs:
        if not isinstance(key, str):
            return UNKNOWN  # `**base`, a computed key: what the dict holds is not known
        entries[key] = Entry(_value(path, value, constants), path, value.lineno, value.col_offset + 1)
    return entries


_NOT_LITERAL = object()


def _literal(node: ast.expr, constants: Dict[str, object]) -> object:
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL


def merge(child: Entries, base: Entries) -> Entries:
    """`_merge_a_into_b(child, base)` on entries: a child dict merges into the base's dict of
    the same key unless it sets `_delete_=True`; any other child value replaces the base's.
    A child dict over a base value that is not a dict (an error for mmengine) is UNKNOWN."""
    merged = dict(base)
    for key, entry in child.items():
        below = base.get(key)
        if isinstance(entry.value, dict) and below is not None and not deletes(entry.value):
            if isinstance(below.value, dict):
                merged[key] = Entry(merge(entry.value, below.value), entry.path, entry.line, entry.column)
            else:
                merged[key] = Entry(UNKNOWN, entry.path, entry.line, entry.column)
        elif isinstance(entry.value, dict):  # mmengine pops `_delete_` from the dict it keeps
            merged[key] = Entry({k: v for k, v in entry.value.items() if k != DELETE_KEY}, entry.path, entry.line, entry.column)
        else:
            merged[key] = entry
    return merged


def deletes(entries: Entries) -> bool:
    entry = entries.get(DELETE_KEY)
    return entry is not None and entry.value is True
