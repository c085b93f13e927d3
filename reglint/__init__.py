"""reglint: finds weight-decay and L2-regularization hazards in ML training code."""

__version__ = "0.1.0"
