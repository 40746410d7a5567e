# SPDX-License-Identifier: LGPL-2.1-or-later
"""AArch64 (GDB's aarch64)."""

import re

import gdb

from . import Arch
from ..predict import Successors, PLAIN, JUMP, COND, CALL, RET

# librseq's rseq/arch/aarch64.h, RSEQ_SIG_CODE: "brk #0x45e0", emitted
# with .inst before each abort handler.  (A big-endian program registers
# its byte-swapped data form, which the kernel then reads back; only
# little-endian arm64 is described here.)
SIGNATURE = 0xd428bc00

# The exits of librseq's c.s.: conditional branches, and compare or
# test-bit branches on a register.
_COND = r"^(?:b\.[a-z]+|cbn?z|tbn?z)$"
_HEX = r"0x[0-9a-f]+"


def describe(name):
    return Arch(name, SIGNATURE, "$tpidr", successors)


def successors(pc, asm, length):
    # GDB separates the mnemonic from the operands with a tab here.
    parts = asm.split(None, 1)
    mnemonic = parts[0] if parts else ""
    operand = parts[1].strip() if len(parts) > 1 else ""
    fall = pc + length
    m = re.search(_HEX, operand)
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
    if re.match(_COND, mnemonic):
        return Successors(pc, length, COND,
                          None if target is None else (fall, target))
    if mnemonic in ("svc", "brk", "udf"):
        return Successors(pc, length, COND, None)
    return Successors(pc, length, PLAIN, (fall,))
