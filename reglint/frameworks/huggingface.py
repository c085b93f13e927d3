"""HuggingFace `TrainingArguments(weight_decay=..., optim=...)`: the Trainer's optimizer.

Sources (docs/semantics.md#training-frameworks): transformers 4.20.1–5.24.0. `weight_decay` defaults to 0.0;
`optim` defaults to an AdamW (`"adamw_hf"` ≤ 4.31, `"adamw_torch"` from 4.32,
`"adamw_torch_fused"` in 5.x with torch ≥ 2.8), all decoupled and lr-scaled; `"sgd"`,
`"adagrad"` and `"rmsprop"` build torch.optim.SGD / Adagrad / RMSprop
(5.24.0 `trainer_optimizer.py` L326/336/348), whose decay is coupled L2. The Trainer
puts biases and norm weights in a group with weight_decay 0.0.
"""

TRAINING_ARGUMENTS = frozenset({
    "transformers.TrainingArguments", "transformers.Seq2SeqTrainingArguments",
})

DEFAULT_OPTIM = "torch.optim.AdamW"

# `optim=` value -> the torch class it builds. Every `adamw_*` / `paged_adamw_*` is an AdamW;
# other names (bitsandbytes, lion, galore, …) are left unknown.
OPTIM_STRINGS = {
    "sgd": "torch.optim.SGD",
    "adagrad": "torch.optim.Adagrad",
    "rmsprop": "torch.optim.RMSprop",
}
ADAMW_PREFIXES = ("adamw_", "paged_adamw_")
