"""Source -> model: one module per concern, each fact kind with its cheap predicate."""
