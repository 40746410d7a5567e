# SPDX-License-Identifier: LGPL-2.1-or-later
"""RISC-V (GDB's riscv:rv64 and riscv:rv32).  No next-PC rules yet: the
instruction-step commands step each instruction plainly there."""

from . import Arch

# librseq's rseq/arch/riscv.h: "csrr mhartid, x0", a privileged read
# that traps in user mode.
SIGNATURE = 0xf1401073


def describe(name):
    return Arch(name, SIGNATURE, "$tp")
