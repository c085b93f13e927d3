"""The run's plan: which rules run on which file, and the words test that decides
whether a file is read any further, resolved once per run from the settings.

The stages that follow are `reglint.pipeline` (one source) and `reglint.runner`
(many files, the cache, the process pool).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Callable, Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from reglint.config import Settings
from reglint.rule import Rule, all_rules


# the bytes a word's stem is stripped of (see `Plan.stems`)
_NOT_STEM = bytes(b for b in range(256) if not (chr(b).isalnum() or b == ord("_")) or b >= 128)


def _stems(words: Tuple[bytes, ...]) -> Tuple[Tuple[bytes, bytes], ...]:
    """Each word's stem: the shortest core of a word (the word without the punctuation
    around it) that the word contains, when that is shorter than the word."""
    cores = {core for core in (word.strip(_NOT_STEM).strip(b"_") for word in words) if len(core) >= 2}
    stems = []
    for word in words:
        stem = min((core for core in cores if core in word), key=len, default=word)
        if stem != word:
            stems.append((word, stem))
    return tuple(stems)


def _gate(rules: Sequence[Rule]) -> Tuple[bytes, ...]:
    """Words of which any file some rule may flag holds one: each rule's first group
    (every group is required), each word by its stem within that group (`wd` of ` wd`,
    `(wd`; but `adagrad` stays whole, although `grad` is another group's word), minus
    the words that contain another one."""
    required = dict.fromkeys(stem for rule in rules for _, stem in _own_stems(rule.words[0]))
    return tuple(w for w in required if not any(other != w and other in w for other in required))


def _own_stems(group: Tuple[bytes, ...]) -> Tuple[Tuple[bytes, bytes], ...]:
    """(word, its stem among the group's own words) for each word of the group."""
    stem_of = dict(_stems(group))
    return tuple((word, stem_of.get(word, word)) for word in group)


@dataclass(frozen=True)
class Plan:
    """What to run on each file, resolved once per run."""

    settings: Settings
    rules: Tuple[Rule, ...]
    # the words of every enabled rule, each once (see `Rule.words`); None when some
    # rule has none, so every file is read
    words: Optional[Tuple[bytes, ...]] = None
    # each word's stem, when shorter (`wd` of ` wd`, `(wd`; `norm` of `.norm(`; `adam` of
    # `adamw`), looked for first, so that one scan rules out every word that shares it
    stems: Tuple[Tuple[bytes, bytes], ...] = ()
    # a necessary condition, looked for first: the words of one group every enabled rule
    # requires, without the words that contain another of them (`l2` covers `l2(`). A
    # file with none of them is turned away after a few C-speed scans (most files are).
    gate: Tuple[bytes, ...] = ()
    # the paths the user named (on the command line, stdin's name): each is read enough
    # to report RL000 when it is not Python source, even where the words test rules it out
    named: FrozenSet[str] = frozenset()

    @classmethod
    def build(cls, settings: Settings) -> "Plan":
        registry = all_rules()
        enabled = settings.enabled_codes(registry)
        rules = tuple(rule for code, rule in registry.items() if code in enabled)
        if rules and all(rule.words for rule in rules):
            words = tuple(dict.fromkeys(word for rule in rules for group in rule.words for word in group))
            stems = _stems(words)
            return cls(settings, rules, words, stems, _gate(rules))
        return cls(settings, rules)

    def naming(self, paths: Iterable[str]) -> "Plan":
        """This plan for a run that was given `paths` by name."""
        return replace(self, named=frozenset(paths))

    def may_flag(self, data: bytes, rules: Sequence[Rule]) -> bool:
        """The words test: read a file only if some enabled rule's words occur in it."""
        return bool(self.flaggable(data, rules))

    def flaggable(self, data: bytes, rules: Sequence[Rule], seen: Optional[Dict[bytes, bool]] = None) -> Tuple[Rule, ...]:
        """The `rules` whose words occur in the file (all of them when some rule has none).
        The file is lowercased once, and each word (or its stem) is looked for at most once;
        what was found is kept in `seen` (word -> occurs), for a caller that asks again."""
        if self.words is None:
            return tuple(rules)
        seen = {} if seen is None else seen
        lowered = data.lower()
        if not any(word in lowered for word in self.gate):
            seen.update(dict.fromkeys(self.gate, False))
            return ()
        present = self._present(lowered, seen)
        return tuple(rule for rule in rules if rule.may_flag(present))

    def _present(self, lowered: bytes, seen: Dict[bytes, bool]) -> Callable[[bytes], bool]:
        """Whether a word occurs in `lowered`: a word whose stem does not is never looked for."""
        stems = self._stem_of

        def present(word: bytes) -> bool:
            found = seen.get(word)
            if found is None:
                stem = stems.get(word)
                found = seen[word] = (stem is None or present(stem)) and word in lowered
            return found

        return present

    @cached_property
    def _stem_of(self) -> Dict[bytes, bytes]:
        return dict(self.stems)

    def flaggable_at(self, path: str, data: bytes, rules: Sequence[Rule], read: Optional[List[str]] = None) -> Tuple[Rule, ...]:
        """`flaggable`, and the rules whose `project_words` hold in the builders this file imports
        from project modules (a network built with regularizers in `models.py`, trained here);
        the module files consulted are added to `read` (the cache's dependencies)."""
        seen: Dict[bytes, bool] = {}
        found = self.flaggable(data, rules, seen)
        rest = [rule for rule in rules if rule.project_words and all(rule is not f for f in found)]
        if not rest or self.words is None or not path or path == "-":
            return found
        from reglint.builders import BUILDER_WORD, imports_builders

        present = self._present(data.lower(), seen)
        held = {}

        def imported(word: bytes) -> bool:
            if word not in held:
                held[word] = word == BUILDER_WORD and imports_builders(path, data, read)
            return held[word]

        more = {id(rule) for rule in rest if rule.may_flag(present, imported)}
        if not more:
            return found
        return tuple(rule for rule in rules if id(rule) in more or any(rule is f for f in found))

    def rules_for(self, path: str) -> Tuple[Rule, ...]:
        ignored = tuple(code.upper() for code in self.settings.ignored_for(path))
        if not ignored:
            return self.rules
        return tuple(rule for rule in self.rules if not rule.code.startswith(ignored))
