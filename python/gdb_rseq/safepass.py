# Make one pass through a critical section safe to single-step.
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: LGPL-2.1-or-later

"""A thread stopped inside a critical section is aborted by the kernel on
its next resume, so single-stepping a pass needs the kernel's help
switched off and its guarantee kept by other means:

- the thread's ``rseq_cs`` is cleared, so resuming does not abort;
- the thread is pinned to the CPU it last ran on, so the per-CPU data it
  already chose stays its own;
- on a native target the inferior's other threads are kept off that CPU
  (their affinity), so nothing else touches that CPU's data meanwhile;
- ``rseq_cs`` is put back before any signal is delivered to the thread
  (the kernel then aborts the pass instead of running the handler in
  the middle of it), and all affinities are restored when the thread
  leaves the section or the pass is abandoned.

Passes are started by the ``inside`` step mode and by the entry guards
of line steps; both end them through ``end_all``/``end``.  Only memory
writes and system calls happen here, so a pass can start from a
``Breakpoint.stop`` callback inside GDB's stepping loop.
"""

import os

import gdb

from . import registry
from . import threads

try:
    import _gdb_rseq
except ImportError:  # pragma: no cover - the loader puts it on sys.path
    _gdb_rseq = None

# Global thread number -> SafePass.
_active = {}


def _getaffinity(tid):
    if _gdb_rseq is not None and hasattr(_gdb_rseq, "sched_getaffinity"):
        return set(_gdb_rseq.sched_getaffinity(tid))
    return set(os.sched_getaffinity(tid))


def _setaffinity(tid, cpus):
    if _gdb_rseq is not None and hasattr(_gdb_rseq, "sched_setaffinity"):
        _gdb_rseq.sched_setaffinity(tid, set(cpus))
    else:
        os.sched_setaffinity(tid, set(cpus))


def is_native(inferior=None):
    """True when affinity system calls reach the inferior's threads."""
    inferior = inferior or gdb.selected_inferior()
    conn = getattr(inferior, "connection", None)
    if conn is not None:
        return conn.type == "native"
    return inferior.connection_num == 1 and inferior.pid > 0


class SafePass:
    """One thread's single-stepped pass through one critical section."""

    def __init__(self, thread, cs):
        self.thread = thread
        self.num = thread.global_num
        self.cs = cs
        self.saved_rseq_cs = 0
        self.affinities = {}    # tid -> saved CPU set
        self.cpu = None

    def begin(self):
        self.saved_rseq_cs = threads.read_rseq_cs(self.thread)
        if self.saved_rseq_cs:
            threads.write_rseq_cs(self.thread, 0)
        _active[self.num] = self
        inferior = self.thread.inferior
        if not is_native(inferior):
            return self
        st = threads.state(self.thread)
        self.cpu = st.cpu_id if st.cpu_id is not None and st.cpu_id >= 0 \
            else None
        if self.cpu is None:
            return self
        tid = self.thread.ptid[1]
        try:
            self.affinities[tid] = _getaffinity(tid)
            _setaffinity(tid, {self.cpu})
        except OSError:
            self.affinities.pop(tid, None)
            return self
        for other in inferior.threads():
            otid = other.ptid[1]
            if otid == tid or not other.is_valid():
                continue
            try:
                mask = _getaffinity(otid)
                if self.cpu in mask and len(mask) > 1:
                    self.affinities[otid] = mask
                    _setaffinity(otid, mask - {self.cpu})
            except OSError:
                # The thread is exiting: nothing to keep off the CPU.
                continue
        return self

    def end(self, restore_rseq_cs=False):
        """Give back everything; with RESTORE_RSEQ_CS re-arm the
        descriptor so the kernel aborts the unfinished pass."""
        _active.pop(self.num, None)
        if restore_rseq_cs and self.saved_rseq_cs and self.thread.is_valid():
            try:
                threads.write_rseq_cs(self.thread, self.saved_rseq_cs)
            except (gdb.error, gdb.MemoryError):
                pass
        for tid, mask in self.affinities.items():
            try:
                _setaffinity(tid, mask)
            except OSError:
                pass
        self.affinities = {}


def active(thread):
    return _active.get(thread.global_num)


def any_active():
    return bool(_active)


def begin(thread, cs):
    """Start a pass for THREAD in CS unless one is already running."""
    p = _active.get(thread.global_num)
    if p is not None:
        return p
    return SafePass(thread, cs).begin()


def end(thread, restore_rseq_cs=False):
    p = _active.get(thread.global_num)
    if p is not None:
        p.end(restore_rseq_cs)


def end_all(restore_rseq_cs=False):
    for p in list(_active.values()):
        p.end(restore_rseq_cs)


def _pc_of(thread):
    saved = gdb.selected_thread()
    try:
        if thread != saved:
            thread.switch()
        return int(gdb.newest_frame().pc())
    finally:
        if saved is not None and saved.is_valid() and saved != thread:
            saved.switch()


def _on_stop(event):
    """End passes whose thread left its section; re-arm on signals."""
    if not _active:
        return
    signalled = (isinstance(event, gdb.SignalEvent)
                 and event.stop_signal != "SIGTRAP")
    for p in list(_active.values()):
        if not p.thread.is_valid():
            p.end()
            continue
        if p.thread.is_running():
            continue
        try:
            inside = registry.lookup(_pc_of(p.thread)) is not None
        except gdb.error:
            inside = False
        if not inside:
            p.end()
        elif signalled:
            # The signal is delivered on the next resume: let the kernel
            # abort the pass rather than interrupt it unprotected.
            p.end(restore_rseq_cs=True)


def _on_exited(event):
    for p in list(_active.values()):
        p.affinities = {}
        p.end()


gdb.events.stop.connect(_on_stop)
gdb.events.exited.connect(_on_exited)
