# SPDX-License-Identifier: LGPL-2.1-or-later
"""IBM Z (GDB's s390:64-bit and s390:31-bit).  No next-PC rules yet."""

from . import Arch

# librseq's rseq/arch/s390.h: "trap4", a trap.
SIGNATURE = 0xb2ff0fff


def describe(name):
    # The thread pointer is split over access registers 0 and 1 on
    # 64-bit, in access register 0 alone on 31-bit.
    return Arch(name, SIGNATURE,
                "(($acr0 << 32) | $acr1)" if name.endswith("64-bit")
                else "$acr0")
