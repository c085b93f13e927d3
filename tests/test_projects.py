"""Hazards whose parts sit in different modules of one project (the project index).

Layout: tests/fixtures/projects/<case>/ is a small project; `expected.txt` holds the
concise output (`path:line:col: CODE message`) of checking the whole folder from
inside it, one line per diagnostic (empty: silent — the look-alike negatives).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from reglint import runner
from reglint.cache import Cache, key_for
from reglint.config import Settings
from reglint.engine import Plan
from reglint.runner import check_bytes, check_path, run

from _cli import reglint

PROJECTS = Path(__file__).resolve().parent / "fixtures" / "projects"
PLAN = Plan.build(Settings(select=("ALL",)))


def _concise(result) -> list:
    return [f"{d.path}:{d.start.line}:{d.start.column}: {d.code} {d.message}" for d in result.diagnostics]


def _sources(folder: Path):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.py"))


def _cached_runs(folder: Path, path: Path):
    """A function that checks `path` through a result cache in `folder` (a new run each
    call, the same cache) and gives its diagnostics' codes, one list per file."""
    settings = Settings(root=str(folder))
    plan = Plan.build(settings)

    def once():
        cache = Cache(folder / ".cache", key_for(settings, [r.code for r in plan.rules]))
        return [[d.code for d in r.diagnostics] for r in run([str(path)], plan, jobs=1, cache=cache)]
    return once


@pytest.mark.parametrize("case", sorted(p.name for p in PROJECTS.iterdir() if p.is_dir()))
def test_project_fixture(case, monkeypatch):
    folder = PROJECTS / case
    monkeypatch.chdir(folder)
    found = [line for path in _sources(folder) for line in _concise(check_path(path, PLAN))]
    assert found == (folder / "expected.txt").read_text().splitlines()


@pytest.mark.parametrize("case", sorted(p.name for p in PROJECTS.iterdir() if p.is_dir()))
def test_the_filters_hide_nothing_in_a_fixture_project(case, monkeypatch):
    """Every file of every fixture project gives the same diagnostics with the words test and
    the fact screen as without them: the project questions of `reglint.builders` and the
    project fact kinds are supersets of what the analysis reads across modules."""
    from test_screen import outcome, unfiltered

    folder = PROJECTS / case
    monkeypatch.chdir(folder)
    for path in _sources(folder):
        data = (folder / path).read_bytes()
        filtered = outcome(path, data, fix=False)
        with unfiltered():
            assert outcome(path, data, fix=False) == filtered, path


def test_one_staged_file_reads_the_other_modules_from_disk(monkeypatch):
    """pre-commit names only train.py: models.py is read as needed, and the message names it."""
    monkeypatch.chdir(PROJECTS / "keras_compile_adam")
    result = check_path("train.py", PLAN)
    assert [(d.code, d.start.line, d.start.column) for d in result.diagnostics] == [("RL002", 4, 25)]
    assert "first at models.py:7, built by `build_resnet`" in result.diagnostics[0].message
    assert result.depends == (str(PROJECTS / "keras_compile_adam" / "models.py"),)


def test_an_unsaved_buffer_resolves_through_the_saved_modules(monkeypatch):
    """--stdin-filename / the language server: the buffer's text, the other modules from disk."""
    folder = PROJECTS / "tf1_network"
    monkeypatch.chdir(folder)
    text = (folder / "train.py").read_text().replace("minimize(loss)", "minimize(loss + tf.losses.get_regularization_loss())")
    assert check_bytes("train.py", text.encode(), PLAN).diagnostics == []
    result = check_bytes(str(folder / "train.py"), (folder / "train.py").read_bytes(), PLAN)
    assert [(d.code, d.start.line, d.start.column) for d in result.diagnostics] == [("RL003", 9, 50)]


def test_stdin_filename_on_the_command_line():
    folder = PROJECTS / "keras_compile_adam"
    done = reglint("check", "--no-cache", "--output-format", "concise", "--stdin-filename", "train.py", "-",
                   cwd=folder, stdin=(folder / "train.py").read_bytes())
    assert "train.py:4:25: RL002 Keras L2 regularizers (1, first at models.py:7, built by `build_resnet`)" in done.stdout


def test_related_locations_in_json_and_sarif():
    folder = PROJECTS / "keras_compile_adam"
    done = reglint("check", "--no-cache", "--output-format", "json", "train.py", cwd=folder)
    [item] = json.loads(done.stdout)
    assert item["related"] == [{"filename": "models.py", "location": {"row": 7, "column": 55},
                                "message": "regularizer built by `build_resnet`"}]
    done = reglint("check", "--no-cache", "--output-format", "sarif", "train.py", cwd=folder)
    [result] = json.loads(done.stdout)["runs"][0]["results"]
    assert result["relatedLocations"] == [{
        "id": 0, "message": {"text": "regularizer built by `build_resnet`"},
        "physicalLocation": {"artifactLocation": {"uri": "models.py"}, "region": {"startLine": 7, "startColumn": 55}},
    }]


def test_json_of_a_single_file_diagnostic_has_no_related_key(tmp_path):
    (tmp_path / "t.py").write_text("import torch\nopt = torch.optim.Adam(m.parameters(), weight_decay=1e-4)\n")
    done = reglint("check", "--no-cache", "--output-format", "json", "t.py", cwd=tmp_path)
    assert "related" not in json.loads(done.stdout)[0]


def test_a_cached_result_is_stale_once_a_module_it_resolved_through_changes(tmp_path, monkeypatch):
    shutil.copytree(PROJECTS / "keras_compile_adam", tmp_path / "p")
    folder = tmp_path / "p"
    checked = []
    original = runner.check_path

    def spy(path, plan, fix=False, unsafe=False):
        checked.append(path)
        return original(path, plan, fix, unsafe)

    monkeypatch.setattr(runner, "check_path", spy)
    train = str(folder / "train.py")
    once = _cached_runs(folder, folder / "train.py")

    assert once() == [["RL002"]] and checked == [train]
    checked.clear()
    assert once() == [["RL002"]] and checked == []  # served from the cache
    models = folder / "models.py"
    models.write_text(models.read_text().replace("kernel_regularizer=l2(1e-4)", "kernel_regularizer=None"))
    os.utime(models, ns=(1, 1))  # a new stamp, whatever the clock's resolution
    assert once() == [[]] and checked == [train]  # checked again: the regularizer is gone
    checked.clear()
    models.unlink()
    assert once() == [[]] and checked == [train]  # a module that disappeared also invalidates


def test_a_cached_penalty_is_stale_once_the_module_summing_it_changes(tmp_path):
    """A Σw² summed by a function of another module: the cached RL002 holds while that module
    is unchanged, and goes once the function sums something else."""
    shutil.copytree(PROJECTS / "penalty_function_module", tmp_path / "p")
    folder = tmp_path / "p"
    once = _cached_runs(folder, folder / "train_adam.py")
    assert once() == [["RL002"]]
    assert once() == [["RL002"]]  # served from the cache
    module = folder / "regularization.py"
    module.write_text(module.read_text().replace("sum((p ** 2).sum() for p in model.parameters())",
                                                 "sum(p.abs().sum() for p in model.parameters())", 1))
    os.utime(module, ns=(1, 1))
    assert once() == [[]]


@pytest.mark.parametrize("tail, found", [
    ("", ["RL002"]),
    ("DEEP = " + " + ".join(["1"] * 1500) + "\n", []),  # a constant too deep to summarise: not read, never a crash
    ("def deep():\n    return " + " + ".join(["1"] * 1500) + "\n", []),  # summarised, too deep for libcst: not parsed
    ("def broken(:\n", []),  # CPython rejects the module: no summary
])
def test_a_penalty_module_is_read_only_when_it_is_safe_to_parse(tmp_path, tail, found):
    """Another module never breaks this file's check: what cannot be read safely is left out
    (before, a module-level constant too deep to summarise made the checked file RL000)."""
    shutil.copytree(PROJECTS / "penalty_function_module", tmp_path / "p")
    folder = tmp_path / "p"
    module = folder / "regularization.py"
    module.write_text(module.read_text() + tail)
    plan = Plan.build(Settings(root=str(folder)))
    assert [[d.code for d in r.diagnostics] for r in run([str(folder / "train_adam.py")], plan, jobs=1)] == [found]


def test_a_run_finds_a_module_written_since_the_last_run_in_the_process(tmp_path):
    """Module files found on disk are remembered for one run only (the editor server and
    a watch loop run many in one process)."""
    shutil.copytree(PROJECTS / "keras_compile_adam", tmp_path / "p")
    folder = tmp_path / "p"
    models = (folder / "models.py").read_text()
    (folder / "models.py").unlink()
    plan = Plan.build(Settings(root=str(folder)))
    train = str(folder / "train.py")
    assert [r.diagnostics for r in run([train], plan, jobs=1)] == [[]]
    (folder / "models.py").write_text(models)
    assert [[d.code for d in r.diagnostics] for r in run([train], plan, jobs=1)] == [["RL002"]]


def test_no_project_module_no_lookup(tmp_path, monkeypatch):
    """`from utils import build` with no utils.py anywhere: nothing found, nothing depended on."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "train.py").write_text("from utils import build\nmodel = build()\nmodel.compile(optimizer='adam')\n")
    monkeypatch.chdir(tmp_path)
    result = check_path("train.py", PLAN)
    assert result.diagnostics == [] and result.depends == ()


# -- the bytes screen before parsing (`reglint.builders`) ------------------------------------

def test_a_training_file_without_the_word_regularizer_is_read_for_its_imported_builder(tmp_path, monkeypatch):
    """RL003's words need `regularizer`; a project module this file imports from holds it,
    through a package's __init__ re-export and a parenthesised import over two lines."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "__init__.py").write_text("from .resnet import (\n    build_resnet,  # the network\n)\n")
    (tmp_path / "nets" / "resnet.py").write_text(
        (PROJECTS / "tape_adds_losses" / "models.py").read_text())
    train = (PROJECTS / "tape_adds_losses" / "train_dropped.py").read_text().replace("from models import", "from nets import")
    assert "regularizer" not in train.lower()
    (tmp_path / "train.py").write_text(train)
    monkeypatch.chdir(tmp_path)
    result = check_path("train.py", PLAN)
    assert [(d.code, d.start.line) for d in result.diagnostics] == [("RL003", 12)]
    assert "built in nets/resnet.py:7 (by `build_resnet`)" in result.diagnostics[0].message


def test_a_module_that_builds_nothing_is_not_summarised(tmp_path, monkeypatch):
    """The look-alike: the imported function's module never says `regularizer`: RL003 does not
    run, no summary is read, and the module is still a dependency of the result."""
    from reglint import project

    (tmp_path / ".git").mkdir()
    (tmp_path / "models.py").write_text("import tensorflow as tf\ndef build_resnet():\n    return tf.keras.Sequential()\n")
    (tmp_path / "train.py").write_text((PROJECTS / "tape_adds_losses" / "train_dropped.py").read_text())
    monkeypatch.chdir(tmp_path)
    summarised = []
    monkeypatch.setattr(project, "summary_of", lambda path: summarised.append(path))
    result = check_path("train.py", PLAN)
    assert result.diagnostics == [] and summarised == []
    assert result.depends == (str(tmp_path / "models.py"),)


def test_a_cached_rejection_is_stale_once_the_imported_module_gains_a_regularizer(tmp_path):
    """The words test consulted models.py: the cached (empty) result depends on it."""
    (tmp_path / ".git").mkdir()
    models = tmp_path / "models.py"
    regularized = (PROJECTS / "tape_adds_losses" / "models.py").read_text()
    models.write_text("from tensorflow import keras\n\n\ndef build_resnet():\n    return keras.Sequential()\n")
    train = tmp_path / "train.py"
    train.write_text((PROJECTS / "tape_adds_losses" / "train_dropped.py").read_text())
    once = _cached_runs(tmp_path, train)

    assert once() == [[]]
    models.write_text(regularized)
    os.utime(models, ns=(1, 1))
    assert once() == [["RL003"]]


def test_from_imports_read_from_bytes():
    from reglint.builders import from_imports

    data = (b"from .nets import (\n    build,  # the network\n    head as h,\n)\n"
            b"try:\n    from models import a, \\\n        b\nexcept ImportError:\n    pass\n"
            b"from config import WD; x = 1\nimport os\n")
    assert from_imports(data) == (
        (1, "nets", (("build", "build"), ("head", "h"))),
        (0, "models", (("a", "a"), ("b", "b"))),
        (0, "config", (("WD", "WD"),)),
    )


@pytest.mark.parametrize("train, read", [
    (b"from models import build\nmodel = build(10)\n", True),
    (b"from models import build as make\nmodel = make (\n    10)\n", True),
    (b"import models\nmodel = models.build(10)\n", True),
    (b"import models as m\nmodel = m.build(10)\n", True),
    (b"from pkg import models\nmodel = models.build(10)\n", True),
    (b"import pkg.models\nmodel = pkg.build(10)\n", True),  # `import pkg.models` binds `pkg`: its `build`
    (b"import pkg.models\nmodel = pkg.models.build(10)\n", True),  # and names `pkg.models`
    # imported and never called: `analysis.imported` reads only calls
    (b"from models import build\nprint(build.__doc__)\n", False),
    (b"import models\nprint(models.build)\n", False),
    (b"from models import build\nmodel = other.build(10)\n", False),
])
def test_an_imported_builder_counts_only_when_the_file_calls_it(tmp_path, train, read):
    """A module's regularizers reach the file through a call of what it imports; the
    builder here calls a layer builder of a third module (two modules away)."""
    from reglint.builders import BUILDER_WORD, imports_holding

    (tmp_path / "layers.py").write_text("from tensorflow.keras.regularizers import l2\n\n"
                                        "def block(x):\n    return Dense(4, kernel_regularizer=l2(1e-4))(x)\n")
    builder = "from layers import block\n\ndef build(n):\n    return block(n)\n"
    (tmp_path / "models.py").write_text(builder)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text(builder)
    (tmp_path / "pkg" / "models.py").write_text(builder)
    (tmp_path / ".git").mkdir()
    assert imports_holding(str(tmp_path / "train.py"), train, (BUILDER_WORD,)) is read


def test_an_imported_penalty_function_counts_only_when_the_file_calls_it(tmp_path):
    """The Σw² words of a module count for a file that calls one of its functions: the
    analysis reads what a called function returns there, in that module's own spelling."""
    from reglint.builders import PENALTY_WORDS, imports_holding

    (tmp_path / "reg.py").write_text("def l2(m):\n    return sum((p ** 2).sum() for p in m.parameters())\n")
    (tmp_path / "plain.py").write_text("def l1(m):\n    return sum(p.abs().sum() for p in m.parameters())\n")
    (tmp_path / ".git").mkdir()
    train = str(tmp_path / "train.py")
    assert imports_holding(train, b"from reg import l2\nloss = 1e-4 * l2(model)\n", PENALTY_WORDS)
    assert imports_holding(train, b"import reg\nloss = 1e-4 * reg.l2(model)\n", PENALTY_WORDS)
    assert not imports_holding(train, b"from reg import l2\nprint(l2)\n", PENALTY_WORDS)
    assert not imports_holding(train, b"from plain import l1\nloss = 1e-4 * l1(model)\n", PENALTY_WORDS)


def test_project_words_are_read_only_for_what_the_file_itself_lacks(tmp_path):
    """RL003's `regularizer` stands in its first group (the gate): a file that also lacks the
    loss-site words, or every TensorFlow / Keras name, never has its imports read; one that
    has them does."""
    from reglint.rule import all_rules

    rule = all_rules()["RL003"]
    asked = []

    def imported(word):
        asked.append(word)
        return True

    assert not rule.may_flag(lambda word: False, imported) and asked == []
    assert not rule.may_flag(lambda word: word == b"gradient", imported) and asked == []  # torch's "gradient"
    assert rule.may_flag(lambda word: word in (b"gradient", b"tf."), imported) and asked == [(b"regularizer",)]


def test_a_cached_norm_split_is_stale_once_the_model_module_drops_its_norms(tmp_path):
    """RL010 reads the model class while the rule runs (after the model is built), here
    through a package that re-exports it (`models/__init__.py`: `from .gpt import GPT`):
    the module defining it is a dependency of train.py's cached result (the pipeline takes
    the dependencies after the rules; the imported-builder screen records it too)."""
    shutil.copytree(PROJECTS / "norm_fragments_model_module", tmp_path / "p")
    folder = tmp_path / "p"
    (folder / "models").mkdir()
    (folder / "model.py").rename(folder / "models" / "gpt.py")
    (folder / "models" / "__init__.py").write_text("from .gpt import GPT, Encoder\n")
    train_text = (folder / "train.py").read_text()
    (folder / "train.py").write_text(train_text.replace("from model import", "from models import"))
    once = _cached_runs(folder, folder / "train.py")

    assert once() == [["RL010"]]
    model = folder / "models" / "gpt.py"
    model.write_text(model.read_text().replace("nn.LayerNorm(width)", "nn.Identity()"))
    os.utime(model, ns=(1, 1))
    assert once() == [[]]  # no norm weights left to decay: not served from the cache


@pytest.mark.parametrize("broken", [b"\xff\xfe not utf-8\n", b"    def f(:\n"])
def test_a_model_module_that_cannot_be_read_leaves_the_split_unjudged(tmp_path, broken):
    """The class is looked up in a module that does not decode or parse: nothing is read
    from it, the training file is checked as usual (no error, no guess)."""
    shutil.copytree(PROJECTS / "norm_fragments_model_module", tmp_path / "p")
    model = tmp_path / "p" / "model.py"
    model.write_bytes(model.read_bytes() + broken)
    result = check_path(str(tmp_path / "p" / "train.py"), PLAN)
    assert [d.code for d in result.diagnostics] == []


def test_a_cached_config_result_is_stale_once_its_base_changes(tmp_path):
    """An MMEngine config's inherited decay (`analysis.config_bases`): the base files read,
    bases of bases included, are the cached result's dependencies."""
    shutil.copytree(PROJECTS / "mmengine_base_config", tmp_path / "p")
    folder = tmp_path / "p"
    child = folder / "configs" / "detector" / "adam_over_base_of_base.py"
    once = _cached_runs(folder, child)
    assert once() == [["RL002"]]
    assert once() == [["RL002"]]  # from the cache
    deepest = folder / "configs" / "_base_" / "schedules" / "adamw_decay.py"
    deepest.write_text(deepest.read_text().replace("weight_decay=0.05", "weight_decay=0.0"))
    os.utime(deepest, ns=(1, 1))
    assert once() == [[]]


def test_config_bases_that_name_each_other_end(tmp_path):
    """A cycle of `_base_` files is followed only so deep: unknown, silent, no error."""
    (tmp_path / "a.py").write_text("_base_ = './b.py'\noptimizer = dict(type='Adam', lr=1e-3)\n")
    (tmp_path / "b.py").write_text("_base_ = './a.py'\noptimizer = dict(weight_decay=1e-4)\n")
    result = check_path(str(tmp_path / "a.py"), PLAN)
    assert [d.code for d in result.diagnostics] == []
    assert str(tmp_path / "b.py") in result.depends


def test_a_config_read_from_stdin_without_a_name_reads_no_bases(monkeypatch):
    """Standard input has no folder its `_base_` paths are relative to: nothing is inherited
    (with `--stdin-filename` the name gives the folder, as for a saved file)."""
    folder = PROJECTS / "mmengine_base_config" / "configs" / "detector"
    monkeypatch.chdir(folder)
    data = (folder / "adam_over_adamw.py").read_bytes()
    assert [d.code for d in check_bytes("-", data, PLAN).diagnostics] == []
    assert [d.code for d in check_bytes("adam_over_adamw.py", data, PLAN).diagnostics] == ["RL002"]


def test_an_optimizer_built_by_a_factory_in_another_module(tmp_path):
    """The same factory, written in the file or imported from a sibling module: the same finding."""
    (tmp_path / "optim_factory.py").write_text(
        "import torch\n\n\ndef build_optimizer(model, lr=1e-3):\n    return torch.optim.Adam(model.parameters(), lr=lr)\n")
    train = ("import torch\nfrom optim_factory import build_optimizer\n\nmodel = torch.nn.Linear(4, 2)\n"
             "optimizer = build_optimizer(model)\nfor x, y in loader:\n"
             "    loss = torch.nn.functional.mse_loss(model(x), y) + 1e-4 * sum((p ** 2).sum() for p in model.parameters())\n"
             "    optimizer.zero_grad()\n    loss.backward()\n    optimizer.step()\n")
    (tmp_path / "train.py").write_text(train)
    local = train.replace("from optim_factory import build_optimizer\n",
                          "\n\ndef build_optimizer(model, lr=1e-3):\n    return torch.optim.Adam(model.parameters(), lr=lr)\n\n")
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "train.py").write_text(local)
    assert [d.code for d in check_path(str(tmp_path / "local" / "train.py"), PLAN).diagnostics] == ["RL002"]
    assert [d.code for d in check_path(str(tmp_path / "train.py"), PLAN).diagnostics] == ["RL002"]


@pytest.mark.parametrize("train", ["train_adam.py", "train_by_name.py", "train_from_config.py", "train_wrapped.py",
                                   "train_flagged.py", "train_adamw.py", "train_sgd.py", "train_scheduler.py"])
def test_an_imported_factory_finds_what_the_same_factory_in_the_file_finds(tmp_path, train):
    """The fixture's factories inlined in place of the import: the same codes, lines and columns
    (the message names the factory only when it is imported)."""
    folder = PROJECTS / "optimizer_factory"
    imported = check_path(str(folder / train), PLAN).diagnostics
    factory = (folder / "factory.py").read_text().split('"""', 2)[2]  # its imports and functions
    text = (folder / train).read_text()
    import_line = next(line for line in text.splitlines() if line.startswith("from factory import"))
    inlined = text.replace(import_line + "\n", "")
    local = tmp_path / train
    local.write_text(factory + "\n\n" + inlined)
    offset = factory.count("\n") + 2 - 1  # lines added above, one import line gone
    found = [d for d in check_path(str(local), PLAN).diagnostics if d.start.line > offset]  # not the factories' own
    assert [(d.code, d.start.line - offset, d.start.column) for d in found] == \
        [(d.code, d.start.line, d.start.column) for d in imported]


def test_a_factory_diagnostic_names_where_the_optimizer_is_built(monkeypatch):
    """The message names the factory; the note and the related location say where it builds the class."""
    monkeypatch.chdir(PROJECTS / "optimizer_factory")
    (found,) = check_path("train_package.py", PLAN).diagnostics
    assert found.message.endswith("is minimized by Adam (built by `make_adam`)")
    assert found.note.startswith("`make_adam` returns Adam at optimizers/adam.py:5; ")
    assert [(r.path, r.start.line, r.start.column, r.message) for r in found.related] == [
        (os.path.join("optimizers", "adam.py"), 5, 12, "the Adam `make_adam` returns")]
    result = check_path("train_package.py", PLAN)
    assert {os.path.relpath(path) for path in result.depends} >= {os.path.join("optimizers", "__init__.py"), os.path.join("optimizers", "adam.py")}


def test_a_cached_result_is_stale_once_the_module_two_hops_away_changes(tmp_path):
    """train.py -> models.build_model -> blocks.conv_block: the regularizer's module is a
    dependency of train.py's result both ways (a finding that goes, one that comes)."""
    shutil.copytree(PROJECTS / "keras_two_hops", tmp_path / "p")
    folder = tmp_path / "p"
    once = _cached_runs(folder, folder / "train_adam.py")
    assert once() == [["RL002"]]
    blocks = folder / "blocks.py"
    with_l2 = blocks.read_text()
    blocks.write_text(with_l2.replace("kernel_regularizer=l2(L2_PENALTY)", "use_bias=False"))
    os.utime(blocks, ns=(1, 1))
    assert once() == [[]]
    blocks.write_text(with_l2)
    os.utime(blocks, ns=(2, 2))
    assert once() == [["RL002"]]


def test_modules_past_the_hops_are_not_read(tmp_path):
    """The hops are bounded (`builders.MODULE_HOPS`): train -> models -> blocks -> layers, the L2
    in layers.py, is found; one module further (core.py) is not read."""
    shutil.copytree(PROJECTS / "keras_two_hops", tmp_path / "p")
    folder = tmp_path / "p"
    original = (folder / "blocks.py").read_text()

    def forwarding(module):
        return f"from {module} import conv_block as _conv, plain_block, scaled_block\n\n\ndef conv_block(x, filters):\n    return _conv(x, filters)\n"

    (folder / "layers.py").write_text(original)
    (folder / "blocks.py").write_text(forwarding("layers"))
    assert [d.code for d in check_path(str(folder / "train_adam.py"), PLAN).diagnostics] == ["RL002"]
    (folder / "core.py").write_text(original)
    (folder / "layers.py").write_text(forwarding("core"))
    assert [d.code for d in check_path(str(folder / "train_adam.py"), PLAN).diagnostics] == []


@pytest.mark.parametrize("passed, found", [("", ["RL002"]), (", weight_decay=0.0", []), (", weight_decay=1e-4", ["RL002"])])
def test_a_coefficient_read_from_the_builders_kwargs_is_what_the_call_passes(tmp_path, passed, found):
    """`l2(kwargs.get("weight_decay", 5e-4))` in a layer wrapper (the Darknet port's
    `DarknetConv2D(*args, **kwargs)`) is the keyword the caller passes, else the default."""
    (tmp_path / "blocks.py").write_text(
        "from tensorflow.keras.layers import Conv2D\nfrom tensorflow.keras.regularizers import l2\n\n\n"
        "def conv(*args, **kwargs):\n    options = {'kernel_regularizer': l2(kwargs.get('weight_decay', 5e-4))}\n"
        "    kwargs.pop('weight_decay', None)\n    options.update(kwargs)\n    return Conv2D(*args, **options)\n")
    (tmp_path / "train.py").write_text(
        "from tensorflow import keras\nfrom blocks import conv\n\ninputs = keras.Input((32, 32, 3))\n"
        f"model = keras.Model(inputs, conv(8, 3{passed})(inputs))\nmodel.compile(optimizer='adam', loss='mse')\n")
    assert [d.code for d in check_path(str(tmp_path / "train.py"), PLAN).diagnostics] == found


def test_a_cached_result_is_stale_once_the_factory_returns_another_class(tmp_path):
    shutil.copytree(PROJECTS / "optimizer_factory", tmp_path / "p")
    folder = tmp_path / "p"
    once = _cached_runs(folder, folder / "train_adam.py")
    assert once() == [["RL002"]]
    factory = folder / "factory.py"
    factory.write_text(factory.read_text().replace("return torch.optim.Adam(model.parameters(), lr=lr)",
                                                   "return torch.optim.SGD(model.parameters(), lr=lr)"))
    os.utime(factory, ns=(1, 1))
    assert once() == [[]]


def test_a_factory_is_not_followed_from_stdin_or_into_a_library(tmp_path):
    """Without a file name there is no folder to read modules from; an installed library
    (`torch.optim`) is no project module however its functions are spelled."""
    folder = PROJECTS / "optimizer_factory"
    text = (folder / "train_adam.py").read_bytes()
    assert check_bytes("-", text, PLAN).diagnostics == []
    (tmp_path / "train.py").write_bytes(text.replace(b"from factory import build_adam", b"from torch.optim import Adam as build_adam"))
    assert [d.code for d in check_path(str(tmp_path / "train.py"), PLAN).diagnostics] == ["RL002"]  # the class itself


def test_an_optimizer_factory_is_asked_only_of_a_file_that_steps_something(tmp_path):
    """RL002's adaptive group may be met by a project factory only in a file that holds the rest
    of the hazard and a loss-site word (`.backward(`, `.minimize(`...): others read no module."""
    from reglint.rule import all_rules
    from reglint.rules._common import ADAPTIVE_WORDS

    rule = all_rules()["RL002"]
    asked = []

    def imported(words):
        asked.append(words)
        return True

    assert not rule.may_flag(lambda word: word == b"** 2", imported) and asked == []  # nothing steps here
    assert not rule.may_flag(lambda word: word == b".backward(", imported) and asked == []  # no L2 term either
    assert rule.may_flag(lambda word: word in (b"** 2", b".backward("), imported)
    assert asked == [tuple(w for w in rule.words[0] if w in ADAPTIVE_WORDS)]


@pytest.mark.parametrize("getter, found", [("get_optimizer", ["RL002"]), ("get_sgd", [])])
def test_layers_and_optimizer_both_built_in_other_modules(tmp_path, getter, found):
    """A Keras model built in models.py compiled with an optimizer made in optim_utils.py: both
    parts of the hazard elsewhere (RL002's `project_pair_words`: a `.compile(` call)."""
    (tmp_path / "models.py").write_text((PROJECTS / "keras_compile_adam" / "models.py").read_text())
    (tmp_path / "optim_utils.py").write_text((PROJECTS / "keras_optimizer_factory" / "optim_utils.py").read_text())
    (tmp_path / "train.py").write_text(
        f"from models import build_resnet\nfrom optim_utils import {getter}\n\nmodel = build_resnet(10)\n"
        f"model.compile(optimizer={getter}(1e-3), loss='sparse_categorical_crossentropy')\n")
    result = check_path(str(tmp_path / "train.py"), PLAN)
    assert [d.code for d in result.diagnostics] == found
    if found:
        assert result.diagnostics[0].message == ("Keras L2 regularizers (1, first at models.py:7, built by `build_resnet`) "
                                                 "reach the adaptive optimizer Adam (built by `get_optimizer`)")


def test_two_parts_from_the_project_only_beside_a_keras_compile():
    """Two groups met by the project only in a file whose code calls `.compile(` (not `re.` /
    `torch.compile(`): the others never have their imports read twice."""
    from reglint.rule import all_rules

    rule = all_rules()["RL002"]
    asked = []

    def imported(words):
        asked.append(words)
        return True

    assert not rule.may_flag(lambda word: word == b".backward(", imported) and asked == []
    assert rule.may_flag(lambda word: word == b".compile(", imported) and len(asked) == 2
    plan_words = PLAN.words_in(b"import re\nPATTERN = re.compile('x')\nmodel = torch.compile(model)\n")
    assert b".compile(" not in plan_words


@pytest.mark.parametrize("text, called", [
    (b"x = conv_block(a)", True), (b"x = conv_block (a)", True), (b"x = (conv_block\n     (a))", True),
    (b"conv_block(a)", True), (b"self.conv_block(a)", False), (b"my_conv_block(a)", False),
    (b"conv_block_v2(a)", False), (b"f = conv_block", False), (b"x = conv_block[0](a)", False),
])
def test_a_call_by_name_as_the_bytes_test_reads_it(text, called):
    """What `builders` follows into the module a name is imported from: that name called by itself."""
    from reglint.builders import calls_by_name

    assert calls_by_name(text, "conv_block") is called


def test_the_bytes_test_follows_calls_as_far_as_the_summary():
    """`builders` and `analysis.summary` cannot share their bounds through an import (the summary
    would import the bytes test's module, which the index imports): the bytes test, the superset,
    must reach at least as far."""
    from reglint import builders
    from reglint.analysis import imported, summary

    assert builders.MAX_FORWARDS >= summary.MAX_CALL_DEPTH
    assert imported.MODULE_HOPS is builders.MODULE_HOPS


def test_every_factory_class_is_spelled_with_the_factory_word():
    """`builders.FACTORY_WORD` turns away a module that cannot return an optimizer: every class
    the summary reads a factory's return for must hold it, in every spelling (aliases too)."""
    from reglint.analysis.summary import FACTORY_CLASSES
    from reglint.frameworks import ALIASES
    from reglint.frameworks import OPTIMIZER_WORD as FACTORY_WORD

    assert all(FACTORY_WORD.decode() in name.lower() for name in FACTORY_CLASSES)
    assert all(FACTORY_WORD.decode() in prefix.lower() for prefix, target in ALIASES if FACTORY_WORD.decode() in target.lower())


def test_a_summary_reads_what_a_factory_returns():
    from reglint.analysis.summary import summarize

    text = (
        "import torch\nfrom torch.optim import Adam as Opt\n\n"
        "def direct(m):\n    return torch.optim.Adam(m.parameters())\n\n"
        "def branches(m, name):\n    if name == 'sgd':\n        opt = torch.optim.SGD(m.parameters(), 0.1)\n"
        "    else:\n        opt = Opt(m.parameters())\n    return opt\n\n"
        "def forward(cfg, m):\n    return direct(m)\n\n"
        "def parameter(opt):\n    return opt\n\n"
        "def unpacked(m):\n    opt, sched = torch.optim.Adam(m.parameters()), None\n    return opt\n\n"
        "def looped(groups):\n    for opt in groups:\n        pass\n    opt = torch.optim.Adam(groups)\n    return opt\n\n"
        "def nested(m):\n    def inner():\n        return torch.optim.Adam(m.parameters())\n    return inner\n\n"
        "def scheduler(m):\n    opt = torch.optim.Adam(m.parameters())\n    return torch.optim.lr_scheduler.StepLR(opt, 10)\n\n"
        "class Factory:\n    def build(self, m):\n        return torch.optim.Adam(m.parameters())\n"
    )
    factories = summarize("f.py", text).factories
    assert {name: [(f.line, f.qualname) for f in found] for name, found in factories.items()} == {
        "direct": [(5, "torch.optim.Adam")],
        "branches": [(9, "torch.optim.SGD"), (11, "torch.optim.Adam")],
        "forward": [(5, "torch.optim.Adam")],
    }
    assert summarize("g.py", text.replace("torch.optim", "torch.nn").replace("from torch.nn", "from torch.optim")).factories == {
        "branches": [factories["branches"][1]]}  # the Adam of the alias only


@pytest.mark.parametrize("base", [
    "optim_wrapper = dict(optimizer=dict(type='AdamW', weight_decay=0.05))\n"
    "if USE_NO_DECAY:\n    optim_wrapper = dict(optimizer=dict(type='AdamW', weight_decay=0.0))\n",
    "wd = 0.05\nwd *= 0\noptim_wrapper = dict(optimizer=dict(type='AdamW', weight_decay=wd))\n",
    "optim_wrapper = dict(optimizer=dict(type='AdamW', weight_decay=0.05))\n"
    "optim_wrapper['optimizer']['weight_decay'] = 0.0\n",
])
def test_a_base_that_changes_what_it_wrote_gives_no_known_decay(tmp_path, base):
    """A base's value read as written only when no later statement may change it."""
    (tmp_path / "base.py").write_text(base)
    (tmp_path / "child.py").write_text("_base_ = './base.py'\noptim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))\n")
    assert [d.code for d in check_path(str(tmp_path / "child.py"), PLAN).diagnostics] == []
    (tmp_path / "base.py").write_text("optim_wrapper = dict(optimizer=dict(type='AdamW', weight_decay=0.05))\n")
    assert [d.code for d in check_path(str(tmp_path / "child.py"), PLAN).diagnostics] == ["RL002"]


def test_a_base_that_drops_its_own_base_passes_on_what_it_writes(tmp_path):
    """`_delete_=True` in a middle base replaces the grandparent's dict (its `momentum` is gone)
    and is itself popped by mmengine: the Adam child inherits the middle base's decay."""
    (tmp_path / "grand.py").write_text("optim_wrapper = dict(optimizer=dict(type='SGD', momentum=0.9, weight_decay=1e-4))\n")
    (tmp_path / "mid.py").write_text("_base_ = './grand.py'\n"
                                     "optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-4, weight_decay=0.05))\n")
    (tmp_path / "child.py").write_text("_base_ = './mid.py'\noptim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-4))\n")
    found = check_path(str(tmp_path / "child.py"), PLAN).diagnostics
    assert [(d.code, d.related[0].message) for d in found] == [("RL002", "the inherited `weight_decay`")]
    assert "weight_decay=0.05" in found[0].message and "mid.py:2" in found[0].message


def test_a_configs_first_base_assignment_names_its_bases_as_mmengine_reads_it(tmp_path):
    """mmengine reads the first top-level `_base_ = ...`, a string or a list of strings (a tuple
    is no list of bases there): the same here, for the checked config and for its bases."""
    (tmp_path / "decay.py").write_text("optim_wrapper = dict(optimizer=dict(type='AdamW', weight_decay=0.05))\n")
    (tmp_path / "plain.py").write_text("optim_wrapper = dict(optimizer=dict(type='AdamW'))\n")
    child = "_base_ = {}\n_base_ = './plain.py'\noptim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))\n"
    (tmp_path / "child.py").write_text(child.format("['./decay.py']"))
    assert [d.code for d in check_path(str(tmp_path / "child.py"), PLAN).diagnostics] == ["RL002"]
    (tmp_path / "child.py").write_text(child.format("('./decay.py',)"))
    assert [d.code for d in check_path(str(tmp_path / "child.py"), PLAN).diagnostics] == []
