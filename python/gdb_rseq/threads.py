# SPDX-License-Identifier: LGPL-2.1-or-later
"""Each thread's rseq registration: where its struct rseq is, what it holds.

struct rseq (include/uapi/linux/rseq.h) starts with
    u32 cpu_id_start; u32 cpu_id; u64 rseq_cs; u32 flags; ...
where rseq_cs points at the struct rseq_cs descriptor of the c.s. the
thread armed last (the kernel clears it lazily, so it may be stale).

The area is found, in this order:
  1. PTRACE_GET_RSEQ_CONFIGURATION, through _gdb_rseq: exact, and works
     because GDB is the tracer of a native inferior;
  2. glibc 2.35+: thread pointer + __rseq_offset, when __rseq_size > 0;
  3. librseq's own registration: thread pointer + rseq_offset;
  4. the TLS variable __rseq_abi (tcmalloc, pre-glibc-2.35 code).
Cores and remote targets use 2-4.  An area, once found for a thread of a
process, does not move: it is cached until the process or its objfiles
change.
"""

import contextlib

import gdb

import _gdb_rseq

from . import arch as archs
from . import registry as _registry
from . import target

# struct and target are imported by the functions that read or write a
# struct rseq: nothing at start-up needs them, and gdb-rseq's start-up is
# paid by every GDB session.


class ThreadRseq:
    """The rseq state of one thread.

area: address of its struct rseq, None when it has not registered (or it
cannot be found).  cpu_id_start, cpu_id: as the kernel last wrote them
(cpu_id -1: not yet run since registering; -2: registration failed).
rseq_cs: the descriptor pointer field.  cs: the CriticalSection that
descriptor describes, None when rseq_cs is 0 or not a valid descriptor.
inside: whether the thread's PC lies in the armed c.s. or any known one.
signature: the abort signature it registered, when the kernel told us.
pc: the thread's PC.  how: how the area was found ("ptrace",
"__rseq_offset", "rseq_offset", "__rseq_abi"), None when not found."""

    __slots__ = ("area", "cpu_id_start", "cpu_id", "rseq_cs", "cs",
                 "inside", "signature", "pc", "how")

    def __init__(self, area, cpu_id_start, cpu_id, rseq_cs, cs, inside,
                 signature, pc, how):
        self.area = area
        self.cpu_id_start = cpu_id_start
        self.cpu_id = cpu_id
        self.rseq_cs = rseq_cs
        self.cs = cs
        self.inside = inside
        self.signature = signature
        self.pc = pc
        self.how = how

    def __repr__(self):
        return "ThreadRseq(%s)" % ", ".join(
            "%s=%r" % (f, getattr(self, f)) for f in self.__slots__)


# Offsets in struct rseq.
_CPU_ID_START = 0
_CPU_ID = 4
_RSEQ_CS = 8

# (pid, lwp) -> (area or None, signature or None, how)
_cache = {}


def _forget(*_):
    _cache.clear()


def _tid(thread):
    return thread.ptid[1] or thread.ptid[0]


@contextlib.contextmanager
def selected(thread):
    """Make THREAD the selected thread for the block, then put back the
    thread and frame the user had selected (if any)."""
    cur = gdb.selected_thread()
    if cur == thread:
        yield
        return
    frame = None
    if cur is not None:
        try:
            frame = gdb.selected_frame()
        except gdb.error:
            pass
    thread.switch()
    try:
        yield
    finally:
        if cur is not None and cur.is_valid():
            cur.switch()
            if frame is not None and frame.is_valid():
                try:
                    frame.select()
                except gdb.error:
                    pass


def _value(expr):
    """EXPR's value as an int, or None when it cannot be evaluated."""
    try:
        return int(gdb.parse_and_eval(expr))
    except (gdb.error, gdb.MemoryError, OverflowError, ValueError):
        return None


def _symbol_value(name, ctype):
    """The value of the data symbol NAME read as CTYPE, with or without
    debug information, or None when there is no such symbol."""
    return _value("*(%s *) &'%s'" % (ctype, name))


def _find_area_by_symbols(thread):
    """Steps 2-4 of the search, in THREAD's context."""
    tp_expr = archs.describe(
        thread.inferior.architecture().name()).thread_pointer
    tp = _value(tp_expr) if tp_expr else None
    if tp is not None:
        size = _symbol_value("__rseq_size", "unsigned int")
        if size:
            off = _symbol_value("__rseq_offset", "long")
            if off is not None:
                return (tp + off) & 0xffffffffffffffff, "__rseq_offset"
        off = _symbol_value("rseq_offset", "long")
        size = _symbol_value("rseq_size", "unsigned int")
        if off is not None and size:
            return (tp + off) & 0xffffffffffffffff, "rseq_offset"
    addr = _value("(unsigned long) &'__rseq_abi'")
    if addr:
        return addr, "__rseq_abi"
    return None, None


def _lookup_area(thread):
    inf = thread.inferior
    key = (inf.pid, _tid(thread))
    hit = _cache.get(key)
    if hit is not None:
        return hit
    result = None
    if inf.pid and target.is_native(inf):
        try:
            ptr, _size, sig, _flags = _gdb_rseq.rseq_configuration(
                _tid(thread))
            if not ptr:
                # Not registered (yet: a new thread stopped before glibc
                # registered it): ask again next time.
                return (None, None, "ptrace")
            result = (ptr, sig, "ptrace")
        except OSError:
            result = None       # not stopped, or a kernel before 5.13
    if result is None:
        with selected(thread):
            area, how = _find_area_by_symbols(thread)
        result = (area, None, how)
        if area is None:
            # Symbols may appear with the next objfile: retry then.
            return result
    _cache[key] = result
    return result


def area(thread):
    """The address of THREAD's struct rseq, or None when it has none."""
    return _lookup_area(thread)[0]


def _read(inf, addr, fmt):
    import struct
    from . import target
    order = target.byte_order()
    size = struct.calcsize(order + fmt)
    return struct.unpack(order + fmt, bytes(inf.read_memory(addr, size)))


def read_rseq_cs(thread):
    """THREAD's rseq_cs field (the armed descriptor's address, or 0).
    Raises gdb.error when the thread has no struct rseq."""
    a = area(thread)
    if a is None:
        raise gdb.error("thread %d has no rseq registration" % thread.num)
    return _read(thread.inferior, a + _RSEQ_CS, "Q")[0]


def write_rseq_cs(thread, value):
    """Set THREAD's rseq_cs field to VALUE (0 disarms the thread)."""
    a = area(thread)
    if a is None:
        raise gdb.error("thread %d has no rseq registration" % thread.num)
    import struct
    from . import target
    order = target.byte_order()
    thread.inferior.write_memory(a + _RSEQ_CS, struct.pack(order + "Q",
                                                           value))


def _armed(inf, rseq_cs):
    """The CriticalSection the descriptor at RSEQ_CS describes.  Matched
    by start address: on some architectures the running code arms a copy
    of the descriptor, not the one in the tables."""
    if not rseq_cs:
        return None
    try:
        start = _read(inf, rseq_cs + 8, "Q")[0]
    except (gdb.error, gdb.MemoryError):
        return None
    cs = _registry.registry.by_start(start)
    if cs is None:
        cs = _registry.learn_from_memory(rseq_cs)
    return cs


def state(thread):
    """THREAD's ThreadRseq."""
    inf = thread.inferior
    a, sig, how = _lookup_area(thread)
    with selected(thread):
        try:
            pc = gdb.newest_frame().pc()
        except gdb.error:
            pc = None
    cpu_start = cpu = rseq_cs = None
    cs = None
    if a is not None:
        try:
            cpu_start, cpu, rseq_cs = _read(inf, a, "IiQ")
        except (gdb.error, gdb.MemoryError):
            pass
        cs = _armed(inf, rseq_cs)
    inside = False
    if pc is not None:
        inside = ((cs is not None and cs.contains(pc))
                  or _registry.lookup(pc) is not None)
    return ThreadRseq(a, cpu_start, cpu, rseq_cs, cs, inside, sig, pc, how)


def learn_armed(inferior=None):
    """Make sure the registry knows the c.s. armed by each thread of
    INFERIOR (default: the selected one), learning unknown ones (JIT code,
    stripped tables) from memory.  Returns how many threads had one."""
    inf = inferior or gdb.selected_inferior()
    if not inf.pid:
        return 0
    n = 0
    for t in inf.threads():
        try:
            value = read_rseq_cs(t)
        except (gdb.error, gdb.MemoryError):
            continue
        if _armed(inf, value) is not None:
            n += 1
    return n


def _install():
    gdb.events.exited.connect(_forget)
    gdb.events.new_objfile.connect(_forget)
    gdb.events.clear_objfiles.connect(_forget)
    gdb.events.new_inferior.connect(_forget)


_install()
