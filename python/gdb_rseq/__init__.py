# SPDX-License-Identifier: LGPL-2.1-or-later
"""gdb-rseq: let GDB step programs that use Linux restartable sequences.

`import gdb_rseq' (done by the loader, gdb-rseq.py) registers the commands,
parameters and hooks (commands.py) once; Python's module cache makes a
second import, or a second loader, a no-op.  Nothing else is loaded at
GDB's start-up: each other module, and the native modules _gdb_rseq and
_gdb_rseq_reader (the loader puts their directory on sys.path), is
imported by the first command or event that needs it.
"""

from . import commands

__all__ = ["commands"]


def __getattr__(name):
    # `gdb_rseq.registry' and the like from a script work as they would
    # if every module had been imported at start-up.
    if name.startswith("_"):
        raise AttributeError(name)
    try:
        return commands._load(name)
    except ModuleNotFoundError as e:
        if e.name != __name__ + "." + name:
            raise
        raise AttributeError("module %r has no attribute %r"
                             % (__name__, name)) from None
