# SPDX-License-Identifier: LGPL-2.1-or-later
"""What gdb-rseq knows about each processor architecture, one module per
architecture as GDB has its *-tdep.c files and librseq its
rseq/arch/<arch>.h headers.

A module describes the architecture GDB names NAME with
``describe(NAME)``, which returns an ``Arch``.  Supporting one more
architecture takes a module and a row in ``_MODULES``.
"""

import importlib

# GDB's architecture names are BFD's printable names: the family, then
# ":" and a variant ("i386:x86-64", "riscv:rv64", "aarch64:ilp32").  The
# family chooses the module; the module tells its variants apart.
_MODULES = {
    "i386": "x86_64",
    "aarch64": "aarch64",
    "riscv": "riscv",
    "powerpc": "powerpc",
    "s390": "s390",
    "loongarch64": "loongarch",
}


class Arch:
    """One architecture, as GDB names it.

    ``signature``: the abort signature glibc and librseq register there
    (the 32-bit word before each abort handler), None when unknown.
    ``thread_pointer``: a GDB expression for the thread pointer that
    glibc's __rseq_offset is relative to (glibc's __thread_pointer), None
    when unknown.  ``successors``: the next-PC rules, a function
    (PC, ASM, LENGTH) -> predict.Successors of one instruction from GDB's
    disassembly, for the selected thread about to run it; None when there
    are none.  ``watch_after_access``: whether a hardware watchpoint
    reports a write with the PC past the writing instruction (x86's debug
    registers), so that a section's committing store is seen from
    outside the section; elsewhere the watchpoint reports the store
    itself, inside, and GDB steps it over there."""

    __slots__ = ("name", "signature", "thread_pointer", "successors",
                 "watch_after_access")

    def __init__(self, name, signature=None, thread_pointer=None,
                 successors=None, watch_after_access=False):
        self.name = name
        self.signature = signature
        self.thread_pointer = thread_pointer
        self.successors = successors
        self.watch_after_access = watch_after_access

    def __repr__(self):
        return "Arch(%r)" % self.name


_described = {}


def describe(name):
    """The Arch GDB calls NAME (an unknown one knows nothing).  Callers on
    a per-instruction path keep the result: this builds it once per name,
    but still costs a lookup."""
    arch = _described.get(name)
    if arch is None:
        module = _MODULES.get((name or "").partition(":")[0])
        if module is None:
            arch = Arch(name)
        else:
            arch = importlib.import_module(
                "." + module, __name__).describe(name)
        _described[name] = arch
    return arch
