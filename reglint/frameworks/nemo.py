"""NVIDIA NeMo (1.x/2.x `examples/*/conf/*.yaml`): `model.optim: {name: adam, weight_decay: λ}`.

Source: NeMo `nemo/core/optim/optimizers.py` (`AVAILABLE_OPTIMIZERS`, commit 01482a1d as
stored in the search index; 8cfedd72 read too): `'adam': optim.Adam`, `'adamw':
optim.AdamW`, `'adagrad'`, `'adadelta'`, `'adamax'`, `'rmsprop'`, `'sgd'` are the torch
classes, looked up by the exact string (`get_optimizer` raises on any other case), and
`ModelPT.setup_optimization` passes the mapping's other keys (`lr`, `weight_decay`,
`betas`) to the class, `sched` aside. So `name: adam` with `weight_decay: 1e-6`
(tacotron2.yaml, aligner.yaml) is torch Adam's coupled L2. `novograd` (NeMo's own; the
decay is added after the gradient is normalized), `fused_adam` and
`distributed_fused_adam` (apex, `adam_w_mode=True` by default) are not coupled L2 and
have no entry here.
"""

# name (exact case) -> the torch class built
OPTIMIZERS = {
    "adam": "torch.optim.Adam",
    "adamw": "torch.optim.AdamW",
    "sgd": "torch.optim.SGD",
    "adadelta": "torch.optim.Adadelta",
    "adamax": "torch.optim.Adamax",
    "adagrad": "torch.optim.Adagrad",
    "rmsprop": "torch.optim.RMSprop",
}
DECOUPLED_NAME = {"adam": "adamw"}
