"""AllenNLP configs: the registered optimizer names and regularizers a JSON/jsonnet config names.

Sources, allenai/allennlp v2.10.1 (80fb6061, 2022-11-21):
- `allennlp/training/optimizers.py`: `@Optimizer.register(name)` subclasses of torch
  classes, each passing `weight_decay` straight to the torch constructor: "adam" L357
  (torch.optim.Adam, default 0.0), "adamw" L429 (torch.optim.AdamW, default 0.01),
  "huggingface_adamw" L455 (transformers.AdamW: decoupled, default 0.0), "adagrad" L515,
  "adadelta" L541, "sgd" L565, "rmsprop" L591, "adamax" L405, "averaged_sgd" L619
  (torch.optim.ASGD), "huggingface_adafactor" L481. "sparse_adam" L383 takes no decay.
  `parameter_groups` (L80-175) may override `weight_decay` per group of regexes.
- `allennlp/nn/regularizers/regularizers.py` L21-33: "l2" is `alpha · Σw²` (default
  alpha 0.01, no ½: the Keras convention), L6-18 "l1"; the model adds
  `get_regularization_penalty()` to the loss (`gradient_descent_trainer.py` L401-412),
  so it is coupled under any optimizer.
"""

# registered name -> the torch class it builds (semantics from frameworks/torch.py)
OPTIMIZERS = {
    "adam": "torch.optim.Adam",
    "adamw": "torch.optim.AdamW",
    "huggingface_adamw": "transformers.AdamW",
    "adagrad": "torch.optim.Adagrad",
    "adadelta": "torch.optim.Adadelta",
    "rmsprop": "torch.optim.RMSprop",
    "adamax": "torch.optim.Adamax",
    "sgd": "torch.optim.SGD",
    "averaged_sgd": "torch.optim.ASGD",
}

# defaults that differ from the torch class's own (optimizers.py L442, L468)
DEFAULT_WEIGHT_DECAY = {"adamw": 0.01, "huggingface_adamw": 0.0}

REGULARIZER_CONVENTIONS = {"l2": "sum_sq"}  # regularizers.py L33
DEFAULT_L2_ALPHA = 0.01  # regularizers.py L29
