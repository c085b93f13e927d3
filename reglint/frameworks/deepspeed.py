"""DeepSpeed's JSON `"optimizer": {"type": ..., "params": {...}}`: which class it builds.

Source: DeepSpeed 0.16.5 (commit 38327e07), `deepspeed/runtime/engine.py`
`_configure_basic_optimizer` L1405-1501 and `deepspeed/runtime/config.py`:
- the type is matched lowercased against DeepSpeed's own names (config.py L84-87, L847);
  any other type is `getattr(torch.optim, type)`, case as written (engine.py L1499);
- `adam_w_mode` is popped from `params` only (config.py L483-487 hand `params` to
  the engine), default True (config.py L94): type "Adam" runs as AdamW unless
  `"adam_w_mode": false` inside `params`; "AdamW" is AdamW whatever the flag
  (engine.py L1417-1420); a key written beside `type` instead is never read.
  DeepSpeed 0.3.11 briefly defaulted it to False (fixed in #844, 0.3.12, March 2021).
- FusedAdam / DeepSpeedCPUAdam / torch Adam couple the decay into the gradient when
  not in AdamW mode (ops/adam/fused_adam.py L76-86, weight_decay default 0.0);
  "adagrad" is torch.optim.Adagrad or DeepSpeedCPUAdagrad, coupled (ops/adagrad/cpu_adagrad.py).
- `"weight_decay": "auto"` is filled from TrainingArguments by the HF integration
  (transformers `integrations/deepspeed.py`), so its value is not in the file.
"""

# lowercased type -> (torch-style qualified name of what runs, family, adaptive, decay mode)
# "adam" is listed in its default AdamW mode; `adam_w_mode: false` makes it coupled Adam.
OPTIMIZERS = {
    "adam": ("deepspeed.ops.adam.FusedAdam", "adam", True, "decoupled"),
    "adamw": ("deepspeed.ops.adam.FusedAdam", "adamw", True, "decoupled"),
    "adagrad": ("torch.optim.Adagrad", "adagrad", True, "coupled"),
}
OTHER_TYPES = "torch.optim"  # any other `type` is `getattr(torch.optim, type)` (engine.py L1499)
ADAM_W_MODE = "adam_w_mode"  # the flag, read inside `params` only
PARAMS = "params"
AUTO = "auto"  # a value the HF integration fills in

# Keys of a DeepSpeed config besides `optimizer`: one of them makes a JSON DeepSpeed's.
CONFIG_KEYS = frozenset({
    "train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps",
    "zero_optimization", "fp16", "bf16", "gradient_clipping", "steps_per_print", "wall_clock_breakdown",
    "scheduler", "zero_allow_untested_optimizer",
})
