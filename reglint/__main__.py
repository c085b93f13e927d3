"""`python -m reglint` is the same as the `reglint` command."""

import os
import sys

# `-m` puts the current folder first on sys.path; a checked project's own `ast.py` or
# `tokenize.py` must never shadow the standard library reglint imports.
if not sys.flags.safe_path and sys.path and os.path.abspath(sys.path[0] or os.curdir) == os.getcwd():
    del sys.path[0]

from reglint.cli import main  # noqa: E402

sys.exit(main())
