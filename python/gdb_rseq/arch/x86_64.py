# SPDX-License-Identifier: LGPL-2.1-or-later
"""x86-64, x32 and i386 (GDB's i386:x86-64, i386:x64-32, i386): one
instruction set, whose next-PC rules differ only in the pointer size."""

import re

import gdb

from . import Arch
from ..predict import Successors, PLAIN, JUMP, COND, CALL, RET

# librseq's rseq/arch/x86.h: the displacement of the
# "ud1 0x53053053(%rip),%edi" before each abort handler, whose last four
# bytes it is.
SIGNATURE = 0x53053053

# Patterns as strings: the re module compiles them at first use and keeps
# them, so loading the module compiles none.
# Prefixes GDB prints before the mnemonic.
_PREFIX = (r"^(?:(?:rep[a-z]*|bnd|notrack|lock|data16|addr32|"
           r"cs|ds|es|ss)\s+)+")
_HEX = r"^\$?(0x[0-9a-f]+)\b"
# "*0x2fe2(%rip)        # 0x555555557fd8 <...>": GDB resolves the slot.
_RIP_SLOT = r"#\s*(0x[0-9a-f]+)"
_REG = r"^\*?%?([re]?[a-z0-9]{1,3})$"

_COND = r"^(?:j(?!mp)[a-z]+|loop[a-z]*)$"


def describe(name):
    if "x86-64" in name:
        return Arch(name, SIGNATURE, "$fs_base", _rules(8), True)
    if "x64-32" in name:
        # x32 pointers are 4 bytes; a return address is pushed as 8, its
        # high half zero in a 4 GiB address space, and read as 4 below.
        return Arch(name, SIGNATURE, "$fs_base", _rules(4), True)
    return Arch(name, SIGNATURE, "$gs_base", _rules(4), True)


def _read_pointer(inferior, addr, size):
    data = bytes(inferior.read_memory(addr, size))
    return int.from_bytes(data, "little")


def _indirect(operand, ptr_size):
    """The target of "jmp *OPERAND" / "call *OPERAND", or None."""
    operand = operand.strip()
    inferior = gdb.selected_inferior()
    if "(" not in operand and "[" not in operand:
        m = re.match(_REG, operand)
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


def _rules(ptr_size):
    """The next-PC rules for pointers of PTR_SIZE bytes: a function of
    its own rather than one taking the size, so that predicting an
    instruction costs no call more than it did in one module."""

    def successors(pc, asm, length):
        text = re.sub(_PREFIX, "", asm.strip())
        mnemonic, _, operand = text.partition(" ")
        operand = operand.strip()
        fall = pc + length
        if mnemonic.startswith("ret") or mnemonic in ("iret", "iretq",
                                                      "iretd"):
            sp = int(gdb.parse_and_eval("$sp"))
            try:
                return Successors(pc, length, RET,
                                  (_read_pointer(gdb.selected_inferior(), sp,
                                                 ptr_size),), dynamic=True)
            except gdb.MemoryError:
                return Successors(pc, length, RET, None, dynamic=True)
        is_jmp = mnemonic in ("jmp", "jmpq", "ljmp")
        is_call = mnemonic in ("call", "callq", "lcall")
        if is_jmp or is_call or re.match(_COND, mnemonic):
            kind = CALL if is_call else JUMP if is_jmp else COND
            dynamic = operand.startswith("*") or (
                not re.match(_HEX, operand) and bool(operand))
            if dynamic:
                target = _indirect(operand.lstrip("*"), ptr_size)
            else:
                m = re.match(_HEX, operand)
                target = int(m.group(1), 16) if m else None
            if target is None:
                return Successors(pc, length, kind, None, dynamic)
            if kind == COND:
                return Successors(pc, length, kind, (fall, target), dynamic)
            return Successors(pc, length, kind, (target,), dynamic)
        if mnemonic in ("syscall", "sysenter"):
            # The kernel returns after it, except when the call moves the
            # PC itself (rt_sigreturn, execve): known for this execution
            # only.
            return Successors(pc, length, PLAIN, (fall,), dynamic=True)
        if mnemonic in ("int", "int3", "ud2", "hlt", "xbegin", "xabort",
                        "into"):
            # A trap or a transaction abort: the kernel decides.
            return Successors(pc, length, COND, None)
        return Successors(pc, length, PLAIN, (fall,))

    return successors
