"""What every subcommand's argument parsing shares: exit codes and the usage error.

Exit codes (as ruff): 0 no diagnostics, 1 diagnostics remain, 2 usage, config or
internal error.
"""

from __future__ import annotations

import argparse

EXIT_CLEAN, EXIT_DIAGNOSTICS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so every error is one line and exit 2."""

    def error(self, message):
        raise UsageError(message)
