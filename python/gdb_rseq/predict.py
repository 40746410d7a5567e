# Where can the next instruction go?  Next-PC prediction for stepping.
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: LGPL-2.1-or-later

"""Predict the possible successors of one instruction.

The instruction-step commands must know *before* resuming whether one
instruction would carry the thread into a critical section: once the
thread has stopped inside one, the kernel aborts the pass on the next
resume.  GDB's own software single-step code is not reachable from
Python, so this reads the disassembler's text, which is enough for the
direct branches, calls and returns that rseq code uses.  Anything it
cannot decode comes back as ``targets=None`` and the caller falls back
to one plain instruction step (a following step then sees the thread
inside the section and handles the restart).
"""

import re

import gdb

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


# Patterns as strings: the re module compiles them at first use and keeps
# them, so loading the extension compiles none.
# x86: prefixes GDB prints before the mnemonic.
_X86_PREFIX = (r"^(?:(?:rep[a-z]*|bnd|notrack|lock|data16|addr32|"
               r"cs|ds|es|ss)\s+)+")
_HEX = r"^\$?(0x[0-9a-f]+)\b"
# "*0x2fe2(%rip)        # 0x555555557fd8 <...>": GDB resolves the slot.
_RIP_SLOT = r"#\s*(0x[0-9a-f]+)"
_X86_REG = r"^\*?%?([re]?[a-z0-9]{1,3})$"

_X86_COND = r"^(?:j(?!mp)[a-z]+|loop[a-z]*)$"


def _read_pointer(inferior, addr, size):
    data = bytes(inferior.read_memory(addr, size))
    return int.from_bytes(data, "little")


def _x86_indirect(operand, ptr_size):
    """The target of "jmp *OPERAND" / "call *OPERAND", or None."""
    operand = operand.strip()
    inferior = gdb.selected_inferior()
    if "(" not in operand and "[" not in operand:
        m = re.match(_X86_REG, operand)
        if m:
            try:
                return int(gdb.parse_and_eval("$" + m.group(1))) & (
                    (1 << (8 * ptr_size)) - 1)
            except gdb.error:
                return None
        return None
    m = re.search(_RIP_SLOT, operand)
    if m and ("rip" in operand):
        try:
            return _read_pointer(inferior, int(m.group(1), 16), ptr_size)
        except gdb.MemoryError:
            return None
    return None


def _x86(pc, asm, length, ptr_size):
    text = re.sub(_X86_PREFIX, "", asm.strip())
    mnemonic, _, operand = text.partition(" ")
    operand = operand.strip()
    fall = pc + length
    if mnemonic.startswith("ret") or mnemonic in ("iret", "iretq", "iretd"):
        sp = int(gdb.parse_and_eval("$sp"))
        try:
            return Successors(pc, length, RET,
                              (_read_pointer(gdb.selected_inferior(), sp,
                                             ptr_size),), dynamic=True)
        except gdb.MemoryError:
            return Successors(pc, length, RET, None, dynamic=True)
    is_jmp = mnemonic in ("jmp", "jmpq", "ljmp")
    is_call = mnemonic in ("call", "callq", "lcall")
    if is_jmp or is_call or re.match(_X86_COND, mnemonic):
        kind = CALL if is_call else JUMP if is_jmp else COND
        dynamic = operand.startswith("*") or (
            not re.match(_HEX, operand) and bool(operand))
        if dynamic:
            target = _x86_indirect(operand.lstrip("*"), ptr_size)
        else:
            m = re.match(_HEX, operand)
            target = int(m.group(1), 16) if m else None
        if target is None:
            return Successors(pc, length, kind, None, dynamic)
        if kind == COND:
            return Successors(pc, length, kind, (fall, target), dynamic)
        return Successors(pc, length, kind, (target,), dynamic)
    if mnemonic in ("syscall", "sysenter"):
        # The kernel returns after it, except when the call moves the PC
        # itself (rt_sigreturn, execve): known for this execution only.
        return Successors(pc, length, PLAIN, (fall,), dynamic=True)
    if mnemonic in ("int", "int3", "ud2", "hlt", "xbegin", "xabort", "into"):
        # A trap or a transaction abort: the kernel decides.
        return Successors(pc, length, COND, None)
    return Successors(pc, length, PLAIN, (fall,))


_A64_COND = r"^(?:b\.[a-z]+|cbn?z|tbn?z)$"


def _aarch64(pc, asm, length):
    mnemonic, _, operand = asm.strip().partition(" ")
    operand = operand.strip()
    fall = pc + length
    m = re.search(r"0x[0-9a-f]+", operand)
    target = int(m.group(0), 16) if m else None
    if mnemonic == "ret":
        reg = operand or "x30"
        try:
            return Successors(pc, length, RET,
                              (int(gdb.parse_and_eval("$" + reg)),),
                              dynamic=True)
        except gdb.error:
            return Successors(pc, length, RET, None, dynamic=True)
    if mnemonic in ("b", "bl"):
        return Successors(pc, length, CALL if mnemonic == "bl" else JUMP,
                          None if target is None else (target,))
    if mnemonic in ("br", "blr", "braa", "blraa"):
        try:
            dest = int(gdb.parse_and_eval("$" + operand.split(",")[0]))
        except gdb.error:
            dest = None
        return Successors(pc, length, CALL if mnemonic.startswith("bl")
                          else JUMP, None if dest is None else (dest,),
                          dynamic=True)
    if re.match(_A64_COND, mnemonic):
        return Successors(pc, length, COND,
                          None if target is None else (fall, target))
    if mnemonic in ("svc", "brk", "udf"):
        return Successors(pc, length, COND, None)
    return Successors(pc, length, PLAIN, (fall,))


def _decode(arch, pc):
    try:
        insn = arch.disassemble(pc)[0]
    except gdb.MemoryError as e:
        raise gdb.GdbError("cannot read the instruction at %#x: %s"
                           % (pc, e))
    asm, length = insn["asm"], insn["length"]
    name = arch.name()
    if name.startswith("i386"):
        ptr_size = 8 if "x86-64" in name else 4
        return _x86(pc, asm, length, ptr_size)
    if name.startswith("aarch64"):
        return _aarch64(pc, asm, length)
    # Unknown architecture: only a non-branch is safe to predict, and
    # the disassembler cannot say which is which in general.
    return Successors(pc, length, PLAIN, None)


class _Cache:
    """Decoded instructions whose successors do not depend on registers,
    by address, with the bytes they were decoded from.

    "stepi N" and a loop of stepi commands predict the same instructions
    over and over, and the disassembler costs a tenth of a step; reading
    the bytes back (a twentieth of the cost) catches code that changed
    under the same address (JIT, a library loaded where another was)."""

    LIMIT = 1 << 16

    def __init__(self):
        self.entries = {}

    def get(self, arch, pc):
        hit = self.entries.get(pc)
        if hit is not None:
            raw, succ = hit
            # Read from the process itself when native: a breakpoint
            # inserted there then differs, and the instruction is decoded
            # again through GDB, which shows what it replaced.
            if target.read_memory(pc, len(raw)) == raw:
                return succ
            del self.entries[pc]
        succ = _decode(arch, pc)
        if not succ.dynamic:
            if len(self.entries) >= self.LIMIT:
                self.entries.clear()
            try:
                raw = gdb.selected_inferior().read_memory(
                    pc, succ.length).tobytes()
            except gdb.MemoryError:
                return succ
            self.entries[pc] = (raw, succ)
        return succ

    def clear(self, event=None):
        self.entries.clear()


_cache = _Cache()
gdb.events.new_objfile.connect(_cache.clear)
gdb.events.clear_objfiles.connect(_cache.clear)
gdb.events.exited.connect(_cache.clear)


def successors(arch, pc):
    """Return the Successors of the instruction at PC, an instruction of
    the selected thread, about to run: its registers resolve returns and
    indirect branches.  ARCH: the thread's gdb.Architecture."""
    return _cache.get(arch, pc)
