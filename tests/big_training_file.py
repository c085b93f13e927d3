"""A generated training file of any size, with many optimizer calls and hazards
(issue 14, item 7): large-file tests build it on the fly, nothing big is committed."""

from __future__ import annotations

HEADER = (
    "import torch\n"
    "import tensorflow as tf\n"
    "from tensorflow.keras import regularizers\n"
    "\n"
)

# one block: an Adam with coupled L2 (RL002), a Keras layer with an L2 regularizer, a
# hand-written penalty, a clean SGD, and some plain code
BLOCK = (
    "\n"
    "def stage_{i}(data, steps={i}):\n"
    "    \"\"\"Stage {i} of the schedule.\"\"\"\n"
    "    model = torch.nn.Linear(16, 4)\n"
    "    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)\n"
    "    plain = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)\n"
    "    layer = tf.keras.layers.Dense(8, kernel_regularizer=regularizers.l2(1e-4))\n"
    "    for step in range(steps):\n"
    "        loss = model(data).pow(2).mean()\n"
    "        penalty = sum((p ** 2).sum() for p in model.parameters())\n"
    "        (loss + 1e-4 * penalty).backward()\n"
    "        opt.step()\n"
    "        plain.step()\n"
    "    return model, layer\n"
)


def training_file(blocks: int) -> str:
    """The text of a training module with `blocks` stages (about 700 bytes each)."""
    return HEADER + "".join(BLOCK.format(i=i) for i in range(blocks))


def loss_sites_file(sites: int) -> str:
    """Little code per site, each a loss with a penalty under one Adam (RL002 each): what
    each site looks up (its penalties, the optimizer that steps after it) dominates."""
    head = ("import torch\nmodel = torch.nn.Linear(4, 2)\nopt = torch.optim.Adam(model.parameters(), lr=1e-3)\n"
            "penalty = sum((p ** 2).sum() for p in model.parameters())\n")
    return head + "".join(f"loss_{i} = model(x) + 1e-4 * penalty\nloss_{i}.backward()\nopt.step()\n" for i in range(sites))
