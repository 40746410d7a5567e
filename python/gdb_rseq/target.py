# SPDX-License-Identifier: LGPL-2.1-or-later
"""Facts about the selected inferior's target that several modules need:
its architecture's name, its byte order, the abort signature its threads
use, whether it is a native process; and, for a native one, its threads'
PC and its memory read straight from the kernel."""

import os

import gdb

from . import arch as archs

def arch_name():
    """GDB's name of the selected inferior's architecture, or None."""
    try:
        return gdb.selected_inferior().architecture().name()
    except (gdb.error, RuntimeError, AttributeError):
        return None


_endian_cache = {}


def byte_order():
    """"<" or ">" for struct, for the current target."""
    # The answer only changes with the architecture.
    arch = arch_name()
    order = _endian_cache.get(arch)
    if order is None:
        order = _endian_cache[arch] = _arch_byte_order()
    return order


def _arch_byte_order():
    # The selected inferior's architecture reads a 4-byte integer from
    # bytes in its own byte order (Architecture.integer_type: GDB 12).
    # Not "show endian": its text is MI-wrapped under GDB 18's MI.
    try:
        int32 = gdb.selected_inferior().architecture().integer_type(32)
        one = int(gdb.Value(b"\x01\x00\x00\x00", int32))
    except (gdb.error, RuntimeError, AttributeError, ValueError):
        return "<"
    return "<" if one == 1 else ">"


def abort_signature():
    """The signature a descriptor's abort handler must follow: the one the
    selected thread registered (ptrace), else the one glibc and librseq
    register on the architecture; None when neither is known."""
    try:
        from . import threads   # threads needs the registry, which needs us
        signature = threads.state(gdb.selected_thread()).signature
    except Exception:           # no thread, no registration: no opinion
        signature = None
    if signature is None:
        signature = archs.describe(arch_name()).signature
    return signature


def is_native(inferior=None):
    """Whether INFERIOR (default: the selected one) is a process of this
    machine that GDB debugs with ptrace: then system calls reach it."""
    inferior = inferior or gdb.selected_inferior()
    conn = getattr(inferior, "connection", None)
    if conn is not None:
        return conn.type == "native"
    # GDB < 12: assume native when live.
    return inferior.connection_num == 1 and inferior.pid > 0


class _Native:
    """The kernel's view of the selected inferior's process, when it is
    native: the stepping commands read the PC and the next instruction at
    every step, and through GDB those cost more than the system call ($pc
    builds frame #0; a memory read goes down the target stack).

    Kept per (pid, connection) and dropped when objfiles change: a
    /proc/PID/mem descriptor opened before an exec reads nothing after
    it."""

    def __init__(self):
        self.key = None
        self.native = False
        self.pc_reader = None   # None: not known yet; False: none
        self.signal_reader = None   # the same
        self.mem = None

    def _current(self):
        inferior = gdb.selected_inferior()
        key = (inferior.pid, inferior.connection_num)
        if key != self.key:
            self.forget()
            self.key = key
            self.native = inferior.pid > 0 and is_native(inferior)
        return inferior

    def thread_pc(self, tid):
        self._current()
        if self.pc_reader is None:
            self.pc_reader = False
            if self.native:
                try:
                    import _gdb_rseq
                    if _gdb_rseq.thread_pc(tid) is not None:
                        self.pc_reader = _gdb_rseq.thread_pc
                except (ImportError, AttributeError, OSError):
                    pass
        if self.pc_reader:
            try:
                return self.pc_reader(tid)
            except OSError:
                pass
        return int(gdb.parse_and_eval("$pc"))

    def reads_stop_signals(self):
        """Whether stop_signal can ask the kernel (a native inferior).
        Known until the inferior changes: the step's thread_pc, and the
        exit and objfile events, forget it then."""
        if self.signal_reader is None:
            self._current()
            self.signal_reader = False
            if self.native:
                try:
                    import _gdb_rseq
                    self.signal_reader = _gdb_rseq.thread_stop_signal
                except (ImportError, AttributeError):
                    pass
        return bool(self.signal_reader)

    def stop_signal(self, tid):
        """The number of the signal the stopped thread TID stopped with
        (SIGTRAP after a step or a breakpoint), from the kernel; None
        when not known."""
        if not self.signal_reader and not self.reads_stop_signals():
            return None
        try:
            return self.signal_reader(tid)
        except OSError:
            return None

    def read(self, addr, length):
        inferior = self._current()
        if self.native and self.mem is None:
            try:
                self.mem = os.open("/proc/%d/mem" % inferior.pid,
                                   os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                self.native = False
        if self.mem is not None:
            try:
                data = os.pread(self.mem, length, addr)
                if len(data) == length:
                    return data
            except OSError:
                pass
        try:
            return inferior.read_memory(addr, length).tobytes()
        except gdb.MemoryError:
            return None

    def forget(self, event=None):
        if self.mem is not None:
            os.close(self.mem)
        self.key = None
        self.pc_reader = None
        self.signal_reader = None
        self.mem = None


_native = _Native()
gdb.events.exited.connect(_native.forget)
gdb.events.new_objfile.connect(_native.forget)
gdb.events.clear_objfiles.connect(_native.forget)


# thread_pc(TID): the PC of the stopped thread TID of the selected
# inferior: from the kernel for a native inferior, else through $pc.
# The method itself: the stepping commands read it at every instruction.
thread_pc = _native.thread_pc


# reads_stop_signals(): whether the selected inferior is one whose
# threads' stop signals stop_signal(TID) reads from the kernel.
reads_stop_signals = _native.reads_stop_signals
stop_signal = _native.stop_signal


def read_memory(addr, length):
    """LENGTH bytes of the selected inferior's memory at ADDR, or None
    when they cannot be read.  For a native inferior they come from the
    process itself, without GDB's view of it: a breakpoint GDB has
    inserted there shows as the breakpoint instruction."""
    return _native.read(addr, length)
