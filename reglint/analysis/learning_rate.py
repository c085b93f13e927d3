"""Whether a file sets the learning rate apart from the optimizer's constructor.

A warm-up loop writing `param_group["lr"] = ...`, torch's `OneCycleLR`/`CyclicLR` or
Keras's `LearningRateScheduler` give the optimizer rates of their own, possibly larger
than the one it was built with; RL013 then cannot bound lr·weight_decay.
"""

from __future__ import annotations

import re
from typing import Iterable

from reglint.analysis.names import CallSite
from reglint.frameworks import precision

# `group["lr"] = x`, `g['lr'] *= 2`, `param_group["learning_rate"] = lr`
LR_ITEM_ASSIGNMENT = re.compile(r"""\[\s*['"](?:lr|learning_rate)['"]\s*\]\s*[-+*/]?=(?!=)""")


def set_elsewhere(sites: Iterable[CallSite], source: str) -> bool:
    if any(site.qualname in precision.LR_SETTING_CALLS for site in sites):
        return True
    return ("'lr'" in source or '"lr"' in source or "learning_rate'" in source or 'learning_rate"' in source) \
        and LR_ITEM_ASSIGNMENT.search(source) is not None
