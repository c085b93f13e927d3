"""`python -m reglint` is the same as the `reglint` command."""

import sys

from reglint.cli import main

sys.exit(main())
