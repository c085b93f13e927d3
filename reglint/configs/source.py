"""The config pipeline: text -> tree -> facts -> checks -> noqa -> (rounds of fixes).

The config source kind (`reglint.sources.config`) reads the bytes and hands the text
here, as the Python kind hands its text to `reglint.pipeline`; diagnostics point into
the config file itself, so every output format, the cache and `--fix` work unchanged.
"""

from __future__ import annotations

from typing import List, Optional, Sequence

from reglint.configs import formats
from reglint.configs.tree import ConfigSyntaxError
from reglint.diagnostic import Diagnostic

MAX_FIX_ROUNDS = 3


def build_model(path: str, text: str):
    """The `ConfigModel` of a config's text (raises ConfigSyntaxError)."""
    from reglint.configs.model import ConfigModel

    syntax = formats.syntax_of(path)
    try:
        root = formats.reader(path)(text)
    except ConfigSyntaxError as error:
        if syntax != "json":
            raise
        root, syntax = _jsonnet_json(text, error), "jsonnet"
    document = formats.Document(path, text, root, syntax)
    model = ConfigModel(path, text, root, document.syntax)
    from reglint.configs.facts import ConfigRegularizer

    for interpreter in formats.interpreters():
        for fact in interpreter.interpret(document):
            (model.regularizers if isinstance(fact, ConfigRegularizer) else model.optimizers).append(fact)
    model.depends = tuple(dict.fromkeys(document.depends))
    return model


def _jsonnet_json(text: str, error: ConfigSyntaxError):
    """A `.json` that is not JSON but an AllenNLP config: AllenNLP reads `.json` through jsonnet,
    so comments and trailing commas are valid there. Any other such file keeps its JSON error."""
    from reglint.configs import allennlp, jsonnet_reader

    try:
        root = jsonnet_reader.read(text)
    except ConfigSyntaxError:
        root = None
    if root is None or not allennlp.is_experiment(root):
        raise error
    return root


def lint_config(path: str, text: str, rules: Sequence, settings, depends: Optional[list] = None) -> List[Diagnostic]:
    """Diagnostics for a config's text; the other files its facts came from are added to
    `depends` (as `reglint.pipeline.lint_text` adds the project modules it read)."""
    from reglint import suppress
    from reglint.configs import checks
    from reglint.configs.model import ConfigReporter

    model = build_model(path, text)
    if depends is not None:
        depends.extend(model.depends)
    if not model.optimizers:
        return []
    report = ConfigReporter(path)
    found: List[Diagnostic] = []
    for rule in rules:
        check = checks.CHECKS.get(rule.code)
        if check is not None:
            found.extend(check(model, settings, report))
    comments = _comments(text, model.config_format)
    found = suppress.apply(found, text, path, rules, comments=comments)
    return sorted(found, key=lambda d: d.sort_key)


def fix_loop(path, text, diagnostics, rules, plan, unsafe):
    """Python's rounds of fixes (`fixes.fix_rounds`) over config text: edits applied as
    they are, and a round whose text no longer reads is undone (a fix never breaks a file)."""
    from reglint.fixes import apply_edits, fix_rounds

    return fix_rounds(text, diagnostics, unsafe, MAX_FIX_ROUNDS, apply_edits,
                      lambda new: lint_config(path, new, rules, plan.settings), (ConfigSyntaxError,))


def _comments(text: str, syntax: str) -> list:
    """The file's comments for noqa: YAML's and prototxt's `#`; JSON has none."""
    if syntax == "yaml":
        return list(yaml_comments(text))
    if syntax == "jsonnet":
        from reglint.configs import jsonnet_reader

        return jsonnet_reader.comments(text)
    if syntax == "prototxt":
        from reglint.configs import prototxt

        return prototxt.comments(text)
    return []


def yaml_comments(text: str):
    """(line, 0-based column, comment, alone on its line) for each YAML comment: a `#` at
    the start of a line or after a space, outside quotes."""
    for number, line in enumerate(text.splitlines(), 1):
        if "#" not in line:
            continue
        quote: Optional[str] = None
        for column, char in enumerate(line):
            if quote:
                if char == quote:
                    quote = None
            elif char in "'\"" and (column == 0 or line[column - 1] in " \t:[{,-"):
                quote = char
            elif char == "#" and (column == 0 or line[column - 1] in " \t"):
                yield number, column, line[column:], not line[:column].strip()
                break
