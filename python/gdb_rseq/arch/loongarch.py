# SPDX-License-Identifier: LGPL-2.1-or-later
"""LoongArch (GDB's loongarch64).  No next-PC rules yet."""

from . import Arch

# librseq's rseq/arch/loongarch.h: "break 0x10".
SIGNATURE = 0x002a0010


def describe(name):
    return Arch(name, SIGNATURE, "$tp")
