"""Lion (lucidrains/lion-pytorch `Lion`, `optax.lion`): decoupled decay multiplied by lr, like AdamW.

Sources: lucidrains/lion-pytorch `lion_pytorch/lion_pytorch.py` L17 (05258c9)
`p.data.mul_(1. - lr * wd)`; `optax.lion` = chain(scale_by_lion, add_decayed_weights,
scale_by_learning_rate) (docs/semantics.md#optax). Lion's sign update wants an lr
3-10x smaller than AdamW's, so the same lr·λ takes a λ 3-10x larger.
"""

from reglint.frameworks import decoupled

# `reglint convert`: how this optimizer states weight decay (docs/semantics.md#conversion-table; the conversion reads them).
CONVENTIONS = (
    decoupled("lion", "Lion(weight_decay={x})", True,
        "Lion(model.parameters(), lr={lr}, weight_decay={value})", "3-10x an AdamW value (0.03 to 1)",
        "lucidrains/lion-pytorch lion_pytorch/lion_pytorch.py L17 (05258c9): p.data.mul_(1. - lr * wd); "
        "optax.lion = chain(scale_by_lion, add_decayed_weights, scale_by_learning_rate), default 1e-3 (docs/semantics.md#optax)",
        "Lion's decay is decoupled and multiplied by lr like AdamW's, but Lion's sign update needs an lr 3-10x "
        "smaller than AdamW's, so keeping the same lr·λ takes a λ 3-10x larger: at lr_lion = lr_adamw/k use "
        "λ_lion = k·λ_adamw (Chen et al. 2023, Symbolic Discovery of Optimization Algorithms; lion-pytorch issue #2)."),
)
