"""Command-line defaults: `args.lr` is 1e-4 unless the command line says otherwise, when
`args` comes from `parser.parse_args()` and the file writes `parser.add_argument('--lr',
default=1e-4)` (DETR's `main.py`: lr = weight_decay = 1e-4).

A default is a neutral fact kept apart from `Value.number` (`Value.cli_default`): what a run
without that option trains with. A rule decides whether a default is enough to judge by.
A dest counts only when every `add_argument` / `set_defaults` of the file that names it writes
the same number, and none when the file rewrites a namespace as a whole (a config merged by
`setattr` / `vars(args).update`); the namespace only when every origin of it is a
`parse_args()` of the command line.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Tuple

import libcst as cst

from reglint.analysis.syntax import argument, literal, string_value
from reglint.frameworks import command_line

Default = Tuple[float, str]  # (the number, the option as written: `--weight_decay`)


def dest_defaults(ctx) -> Dict[str, Default]:
    """dest -> (default, option) for the file's arguments whose default is one known number."""
    if ctx.cli_defaults is None:
        written: Dict[str, List[Optional[Default]]] = {}
        for site in ctx.names.calls:
            func = site.call.func
            if _rewrites_a_namespace(site):
                ctx.cli_defaults = {}
                return ctx.cli_defaults
            if not isinstance(func, cst.Attribute):
                continue
            if func.attr.value == command_line.ADD_ARGUMENT:
                declared = _declared(site.call)
                if declared is not None:
                    written.setdefault(declared[0], []).append(declared[1])
            elif func.attr.value == command_line.SET_DEFAULTS:
                for arg in site.call.args:
                    if arg.star:  # `set_defaults(**config)`: any default may be replaced
                        ctx.cli_defaults = {}
                        return ctx.cli_defaults
                    if arg.keyword is not None:
                        number = literal(arg.value)
                        written.setdefault(arg.keyword.value, []).append(
                            None if number is None else (number, f"set_defaults({arg.keyword.value}=...)"))
        ctx.cli_defaults = {dest: found[0] for dest, found in written.items()
                            if found[0] is not None and all(other is not None and other[0] == found[0][0] for other in found)}
    return ctx.cli_defaults


def _rewrites_a_namespace(site) -> bool:
    """`setattr(...)`, `vars(x).update(...)`, `x.__dict__.update(...)`, `d = vars(x)`: a
    config may replace any default."""
    func = site.call.func
    if isinstance(func, cst.Name):
        return func.value == command_line.SETATTR or (func.value == command_line.VARS and _assigned(site))
    if not (isinstance(func, cst.Attribute) and func.attr.value in command_line.DICT_WRITES):
        return False
    receiver = func.value
    return ((isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == command_line.VARS)
            or (isinstance(receiver, cst.Attribute) and receiver.attr.value == command_line.NAMESPACE_DICT))


def _assigned(site) -> bool:
    """`d = vars(args)` or `vars(args)[key] = value`: the namespace's dict is kept or written."""
    statement = site.statement
    for small in statement.body if isinstance(statement, cst.SimpleStatementLine) else ():
        if isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
            if small.value is site.call:
                return True
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
            if any(isinstance(t, cst.Subscript) and t.value is site.call for t in targets):
                return True
    return False


def _declared(call: cst.Call) -> Optional[Tuple[str, Optional[Default]]]:
    """(dest, (default, option) or None) of one `add_argument(...)` call."""
    options = []
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            break
        text = string_value(arg.value)
        if text is None:
            return None
        options.append(text)
    if not options:
        return None
    long = next((o for o in options if o.startswith(command_line.PREFIX * 2)), None)
    dest_arg = argument(call, command_line.DEST_KEYWORD, None)
    if dest_arg is not None:
        dest = string_value(dest_arg.value)
    elif options[0].startswith(command_line.PREFIX):  # an optional: argparse's own rule
        dest = (long or options[0]).lstrip(command_line.PREFIX).replace("-", "_")
    else:  # a positional is its name
        dest = options[0]
    if not dest:
        return None
    default_arg = argument(call, command_line.DEFAULT_KEYWORD, None)
    number = literal(default_arg.value) if default_arg is not None else None
    return dest, (number, long or options[0]) if number is not None else None  # shown as a user types it


def default_of(ctx, expr: cst.Attribute, scopes, origins: Callable) -> Optional[Default]:
    """The command-line default `args.<dest>` stands for, when `args` is the namespace a
    `parse_args()` of the real command line returns, wherever it comes from (every origin,
    through names, parameters and call sites: `origins`)."""
    found = dest_defaults(ctx).get(expr.attr.value)
    if found is None or not isinstance(expr.value, cst.Name):
        return None
    sources = origins(ctx, expr.value, scopes)
    parsed = all(isinstance(origin, cst.Call) and isinstance(origin.func, cst.Attribute)
                 and origin.func.attr.value in command_line.PARSE and not origin.args  # `parse_args([...])`: its own command line
                 for origin, _ in sources)
    return found if sources and parsed else None
