"""Training configs beyond Python: YAML, JSON (and, by the same plan, prototxt, jsonnet).

Design (one job per module; a new format adds a reader and/or an interpreter):

- `tree`     the positioned tree every reader builds: `Node` (scalar / mapping /
             sequence) with its value, the 1-based `Position` range of the value and, in
             a mapping, of its key, its raw text and its key path. Anything with `.start`
             and `.end` positions (a `Node`, a `Span`) is a place a diagnostic or an edit
             can point at: that is the whole position protocol.
- `yaml_reader`, `json_reader`   text -> `Node`, or `ConfigSyntaxError(message, line,
             column)` (reported as RL000 at the parser's position). YAML goes through
             PyYAML's composed nodes (SafeLoader: no tag is ever constructed); JSON has
             a small scanner of its own (PyYAML rejects tabs and reads `1e-4` as text).
- `formats`  which files are configs: suffix -> reader (READERS; CONFIG_SUFFIXES is what
             folder walks pick up), and the bytes test `may_hold_facts`: an interpreter's
             shape `WORDS` together with a decay word a check needs (`checks.GATES`, plus
             the interpreter's own `GATES`), so unrelated YAML/JSON costs one scan.
             INTERPRETERS lists the modules (`interpret(document) -> [ConfigOptimizer]`)
             tried on every tree; each checks its own shape and returns [] otherwise.
- `facts`    `ConfigOptimizer`, a `reglint.model.Optimizer` (same fields the rules read:
             qualname, family, adaptive, decay_mode, weight_decay `Value` with
             provenance "config", explicit, ...) plus where it is written (key path, the
             node naming the class, the text a decoupled fix writes there).
- `model`    `ConfigModel`: the facts of one file with FileModel's position methods
             (`range_of`, `code`, `diagnostic`, `replace`, `insert_after`) over nodes.
- one module per format family turns trees into facts: `hydra` (Hydra/OmegaConf
             `_target_`, `${...}`) and `hydra_defaults` (a primary's defaults list),
             `lightning` (Lightning CLI `class_path`), `ultralytics`, `detectron2` (yacs
             `SOLVER`, `_BASE_`), `deepspeed`, `huggingface` (TrainingArguments, axolotl), `nemo`
             (`model.optim.name`).
             A file another one names (`_BASE_`, a group file) is read with the same
             reader; a diagnostic is reported only in the checked file.
- `checks`   what RL002/RL008 report on config facts (the rules' codes, names, wording).
- `omegaconf` the `${a.b}` interpolation Hydra files and their group files share.
- `source`   the config pipeline (as `reglint.pipeline` for Python): text -> model ->
             checks -> noqa from the format's comments, and the fix loop. The source
             kind `reglint.sources.config` (registered in `reglint.sources.KINDS`) reads
             the bytes of every path `is_config` accepts and hands the text here.

A new format (prototxt, jsonnet): its reader under its suffix in `formats.READERS`
(raising `tree.ConfigSyntaxError(message, line, column)` on bad input) and its glob in
`reglint.config.CONFIG_FILES` (the `config-files` default), an interpreter module in
`formats.INTERPRETERS`, its semantics table in `reglint/frameworks/`, its words in
`checks.GATES` if a check needs new ones, and fixtures under
tests/fixtures/configs/<format>/ (run by tests/test_configs_fixtures.py).

Semantics tables live in `reglint/frameworks/` (deepspeed.py, ultralytics.py, ...).
"""
