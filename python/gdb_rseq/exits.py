# SPDX-License-Identifier: LGPL-2.1-or-later
"""Exits of a c.s. derived with GDB's disassembler.

Declared exits come with the tables.  Derived ones are found here, at run
time: for every c.s. read from a file or from memory when someone first
asks about it (a file may have 100k c.s.: deriving all of them at load
time would make loading cost a disassembly of each), and for a c.s. learned
from a descriptor a thread armed.  GDB's disassembler knows every
architecture GDB debugs, where the distribution's libopcodes often knows
only the host's.
"""

import re

import gdb

_HEX = r"\b0x([0-9a-fA-F]+)\b"
# Conditional and unconditional direct branches, by architecture family.
_BRANCH = (r"^(?:j[a-z]*|loop[a-z]*|b|b\.[a-z]+|b[a-z]{1,4}|cbn?z|tbn?z|"
           r"br[a-z]*|bn?e[a-z]*|beqz|bnez|bgez|bltz|blez|bgtz)$")
_CALL = r"^(?:call[a-z]*|bl|blr|jal|jalr|bras?l?|brasl)$"
_SYSCALL = r"^(?:syscall|sysenter|int|svc|ecall|sc|scv)$"
# Prefixes ("bnd jmp", "notrack jmp", "rep ...") precede the verb.
_PREFIXES = ("bnd", "notrack", "rep", "repz", "repnz", "lock", "cs", "ds")

_compiled = None


def _regexps():
    """(_HEX, _BRANCH, _CALL, _SYSCALL), compiled.  Compiling them costs
    more than the rest of importing this module, and most sessions never
    derive an exit: they are compiled at the first derivation."""
    global _compiled
    if _compiled is None:
        _compiled = tuple(re.compile(r)
                          for r in (_HEX, _BRANCH, _CALL, _SYSCALL))
    return _compiled


def derive_exits(start, end, abort):
    """Exits of [START, END) found by disassembling it with GDB: the targets
    of direct branches that leave the range (other than END and ABORT).
    Returns (sorted exit addresses, has_call, has_syscall)."""
    try:
        arch = gdb.selected_inferior().architecture()
        insns = arch.disassemble(start, end - 1)
    except (gdb.error, gdb.MemoryError, RuntimeError):
        return [], False, False
    hex_re, branch_re, call_re, syscall_re = _regexps()
    exits = set()
    has_call = has_syscall = False
    for insn in insns:
        text = insn["asm"].strip()
        if not text:
            continue
        parts = text.split(None, 1)
        mnem = parts[0].lower()
        if mnem in _PREFIXES and len(parts) > 1:
            parts = parts[1].split(None, 1)
            mnem = parts[0].lower()
        if syscall_re.match(mnem):
            has_syscall = True
            continue
        if call_re.match(mnem):
            has_call = True
            continue
        if not branch_re.match(mnem) or len(parts) < 2:
            continue
        if parts[1].lstrip().startswith("*"):
            continue    # indirect: its "# 0x..." comment is no target
        targets = hex_re.findall(parts[1].split("<", 1)[0])
        if not targets:
            continue
        target = int(targets[-1], 16)
        if not start <= target < end and target not in (end, abort):
            exits.add(target)
    return sorted(exits), has_call, has_syscall
