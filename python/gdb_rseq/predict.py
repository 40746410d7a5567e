# Where can the next instruction go?  Next-PC prediction for stepping.
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: LGPL-2.1-or-later

"""Predict the possible successors of one instruction.

The instruction-step commands must know *before* resuming whether one
instruction would carry the thread into a critical section: once the
thread has stopped inside one, the kernel aborts the pass on the next
resume.  GDB's own software single-step code is not reachable from
Python, so this reads the disassembler's text, which is enough for the
direct branches, calls and returns that rseq code uses; each
architecture's rules are in its module of the arch package.  Anything it
cannot decode comes back as ``targets=None`` and the caller falls back
to one plain instruction step (a following step then sees the thread
inside the section and handles the restart).
"""

import gdb

from . import arch as archs
from . import target

# Instruction kinds.
PLAIN = "plain"        # falls through
JUMP = "jump"          # unconditional branch
COND = "cond"          # conditional branch: fall-through or target
CALL = "call"
RET = "ret"


class Successors:
    """The outcome of predicting one instruction.

    ``targets`` is the tuple of addresses the thread can be at after
    executing the instruction at ``pc`` (for a call: the callee's entry),
    or None when they cannot be known statically.  ``fallthrough`` is
    ``pc + length``, where ``nexti`` over a call ends.  ``dynamic``: the
    targets were read from registers or memory (a return, an indirect
    branch) and hold for this execution only."""

    __slots__ = ("pc", "length", "kind", "targets", "fallthrough", "dynamic")

    def __init__(self, pc, length, kind, targets, dynamic=False):
        self.pc = pc
        self.length = length
        self.kind = kind
        self.targets = targets
        self.fallthrough = pc + length
        self.dynamic = dynamic

    def __repr__(self):
        targets = (None if self.targets is None
                   else [hex(t) for t in self.targets])
        return "Successors(%#x, %s, %s)" % (self.pc, self.kind, targets)


def _unknown(pc, asm, length):
    # An architecture without rules: only a non-branch is safe to
    # predict, and the disassembler cannot say which is which in general.
    return Successors(pc, length, PLAIN, None)


# The next-PC rules of the architecture last decoded for, resolved once
# per gdb.Architecture: GDB keeps one Python object per architecture.
_rules_arch = None
_rules = _unknown


def _decode(arch, pc):
    global _rules_arch, _rules
    try:
        insn = arch.disassemble(pc)[0]
    except gdb.MemoryError as e:
        raise gdb.GdbError("cannot read the instruction at %#x: %s"
                           % (pc, e))
    if arch is not _rules_arch:
        _rules = archs.describe(arch.name()).successors or _unknown
        _rules_arch = arch
    return _rules(pc, insn["asm"], insn["length"])


class _Cache:
    """Decoded instructions whose successors do not depend on registers,
    by address and program space.

    "stepi N" and a loop of stepi commands predict the same instructions
    over and over, and the disassembler costs a tenth of a step.  Code
    GDB has symbols for changes with its objfiles (a library loaded where
    another was, JIT code registered with GDB), whose events clear the
    cache, or through GDB's own memory writes, which do too.  Other code
    (JIT code GDB knows nothing of) may change under the same address:
    its bytes are kept and read back at each use, a twentieth of a
    step.  Code that rewrites its own text behind GDB is not followed."""

    LIMIT = 1 << 16

    def __init__(self):
        self.entries = {}
        # Moves whenever an entry is dropped: what callers derived from
        # an entry holds while it does not move.
        self.generation = 0

    def get(self, arch, pc):
        # Two programs (inferiors) can hold different code at one address.
        key = (pc, gdb.current_progspace())
        hit = self.entries.get(key)
        if hit is not None:
            raw, succ = hit
            # Read from the process itself when native: a breakpoint
            # inserted there then differs, and the instruction is decoded
            # again through GDB, which shows what it replaced.
            if raw is None or target.read_memory(pc, len(raw)) == raw:
                return succ
            del self.entries[key]
            self.generation += 1
        succ = _decode(arch, pc)
        if not succ.dynamic:
            if len(self.entries) >= self.LIMIT:
                self.clear()
            raw = None
            if not _has_symbols(pc):
                try:
                    raw = gdb.selected_inferior().read_memory(
                        pc, succ.length).tobytes()
                except gdb.MemoryError:
                    return succ
            self.entries[key] = (raw, succ)
        return succ

    def clear(self, event=None):
        self.entries.clear()
        self.generation += 1

    def stable(self, pc, progspace):
        """Whether the entry for PC holds without reading the code back
        (GDB has symbols for it): until the generation moves."""
        hit = self.entries.get((pc, progspace))
        return hit is not None and hit[0] is None


def _has_symbols(pc):
    """Whether PC is in a function GDB has symbols for."""
    try:
        block = gdb.current_progspace().block_for_pc(pc)
    except RuntimeError:
        return False
    while block is not None and block.function is None:
        block = block.superblock
    return block is not None


# Its generation moves whenever a prediction may have changed: the
# stepping commands keep what they derive from one until then.
cache = _Cache()
gdb.events.new_objfile.connect(cache.clear)
gdb.events.clear_objfiles.connect(cache.clear)
gdb.events.exited.connect(cache.clear)
gdb.events.memory_changed.connect(cache.clear)
# GDB 13 and later: JIT code unregistered, its memory reused.
if hasattr(gdb.events, "free_objfile"):
    gdb.events.free_objfile.connect(cache.clear)


def stable(pc, progspace):
    """Whether the prediction for PC in PROGSPACE, made by successors(),
    holds without looking at the code again until cache.generation
    moves."""
    return cache.stable(pc, progspace)


def successors(arch, pc):
    """Return the Successors of the instruction at PC, an instruction of
    the selected thread, about to run: its registers resolve returns and
    indirect branches.  ARCH: the thread's gdb.Architecture."""
    return cache.get(arch, pc)
