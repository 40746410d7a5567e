# SPDX-License-Identifier: LGPL-2.1-or-later
"""POWER (GDB's powerpc:common64 and powerpc:common).  No next-PC rules
yet."""

from . import Arch

# librseq's rseq/arch/ppc.h: "twui r5,11", a trap.
SIGNATURE = 0x0fe5000b


def describe(name):
    # The ABIs' thread pointers: r13 on 64-bit, r2 on 32-bit.
    return Arch(name, SIGNATURE,
                "$r13" if name.endswith("64") else "$r2")
