# SPDX-License-Identifier: LGPL-2.1-or-later
"""gdb-rseq: let GDB step programs that use Linux restartable sequences.

`import gdb_rseq' (done by the loader, gdb-rseq.py) registers the commands,
parameters and event handlers once; Python's module cache makes a second
import, or a second loader, a no-op.  The native module _gdb_rseq must be
importable: the loader puts its directory on sys.path.
"""

import importlib.util as _util
import sys as _sys


def _lazy(name):
    """Make the submodule NAME one that is executed at its first use:
    importing it elsewhere binds it without running it."""
    fullname = __name__ + "." + name
    spec = _util.find_spec(fullname)
    spec.loader = _util.LazyLoader(spec.loader)
    module = _util.module_from_spec(spec)
    _sys.modules[fullname] = module
    spec.loader.exec_module(module)
    globals()[name] = module


# The tables, the threads' registrations and the step engine are first
# needed by a query, a step or a resume, not by GDB's start-up, which
# every session pays.
_lazy("registry")
_lazy("threads")
_lazy("stepper")

from . import settings      # the `rseq' prefixes: first, others hang on it
from . import log
from . import commands

# The stepping side is imported when present, and a failure there leaves
# the tables and `info rseq' usable instead of losing the whole extension.
import importlib as _importlib

for _name in ("stepping", "guards"):
    try:
        _importlib.import_module("." + _name, __name__)
    except ImportError as _e:
        if getattr(_e, "name", None) != __name__ + "." + _name:
            log.warning("%s support not loaded: %s", _name, _e)
    except Exception as _e:     # keep GDB usable whatever the module did
        log.warning("%s support not loaded: %s", _name, _e)

__all__ = ["settings", "log", "registry", "threads", "commands"]
