"""reglint: finds weight-decay and L2-regularization hazards in ML training code."""

import os as _os
import sys as _sys

__version__ = "0.1.0"


class _CheckoutRules:
    """Finds `reglint.rules` in the `rules/` folder beside this package: the layout of a
    plain checkout, where nothing maps that folder to `reglint.rules` as an installed
    wheel (which ships it as `reglint/rules/`) or an editable install does. It never
    puts a package called plainly `rules` on sys.path."""

    def __init__(self, folder: str):
        self.folder = folder

    def find_spec(self, name, path=None, target=None):
        if name != "reglint.rules":
            return None
        from importlib.util import spec_from_file_location

        return spec_from_file_location(name, _os.path.join(self.folder, "__init__.py"),
                                       submodule_search_locations=[self.folder])


def _rules_beside(package: str):
    folder = _os.path.join(_os.path.dirname(package), "rules")
    if _os.path.isdir(_os.path.join(package, "rules")) or not _os.path.isfile(_os.path.join(folder, "__init__.py")):
        return None
    return _CheckoutRules(folder)


_finder = _rules_beside(_os.path.dirname(_os.path.abspath(__file__)))
if _finder is not None:  # first, so the rules beside the reglint that was imported are the ones used
    _sys.meta_path.insert(0, _finder)
