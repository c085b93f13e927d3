"""The run's plan: which rules run on which file, and the words test that decides
whether a file is read any further, resolved once per run from the settings.

The stages that follow are `reglint.pipeline` (one source) and `reglint.runner`
(many files, the cache, the process pool).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Optional, Pattern, Sequence, Tuple

from reglint.config import Settings
from reglint.rule import Rule, all_rules


@lru_cache(maxsize=8)
def _searcher(words: Tuple[bytes, ...]):
    """One Aho-Corasick automaton for all the words (the `aho-corasick` crate, as in
    ripgrep and ruff): a file is searched once, however many words the rules have."""
    from ahocorasick_rs import BytesAhoCorasick, Implementation

    # a DFA: built in under a millisecond for the ~240 words, it searches the corpus's
    # 103 MB in 0.17 s where the default contiguous NFA takes 0.44 s
    return BytesAhoCorasick(words, implementation=Implementation.DFA)


def _contexts(rules: Sequence[Rule]) -> Tuple[Tuple[bytes, Pattern[bytes]], ...]:
    """The rules' word contexts, compiled; two rules may not read one word two ways."""
    contexts = {}
    for rule in rules:
        for word, pattern in rule.word_contexts:
            if contexts.setdefault(word, pattern) != pattern:
                raise ValueError(f"{rule.code}: word {word!r} has another context in another rule")
    return tuple((word, re.compile(pattern)) for word, pattern in contexts.items())


@dataclass(frozen=True)
class Plan:
    """What to run on each file, resolved once per run."""

    settings: Settings
    rules: Tuple[Rule, ...]
    # the words of every enabled rule, each once (see `Rule.words`); None when some
    # rule has none, so every file is read
    words: Optional[Tuple[bytes, ...]] = None
    # (word, compiled pattern) of the rules' `word_contexts`: such a word counts only where
    # its pattern matches too
    contexts: Tuple[Tuple[bytes, Pattern[bytes]], ...] = ()
    # the paths the user named (on the command line, stdin's name): each is read enough
    # to report RL000 when it is not Python source, even where the words test rules it out
    named: FrozenSet[str] = frozenset()

    @classmethod
    def build(cls, settings: Settings) -> "Plan":
        registry = all_rules()
        enabled = settings.enabled_codes(registry)
        rules = tuple(rule for code, rule in registry.items() if code in enabled)
        if rules and all(rule.words or rule.prose_words for rule in rules):
            words = tuple(dict.fromkeys(word for rule in rules for word in rule.all_words))
            return cls(settings, rules, words, _contexts(rules))
        return cls(settings, rules)

    def naming(self, paths: Iterable[str]) -> "Plan":
        """This plan for a run that was given `paths` by name."""
        return replace(self, named=frozenset(paths))

    def may_flag(self, data: bytes, rules: Sequence[Rule]) -> bool:
        """The words test: read a file only if some enabled rule's words occur in it."""
        return bool(self.flaggable(data, rules))

    def words_in(self, data: bytes) -> FrozenSet[bytes]:
        """The plan's words that occur in the lowercased file, all found in one pass."""
        words = self.words or ()
        if not words:
            return frozenset()
        lowered = data.lower()
        found = {words[index] for index, _, _ in _searcher(words).find_matches_as_indexes(lowered, overlapping=True)}
        for word, pattern in self.contexts:
            if word in found and pattern.search(lowered) is None:
                found.discard(word)
        return frozenset(found)

    def flaggable(self, data: bytes, rules: Sequence[Rule], found: Optional[FrozenSet[bytes]] = None,
                  coded: Optional[Dict[str, FrozenSet[bytes]]] = None) -> Tuple[Rule, ...]:
        """The `rules` whose words occur in the file (all of them when some rule has none);
        `found`: the file's `words_in`, for a caller that has them already; `coded`: where
        the words of its code are kept once found (`code_words`), for a caller that asks again."""
        if self.words is None:
            return tuple(rules)
        found = self.words_in(data) if found is None else found
        present = found.__contains__
        anywhere = [rule for rule in rules if rule.holds_words(found)]
        if not any(rule.words for rule in anywhere):
            return tuple(anywhere)
        in_code = self.code_words(data, coded).__contains__
        return tuple(rule for rule in anywhere if rule.may_flag(present, in_code=in_code))

    def code_words(self, data: bytes, coded: Optional[Dict[str, FrozenSet[bytes]]] = None) -> FrozenSet[bytes]:
        """The plan's words that occur in the file's code: outside its comments and long
        string literals (`reglint.prose`), found once per `coded` memo."""
        if coded is not None and "words" in coded:
            return coded["words"]
        from reglint.prose import code_bytes

        found = self.words_in(code_bytes(data))
        if coded is not None:
            coded["words"] = found
        return found

    def flaggable_at(self, path: str, data: bytes, rules: Sequence[Rule], read: Optional[List[str]] = None) -> Tuple[Rule, ...]:
        """`flaggable`, and the rules whose `project_words` hold in the project modules this file
        imports from (a network built with regularizers in `models.py`, an optimizer made by a
        factory in `optim.py`, trained here); the module files consulted are added to `read`
        (the cache's dependencies)."""
        if self.words is None:
            return tuple(rules)
        words = self.words_in(data)
        coded: Dict[str, FrozenSet[bytes]] = {}
        found = self.flaggable(data, rules, words, coded)
        rest = [rule for rule in rules if rule.project_words and all(rule is not f for f in found)
                and rule.may_complete_in_project(words)]
        if not rest or not path or path == "-":
            return found
        from reglint.builders import imports_holding

        held: Dict[Tuple[bytes, ...], bool] = {}

        def imported(words: Tuple[bytes, ...]) -> bool:
            if words not in held:
                held[words] = imports_holding(path, data, words, read)
            return held[words]

        def in_code(word: bytes) -> bool:
            return word in self.code_words(data, coded)

        more = {id(rule) for rule in rest if rule.may_flag(words.__contains__, imported, in_code)}
        if not more:
            return found
        return tuple(rule for rule in rules if id(rule) in more or any(rule is f for f in found))

    def rules_for(self, path: str) -> Tuple[Rule, ...]:
        ignored = tuple(code.upper() for code in self.settings.ignored_for(path))
        if not ignored:
            return self.rules
        return tuple(rule for rule in self.rules if not rule.code.startswith(ignored))
