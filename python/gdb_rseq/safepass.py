# Make one pass through a critical section safe to single-step.
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: LGPL-2.1-or-later

"""A thread stopped inside a critical section is aborted by the kernel on
its next resume, so single-stepping a pass needs the kernel's help
switched off and its guarantee kept by other means:

- the thread's ``rseq_cs`` is cleared, so resuming does not abort;
- the thread is pinned to the CPU it last ran on, so the per-CPU data it
  already chose stays its own;
- the other threads are held (scheduler-locking, in all-stop mode) and,
  on a native target, kept off that CPU (their affinity), so nothing
  else touches that CPU's data meanwhile -- but where software
  watchpoints guard every section for every thread, which lets none of
  them commit meanwhile (SafePass);
- ``rseq_cs`` is put back before any signal is delivered to the thread
  (the kernel then aborts the pass instead of running the handler in
  the middle of it), and all of it is given back when the thread leaves
  the section.  A pass abandoned halfway is sent to the abort handler,
  as the kernel would.

Passes are started by the ``inside`` step mode, by the entry guards
of line steps, and by those of sections holding a user breakpoint
(guards.py); they end through ``end_all``/``end``.  Only memory
writes, system calls and settings happen when a pass starts, so it can
start from a ``Breakpoint.stop`` callback inside GDB's stepping loop.

Also here: what a resume needs (``prepare_resume``): threads stopped
inside sections go to their abort handlers, as the kernel should send
them.  The hooks of ``continue``, ``jump`` and ``signal`` do it while
every thread is stopped, and GDB's resume event for every other resume
(``restart_resuming``: the line steps, MI's ``-exec-continue``).
Resumes that run no hook end the passes of ``inside`` mode from
``gdb.events.cont``, listened to only while a pass is open: the
instruction steps' own resumes would otherwise each pay for an event.
"""

import os
import sys

import gdb

from . import compat
from . import log
from . import registry
from . import stops
from . import target
from . import threads


def _native():
    """The native module, or None.  Imported by the first affinity call,
    not at start-up; Python keeps it once imported."""
    try:
        import _gdb_rseq
    except ImportError:  # pragma: no cover - the loader puts it on sys.path
        return None
    return _gdb_rseq


# Global thread number -> SafePass.
_active = {}
# tid -> the CPU set it had before any pass changed it.  Passes can
# overlap (two threads single-stepped through sections on different
# CPUs), so affinities are computed from these originals and the set of
# pinned CPUs, and given back when the last pass ends.
_original = {}
# tid -> the CPU set this module last gave it.  A thread whose affinity
# differs from it was moved by the program itself, and the program's
# choice is what it gets back.
_set_by_us = {}


def _getaffinity(tid):
    native = _native()
    if native and hasattr(native, "sched_getaffinity"):
        return set(native.sched_getaffinity(tid))
    return set(os.sched_getaffinity(tid))


def _setaffinity(tid, cpus):
    native = _native()
    if native and hasattr(native, "sched_setaffinity"):
        native.sched_setaffinity(tid, set(cpus))
    else:
        os.sched_setaffinity(tid, set(cpus))


def _replace_affinity(tid, expected, cpus):
    """Give thread TID the CPUs CPUS if it still has EXPECTED; return the
    set it had.  The program may move its threads itself, and does so
    while passes begin and end: other threads run while
    Breakpoint.stop() does.  A move it made between a read and a write
    of ours would be undone by the write, and was, a few times in each
    `make soak`: both are made in one native call."""
    native = _native()
    if native and hasattr(native, "sched_replaceaffinity"):
        return set(native.sched_replaceaffinity(tid, expected, cpus))
    found = _getaffinity(tid)
    if found == set(expected):
        _setaffinity(tid, cpus)
    return found


def _spare_cpus(busy):
    """CPUs, other than BUSY ones, for a thread the program pinned to a
    busy one.  Holding it with scheduler-locking is not enough: GDB
    restarts the threads the user resumed after each in-line step over a
    breakpoint, scheduler-locking or not (infrun.c, restart_threads),
    and a thread left on the passing thread's CPU preempts the pass and
    commits to the same per-CPU data.  Moved for the pass only, it is
    aborted by the kernel if it was in a section itself.  GDB's own
    affinity stands for the CPUs the system lets the program use."""
    try:
        return set(os.sched_getaffinity(0)) - busy
    except OSError:
        return set()


def _apply_affinities(inferior):
    """Pin each passing thread to its CPU; keep every other thread of
    INFERIOR off the pinned CPUs when it has another CPU to go to."""
    passes = [p for p in _active.values()
              if p.cpu is not None and p.thread.is_valid()]
    pinned = {p.thread.ptid[1]: p.cpu for p in passes}
    busy = {p.cpu for p in passes if p.isolates}
    for thread in inferior.threads():
        if not thread.is_valid():
            continue
        tid = thread.ptid[1]
        if tid not in _original and tid not in pinned and not busy:
            continue
        try:
            current = _getaffinity(tid)
            if tid not in _original \
                    or current != _set_by_us.get(tid, current):
                # Not ours: the program's choice.
                _original[tid] = current
            for _ in range(3):
                orig = _original[tid]
                if tid in pinned:
                    want = {pinned[tid]}
                else:
                    want = orig - busy or _spare_cpus(busy) or orig
                if want == current:
                    break
                found = _replace_affinity(tid, current, want)
                if found == current:
                    break
                # The program moved the thread just now.
                current = _original[tid] = found
            else:
                continue
            if want != orig and tid not in pinned:
                _moved.setdefault(frozenset(want), set()).add(
                    frozenset(orig))
            _set_by_us[tid] = want
            _tid_of[thread.global_num] = tid
        except OSError:
            # The thread is exiting: nothing to pin or keep away.
            continue
    if not _active:
        _original.clear()
        _set_by_us.clear()
        _tid_of.clear()
    _new_threads.want(bool(_moved))


# Global thread number -> the tid its entries above were saved under:
# a thread that execs takes the process's id.
_tid_of = {}

# A set passes moved threads to -> the sets those threads had, until
# the first stop with no pass open: for the threads they create
# meanwhile.
_moved = {}


def _on_new_thread(event):
    """A thread created by one that a pass kept off its CPU has the set
    the pass gave its creator, not the program's.  GDB does not name
    the creator, and may report the new thread only after the passes
    ended: when the threads moved to this very set all had one set
    before, the new thread gets that one (at once, or when the passes
    end); otherwise it is left as it is."""
    thread = event.inferior_thread
    try:
        tid = thread.ptid[1]
        if tid in _original:
            return
        now = _getaffinity(tid)
        before = _moved.get(frozenset(now), ())
        if len(before) != 1:
            return
        (orig,) = before
        if _active:
            _original[tid] = set(orig)
            _set_by_us[tid] = now
            _tid_of[thread.global_num] = tid
        else:
            _replace_affinity(tid, now, orig)
    except OSError:
        # Gone already.
        return


def _forget_moves():
    """A stop with no pass open, or the process gone: every thread
    created by a moved one is known."""
    _moved.clear()
    _new_threads.want(False)


_new_threads = stops.Listener(gdb.events.new_thread, _on_new_thread)


def _give_back(threads_now=()):
    """Give every thread whose affinity a pass changed the CPU set it
    had before, unless the program changed it since, when GDB loses
    sight of them: at a detach that runs no hook (MI's -target-detach)
    the process runs on alone, and after an exec the thread that made
    it carries its affinity into the new program.  THREADS_NOW: the
    threads GDB still knows, whose tid may have changed; the others
    are reached by the tid they had."""
    pairs = {tid: tid for tid in _original}
    for thread in threads_now:
        then = _tid_of.get(thread.global_num)
        if then is not None and thread.is_valid():
            pairs[then] = thread.ptid[1]
    for then, now in pairs.items():
        try:
            ours = _set_by_us.get(then)
            if ours is not None and ours != _original[then]:
                _replace_affinity(now, ours, _original[then])
        except OSError:
            # Gone with the process.
            continue
    _original.clear()
    _set_by_us.clear()
    _tid_of.clear()
    _forget_moves()


# In all-stop mode scheduler-locking decides which threads the next
# resume lets go.  Setting it from Breakpoint.stop() takes effect at
# GDB's next internal resume, and holds the other threads from there to
# the pass's end -- but not while stop() itself runs: a native Linux
# target runs non-stop underneath, and the other threads may still be
# running then (measured on GDB 13.1).  In non-stop mode they run on
# and only their affinity keeps them off the CPU.
_saved_locking = None


def _hold_others():
    global _saved_locking
    if _saved_locking is not None or gdb.parameter("non-stop"):
        return
    mode = gdb.parameter("scheduler-locking")
    if mode != "on":
        compat.set_quietly("scheduler-locking", "on")
    _saved_locking = mode


def holding_others():
    """Whether a pass holds the other threads (scheduler-locking on until
    it ends, possibly at the next stop)."""
    return _saved_locking is not None


def _release_others():
    global _saved_locking
    if _saved_locking is None:
        return
    mode, _saved_locking = _saved_locking, None
    if mode != "on":
        compat.set_quietly("scheduler-locking", mode)


class SafePass:
    """One thread's single-stepped pass through one critical section.

    A pass at a user breakpoint's section (origin "breakpoint") goes on
    across the user's stops and resumes there, until the thread leaves.
    On a native target it keeps the other threads off its CPU with
    their affinity alone: scheduler-locking would not hold them between
    GDB's steps over breakpoints anyway (see _spare_cpus), and left on
    across a stop it would let a "continue" in the breakpoint's commands
    resume that one thread alone."""

    def __init__(self, thread, cs, origin, watched=False):
        self.origin = origin
        # WATCHED: software watchpoints guard every section for every
        # thread while this pass runs (guards.py), so no other thread
        # can commit meanwhile: none is held, and a guard's pass, which
        # ends with that resume at the latest, leaves them on the CPUs
        # the program chose.  A breakpoint's pass may outlive the
        # watchpoints, and keeps the others off its CPU.
        self.hold = not watched
        self.isolates = not (watched and origin == "guard")
        self.thread = thread
        self.num = thread.global_num
        self.inferior = thread.inferior
        self.cs = cs
        self.saved_rseq_cs = 0
        self.cpu = None
        # rseq_cs put back while the thread is stopped (rearm).
        self.armed = False
        # Made in GDB's stepping loop, while a command runs (see
        # _on_cont), until the next stop.
        self.in_command = False

    def begin(self):
        self.in_command = self.thread.is_running()
        self.saved_rseq_cs = threads.read_rseq_cs(self.thread)
        if self.saved_rseq_cs:
            threads.write_rseq_cs(self.thread, 0)
        _active[self.num] = self
        _follow_resumes()
        native = target.is_native(self.inferior)
        if self.hold and (self.origin != "breakpoint" or not native):
            _hold_others()
        if native:
            st = threads.state(self.thread)
            if st.cpu_id is not None and st.cpu_id >= 0:
                self.cpu = st.cpu_id
                _apply_affinities(self.inferior)
        return self

    def end(self, restore_rseq_cs=False, resuming=False, quiet=False):
        """Give back everything; with RESTORE_RSEQ_CS re-arm the
        descriptor and send a thread stopped inside the section to its
        abort handler, as the kernel would (QUIET: without saying so).
        RESUMING: called while GDB resumes the thread.  Whether the
        thread was sent there."""
        sent = False
        if _active.pop(self.num, None) is None:
            return sent
        if not _active:
            _release_others()
        # A resume being made (gdb.events.cont) has marked the thread
        # running, but it does not execute yet.
        if restore_rseq_cs and self.thread.is_valid() \
                and (resuming or not self.thread.is_running()):
            try:
                if self.saved_rseq_cs:
                    threads.write_rseq_cs(self.thread, self.saved_rseq_cs)
                if resuming:
                    _abort_resuming(self.thread, self.cs)
                else:
                    sent = _abort_if_inside(self.thread, self.cs, quiet)
            except (gdb.error, gdb.MemoryError):
                pass
        if self.cpu is not None and self.inferior.is_valid() \
                and self.inferior.pid:
            _apply_affinities(self.inferior)
        return sent

    def rearm(self):
        """The thread stopped in the middle of the pass: rseq_cs as the
        program had it until the thread resumes (disarm).  Whatever lets
        it go without a resume GDB reports -- MI's -target-detach runs
        no hook and sends no event before it detaches -- then leaves the
        pass to the kernel, which aborts it as for any thread stopped in
        a section."""
        if self.saved_rseq_cs and not self.armed:
            threads.write_rseq_cs(self.thread, self.saved_rseq_cs)
            self.armed = True

    def disarm(self):
        if self.armed:
            self.armed = False
            threads.write_rseq_cs(self.thread, 0)


def abort_inside(thread, cs):
    """Send THREAD, stopped inside CS, to CS's abort handler, its
    rseq_cs re-armed if a pass had cleared it."""
    end(thread, restore_rseq_cs=True)
    _abort_if_inside(thread, cs, quiet=True)


def _abort_if_inside(thread, cs, quiet=False):
    """Move THREAD, stopped inside CS, to CS's abort handler; whether it
    was inside.

    The kernel does this itself when a thread stopped in a section
    resumes with rseq_cs armed -- but not reliably after a ptrace stop on
    every kernel (seen on 6.18), and an abandoned pass that committed a
    value loaded long before loses other threads' updates."""
    with threads.selected(thread):
        pc = int(gdb.newest_frame().pc())
        if cs.contains(pc):
            gdb.execute("set var $pc = %#x" % cs.abort, to_string=True)
            if not quiet:
                log.info("critical section %#x abandoned: thread %d sent "
                         "to its abort handler", cs.start, thread.num)
            return True
    return False


def _native_pc(thread):
    """THREAD's PC read with ptrace, on a native target; None elsewhere,
    or when it cannot be read (the thread exited, or runs)."""
    native = _native()
    if native is None or not target.is_native(thread.inferior):
        return None
    try:
        return native.thread_pc(thread.ptid[1])
    except (AttributeError, OSError):
        return None


def _abort_resuming(thread, cs, pc=None):
    """_abort_if_inside from inside a resume (gdb.events.cont).  A
    register written through GDB there would free the register cache
    its resume is still using (value_assign notifies target_changed,
    whose regcache observer drops every thread's cache: GDB 13
    crashes), so the PC is written with ptrace, on a native target.
    Elsewhere the thread is left to the kernel, which aborts a pass
    that resumes with rseq_cs armed after a ptrace stop on some
    kernels and GDBs only (6.18 with GDB 13 and 16, not 18).  PC: the
    thread's, when the caller read it.  Whether the thread was sent
    there."""
    if pc is None:
        pc = _native_pc(thread)
    if pc is None or not cs.contains(pc):
        return False
    try:
        _native().set_thread_pc(thread.ptid[1], cs.abort)
    except (AttributeError, OSError):
        return False
    return True


class CommandPin:
    """Keep THREAD on the CPU it last ran on for one stepping command.

    Code ahead of a section reads the CPU number, and the section checks
    it: a thread migrated by one of the many resumes of a single-stepped
    line takes the section's abort path, where GDB's line stepping stops
    (the handler has no line information).  A no-op on remote targets or
    without a registration."""

    def __init__(self, thread):
        self.tid = None
        self.mask = None
        if thread is None or not target.is_native(thread.inferior):
            return
        try:
            cpu = threads.state(thread).cpu_id
        except (gdb.error, gdb.MemoryError):
            return
        if cpu is None or cpu < 0:
            return
        tid = thread.ptid[1]
        try:
            mask = _getaffinity(tid)
            if cpu in mask and len(mask) > 1 \
                    and _replace_affinity(tid, mask, {cpu}) == mask:
                self.tid, self.mask, self.cpu = tid, mask, cpu
        except OSError:
            pass

    def release(self):
        if self.tid is None:
            return
        try:
            # Unless the program moved the thread itself meanwhile.
            _replace_affinity(self.tid, {self.cpu}, self.mask)
        except OSError:
            # The thread exited meanwhile.
            pass
        self.tid = None


def active(thread):
    return _active.get(thread.global_num)


def passes():
    """The open passes."""
    return list(_active.values())


def any_active():
    return bool(_active)


def can_isolate(thread):
    """Whether a pass of THREAD can keep the other threads off its CPU
    without holding them: another CPU must be there for them (native),
    or the target stops them all (remote all-stop, scheduler-locking)."""
    if not target.is_native(thread.inferior):
        return not gdb.parameter("non-stop")
    try:
        return len(os.sched_getaffinity(0)) > 1
    except OSError:
        return False


def begin(thread, cs, origin="inside", watched=False):
    """Start a pass for THREAD in CS unless one is already running.
    ORIGIN ("inside", "guard" or "breakpoint") says who ends it: guard
    passes end with the line-step command that made them, breakpoint
    passes at the section's exits only.  Returns the pass, or None when
    THREAD gets none (see below).

    Guard and breakpoint passes start at an entry guard, where several
    threads can arrive in one resume (a software watchpoint guards
    every thread's sections): threads already running are not held by
    scheduler-locking, only kept off the pinned CPU by their affinity.
    Two passes on one CPU would interleave their loads and commits with
    no kernel to abort either, and two running at once on two CPUs
    leave the other threads no CPU to be kept on.  So such a pass does
    not start while another thread's pass is open on the same CPU, or
    open in a thread this resume runs; a thread refused one keeps
    rseq_cs armed and the kernel aborts its pass at the guard's
    step-over (in place; with software watchpoints the guard sends it
    to the abort handler itself), until its turn comes.  Inside-mode
    passes are the stepped thread's, with every other thread stopped.

    WATCHED: software watchpoints guard every section (see
    SafePass)."""
    p = _active.get(thread.global_num)
    if p is not None:
        return p
    if origin != "inside" and _active and not _may_overlap(thread):
        return None
    return SafePass(thread, cs, origin, watched).begin()


def _may_overlap(thread):
    """Whether THREAD may start a pass while others are open: they all
    wait for the user (not resumed by the command running) on other
    CPUs."""
    cpu = None
    if target.is_native(thread.inferior):
        cpu = threads.state(thread).cpu_id
    for p in _active.values():
        if not p.thread.is_valid():
            continue
        if p.thread.is_running() or p.cpu is None or p.cpu == cpu:
            return False
    return True


def end(thread, restore_rseq_cs=False):
    p = _active.get(thread.global_num)
    if p is not None:
        p.end(restore_rseq_cs)


def end_all(restore_rseq_cs=False, keep=None):
    """End the passes but those started by KEEP."""
    for p in list(_active.values()):
        if p.origin != keep:
            p.end(restore_rseq_cs)


def stopped_inside(p):
    """Whether pass P's thread is stopped inside its section."""
    try:
        return (p.thread.is_valid() and not p.thread.is_running()
                and p.cs.contains(_pc_of(p.thread)))
    except gdb.error:
        return False


def end_command_passes(stepped=None):
    """A line step (or a continue with software watchpoints) is over.
    Its passes end, their rseq_cs re-armed -- but one whose thread, the
    line step's own (global number STEPPED), the command left inside
    its section (at the location of "until" or "advance", interrupted)
    stays, as an ``inside``-mode pass: the stop shows the thread where
    it stopped, and the next resume ends the pass and restarts it.
    Other threads' passes, left open by a stop in another thread, are
    sent to their abort handlers now, as the kernel would on their
    resume: kept, they would sit with rseq_cs cleared, and the others
    held, across the user's commands."""
    for p in list(_active.values()):
        if p.origin != "guard":
            continue
        if p.num == stepped and stopped_inside(p):
            p.origin = "inside"
            p.in_command = False
        else:
            p.end(restore_rseq_cs=True)


def _pc_of(thread):
    with threads.selected(thread):
        return int(gdb.newest_frame().pc())


# Global thread numbers of threads GDB stopped for a signal, which it
# delivers (unless told not to) when they resume.
_signalled = set()


def idle():
    """Whether no pass is made and no signal noted: the stops of an
    instruction step then need nothing from this module but signals."""
    return not _active and not _signalled


def signal_pending(thread):
    """Whether THREAD stopped for a signal that its next resume may
    deliver: a pass must not be made unprotected then."""
    return thread.global_num in _signalled


def signal_queued(thread):
    """"queue-signal" gave THREAD a signal that its next resume delivers
    (which one, the hook that calls this is not told), as after a stop
    for it; GDB sends no event for it.  The handlers of stops see it as
    such a stop: a pass through a section ends, its rseq_cs re-armed
    for the kernel to abort it at the delivery, and an instruction
    step resumes through "continue", which delivers it."""
    if thread is not None:
        stops.deliver(stops.KernelStop(thread, "queued"))


def signal_resume(thread):
    """"signal" resumes THREAD with a signal delivered at once (which
    one, the hook that calls this is not told).  A pass at a breakpoint
    in THREAD's section ends as the kernel ends a section at a signal's
    delivery: rseq_cs re-armed, the thread sent to the abort handler,
    which is where the signal's handler then runs and returns to.  Left
    going, the handler would run in the middle of the pass, and return
    there after whatever it committed to the same per-CPU data.  After
    "signal 0" too the pass starts again: the kernel may abort a section
    at any instruction."""
    p = _active.get(thread.global_num) if thread is not None else None
    if p is None or p.origin != "breakpoint" or thread.is_running():
        return
    if p.end(restore_rseq_cs=True, quiet=True):
        log.notice("critical section %#x restarted", p.cs.start)


def _on_stop(event):
    """End passes whose thread left its section; re-arm on signals."""
    if not _active:
        _forget_moves()
    signalled = stops.delivers_signal(event)
    if signalled:
        thread = event.inferior_thread or gdb.selected_thread()
        if thread is not None:
            _signalled.add(thread.global_num)
            _follow_resumes()
    if not _active:
        return
    for p in list(_active.values()):
        # The next resume is a command's.
        p.in_command = False
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
            # Left through an exit, or -- GDB having delivered a signal
            # without stopping (handle ... nostop) -- in a handler that
            # would return into the pass.
            p.end(restore_rseq_cs=_abort_interrupted(p.thread, p.cs))
        elif signalled:
            # The signal is delivered on the next resume: let the kernel
            # abort the pass rather than interrupt it unprotected.
            p.end(restore_rseq_cs=True)
        else:
            try:
                p.rearm()
            except (gdb.error, gdb.MemoryError):
                pass


# How far up from a signal handler's frame to look for the pass it
# interrupted (the handler's own calls).
_HANDLER_FRAMES = 16


def _abort_interrupted(thread, cs):
    """THREAD, in a pass through CS, stopped outside the section: if not
    at one of its exits, a signal handler interrupted the pass.  GDB
    delivers a signal set to "nostop" without telling Python, and with
    rseq_cs cleared for the pass the kernel did not abort it: the
    handler would return into the middle of the pass, and the rest of it
    would run unprotected once the pass ends.  Do what the kernel does
    for a signal with rseq_cs armed: the handler returns to the abort
    handler (the interrupted frame's PC, saved in the signal frame, is
    written).  Returns whether it did."""
    try:
        with threads.selected(thread):
            return _return_to_abort(cs)
    except gdb.error:
        return False


def _return_to_abort(cs):
    """_abort_interrupted for the selected thread."""
    selected = gdb.selected_frame()
    frame = gdb.newest_frame()
    if int(frame.pc()) in cs.exit_addresses():
        return False
    for _ in range(_HANDLER_FRAMES):
        older = frame.older()
        if older is None:
            return False
        if frame.type() == gdb.SIGTRAMP_FRAME:
            if not cs.contains(int(older.pc())):
                return False
            older.select()
            try:
                gdb.execute("set var $pc = %#x" % cs.abort, to_string=True)
            finally:
                try:
                    selected.select()
                except gdb.error:
                    # Not found again after the write, which flushed
                    # GDB's frames: the newest stays selected.  The
                    # write itself is done.
                    pass
            log.info("critical section %#x interrupted by a signal "
                     "handler in thread %d: the handler returns to its "
                     "abort handler", cs.start, gdb.selected_thread().num)
            return True
        frame = older
    return False


def _on_exited(event):
    # The threads are gone -- or, detached without a hook (MI's
    # -target-detach), run on without GDB: GDB sends this event for a
    # detach too, once the threads are let go.
    _active.clear()
    _signalled.clear()
    _give_back()
    _release_others()
    _follow_resumes()


def _on_clear_objfiles(event):
    """The program GDB knows changed under the passes ("file",
    "symbol-file", an exec): the sections they were made for are
    forgotten, and an exec took every thread but one.  The passes of
    stopped threads end as at a detach: rseq_cs re-armed, the thread
    sent to its abort handler.  Passes of running threads go on to
    their exits."""
    space = getattr(event, "progspace", None)
    ended = False
    for p in list(_active.values()):
        if space is not None and p.inferior.is_valid() \
                and p.inferior.progspace != space:
            continue
        if not p.thread.is_valid():
            _active.pop(p.num, None)
            ended = True
        elif not p.thread.is_running():
            p.end(restore_rseq_cs=True)
    if ended and not _active:
        _give_back(thread for inf in gdb.inferiors()
                   for thread in inf.threads())
        _release_others()
        _follow_resumes()


def prepare_resume():
    """What the kernel does when a thread stopped inside a section
    resumes, done by the hooks of continue, jump and signal before they
    resume the inferior, while every thread is stopped: ``inside``-mode
    passes end, their rseq_cs re-armed, and threads inside a section
    with rseq_cs armed go to its abort handler.  Passes made at a user
    breakpoint's section run on to its exits.

    The kernel is meant to abort such a thread itself when it resumes,
    and does after a ptrace stop on the kernels measured (6.18, 7.2);
    but GDB's displaced step over a breakpoint there makes it clear
    rseq_cs instead, and a thread that sat stopped in a section while
    others committed to the same per-CPU data would then commit a stale
    value."""
    end_all(restore_rseq_cs=True, keep="breakpoint")
    inferior = gdb.selected_inferior()
    selected = gdb.selected_thread()
    for thread in inferior.threads():
        if (not thread.is_valid() or thread.is_running()
                or thread.global_num in _active):
            continue
        try:
            pc = _pc_of(thread)
            cs = registry.lookup(pc)
            if cs is not None and threads.read_rseq_cs(thread):
                _abort_if_inside(thread, cs, quiet=True)
                if thread == selected:
                    log.notice("critical section %#x restarted", cs.start)
                else:
                    log.info("critical section %#x restarted in thread "
                             "%d", cs.start, thread.num)
        except (gdb.error, gdb.MemoryError):
            continue


def restart_resuming():
    """prepare_resume for a resume that ran no hook (a line step, MI's
    -exec-continue), from inside it (gdb.events.cont): all-stop has
    marked every thread running, but none executes yet.  The PCs are
    written with ptrace (_abort_resuming), on a native target; elsewhere
    the kernel's own restart is left to do it."""
    if _infcall is not None or gdb.parameter("non-stop"):
        return
    inferior = gdb.selected_inferior()
    if not inferior.pid or not target.is_native(inferior):
        return
    selected = gdb.selected_thread()
    for thread in inferior.threads():
        if not thread.is_valid() or thread.global_num in _active:
            continue
        pc = _native_pc(thread)
        cs = registry.lookup(pc) if pc is not None else None
        try:
            if (cs is None or not threads.read_rseq_cs(thread)
                    or not _abort_resuming(thread, cs, pc)):
                continue
        except (gdb.error, gdb.MemoryError):
            continue
        if thread == selected:
            log.notice("critical section %#x restarted", cs.start)
        else:
            log.info("critical section %#x restarted in thread %d",
                     cs.start, thread.num)


# An inferior call made while a thread is stopped inside a section runs
# code outside it, and the kernel clears the rseq_cs it finds armed
# there: the thread would come back to its pass unprotected.  Its value
# is put back when the call returns.  GDB 18 also sends
# gdb.events.cont for the call's resume (13 and 16 do not): that one
# ends no pass.
_infcall = None


def in_inferior_call():
    return _infcall is not None


def inferior_call(event):
    """From commands.py, for gdb.events.inferior_call."""
    global _infcall
    if isinstance(event, gdb.InferiorCallPreEvent):
        _infcall = None
        thread = gdb.selected_thread()
        if thread is None or not thread.is_valid():
            _infcall = False
            return
        try:
            if registry.lookup(_pc_of(thread)) is not None:
                _infcall = (thread, threads.read_rseq_cs(thread))
            else:
                _infcall = False
        except (gdb.error, gdb.MemoryError):
            _infcall = False
        return
    saved, _infcall = _infcall, None
    if saved:
        thread, value = saved
        try:
            if thread.is_valid() and threads.read_rseq_cs(thread) != value:
                threads.write_rseq_cs(thread, value)
        except (gdb.error, gdb.MemoryError):
            pass


def release_all():
    """The session with the inferior ends (detach, GDB quitting): every
    pass ends, breakpoint passes too, with rseq_cs re-armed, its thread
    sent to the abort handler and every affinity given back.  The
    process runs on without GDB: pinned, or with a pass half done and
    rseq_cs cleared, it would stay so."""
    end_all(restore_rseq_cs=True)
    _signalled.clear()
    _follow_resumes()


def _on_gdb_exiting(event):
    # Before GDB kills or detaches its inferiors; "quit" with a process
    # attached detaches it.
    if _active:
        release_all()


def _on_cont(event):
    """GDB is resuming the inferior, through whatever command or
    frontend, hooked or not (MI's -exec-continue): an
    ``inside``-mode pass ends, its rseq_cs re-armed and its thread sent
    to the abort handler.  The threads are marked running but do not
    execute yet.  The instruction steps' own resumes keep their
    passes.

    So do the passes made while a command runs.  GDB also sends this
    event in the middle of a command, when it marks a thread the
    program just created running, naming no thread in all-stop mode
    (GDB 13's linux-nat, and infrun's clone handling from GDB 15).
    Taken for a resume, it ended a software watchpoint's pass with its
    thread about to commit, and the new thread, let into the section,
    committed the same value: one update lost in about 10 runs of
    gdb.rseq/watch-contend.exp on GDB 13.1."""
    if _infcall is not None:
        return
    _signalled.clear()
    resumed = getattr(event, "inferior_thread", None)
    if not stops.own_resume:
        for p in list(_active.values()):
            if p.in_command or (resumed is not None
                                and p.thread != resumed):
                continue
            if p.origin != "breakpoint" or _left(p):
                p.end(restore_rseq_cs=True, resuming=True)
    # The passes that go on, cleared again (SafePass.rearm).
    for p in list(_active.values()):
        if resumed is None or p.thread == resumed:
            try:
                p.disarm()
            except (gdb.error, gdb.MemoryError):
                pass
    _follow_resumes()


def _left(p):
    """Whether breakpoint pass P's thread, about to resume, was taken
    out of its section while stopped ("return", "jump" or a PC written
    elsewhere).  No exit of the section would end the pass then: it
    would keep the thread pinned and the others off its CPU, and refuse
    them passes of their own, until the thread's next stop."""
    pc = _native_pc(p.thread)
    return pc is not None and not p.cs.contains(pc)


def _follow_resumes():
    """Listen to resumes while there is something to do at one (a
    signal noted, a pass made): otherwise GDB would build an event for
    each instruction a stepping command executes."""
    _resumes.want(bool(_signalled or _active))
    _prompts.want(any(p.origin == "breakpoint" for p in _active.values()))


def _still_held(cs):
    """Whether CS still holds an enabled location of a user breakpoint:
    what gives a breakpoint pass its exit guards (guards.py).  Dprintfs
    are invisible to Python: while one may exist, every such section
    counts as held.  So does one guarded for a hardware watchpoint that
    may stop a thread inside it."""
    guards = sys.modules.get(__package__ + ".guards")
    if guards is None:
        return False
    if guards._dprintfs or (guards.guards.watch_inside
                            and cs.start in guards.guards.watch_learned):
        return True
    for bp in gdb.breakpoints():
        for _, c in guards._inside_locations(bp):
            if c.start == cs.start:
                return True
    return False


def _on_before_prompt():
    """A breakpoint pass of a thread the user is not looking at, whose
    section lost its breakpoint (deleted or disabled while the pass was
    open, the thread stopped midway when another thread stopped), has
    lost its exit guards with it: nothing would end it before some
    later stop, and the thread would run on pinned, rseq_cs cleared,
    the others kept off its CPU.  It ends here, its thread sent to the
    abort handler with rseq_cs armed, as the kernel sends a thread
    stopped in a section on resume.  The selected thread's pass is the
    user's to look at: it ends when the thread leaves."""
    selected = gdb.selected_thread()
    for p in list(_active.values()):
        try:
            if (p.origin == "breakpoint" and p.thread != selected
                    and p.thread.is_valid() and not p.thread.is_running()
                    and not _still_held(p.cs)):
                p.end(restore_rseq_cs=True)
        except gdb.error:
            continue
    _follow_resumes()


_resumes = stops.Listener(gdb.events.cont, _on_cont)
_prompts = stops.Listener(gdb.events.before_prompt, _on_before_prompt)


stops.connect(_on_stop)
gdb.events.exited.connect(_on_exited)
gdb.events.clear_objfiles.connect(_on_clear_objfiles)
# GDB 13 and later.
if hasattr(gdb.events, "gdb_exiting"):
    gdb.events.gdb_exiting.connect(_on_gdb_exiting)
