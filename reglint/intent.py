"""What names and comments say about a value: weight decay, an L2 coefficient, a port.

The vocabulary both the code screen (`reglint.facts`, before any libcst parse) and the
rules' evidence (`rules/_common`) read, so that the two cannot drift apart.
"""

from __future__ import annotations

import re

from reglint.frameworks.torch import NO_DECAY_WORDS, PARAMETER_LEAVES

# `weight_decay`, `WEIGHT_DECAY`, `wd`, `weightDecay`, `w_decay`, `weight_decay_rate`, `base_wd`
WEIGHT_DECAY_NAME = re.compile(r"(^|_)(weight_?decay|w_?decay|wd)(_|$)")
# A name that says it is an L2/regularizer coefficient already speaks Keras's convention.
L2_COEFFICIENT_NAME = re.compile(r"(^|_)(l2|reg|regularizer|regularization|lambda|lam|penalty)(_|$)")
WEIGHT_DECAY_COMMENT = re.compile(r"weight[ _-]?decay|caffe|prototxt|\bpaper\b", re.IGNORECASE)
# RL007's evidence that a norm penalty means L2: a name part (`l2_reg`, `lambdaL2`, `wd`) or a comment.
L2_NAME = re.compile(r"(^|_)(l2(?![0-9])|weight_?decay|w_?decay|wd(?![a-z0-9]))")
L2_COMMENT = re.compile(r"\bl2\b|weight[ _-]?decay", re.IGNORECASE)
# A name part that says a value is (part of) a loss or a penalty: `loss`, `batch_loss`,
# `l2_reg`, `l2_penalty`, `objective`, `regularized_loss`, `loss_fn` (snake-cased).
LOSS_NAME = re.compile(r"(^|_)(loss(es)?|penalt(y|ies)|reg|regulari[sz](ation|er|ed)|l2|objective|cost|total|risk)(_|$)")
# Comments or docstrings that say the file was ported (from Caffe, a paper, another framework).
# Darknet's `decay=` is Caffe's convention too: update_convolutional_layer adds decay·w to the
# gradient (pjreddie/darknet src/convolutional_layer.c, `axpy_cpu(size, -decay*batch, l.weights,
# 1, l.weight_updates, 1)` then a step of learning_rate/batch), the gradient of (decay/2)·‖w‖².
PORTING = re.compile(r"caffe|prototxt|darknet|ported|port of|weight[ -]decay", re.IGNORECASE)


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def is_weight_decay_name(name: str) -> bool:
    words = snake(name)
    return WEIGHT_DECAY_NAME.search(words) is not None and L2_COEFFICIENT_NAME.search(words) is None


# `LayerNorm.weight`: HF names the attribute after the class; `1.weight` or `head.weight`
# may be a whole top-level name, so only a bare leaf or such a module part marks fragments
CLASS_NAMED_NORM = re.compile(r"[A-Z][a-z]*Norm")


def marks_fragments(text: str) -> bool:
    """A string that makes its list one of parameter-name fragments, not of whole names: a
    bare leaf (`bias`, `gamma`) or a leaf under a norm class's name (`LayerNorm.weight`)."""
    return text in PARAMETER_LEAVES or CLASS_NAMED_NORM.search(text.rpartition(".")[0]) is not None


# A fragment naming norm layers (`LayerNorm.weight`, `norm`, `ln_f`, `bn`): the split means to keep them out of decay.
NORM_FRAGMENT = re.compile(r"norm|(^|[._])(ln|bn)(?![a-z])", re.IGNORECASE)


def names_norm(fragment: str) -> bool:
    return NORM_FRAGMENT.search(fragment) is not None


def names_no_decay_parameter(fragment: str) -> bool:
    """A parameter-name fragment that names what is kept out of decay (`bias`, `LayerNorm.weight`)."""
    lowered = fragment.lower()
    return any(word in lowered for word in NO_DECAY_WORDS)
