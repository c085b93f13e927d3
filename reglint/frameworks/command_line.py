"""argparse (the standard library): where a training script writes its command-line defaults.

Python 3.11.7 `Lib/argparse.py`:
- an optional argument's `dest` is `dest=` when given, else its first long option string
  (else its first option string) with the leading prefix characters stripped and each
  inner `-` made `_` (`_get_optional_kwargs`, L1560-1592: `'--foo-bar' -> 'foo_bar'`); a
  positional's is its name as written (`_get_positional_kwargs`, L1544);
- `parse_args()` (L1868) returns the namespace those dests are attributes of;
  `parse_known_args()` (L1875) a pair, which is not read here;
- `set_defaults(lr=...)` (L1400-1407) replaces the default of an argument already added,
  so a file that writes both for one dest is not read (which wins depends on their order).
"""

ADD_ARGUMENT = "add_argument"
SET_DEFAULTS = "set_defaults"
PARSE = frozenset({"parse_args"})
DEFAULT_KEYWORD = "default"
DEST_KEYWORD = "dest"
PREFIX = "-"  # the default `prefix_chars`
# a namespace changed as a whole (`setattr(args, k, v)` over a config, `vars(args).update(cfg)`,
# `d = vars(args)` then written, `args.__dict__.update(cfg)`): no default of the file is known
# to reach a run; `json.dump(vars(args), f)` only reads it
SETATTR = "setattr"
VARS = "vars"
NAMESPACE_DICT = "__dict__"
DICT_WRITES = frozenset({"update", "setdefault", "pop", "popitem", "clear", "__setitem__"})
