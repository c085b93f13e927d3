"""The extractor: source -> `FileModel`, split by concern.

`names` (one libcst pass: imports, bindings, calls, scopes), `context` (the shared
state and qualified names), `resolve` (values and origins), then the sites:
`optimizers`, `regularizers`, `penalties`, `losses`, `chains`; `build` drives them.
Importing this package imports libcst: the engine imports it only when a file is parsed.
"""

from reglint.analysis.build import build_model

__all__ = ["build_model"]
