"""Ultralytics YOLO (v8+) `optimizer:` with `weight_decay:` in its cfg/args YAML.

Source: ultralytics `ultralytics/engine/trainer.py` `BaseTrainer.build_optimizer`
(commit 3c5ac618 as stored in the search index; every older copy found there, and
YOLOv5's `utils/torch_utils.py` `smart_optimizer`, builds the groups the same way): parameters
are split into three groups; the optimizer is built on the biases with
`weight_decay=0.0` and the weights are added as a param group with
`"weight_decay": decay`, so for torch Adam/Adamax/NAdam/RAdam/RMSprop the decay is
coupled L2 on every conv/linear weight. `AdamW` is decoupled; `auto` picks SGD or
AdamW; the name is matched case-insensitively (older releases: exactly).
YOLOv5's `hyp.*.yaml` carry `weight_decay` but no optimizer (chosen by `--optimizer`,
default SGD), so they say nothing about the hazard alone.
"""

# name (lowercased) -> the torch class built
OPTIMIZERS = {
    "adam": "torch.optim.Adam",
    "adamax": "torch.optim.Adamax",
    "adamw": "torch.optim.AdamW",
    "nadam": "torch.optim.NAdam",
    "radam": "torch.optim.RAdam",
    "rmsprop": "torch.optim.RMSprop",
    "sgd": "torch.optim.SGD",
}
DECOUPLED_NAME = {"adam": "AdamW"}
# keys of Ultralytics' default.yaml (cfg/default.yaml) beside `optimizer`: one makes a YAML theirs
CONFIG_KEYS = frozenset({"lr0", "lrf", "warmup_epochs", "box", "cls", "imgsz", "mosaic"})
