"""Lightning CLI (jsonargparse) YAML: `optimizer: {class_path: ..., init_args: {...}}`.

Source: lightning 2.x `src/lightning/pytorch/cli.py` (`LightningCLI.add_optimizer_args`:
`nested_key="optimizer"`, any `torch.optim.Optimizer` subclass, `params` skipped) and
jsonargparse's subclass syntax: `class_path` is a dotted path or, for a registered
class, its bare name (`Adam`); constructor arguments go in `init_args`. The short
form `optimizer: Adam` names the class alone (every argument at its default).
"""

CLASS_PATH = "class_path"
INIT_ARGS = "init_args"
# a bare class name resolves among torch.optim's classes
SHORT_PREFIX = "torch.optim."
