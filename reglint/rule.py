"""Rule metadata and the registry that loads every module of `reglint.rules`.

A rule is one module in the top-level `rules/` folder (shipped as `reglint.rules`)
with a module docstring holding its docs (ruff's headings), a `RULE` describing it,
and `check(model, settings, report) -> Iterable[Diagnostic]` (`report`: a
`reglint.reporter.Reporter`, which turns the model's nodes into diagnostics and edits).

A rule says when it cannot flag a file in two ways, both data: `words` (lowercase
bytes the file must contain; the engine lowercases each file once and reads it only
if some enabled rule's words occur) and `facts` (fact kinds its code must be able to
yield; tested on CPython's `ast` summary, `reglint.screen.Code`, before libcst runs).
To add a fact kind: write one predicate `may_have_<kind>(code) -> bool` in
`reglint/facts.py`, in the section of the extractor concern that finds that fact,
answering False only when the extractor cannot find such a fact in this code (if it
needs a new name set or flag, collect it in `screen.read`); register it in
`FACT_KINDS`; name it in the rules' `facts`. tests/test_screen.py then proves on every
fixture, example, generated program and corpus file that the filter drops nothing.

A hazard whose part sits in another module of the project is let through by
`project_words` (the words a module the file imports holds, asked of `reglint.builders`
only for the one group of `words` the file lacks) and by the fact kinds of project calls
(`project_builders`, `project_factories`, `project_penalties`); a new kind of cross-module part needs its
question in `reglint.builders` (bytes, a superset of what `analysis.summary` reads) and
its summary field, and tests/test_projects.py proves it on fixture projects.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from types import ModuleType
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Tuple, Union

from reglint.diagnostic import Applicability

DOCS_URL = "https://github.com/reglint/reglint/blob/main/docs/rules.md#{code}"


Words = Tuple[Union[bytes, Tuple[bytes, ...]], ...]
Facts = Tuple[Union[str, Tuple[str, ...]], ...]


def _groups(needs) -> tuple:
    """`(a, (b, c))` as `((a,), (b, c))`: every group must hold, by one of its members."""
    return tuple(need if isinstance(need, tuple) else (need,) for need in needs)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    # the strongest applicability any of the rule's fixes has, or None without fixes
    fix: Applicability | None
    # Lowercase bytes that any file this rule can flag contains. Each entry must occur;
    # an entry that is a tuple occurs when one of its words does. A word must be one
    # that every spelling of the hazard contains, aliases included (`from torch.optim
    # import Adam as Opt` names `adam`), in its code: a word counts only outside comments
    # and long string literals (`reglint.prose`). Empty: every file.
    words: Words = ()
    # Groups like `words` that count anywhere in the file, comments and docstrings too:
    # evidence of intent ("# Caffe's weight_decay"), suppression directives (RL100).
    prose_words: Words = ()
    # How a project module this file imports can meet one group of `words` the file lacks
    # (`reglint.builders`): pairs (words the module holds, words the file's code must hold too,
    # or none). `regularizer`: the network's layers are built there; an adaptive class's name
    # with a word of stepping it here: an optimizer factory's function there. At most one
    # group may be met this way: the project's modules are read only for a file that holds
    # all the rest of the hazard.
    project_words: Tuple[Tuple[Tuple[bytes, ...], Tuple[bytes, ...]], ...] = ()
    # Words in the file's code that let two missing groups be met by the project, each by a
    # help of `project_words` (Keras's `.compile(` of a model built in one module with an
    # optimizer made in another): a word few files hold, so that few read their imports twice.
    project_pair_words: Tuple[bytes, ...] = ()
    # Words that count only where a pattern (bytes, over the lowercased file) matches too:
    # (word, pattern) pairs, each word one of `words`. For a word whose common spellings say
    # nothing (`l2` in `val2017`, `.norm(` in `self.norm(x)`, a layer); the pattern is run
    # only on a file that holds the word.
    word_contexts: Tuple[Tuple[bytes, bytes], ...] = ()
    # Fact kinds (`reglint.facts.FACT_KINDS`) the rule needs, grouped like `words`:
    # each entry must be possible in the file's code, a tuple entry by one of its kinds.
    # Empty: the rule runs on every file its words let through.
    facts: Facts = ()
    default: bool = True  # enabled without --select
    docs: str = ""
    check: Callable[..., Iterable] | None = None
    # a rule about the suppression comments themselves (RL100) defines
    # `check_directives(path, source, suppressions, used, enabled)`: the noqa filter
    # calls it once it knows which directive silenced which diagnostic
    check_directives: Callable[..., Iterable] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "words", _groups(self.words))
        object.__setattr__(self, "prose_words", _groups(self.prose_words))
        object.__setattr__(self, "facts", _groups(self.facts))
        unknown = {word for word in self.all_words if word != word.lower()}
        if unknown:
            raise ValueError(f"{self.code}: words must be lowercase bytes: {sorted(unknown)}")
        strays = {word for word, _ in self.word_contexts} - set(self.all_words)
        if strays:
            raise ValueError(f"{self.code}: word_contexts for words the rule does not have: {sorted(strays)}")
        # every group of `prose_words` and `words` as a set: the words test of every file
        # asks every rule, so it intersects sets rather than calling per word
        object.__setattr__(self, "_word_sets", tuple(frozenset(group) for group in self.prose_words + self.words))

    @property
    def all_words(self) -> Tuple[bytes, ...]:
        """Every word the words test looks for (the project help's file words included)."""
        return tuple(word for group in self.words + self.prose_words + tuple(uses for _, uses in self.project_words)
                     + (self.project_pair_words,) for word in group)

    def holds_words(self, found: FrozenSet[bytes]) -> bool:
        """`may_flag(found.__contains__)`, by set intersections: each group has a word in `found`."""
        return all(not found.isdisjoint(group) for group in self._word_sets)

    def may_complete_in_project(self, found: FrozenSet[bytes]) -> bool:
        """What `may_flag` with `imported` needs first, by set intersections: every group of
        `prose_words` held, and no more groups of `words` missing than the project may meet."""
        prose = len(self.prose_words)
        if not all(not found.isdisjoint(group) for group in self._word_sets[:prose]):
            return False
        missing = sum(1 for group in self._word_sets[prose:] if found.isdisjoint(group))
        return missing <= (2 if not found.isdisjoint(self.project_pair_words) else 1)

    def may_flag(self, present: Callable[[bytes], bool], imported: Optional[Callable[[Tuple[bytes, ...]], bool]] = None,
                 in_code: Optional[Callable[[bytes], bool]] = None) -> bool:
        """The words test, given whether a word occurs in the lowercased file, and (`in_code`)
        in its code (the file when not given); with `imported`, whether a project module it
        imports from holds one of some `project_words`: False only when this rule cannot flag the file."""
        coded = present if in_code is None else in_code
        if not all(any(present(word) for word in group) for group in self.prose_words):
            return False
        if imported is None:  # the whole file first: its code is read only for a file that may pass
            return all(any(present(word) for word in group) for group in self.words) and (
                coded is present or all(any(coded(word) for word in group) for group in self.words))
        # the file's own words first: the project's modules are read only for the one group
        # still missing (two with a `project_pair_words` word), when project helps can meet
        # them, and its code is read only then
        missing = [group for group in self.words if not any(present(word) for word in group)]
        most = 2 if any(present(word) for word in self.project_pair_words) else 1
        if len(missing) > most or not all(self._helps(group, present) for group in missing):
            return False
        missing = [group for group in self.words if not any(coded(word) for word in group)]
        if len(missing) > 1 and not (len(missing) == 2 and any(coded(word) for word in self.project_pair_words)):
            return False
        return all(any(imported(helping) for helping in self._helps(group, coded)) for group in missing)

    def _helps(self, group, holds: Callable[[bytes], bool]) -> List[Tuple[bytes, ...]]:
        """The words of `group` a project module could hold for this file, one tuple per
        project help whose file words it `holds`."""
        found = []
        for held, uses in self.project_words:
            helping = tuple(word for word in group if word in held)
            if helping and (not uses or any(holds(word) for word in uses)):
                found.append(helping)
        return found

    def may_flag_code(self, code) -> bool:
        """The facts test on the file's `reglint.screen.Code`: False only when this rule cannot flag the file."""
        from reglint.facts import FACT_KINDS

        return all(any(FACT_KINDS[kind](code) for kind in group) for group in self.facts)

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code.lower())


CODE_PATTERN = re.compile(r"^RL\d{3}$")


def _rule_from_module(module: ModuleType) -> Rule:
    meta: Rule = module.RULE
    docs = (module.__doc__ or "").strip()
    return replace(meta, docs=docs, check=module.check, check_directives=getattr(module, "check_directives", None))


@lru_cache(maxsize=1)
def all_rules() -> Dict[str, Rule]:
    """Every rule, keyed by code, in code order."""
    from reglint import rules as package

    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, "RULE"):
            rule = _rule_from_module(module)
            if not CODE_PATTERN.match(rule.code):
                raise ValueError(f"rule module {info.name} has a malformed code {rule.code!r}")
            if rule.code in found:
                raise ValueError(f"two rule modules claim {rule.code}")
            found[rule.code] = rule
    return dict(sorted(found.items()))
