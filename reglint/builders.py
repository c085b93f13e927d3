"""Before anything is parsed: may a name a file imports from a project module build
regularized layers, or return an optimizer? Read from bytes, so that the words test and
the fact screen can ask it; the project index (`reglint.project`) answers exactly once a
file is analysed.

A builder's module holds `BUILDER_WORD` (the summaries read only the definitions that
do), a factory's module `FACTORY_WORD` (every optimizer class the summaries know is
spelled with it: `torch.optim`, `keras.optimizers`, `tf.train.AdamOptimizer`); a rule's
words test may ask for its own words too (RL002: an adaptive class's name). A module
that re-exports the name from one that holds them (`from .resnet import build` in a
package's `__init__`) is followed as far as the index follows re-exports. Every answer
is a superset of the index's, so no file the analysis could flag is turned away.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Optional, Set, Tuple

from reglint.frameworks import OPTIMIZER_WORD, PENALTY_WORDS
from reglint.project import MAX_MODULE_BYTES, MAX_REEXPORTS, generation as project_generation, may_be_project_module, module_path, submodule

# every keyword that attaches a regularizer holds it (`analysis.summary._mentions_regularizer`)
BUILDER_WORD = b"regularizer"

# a module the summary reads optimizer factories in holds it
FACTORY_WORD = OPTIMIZER_WORD

# `from <dots><module> import <names>`, the names possibly in parentheses over several lines or
# continued with a backslash; the pattern starts with its literal (the regex engine then skips
# ahead to each `from`), and `from_imports` keeps the matches that begin a line (at any
# indentation: under `try:` / `if`)
FROM_IMPORT = re.compile(rb"from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+import[ \t]*(\([^)]*\)|[^\n\\]*(?:\\.[^\n\\]*)*)", re.DOTALL)
_COMMENT = re.compile(rb"#[^\n]*")
# `import a.b as c, d` (a statement of its own: `from m import x` is FROM_IMPORT's)
IMPORT = re.compile(rb"import[ \t]+([\w. \t]+(?:,[\w. \t]+)*)")

# a top-level `def name(` (group 1), `async def`, `class` or decorator: where a function's text ends
_TOP_LEVEL = re.compile(rb"^(?:(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(|class[ \t]|@)", re.MULTILINE)
_CALLED = re.compile(rb"(\w+)[ \t]*\(")
# a top-level alias of a dotted name (`SQ = torch.square`): the functions below may call it
_ALIAS = re.compile(rb"^[A-Za-z_]\w*[ \t]*=[ \t]*[A-Za-z_][\w.]*[ \t]*$", re.MULTILINE)
_BETWEEN = frozenset((b" ", b"\t", b"\n", b"\r", b"\\"))
_NAME_OR_DOT = frozenset(bytes([byte]) for byte in b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.")
MAX_FORWARDS = 6  # `analysis.summary.MAX_CALL_DEPTH`: calls of the module's own functions followed
MODULE_HOPS = 2  # modules a builder's own imports are followed through (`build_model` -> `conv_block` -> one more)

Imported = Tuple[int, str, Tuple[Tuple[str, str], ...]]  # dots, module, (name there, name here)
Sources = Dict[str, List[Tuple[int, str, str]]]  # name here -> (dots, module, name there) it is imported from
Words = Tuple[bytes, ...]


class _Module:
    """What the questions asked so far found in one module file, remembered while its stamp
    holds; a new question reads the file again unless it is one of the last RECENT_MODULES
    read (a run asks a handful of questions: the bytes of every module are not kept)."""

    def __init__(self, path: str, stamp: Tuple[int, int]):
        self.path = path
        self.stamp = stamp
        self._held: Dict[Words, bool] = {}
        self._texts: Optional[Dict[str, bytes]] = None
        self._returns: Dict[Tuple[str, ...], bool] = {}
        self._calls: Dict[str, bool] = {}
        # hops -> (whether it calls a project builder that far, the module files that answer read, with their stamps)
        self.hops: Dict[int, Tuple[bool, Tuple[Tuple[str, Tuple[int, int]], ...]]] = {}
        self._sources: Optional[Sources] = None

    def _data(self) -> bytes:
        """The module's bytes; the last few modules' are kept (the questions about one module
        come together), the others read again."""
        data = _recent.get(self.path)
        if data is None:
            try:
                with open(self.path, "rb") as handle:
                    data = handle.read(MAX_MODULE_BYTES + 1)
            except OSError:
                data = b""
            if len(data) > MAX_MODULE_BYTES:
                data = b""  # the index does not summarise it either
            if len(_recent) >= RECENT_MODULES:
                del _recent[next(iter(_recent))]
            _recent[self.path] = data
        return data

    def returns_holding(self, name: str, words: Words, required: Optional[bytes] = FACTORY_WORD) -> bool:
        """Whether top-level function `name` may return an optimizer (a Σw², with `required`
        None) spelled with one of `words`: its text, with the module's import statements and
        top-level aliases (`SQ = torch.square`), holds one of them (and `required`), or a
        top-level function it calls does, `MAX_FORWARDS` calls away at most (the summary
        follows `return _make(cfg)` as far). Breadth first, each function read once."""
        key = (name, required) + words
        if key not in self._returns:
            functions = self._functions()
            imports = functions[""]
            frontier, seen, found = [name], {name}, False
            for _ in range(MAX_FORWARDS + 1):
                texts = [functions[f] for f in frontier if f in functions]
                if any((required is None or required in text + imports) and any(word in text or word in imports for word in words)
                       for text in texts):
                    found = True
                    break
                frontier = [callee for text in texts for callee in self._callees(text, functions) if callee not in seen]
                seen.update(frontier)
                if not frontier:
                    break
            self._returns[key] = found
        return self._returns[key]

    @staticmethod
    def _callees(text: bytes, functions: Dict[str, bytes]) -> List[str]:
        """The module's top-level functions a function's text calls, each once."""
        return list(dict.fromkeys(name for name in (match.decode("ascii", "replace") for match in _CALLED.findall(text))
                                  if name in functions and name))

    def _functions(self) -> Dict[str, bytes]:
        """Top-level function name -> its lowercased text (to the next top-level `def`, `class`
        or decorator), and "" -> the module's import statements."""
        if self._texts is None:
            data = self._data()
            starts = [match for match in _TOP_LEVEL.finditer(data)]
            self._texts = {}
            for index, match in enumerate(starts):
                if match.group(1) is not None:
                    end = starts[index + 1].start() if index + 1 < len(starts) else len(data)
                    self._texts.setdefault(match.group(1).decode("ascii", "replace"), data[match.start():end].lower())
            self._texts[""] = b"\n".join([match.group(0) for pattern in (FROM_IMPORT, IMPORT)
                                           for match in _statements(pattern, data)] + _ALIAS.findall(data)).lower()
        return self._texts

    def calls(self, name: str) -> bool:
        """Whether the module's bytes call `name` by itself (`conv_block(`, not `x.conv_block(`):
        the calls `analysis.summary` follows into the module a name is imported from."""
        if name not in self._calls:
            self._calls[name] = calls_by_name(self._data(), name)
        return self._calls[name]

    def holds(self, words: Words) -> bool:
        """Whether the module's bytes hold one of `words` (lowercase)."""
        if words not in self._held:
            lowered = self._data().lower()
            if len(words) == 1:
                self._held[words] = words[0] in lowered
            else:  # one pass for many words (an adaptive class's names)
                self._held[words] = bool(_automaton(words).find_matches_as_indexes(lowered))
        return self._held[words]

    @property
    def sources(self) -> Sources:
        """Where its `from`-imported names come from."""
        if self._sources is None:
            self._sources = {}
            for dots, module, pairs in from_imports(self._data()):
                for original, local in pairs:
                    self._sources.setdefault(local, []).append((dots, module, original))
        return self._sources


def calls_by_name(data: bytes, name: str) -> bool:
    """Whether `data` calls `name` by itself (`name(` or `name (`, not `x.name(` nor `xname(`),
    found with `bytes.find` (no pattern to compile per name)."""
    spelled = name.encode("ascii", "replace")
    start = data.find(spelled)
    while start != -1:
        end = start + len(spelled)
        if start == 0 or data[start - 1:start] not in _NAME_OR_DOT:
            while data[end:end + 1] in _BETWEEN:  # `conv_block (x)`, or a line break inside brackets
                end += 1
            if data[end:end + 1] == b"(":
                return True
        start = data.find(spelled, start + 1)
    return False


@lru_cache(maxsize=8)
def _automaton(words: Words):
    from ahocorasick_rs import BytesAhoCorasick

    return BytesAhoCorasick(words)


_PENALTIES = frozenset(PENALTY_WORDS)
_modules: Dict[str, _Module] = {}
RECENT_MODULES = 64
_recent: Dict[str, bytes] = {}  # module file -> its bytes, for the last RECENT_MODULES read


def _statements(pattern, data: bytes):
    """The matches of `pattern` that begin a line (at any indentation: under `try:` / `if`)."""
    for match in pattern.finditer(data):
        start = match.start()
        if not data[data.rfind(b"\n", 0, start) + 1:start].strip(b" \t"):
            yield match


def from_imports(data: bytes) -> Tuple[Imported, ...]:
    """The `from m import a, b as c` statements of a module's bytes."""
    found = []
    for match in _statements(FROM_IMPORT, data):
        dots, module, names = match.groups()
        pairs = []
        if not names.startswith(b"("):
            names = names.split(b";", 1)[0]  # `from m import f; x = 1`
        for part in _COMMENT.sub(b"", names).strip(b"()").replace(b"\\", b" ").split(b","):
            words = part.split()
            if len(words) == 1 or (len(words) == 3 and words[1] == b"as"):
                pairs.append((words[0].decode("ascii", "replace"), words[-1].decode("ascii", "replace")))
        found.append((len(dots), module.decode("ascii", "replace"), tuple(pairs)))
    return tuple(found)


def imports_holding(importer: str, data: bytes, words: Words, read: Optional[List[str]] = None) -> bool:
    """Whether the file (`data`, at path `importer`) calls a name it imports from a project
    module (`build(...)` after `from models import build`, `models.build(...)` after `import
    models` / `from . import models`: the calls `analysis.imported` reads) that may build
    regularized layers there, as far as the analysis follows it (`words` holding
    BUILDER_WORD), may return a Σw² (PENALTY_WORDS), or may return an optimizer spelled with
    one of `words` (any other words)."""
    if not importer or importer == "-":
        return False
    return any(_defined_holding(path, set(names), words, read, MAX_REEXPORTS)
               for path, names in _called_modules(importer, data, project_generation()))


@lru_cache(maxsize=2)
def _called_modules(importer: str, data: bytes, generation: int) -> Tuple[Tuple[str, FrozenSet[str]], ...]:
    """(module file, the names of it the file calls) for each project module the file imports
    from, in the order imports_holding asks them: read once for a file's several questions
    (builders, penalties, factories), while the project's files found on disk are the same
    (`generation`, see `project.forget`)."""
    found: List[Tuple[str, FrozenSet[str]]] = []
    for dots, module, names in from_imports(data):
        if not dots and not may_be_project_module(module):
            continue
        path = module_path(importer, dots, module)
        if path is not None:
            called = frozenset(original for original, local in names if calls_by_name(data, local))
            if called:
                found.append((path, called))
            if os.path.basename(path) != "__init__.py":
                continue  # a module's names are no submodules; a package's may be (`from . import models`)
        for original, local in names:
            inner = module_path(importer, dots, submodule(module, original))  # mostly None: a name, no module
            methods = _methods_called(data, local) if inner is not None else None
            if methods:
                found.append((inner, frozenset(methods)))
    for module, local in _module_locals(data):
        methods = _methods_called(data, local) if may_be_project_module(module) else None
        path = module_path(importer, 0, module) if methods else None
        if path is not None:
            found.append((path, frozenset(methods)))
    return tuple(found)


def _methods_called(data: bytes, name: str) -> Set[str]:
    """The attributes of `name` the bytes call (`optim.build(` -> {"build"})."""
    pattern = re.escape(name.encode("ascii", "replace")) + rb"\.(\w+)[ \t\r\n\\]*\("  # as `calls_by_name` spaces them
    return {match.decode("ascii", "replace") for match in re.findall(pattern, data)}


def _module_locals(data: bytes) -> Tuple[Tuple[str, str], ...]:
    """(module, the name it is bound to) of `import optim` / `import pkg.optim as o` statements;
    `import pkg.optim` binds `pkg` (`pkg.build(...)` calls the package's `build`), and its
    calls `pkg.optim.build(...)` are read as those of a name `pkg.optim`."""
    found = []
    for match in _statements(IMPORT, data):
        for part in match.group(1).split(b","):
            words = part.split()
            if len(words) == 3 and words[1] == b"as":
                found.append((words[0].decode("ascii", "replace"), words[2].decode("ascii", "replace")))
            elif len(words) == 1:
                found.append((words[0].split(b".")[0].decode("ascii", "replace"),) * 2)
                if b"." in words[0]:  # and `pkg.optim.build(...)` calls pkg.optim's
                    found.append((words[0].decode("ascii", "replace"),) * 2)
    return tuple(found)


def builder_imports(importer: str, imports: Iterable[Tuple[int, str, str]],
                    read: Optional[List[str]] = None) -> FrozenSet[Tuple[int, str, str]]:
    """Of the (dots, module, name) a file calls, those that may build regularized layers."""
    return frozenset(found for found in imports if may_build(importer, *found, read))


def factory_imports(importer: str, imports: Iterable[Tuple[int, str, str]],
                    read: Optional[List[str]] = None) -> FrozenSet[Tuple[int, str, str]]:
    """Of the (dots, module, name) a file calls, those that may return an optimizer."""
    return frozenset(found for found in imports if may_hold(importer, *found, (FACTORY_WORD,), read))


def penalty_imports(importer: str, imports: Iterable[Tuple[int, str, str]],
                    read: Optional[List[str]] = None) -> FrozenSet[Tuple[int, str, str]]:
    """Of the (dots, module, name) a file calls, those that may return a Σw² penalty."""
    return frozenset(found for found in imports if may_hold(importer, *found, PENALTY_WORDS, read))


def may_build(importer: str, dots: int, module: str, name: str, read: Optional[List[str]] = None) -> bool:
    """Whether `name`, imported by file `importer` from `module`, may build regularized layers.
    The module files consulted are added to `read`: the answer holds while they are unchanged."""
    return may_hold(importer, dots, module, name, (BUILDER_WORD,), read)


def may_hold(importer: str, dots: int, module: str, name: str, words: Words, read: Optional[List[str]] = None) -> bool:
    """Whether `name`, imported by file `importer` from `module`, is defined in a module file
    holding one of `words` (the files consulted are added to `read`)."""
    if not importer or importer == "-":
        return False
    path = module_path(importer, dots, module)
    return path is not None and _defined_holding(path, {name}, words, read, MAX_REEXPORTS)


def _defined_holding(path: str, names: Set[str], words: Words, read: Optional[List[str]], reexports: int,
                     hops: int = MODULE_HOPS) -> bool:
    """Whether module file `path` holds one of `words` (for an optimizer's words, also a `def`
    of one of `names` that may return an optimizer so spelled), or re-exports one of
    `names` from a module that does; for BUILDER_WORD also whether a project module it imports
    from may build (a model factory calling another module's layer builder), `hops` further."""
    if read is not None:
        read.append(os.path.abspath(path))
    module = _module(path)
    builder = BUILDER_WORD in words
    penalty = not builder and _PENALTIES.issuperset(words)  # a function returning Σw² (`l2_penalty(model)`)
    if builder and module.holds(words):
        return True
    if not builder and module.holds(words) and any(
            module.returns_holding(name, words, None if penalty else FACTORY_WORD) for name in names):
        return True
    if reexports <= 0:
        return False
    for name in names:
        for dots, source, original in module.sources.get(name, ()):
            inner = module_path(path, dots, source)
            if inner is not None and _defined_holding(inner, {original}, words, read, reexports - 1, hops):
                return True
    return builder and hops > 0 and _calls_builders(path, read, hops)


def _calls_builders(path: str, read: Optional[List[str]], hops: int) -> bool:
    """Whether module file `path` calls a name it imports from a project module that may
    build regularized layers (`build_model` calling `conv_block` of layers.py), `hops` modules
    further at most. Remembered with the module files it read, while none of them changes."""
    module = _module(path)
    known = module.hops.get(hops)
    if known is not None and all(_module(other).stamp == stamp for other, stamp in known[1]):
        if read is not None:
            read.extend(other for other, _ in known[1])
        return known[0]
    imported: Dict[Tuple[int, str], Set[str]] = {}  # the project names the module calls, by their module
    for local, found in module.sources.items():
        for dots, source, original in found:
            if (dots or may_be_project_module(source)) and module.calls(local):
                imported.setdefault((dots, source), set()).add(original)
    consulted: List[str] = []
    result = False
    for (dots, source), originals in sorted(imported.items()):
        inner = module_path(path, dots, source)
        if inner is not None and _defined_holding(inner, originals, (BUILDER_WORD,), consulted, MAX_REEXPORTS, hops - 1):
            result = True
            break
    module.hops[hops] = (result, tuple((other, _module(other).stamp) for other in dict.fromkeys(consulted)))
    if read is not None:
        read.extend(consulted)
    return result


def _module(path: str) -> _Module:
    """The module file's answers, remembered while the file is unchanged."""
    key = os.path.abspath(path)
    try:
        status = os.stat(key)
        stamp = (status.st_size, status.st_mtime_ns)
    except OSError:
        return _Module(key, (-1, -1))  # unreadable: holds nothing, imports nothing
    known = _modules.get(key)
    if known is None or known.stamp != stamp:
        _recent.pop(key, None)
        known = _modules[key] = _Module(key, stamp)
    return known
