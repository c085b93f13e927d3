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

# Library models whose norms are not named `LayerNorm`, by the names `named_parameters()`
# gives their weights (one index for every block): BERT's fragment `"LayerNorm.weight"` is in
# none of them. transformers 0010f60 `models/gpt2/modeling_gpt2.py`: `GPT2Block.__init__` builds
# `self.ln_1`, `self.ln_2`; `GPT2Model.__init__` `self.h = nn.ModuleList([GPT2Block(...) ...])`
# and `self.ln_f`; `GPT2LMHeadModel.__init__` `self.transformer = GPT2Model(config)`.
# transformers 0022728 `models/llama/modeling_llama.py`: `LlamaDecoderLayer.__init__` builds
# `self.input_layernorm` and `self.post_attention_layernorm` (LlamaRMSNorm, a `weight`), `LlamaModel`
# `self.layers = nn.ModuleList([...])` and `self.norm`; the heads keep it as `self.model`
# (`LlamaPreTrainedModel._setup_cache` reads `self.model.layers[...].input_layernorm.weight`).
# Python's `in` is case-sensitive: "LayerNorm.weight" is in none of these names.
_GPT2_NORMS = ("h.0.ln_1.weight", "h.0.ln_2.weight", "ln_f.weight")
_LLAMA_NORMS = ("layers.0.input_layernorm.weight", "layers.0.post_attention_layernorm.weight", "norm.weight")
_GPT2_HEAD = tuple(f"transformer.{name}" for name in _GPT2_NORMS)
_LLAMA_HEAD = tuple(f"model.{name}" for name in _LLAMA_NORMS)
NORM_WEIGHTS = {
    "transformers.GPT2Model": _GPT2_NORMS,
    "transformers.models.gpt2.modeling_gpt2.GPT2Model": _GPT2_NORMS,
    "transformers.GPT2LMHeadModel": _GPT2_HEAD,
    "transformers.models.gpt2.modeling_gpt2.GPT2LMHeadModel": _GPT2_HEAD,
    "transformers.LlamaModel": _LLAMA_NORMS,
    "transformers.models.llama.modeling_llama.LlamaModel": _LLAMA_NORMS,
    "transformers.LlamaForCausalLM": _LLAMA_HEAD,
    "transformers.models.llama.modeling_llama.LlamaForCausalLM": _LLAMA_HEAD,
}
# How a library model is built: `Cls.from_pretrained(...)`, `Cls(config)`, `Cls.from_config(config)`.
MODEL_CONSTRUCTORS = frozenset({"from_pretrained", "from_config"})
