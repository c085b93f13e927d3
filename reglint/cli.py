"""The command line: argument parsing, exit codes, and the only place that prints.

Checking, writing fixes and `# noqa` comments happen elsewhere (`reglint.runner`,
`reglint.writing`); exit codes are in `reglint.usage`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from reglint import __version__
from reglint.usage import EXIT_CLEAN, EXIT_DIAGNOSTICS, EXIT_ERROR, Parser, UsageError


def _codes(value: str) -> List[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


# README.md's option table gives this text word for word (tests/test_readme.py)
CONFIG_HELP = "read settings from this TOML file instead of the nearest pyproject.toml: its [tool.reglint] table, or its top-level keys"


def check_parser() -> argparse.ArgumentParser:
    from reglint.config import OUTPUT_FORMATS

    parser = Parser(prog="reglint check", description="Find regularization and optimizer hazards.")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to check (default: .); - reads stdin")
    parser.add_argument("--fix", action="store_true", default=None, help="apply safe fixes")
    parser.add_argument("--no-fix", dest="fix", action="store_false", help="do not apply fixes, even when the configuration sets `fix = true`")
    parser.add_argument("--unsafe-fixes", action="store_true", default=None, help="also offer and apply unsafe fixes")
    parser.add_argument("--no-unsafe-fixes", dest="unsafe_fixes", action="store_false",
                        help="neither offer nor apply unsafe fixes, even when the configuration sets `unsafe-fixes = true`")
    parser.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; write nothing")
    parser.add_argument("--show-fixes", action="store_true", help="list the fixes that were applied")
    parser.add_argument("--add-noqa", action="store_true",
                        help="add `# noqa: CODE` to every line with a diagnostic (to adopt reglint gradually)")
    parser.add_argument("--select", type=_codes, help="rule codes or prefixes to enable (replaces the default set)")
    parser.add_argument("--extend-select", type=_codes, help="rule codes or prefixes to enable in addition")
    parser.add_argument("--ignore", type=_codes, help="rule codes or prefixes to disable")
    parser.add_argument("--output-format", choices=OUTPUT_FORMATS, help="how to print diagnostics")
    parser.add_argument("--statistics", action="store_true", help="print counts per rule instead of diagnostics")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when diagnostics remain")
    parser.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when anything was fixed")
    parser.add_argument("--config", metavar="FILE", help=CONFIG_HELP)
    parser.add_argument("--stdin-filename", metavar="NAME", help="read source from stdin and report it as NAME")
    parser.add_argument("--force-exclude", action="store_true", default=None,
                        help="apply exclude patterns to paths named on the command line too (for pre-commit)")
    parser.add_argument("--no-force-exclude", dest="force_exclude", action="store_false",
                        help="check every path named on the command line, even an excluded one (the default)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    parser.add_argument("--cache-dir", metavar="DIR", help="where the result cache lives (default: .reglint_cache, or $REGLINT_CACHE_DIR)")
    parser.add_argument("-j", "--jobs", type=int, metavar="N", help="worker processes (default: one per core)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print diagnostics only, no summary")
    return parser


def _lenient(error: UnicodeError):
    """Encode errors on output: a file name's undecodable bytes go out as they were
    (surrogateescape); anything else the terminal cannot show is backslash-escaped."""
    import codecs

    try:
        return codecs.lookup_error("surrogateescape")(error)
    except UnicodeError:
        return codecs.lookup_error("backslashreplace")(error)


def _tolerant_streams() -> None:
    """Never fail while printing: paths may not be UTF-8, terminals may be ASCII."""
    import codecs

    codecs.register_error("reglint-lenient", _lenient)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="reglint-lenient")
            except (ValueError, OSError):  # pragma: no cover - a closed or unusual stream
                pass


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    _tolerant_streams()
    try:
        return _dispatch(args)
    except UsageError as error:
        _err(f"reglint: error: {error}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as error:  # a bug in reglint: one line, exit 2, never a traceback
        _err(f"reglint: internal error: {type(error).__name__}: {error} (please report it; set REGLINT_DEBUG=1 for the traceback)")
        if os.environ.get("REGLINT_DEBUG"):
            raise
        return EXIT_ERROR


def _dispatch(args: List[str]) -> int:
    if args[:1] in (["--version"], ["-V"]):
        print(f"reglint {__version__}")
        return EXIT_CLEAN
    if args[:1] in (["-h"], ["--help"]):
        _print_help()
        return EXIT_CLEAN
    if args and args[0] == "clean":
        return _clean(args[1:])
    if args and args[0] == "rules":
        return _rules(args[1:])
    if args and args[0] == "rule":
        return _rule(args[1:])
    if args and args[0] == "convert":
        if any(arg == "--from-prototxt" or arg.startswith("--from-prototxt=") for arg in args):
            from reglint import convert_prototxt  # a whole Caffe solver: its own module, on top of convert

            return convert_prototxt.main(args[1:])
        from reglint import convert

        return convert.main(args[1:])
    if args and args[0] == "server":
        return _server(args[1:])
    if args and args[0] == "check":
        args = args[1:]
    return _check(check_parser().parse_args(args))


def _print_help() -> None:
    print(
        "usage: reglint [check] [PATH ...] [options]\n"
        "       reglint rules | reglint rule CODE | reglint convert VALUE --from A --to B | reglint clean\n"
        "       reglint server   (the language server; needs `pip install 'reglint[lsp]'`)\n\n"
        "Find weight-decay and L2-regularization hazards in ML training code.\n"
        "Run `reglint check --help` for the options of a check."
    )


def _err(message: str) -> None:
    print(message, file=sys.stderr)


# -- reglint clean --------------------------------------------------------------------

def _clean(args: List[str]) -> int:
    """Remove the result cache of the project in the current folder (or --cache-dir)."""
    from reglint import cache as result_cache
    from reglint.config import ConfigError, load_settings

    parser = Parser(prog="reglint clean")
    parser.add_argument("--cache-dir", metavar="DIR")
    parser.add_argument("--config", metavar="FILE")
    options = parser.parse_args(args)
    if options.cache_dir:
        folder = Path(options.cache_dir)
    else:
        try:
            folder = result_cache.default_dir(load_settings(options.config, []))
        except ConfigError as error:
            raise UsageError(str(error)) from None
    if result_cache.clean(folder):
        _err(f"Removed cache directory {folder}")
    return EXIT_CLEAN


# -- reglint rules / reglint rule CODE ----------------------------------------------

def _rules(args: List[str]) -> int:
    from reglint.rule import all_rules

    parser = Parser(prog="reglint rules")
    parser.add_argument("--output-format", choices=("text", "json", "markdown"), default="text")
    options = parser.parse_args(args)
    rules = all_rules().values()
    if options.output_format == "json":
        import json

        print(json.dumps([_rule_json(r) for r in rules], indent=2))
    elif options.output_format == "markdown":
        print(rules_markdown_table(rules))
    else:
        for rule in rules:
            fix = rule.fix.value if rule.fix else "no fix"
            default = "" if rule.default else "  (opt-in)"
            print(f"{rule.code}  {rule.name:<32} {fix:<13} {rule.summary}{default}")
    return EXIT_CLEAN


def _rule_json(rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "fix": rule.fix.value if rule.fix else None,
        "default": rule.default,
        "url": rule.url,
        "docs": rule.docs,
    }


def rules_markdown_table(rules) -> str:
    lines = ["| code | name | what it flags | fix | default |", "|---|---|---|---|---|"]
    for rule in rules:
        fix = rule.fix.value if rule.fix else "—"
        lines.append(f"| {rule.code} | {rule.name} | {rule.summary} | {fix} | {'yes' if rule.default else 'opt-in'} |")
    return "\n".join(lines)


def _rule(args: List[str]) -> int:
    from reglint.rule import all_rules

    if len(args) != 1:
        raise UsageError("usage: reglint rule CODE (see `reglint rules`)")
    rules = all_rules()
    wanted = args[0].strip().upper()
    rule = rules.get(wanted) or next((r for r in rules.values() if r.name == args[0].strip()), None)
    if rule is None:
        raise UsageError(f"unknown rule {args[0]!r}; known codes: {', '.join(rules)}")
    fix = rule.fix.value if rule.fix else "none"
    print(f"# {rule.name} ({rule.code})\n\nFix: {fix}. {'Enabled by default.' if rule.default else 'Opt-in: enable with --select ' + rule.code + '.'}\n")
    print(rule.docs)
    return EXIT_CLEAN


# -- reglint check ------------------------------------------------------------------

def _check(options: argparse.Namespace) -> int:
    from reglint.config import ConfigError, load_settings

    stdin_mode = options.stdin_filename is not None or "-" in options.paths
    if stdin_mode and options.paths not in ([], ["-"]):
        raise UsageError("reading stdin (`-` or --stdin-filename) cannot be combined with other paths")
    paths = options.paths or (["."] if not stdin_mode else [])
    try:
        settings = load_settings(options.config, [options.stdin_filename] if options.stdin_filename else paths)
        settings = settings.with_overrides(
            # layered on top of the config's selection (see reglint.config)
            cli_select=tuple(options.select) if options.select is not None else None,
            cli_extend_select=tuple(options.extend_select or ()),
            cli_ignore=tuple(options.ignore or ()),
            fix=options.fix,
            unsafe_fixes=options.unsafe_fixes,
            output_format=options.output_format,
            force_exclude=options.force_exclude,
        )
        from reglint.engine import Plan

        plan = Plan.build(settings)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    fix = bool(settings.fix or options.diff)
    if options.add_noqa:
        if stdin_mode:
            raise UsageError("--add-noqa edits files in place and cannot read stdin")
        if options.fix or options.diff:
            raise UsageError("--add-noqa cannot be combined with --fix or --diff")
        return _add_noqa(options, paths, settings, plan)
    if stdin_mode:
        return _check_stdin(options, settings, plan, fix)
    return _check_paths(options, paths, settings, plan, fix)


def _check_stdin(options, settings, plan, fix) -> int:
    from reglint.files import is_excluded
    from reglint.pipeline import FileResult
    from reglint.runner import check_bytes

    name = options.stdin_filename or "-"
    data = sys.stdin.buffer.read()
    if settings.force_exclude and options.stdin_filename and is_excluded(name, settings):
        result = FileResult(name)  # excluded: nothing to report, the source goes back as it came
    else:
        result = check_bytes(name, data, plan.naming([name]), fix=fix, unsafe=settings.unsafe_fixes)
    if settings.fix and not options.diff:
        # editors replace the buffer with stdout: print the (possibly fixed) source
        sys.stdout.buffer.write(result.fixed if result.fixed is not None else data)
        sys.stdout.flush()
        return _finish(options, settings, [result], report_stream=sys.stderr)
    if options.diff:
        from reglint.writing import diff_lines

        sys.stdout.writelines(diff_lines([result], {name: data}))
        _diff_summary(options, settings, [result])
        return _exit_code(options, [result])
    return _finish(options, settings, [result], report_stream=sys.stdout)


def _check_paths(options, paths, settings, plan, fix) -> int:
    from reglint.diagnostic import parse_error
    from reglint.files import discover
    from reglint.pipeline import FileResult
    from reglint.runner import run

    found = discover(paths, settings)
    results = [FileResult(path, [parse_error(path, message)]) for path, message in found.errors]
    if not found.files and not found.errors:  # e.g. pre-commit with nothing staged: silent,
        # except that a format read by a program still gets its (empty) report: `[]`, a SARIF run
        if settings.output_format in ("json", "sarif"):
            return _finish(options, settings, [], report_stream=sys.stdout)
        return EXIT_CLEAN
    cache = None
    if not options.no_cache and not fix:
        from reglint import cache as result_cache

        folder = Path(options.cache_dir) if options.cache_dir else result_cache.default_dir(settings)
        cache = result_cache.Cache(folder, result_cache.key_for(settings, [r.code for r in plan.rules]))
    plan = plan.naming(found.named)
    checked = list(run(found.files, plan, fix=fix, unsafe=settings.unsafe_fixes, jobs=options.jobs, cache=cache))
    if options.diff:
        from reglint.writing import diff_lines

        sys.stdout.writelines(diff_lines(checked))
        _diff_summary(options, settings, results + checked)
        return _exit_code(options, results + checked, diff=True)
    if settings.fix:
        from reglint.writing import write_fixes

        results.extend(write_fixes(checked, plan))
    return _finish(options, settings, results + checked, report_stream=sys.stdout)


def _use_color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _finish(options, settings, results, report_stream) -> int:
    from reglint import report
    from reglint.rule import all_rules

    context = report.Context(rules=all_rules(), unsafe_fixes=settings.unsafe_fixes, color=_use_color() and report_stream is sys.stdout)
    results = sorted(results, key=lambda r: r.path)
    if options.statistics:
        report.write_statistics(results, report_stream, context, settings.output_format)
    else:
        report.write(settings.output_format, results, report_stream, context)
    if options.show_fixes:
        _print_fixes(results)
    if not options.quiet and settings.output_format in ("full", "concise") and not options.statistics:
        _err(report.summary(results, context))
    return _exit_code(options, results)


def _diff_summary(options, settings, results) -> None:
    """After a diff, on stderr: what it fixes and which unsafe fixes it leaves out."""
    from reglint import report

    if options.quiet:
        return
    line = report.diff_summary(results, report.Context(rules={}, unsafe_fixes=settings.unsafe_fixes))
    if line:
        _err(line)


def _print_fixes(results) -> None:
    fixed = [(r.path, d) for r in results for d in r.fixed_diagnostics]
    if not fixed:
        return
    _err(f"Fixed {len(fixed)} diagnostic{'s' if len(fixed) != 1 else ''}:")
    from reglint.report.concise import location

    for _, diagnostic in fixed:
        _err(f"  {location(diagnostic)}: {diagnostic.code} {diagnostic.fix.message}")


def _exit_code(options, results, diff: bool = False) -> int:
    remaining = any(r.diagnostics for r in results)
    fixed = any(r.fixed is not None for r in results)
    if options.exit_zero:
        return EXIT_CLEAN
    if remaining or (diff and fixed) or (options.exit_non_zero_on_fix and fixed):
        return EXIT_DIAGNOSTICS
    return EXIT_CLEAN


# -- reglint check --add-noqa ---------------------------------------------------------

def _add_noqa(options, paths, settings, plan) -> int:
    """Silence every remaining diagnostic with a `# noqa` comment on its line."""
    from reglint.diagnostic import parse_error
    from reglint.files import discover
    from reglint.pipeline import FileResult
    from reglint.writing import add_noqa

    found = discover(paths, settings)
    left = [FileResult(path, [parse_error(path, message)]) for path, message in found.errors]
    if not found.files and not found.errors:
        return EXIT_CLEAN
    added, remaining = add_noqa(found.files, plan.naming(found.named), jobs=options.jobs)
    left.extend(remaining)
    _err(f"Added {added} noqa directive{'s' if added != 1 else ''}.")
    if not left:
        return EXIT_CLEAN
    return _finish(options, settings, left, report_stream=sys.stdout)


# -- reglint server -------------------------------------------------------------------

LSP_DEPENDENCIES = ("pygls", "lsprotocol", "cattrs", "attrs")  # what `reglint[lsp]` installs

def _server(args: List[str]) -> int:
    parser = Parser(prog="reglint server", description="Run the reglint language server on stdin/stdout.")
    parser.add_argument("--stdio", action="store_true", help="talk LSP over stdin/stdout (the default and only transport)")
    parser.parse_args(args)
    try:
        from reglint import server
    except ImportError as error:
        missing = (getattr(error, "name", None) or "").split(".")[0]
        if missing not in LSP_DEPENDENCIES:
            raise
        raise UsageError(
            f"the language server needs the `lsp` extra ({missing} is not installed): pip install 'reglint[lsp]'"
        ) from None
    return server.main()
