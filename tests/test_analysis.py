"""The model holds what the code says: neutral facts, pinned on small sources.

Interpretations (already halved? ported? a norm penalty is no L2 term?) belong to
the rules' helpers; these tests pin the facts those helpers read.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from reglint.analysis import build_model
from reglint.reporter import Reporter
from reglint.rules._common import l2_penalties, looks_halved, porting_line, stated_as


def model_of(source: str):
    text = textwrap.dedent(source)
    return build_model("t.py", text, cst.parse_module(text))


def l2_value(source: str):
    (regularizer,) = model_of(source).regularizers
    return regularizer.l2


@pytest.mark.parametrize("expression, scales", [
    ("wd / 2", {0.5}),
    ("wd * 0.5", {0.5}),
    ("0.5 * wd", {0.5}),
    ("wd / 4", {0.25}),
    ("wd / two", {0.5}),  # a division by a known number
    ("wd * half", set()),  # a multiplication only by a literal
    ("wd", set()),
    ("wd - 2", set()),
    ("wd / 0", set()),
])
def test_a_value_keeps_the_factors_the_code_applies(expression, scales):
    value = l2_value(f"""
        from tensorflow import keras
        wd = 5e-4
        two = 2
        half = 0.5
        r = keras.regularizers.l2({expression})
    """)
    assert value.scales == frozenset(scales)


def test_a_halving_after_the_assignment_is_a_factor_not_a_binding():
    value = l2_value("""
        from tensorflow import keras
        wd = 5e-4
        wd /= 2
        r = keras.regularizers.l2(wd)
    """)
    assert (value.number, value.provenance, value.scales) == (5e-4, "constant", frozenset({0.5}))
    assert looks_halved(value)


def test_a_factor_counts_only_when_every_path_applies_it():
    model = model_of("""
        from tensorflow import keras
        def layer(wd):
            return keras.regularizers.l2(wd)
        layer(5e-4 / 2)
        layer(2.5e-4 / 2)
    """)
    (regularizer,) = model.regularizers
    assert regularizer.l2.scales == frozenset({0.5})
    model = model_of("""
        from tensorflow import keras
        def layer(wd):
            return keras.regularizers.l2(wd)
        layer(5e-4 / 2)
        layer(5e-4)
    """)
    (regularizer,) = model.regularizers
    assert regularizer.l2.scales == frozenset() and not looks_halved(regularizer.l2)


def test_a_halved_penalty_product_scales_its_coefficient():
    model = model_of("""
        import torch
        lam = 5e-4
        loss = loss + (lam * sum(p.pow(2).sum() for p in model.parameters())) / 2
    """)
    (penalty,) = model.penalties
    assert (penalty.convention, penalty.coefficient.scales) == ("sum_sq", frozenset({0.5}))


def test_the_model_records_the_methods_called_on_each_receiver():
    model = model_of("""
        model.load_weights("w.h5")
        model.compile(optimizer="adam")
        self.net.fit(x)
        build().predict(x)
        train(model, data=self.data)
    """)
    assert model.methods_of == {"model": {"load_weights", "compile"}, "self.net": {"fit"}}
    assert model.passed == {"model", "self.data", "x"}


def test_the_model_keeps_comments_and_docstrings():
    model = model_of('''
        """Training script."""
        import torch  # the model
        x = 1  # ported from the Caffe prototxt
    ''')
    assert model.comments == ["# the model", "# ported from the Caffe prototxt"]
    assert model.docstrings == ['"""Training script."""']  # as written, quotes and all


def test_the_rules_read_porting_from_the_values_own_lines_and_docstrings():
    """Not from the file: a porting comment on another line says nothing of this value."""
    ported = l2_value('''
        from keras.regularizers import l2
        def head():
            """Ported from the Caffe model zoo."""
            return Dense(8, kernel_regularizer=l2(REG))
        REG = 1e-4  # unchanged
    ''')
    assert porting_line(ported) == "Ported from the Caffe model zoo."
    bound = l2_value('''
        from keras.regularizers import l2
        REG = 1e-4  # ported as is
        dense = Dense(8, kernel_regularizer=l2(REG))
    ''')
    assert porting_line(bound) == "# ported as is"
    elsewhere = l2_value('''
        from keras.regularizers import l2
        BASE_LR = 0.001  # ported from the Caffe solver
        dense = Dense(8, kernel_regularizer=l2(1e-4))
    ''')
    assert porting_line(elsewhere) is None
    assert porting_line(l2_value('"""A port-free script."""\nfrom keras.regularizers import l2  # support both\nr = l2(1e-4)\n')) is None


def test_the_reporter_turns_nodes_into_positions_and_edits():
    model = model_of("import torch\nopt = torch.optim.Adam(model.parameters(), weight_decay=1e-4)\n")
    (optimizer,) = model.optimizers
    report = Reporter(model.path, model.module)
    start, end = report.range_of(optimizer.weight_decay_arg.value)
    assert (start.line, start.column, end.line, end.column) == (2, 57, 2, 61)
    edit = report.replace(optimizer.weight_decay_arg.value, "0.0")
    assert (edit.start.column, edit.end.column, edit.content) == (57, 61, "0.0")
    after = report.insert_after(optimizer.node.args[-1], ", x=1")
    assert (after.start.column, after.end.column) == (61, 61)


def test_an_unsquared_norm_penalty_is_a_penalty_with_the_norm_convention():
    model = model_of("""
        import torch
        lam = 1e-4
        l2_reg = sum(torch.norm(p) for p in model.parameters())
        sq_reg = sum(p.pow(2).sum() for p in model.parameters())
        loss = loss + lam * l2_reg + lam * sq_reg
        loss.backward()
    """)
    assert [p.convention for p in model.penalties] == ["norm", "sum_sq"]
    (site,) = model.loss_sites
    assert [p.convention for p in site.penalties] == ["norm", "sum_sq"]
    assert [p.convention for p in l2_penalties(site.penalties)] == ["sum_sq"]


@pytest.mark.parametrize("source, stated", [
    ("from transformers import TrainingArguments\nargs = TrainingArguments('out', weight_decay=0.01)\n",
     "`TrainingArguments()` (torch.optim.AdamW)"),
    ("from transformers import TrainingArguments\nargs = TrainingArguments('out', optim='sgd')\n",
     "`TrainingArguments(optim='sgd')` (torch.optim.SGD)"),
    ("from timm.optim import create_optimizer_v2\nopt = create_optimizer_v2(model, weight_decay=0.05)\n",
     "`create_optimizer_v2(opt='sgd')` (torch.optim.SGD)"),
    ("from timm.optim import create_optimizer_v2\nopt = create_optimizer_v2(model, \"adam\")\n",
     "`create_optimizer_v2(opt=\"adam\")` (torch.optim.Adam)"),
    ("optimizer = dict(type='Adam', lr=1e-3, weight_decay=1e-4)\n", "`type='Adam'` (torch.optim.Adam)"),
    ("import torch\nopt = torch.optim.Adam(model.parameters())\n", None),  # a call is named by its callee
    ("from keras import Model\nm = Model()\nm.compile(optimizer='adam')\n", None),  # a Keras string too
])
def test_the_rules_name_a_configured_optimizer_from_what_the_code_says(source, stated):
    model = model_of(source)
    (optimizer,) = model.optimizers
    assert stated_as(model, optimizer) == stated
    assert not hasattr(optimizer, "display")  # presentation is no fact of the model


def test_a_value_carries_the_docstrings_around_its_use_and_binding():
    model = model_of('''\
        """A Keras port of the original Caffe SSD300 model."""
        from keras.layers import Conv2D
        from keras.regularizers import l2

        # The Caffe weight decay was 5e-4 (a comment on an unrelated line is no evidence)
        LR = 1e-3


        def SSD300(image_size, l2_regularization=0.0005):
            """Build the network."""
            return Conv2D(64, 3, kernel_regularizer=l2(l2_regularization))


        class Darknet:
            """Darknet parameters, as the original cfg."""

            def conv(self, x, filters):
                return Conv2D(filters, 3, kernel_regularizer=l2(5e-4))(x)
        ''')
    ssd, darknet = (r.l2 for r in model.regularizers)
    module = "A Keras port of the original Caffe SSD300 model."
    assert (ssd.provenance, ssd.number, ssd.docstrings) == ("parameter", 0.0005, ("Build the network.", module))
    assert (darknet.provenance, darknet.docstrings) == ("literal", ("Darknet parameters, as the original cfg.", module))
    assert not any("Caffe weight decay" in c for c in ssd.comments + darknet.comments)


def test_call_site_arithmetic_reaches_a_method_parameter():
    model = model_of('''\
        from keras.regularizers import l2

        WEIGHT_DECAY = 5e-4


        class Builder:
            def conv(self, x, factor):
                return l2(factor)

            @staticmethod
            def stem(x, factor):
                return l2(factor)

            def build(self, x):
                self.stem(x, WEIGHT_DECAY * 0.5)
                self.conv(x, WEIGHT_DECAY / 2)
                return Builder.conv(self, x, factor=WEIGHT_DECAY / 4)
        ''')
    conv, stem = (r.l2 for r in model.regularizers)
    assert (conv.provenance, conv.number, conv.scales) == ("parameter", None, frozenset())  # the sites disagree
    assert "WEIGHT_DECAY" in conv.names
    assert (stem.number, stem.scales) == (2.5e-4, frozenset({0.5}))


def test_a_function_returning_a_method_call_on_its_own_result_is_analysed():
    """`make()` returns `make().next()`: the receiver's origins continue the chain's depth
    (they restarted at 0, so a 16-line file was RL000 'too deeply nested')."""
    from reglint.config import Settings
    from reglint.engine import Plan
    from reglint.runner import check_bytes

    source = textwrap.dedent("""\
        import torch


        class Node:
            def next(self):
                return self


        def make():
            return make().next()


        model = make().next()
        optimizer = torch.optim.Adam(model.parameters(), weight_decay=1e-4)
        loss = model(x) + 1e-4 * sum(p.pow(2).sum() for p in model.parameters())
        loss.backward()
        """)
    found = check_bytes("t.py", source.encode(), Plan.build(Settings())).diagnostics
    assert [(d.code, d.start.line, d.start.column) for d in found] == [("RL002", 14, 50), ("RL005", 14, 50), ("RL002", 15, 19)]


def _helper_chain(levels: int, calls: int, bottom: str, head: str, top: str) -> str:
    """`level0(x, p0)` runs `bottom` with p0; each `level{k}` calls `level{k-1}` `calls`
    times passing its own parameter; `top` calls the last level."""
    lines = [head, "", "def level0(x, p0):", f"    return {bottom}"]
    for level in range(1, levels):
        lines += ["", f"def level{level}(x, p{level}):"]
        lines += [f"    x = level{level - 1}(x, p{level})"] * calls + ["    return x"]
    return "\n".join(lines + ["", top.format(last=levels - 1), ""])


def test_a_value_through_a_fan_of_call_sites_is_resolved_once_per_parameter(monkeypatch):
    """Each parameter's value is the union of what its call sites pass, and each site's
    argument is another parameter: resolved again for every path, a chain of helpers each
    called four times cost 4 ** depth (a 1.9 MB file ran out of 24 GB), and the names of
    the value repeated once per path."""
    from reglint.analysis import resolve

    calls = []
    original = resolve._value
    monkeypatch.setattr(resolve, "_value", lambda *args: calls.append(1) or original(*args))
    source = _helper_chain(6, 4, "l2(p0)", "from keras.regularizers import l2\n\nWEIGHT_DECAY = 5e-4",
                           "level{last}(None, WEIGHT_DECAY)")
    value = l2_value(source)
    assert (value.number, value.provenance) == (5e-4, "parameter")
    assert value.names == ("p0", "p1", "p2", "p3", "p4", "p5", "WEIGHT_DECAY")
    assert len(calls) < 100, len(calls)


def test_an_origin_reached_along_many_paths_is_listed_once():
    """The optimizer a helper steps, passed down a chain of helpers each called four times:
    one origin, not one per path (4 ** 5 of them, each looked up again by every rule)."""
    from reglint.analysis import resolve
    from reglint.analysis.context import Context

    source = _helper_chain(6, 4, "p0.step()", "import torch",
                           "opt = torch.optim.Adam(model.parameters())\nlevel{last}(None, opt)")
    ctx = Context("t.py", source, cst.parse_module(source))
    (site,) = [s for s in ctx.names.calls if isinstance(s.call.func, cst.Attribute) and s.call.func.attr.value == "step"]
    found = resolve.origins(ctx, site.call.func.value, site.scopes)
    assert [cst.Module([]).code_for_node(expr) for expr, _ in found] == ["torch.optim.Adam(model.parameters())"]
