# SPDX-License-Identifier: LGPL-2.1-or-later
"""One-line "[rseq] ..." messages.

`info' is for what the user asked to see (`set rseq verbose on');
`notice' is for the rare events a user must see even when not verbose
(a step that detected a restart, a table that could not be read).
"""

import gdb

from .commands import verbose as _verbose


def is_verbose():
    return bool(_verbose.value)


def info(fmt, *args):
    """Print "[rseq] MSG" when `set rseq verbose' is on."""
    if _verbose.value:
        gdb.write("[rseq] " + (fmt % args if args else fmt) + "\n")


def notice(fmt, *args):
    """Print "[rseq] MSG" whatever the verbosity."""
    gdb.write("[rseq] " + (fmt % args if args else fmt) + "\n")


def warning(fmt, *args):
    """Print "warning: gdb-rseq: MSG" on GDB's error stream."""
    gdb.write("warning: gdb-rseq: " + (fmt % args if args else fmt) + "\n",
              gdb.STDERR)
