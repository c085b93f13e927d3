"""Floating-point formats, and where each framework rounds its decoupled decay.

A decoupled decay `w ← w·(1 − lr·wd)` done as a rounded operation of its own is lost
for every weight once lr·wd is below half the spacing of the format just under 1,
2^-(p+1) for p significand bits (the implicit bit included): 2⁻²⁵ ≈ 2.98e-8 in
float32, 2⁻⁹ ≈ 1.95e-3 in bfloat16, 2⁻¹² ≈ 2.44e-4 in float16. That holds both when
the factor is rounded first (torch `param.mul_(1 - lr * weight_decay)`: the Python
scalar becomes the op-math float, and 1 − 1e-8 is 1.0f) and when the product is per
element (Keras `variable - variable * wd * lr`): each weight's change is then under
half its own ulp. Between 2⁻²⁵ and 2⁻²⁴ float32 still decays, by a rounded factor
(1 − 2⁻²⁴), so 2⁻²⁴ would be the wrong bound. Checked by simulating IEEE round-to-
nearest-even on 20,000 random weights per value: every weight kept below the bound in
both forms; above it, none (float32 factor form) or some (per element, bfloat16).

Where the decay is added to the update before one rounding (optax's
`add_decayed_weights` feeds `g + wd·p` to `scale_by_learning_rate`, and torch's fused
Adam kernel keeps a 16-bit parameter in a float register across decay and step), the
decay is not rounded on its own and nothing here applies.
"""

# dtype -> significand bits, the implicit leading bit included
SIGNIFICAND_BITS = {"float32": 24, "bfloat16": 8, "float16": 11}

# Spellings of the parameter dtypes (canonical qualified names).
DTYPES = {
    "torch.float32": "float32", "torch.float": "float32",
    "torch.bfloat16": "bfloat16",
    "torch.float16": "float16", "torch.half": "float16",
}
# String spellings (`torch_dtype="bfloat16"` in transformers' from_pretrained).
DTYPE_STRINGS = {"float32": "float32", "bfloat16": "bfloat16", "float16": "float16", "fp16": "float16", "bf16": "bfloat16"}
# `model.bfloat16()` / `model.half()` / `model.float()`: torch.nn.Module's cast methods.
CAST_METHODS = {"bfloat16": "bfloat16", "half": "float16", "float": "float32"}
# Keywords of a loading call that give the parameters' dtype (`from_pretrained(..., torch_dtype=...)`).
DTYPE_KEYWORDS = ("torch_dtype", "dtype")

# framework -> how its decoupled decay is applied, and the source that shows it.
# "separate": a rounded step of its own; "combined": added to the update before one rounding.
DECAY_STEP = {
    "torch": ("separate", "torch/optim/adam.py L402-405 (2.7.0) `param.mul_(1 - lr * weight_decay)` "
              "(adamw.py L405 in 2.6.0), foreach `torch._foreach_mul_(params, 1 - lr * weight_decay)`, "
              "fused kernel `param -= lr * weight_decay * param` in op-math float (fused_adam_utils.cuh); "
              "_adafactor.py L384-385 and _muon.py L350 (2.14.1)"),
    "keras": ("separate", "keras v3.15.1 keras/src/optimizers/base_optimizer.py L952-959 "
              "`variable.assign(variable - variable * wd * lr)`; torch backend "
              "`torch._foreach_mul_(variables, 1 - weight_decay * lr)`"),
    "optax": ("combined", "optax/transforms/_adding.py L70-75 `g + wd * p`, then "
              "scale_by_learning_rate (alias.py L734-744): one addition to the parameters"),
}
# The torch `fused=True` kernel rounds a float32 parameter after each statement, but keeps a
# 16-bit one in a float register until the step's single store.
FUSED_KEEPS_16_BIT = True

# Calls under these prefixes take over the parameters and may keep float32 master copies
# (DeepSpeed/FSDP mixed precision, Accelerate, PEFT adapters created in float32): a file
# that uses one says nothing provable about the dtype the optimizer steps in.
MASTER_WEIGHT_WRAPPERS = (
    "peft.", "deepspeed.", "accelerate.", "torch.distributed.fsdp.", "apex.amp", "lightning.", "pytorch_lightning.",
)

# Schedulers and callbacks that set the learning rate to values of their own (not a
# multiple at most 1 of the optimizer's): under them the constructor's lr proves nothing.
LR_SETTING_CALLS = frozenset({
    "torch.optim.lr_scheduler.OneCycleLR", "torch.optim.lr_scheduler.CyclicLR",
    "keras.callbacks.LearningRateScheduler", "warmup_scheduler.GradualWarmupScheduler",
})
