"""Where an attached regularizer's loss lands, by the callee it is attached to.

Shared by the file's own analysis (`analysis.regularizers`) and the summaries of
other project modules (`analysis.summary`), which must not depend on the resolver.
"""

from __future__ import annotations

from typing import Optional, Tuple

from reglint.frameworks import keras, tf1

REGULARIZERS = {**keras.REGULARIZERS, **tf1.REGULARIZERS}


def attachment_kind(qualname: Optional[str], keyword: str) -> Tuple[str, bool]:
    """(kind, collected): a TF1 variable/scope/layer fills the REGULARIZATION_LOSSES collection,
    a Keras layer its model's `losses`; anything else is unknown."""
    if qualname is None:
        return "unknown", False
    if qualname in tf1.COLLECTING_CALLS:
        kind = "arg_scope" if qualname.endswith("arg_scope") else ("scope" if qualname.endswith("variable_scope") else "variable")
        return kind, True
    if qualname.startswith(tf1.COLLECTING_PREFIXES) and keyword in tf1.COLLECTING_KEYWORDS:
        return "tf1_layer", True
    if qualname.startswith(keras.LAYER_PREFIXES):
        return "keras_layer", False
    return "unknown", False
