# SPDX-License-Identifier: LGPL-2.1-or-later
"""Facts about the selected inferior's target that several modules need:
its architecture's name, its byte order, the abort signature its threads
use."""

import gdb

# Abort signatures registered by glibc/librseq when a thread has not told us
# its own (rseq-facts.md); only used to validate descriptors seen in memory.
_DEFAULT_SIGNATURES = {
    "i386:x86-64": 0x53053053,
    "i386": 0x53053053,
    "aarch64": 0xd428bc00,
    "powerpc:common64": 0x0fe5000b,
    "powerpc:common": 0x0fe5000b,
    "s390:64-bit": 0xb2ff0fff,
    "s390:31-bit": 0xb2ff0fff,
    "riscv:rv64": 0xf1401073,
    "riscv:rv32": 0xf1401073,
    "loongarch64": 0x002a0010,
}


def arch_name():
    """GDB's name of the selected inferior's architecture, or None."""
    try:
        return gdb.selected_inferior().architecture().name()
    except (gdb.error, RuntimeError, AttributeError):
        return None


_endian_cache = {}


def byte_order():
    """"<" or ">" for struct, for the current target."""
    # `show endian' is a CLI round trip; the answer only changes with the
    # architecture.
    arch = arch_name()
    order = _endian_cache.get(arch)
    if order is None:
        text = gdb.execute("show endian", False, True)
        order = ">" if "big endian" in text else "<"
        _endian_cache[arch] = order
    return order


def abort_signature():
    """The signature a descriptor's abort handler must follow: the one the
    selected thread registered (ptrace), else the architecture's usual
    value; None when neither is known."""
    try:
        from . import threads   # threads needs the registry, which needs us
        signature = threads.state(gdb.selected_thread()).signature
    except Exception:           # no thread, no registration: no opinion
        signature = None
    if signature is None:
        signature = _DEFAULT_SIGNATURES.get(arch_name())
    return signature
