# Guards on critical-section entries for GDB's own stepping.
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: LGPL-2.1-or-later

"""Keep GDB's built-in line steps and software watchpoints moving.

``step``, ``next``, ``until``, ``advance`` and ``finish`` stay GDB's own
(inline frames, skip rules, functions without line info), as does
``continue`` with a software watchpoint.  They single-step the thread
internally, and every internal stop inside a critical section makes the
kernel abort it: ``next`` over a line holding one never returns.

While such a command runs, internal breakpoints guard every section's
start and exits.  Their ``stop`` method -- the only Python code GDB runs
inside its stepping loop -- makes the stepped thread's pass safe to
single-step (safepass.py: rseq_cs cleared, thread pinned, the other
threads held) when it enters, and gives everything back when it leaves.
It always answers "do not stop", so the command's semantics are GDB's.
Other threads reaching a guard are stepped over it in place and keep
the kernel's protection.

Guards are armed by pre-hooks of those commands (``hook-next`` and so
on, running ``maintenance rseq prepare-resume``: commands.py defines
them and loads this module at their first run) and disarmed at the
command's final stop; for software watchpoints they stay armed while an
enabled one exists.  The pre-hooks, and that of ``continue``, also send
threads stopped inside a section to its abort handler.  A plain
``continue`` runs with no guard inserted: the extension costs nothing
there.  A user's own hook for one of these commands replaces gdb-rseq's
(GDB keeps one per command) and should run that maintenance command.
"""

import sys

import gdb

from . import log
from . import registry
from . import safepass

class _NoDisplaced:
    """Displaced stepping off while any reason for it holds.

    A displaced step runs the copied instruction outside the section and
    the kernel then clears the thread's rseq_cs without aborting: its
    pass runs on unprotected.  GDB steps threads over breakpoints that
    way -- over the line-step guards, and over a user's breakpoint
    inside a section that another thread reaches.  Stepping over in
    place keeps the thread in the section with rseq_cs armed, and the
    kernel aborts the pass instead."""

    def __init__(self):
        self.reasons = set()
        self.saved = None

    def want(self, reason, on):
        if on:
            self.reasons.add(reason)
        else:
            self.reasons.discard(reason)
        if self.reasons and self.saved is None:
            value = gdb.parameter("displaced-stepping")
            # An auto-boolean: None is "auto".
            self.saved = {True: "on", False: "off", None: "auto"}.get(
                value, value)
            if self.saved != "off":
                gdb.execute("set displaced-stepping off", to_string=True)
        elif not self.reasons and self.saved is not None:
            value, self.saved = self.saved, None
            if value != "off":
                gdb.execute("set displaced-stepping %s" % value,
                            to_string=True)


_no_displaced = _NoDisplaced()


class _EntryGuard(gdb.Breakpoint):
    def __init__(self, cs):
        super().__init__("*%#x" % cs.start, internal=True)
        self.silent = True
        self.cs = cs

    def stop(self):
        thread = gdb.selected_thread()
        if thread is not None and guards.owns(thread):
            try:
                safepass.begin(thread, self.cs, origin="guard")
            except (gdb.error, gdb.MemoryError) as e:
                log.warning("cannot make critical section %#x safe to "
                            "step: %s", self.cs.start, e)
        return False


class _ExitGuard(gdb.Breakpoint):
    def __init__(self, address):
        super().__init__("*%#x" % address, internal=True)
        self.silent = True

    def stop(self):
        thread = gdb.selected_thread()
        if thread is not None:
            safepass.end(thread)
        return False


# How many frames' functions a line step's guards cover.
_SCOPE_FRAMES = 16


def _command_scope():
    """The address ranges a line step may single-step through: the
    functions of the frames on the stack (GDB steps over calls natively,
    steps back into callers, and runs to a callee's first line before
    stopping).  None when a frame has no debug information: then every
    section is guarded."""
    ranges = []
    try:
        frame = gdb.newest_frame()
    except gdb.error:
        return None
    while frame is not None and len(ranges) < _SCOPE_FRAMES:
        try:
            block = frame.block()
        except RuntimeError:
            return None
        # Up through inlined functions to the function GDB compiled.
        while (block.superblock is not None
               and not block.superblock.is_static
               and not block.superblock.is_global):
            block = block.superblock
        ranges.append((block.start, block.end))
        try:
            frame = frame.older()
        except gdb.error:
            break
    return tuple(sorted(set(ranges)))


class _Guards:
    """The guard breakpoints: built from the registry's sections when
    armed -- for a line step those in the functions on the stack, for
    software watchpoints all of them -- rebuilt when that set changes,
    deleted when disarmed."""

    def __init__(self):
        self.bps = []
        self.key = None
        self.for_command = False
        self.for_watchpoints = False
        self.pin = None
        self.thread_num = None
        self.scope = None

    def _sections(self):
        if self.for_watchpoints or self.scope is None:
            return registry.sections()
        out = {}
        for lo, hi in self.scope:
            for cs in registry.starting_in(lo, hi):
                out[cs.start] = cs
        return [out[k] for k in sorted(out)]

    def _build(self):
        self._delete()
        exits = set()
        for cs in self._sections():
            self.bps.append(_EntryGuard(cs))
            exits |= cs.exit_addresses()
        for addr in sorted(exits):
            self.bps.append(_ExitGuard(addr))
        self.key = self._key()

    def _key(self):
        return (registry.generation, self.for_watchpoints or self.scope)

    def _delete(self):
        for bp in self.bps:
            if bp.is_valid():
                bp.delete()
        self.bps = []
        self.key = None

    def _update(self):
        want = self.for_command or self.for_watchpoints
        if want:
            if self.key != self._key() or any(
                    not bp.is_valid() for bp in self.bps):
                self._build()
        else:
            # Deleted rather than disabled: between commands nothing of
            # the extension shows, even in "maint info breakpoints".
            self._delete()

    def owns(self, thread):
        """Whether a guard hit by THREAD starts a safe pass.

        During a line step only the stepped thread's passes are made
        safe.  Another thread that runs meanwhile and reaches a guard is
        stepped over it in place (displaced stepping is off for the
        command), still at the section's first instruction with rseq_cs
        armed: the kernel aborts or protects that pass as usual."""
        if self.for_command:
            return thread.global_num == self.thread_num
        return True

    def arm_for_command(self):
        if gdb.selected_inferior().pid == 0:
            return
        thread = gdb.selected_thread()
        self.for_command = True
        self.thread_num = thread.global_num if thread else None
        self.scope = _command_scope()
        self._update()
        if not self.bps:
            # No section where this command can single-step: nothing to
            # pin the thread or turn displaced stepping off for.
            return
        if self.pin is None:
            self.pin = safepass.CommandPin(thread)
        _no_displaced.want("line step", True)

    def command_done(self):
        # Threads stopped in the middle of a pass (the command ended in
        # another thread meanwhile) have not committed: re-arm their
        # rseq_cs so the kernel aborts those passes on resume, and give
        # back the other threads and affinities.
        safepass.end_all(restore_rseq_cs=True, origin="guard")
        self._restore_settings()
        if self.for_command:
            self.for_command = False
            self._update()

    def watchpoints_changed(self, going=None):
        sw = any(bp.is_valid() and bp != going
                 and bp.type == gdb.BP_WATCHPOINT and bp.enabled
                 and bp.number > 0
                 for bp in gdb.breakpoints())
        if sw == self.for_watchpoints:
            return
        self.for_watchpoints = sw
        if sw:
            if gdb.selected_inferior().pid:
                self._update()
        else:
            # Called from GDB's breakpoint observers: deleting other
            # breakpoints while "delete" or "disable" walks the list
            # crashes GDB 13, so the guards go once that is over.
            gdb.post_event(self._update)

    def _restore_settings(self):
        if self.pin is not None:
            self.pin.release()
            self.pin = None
        _no_displaced.want("line step", False)
        self.thread_num = None

    def forget(self):
        # The inferior is gone; breakpoint addresses are stale.
        self._restore_settings()
        self.for_command = False
        self._delete()

    def armed(self):
        return self.for_command or self.for_watchpoints


guards = _Guards()


def before_command(line_step=True):
    """Run by the hook-X pre-hooks, while every thread is still stopped.

    Threads stopped inside a section with rseq_cs armed (at a breakpoint
    there, or wherever all-stop caught them) go to the abort handler
    first, as the kernel should send them when they resume: otherwise
    GDB steps the thread at the breakpoint over it with a displaced
    step, which makes the kernel clear rseq_cs without aborting, and a
    thread resumed without an abort commits a value loaded before other
    threads' commits."""
    if safepass.own_resume:
        # The instruction-step commands resume through "continue".
        return
    # The step watchpoint exists once an instruction step loaded the
    # step engine.
    engine = sys.modules.get(__package__ + ".nativerun")
    if engine is not None:
        engine.disarm()
    inferior = gdb.selected_inferior()
    if inferior.pid:
        # Inside-mode passes end with any other command: re-armed and
        # sent to the abort handler while the thread is still stopped.
        safepass.end_all(restore_rseq_cs=True)
        # A line step or "finish" works from the selected thread's frame,
        # which the abort handler (no unwind information) would lose:
        # that thread is left to the kernel, which aborts it on resume.
        skip = ()
        thread = gdb.selected_thread()
        if line_step and thread is not None:
            skip = (thread.global_num,)
        safepass.abort_stopped_inside(inferior, skip=skip)
    if line_step:
        guards.arm_for_command()


def _on_stop(event):
    # The final stop of a line step (Breakpoint.stop returning False
    # produces no stop event).  The stops of an instruction step's own
    # resumes are none: no line step runs meanwhile, and checking would
    # cost a tenth of each step.
    if safepass.own_resume:
        return
    guards.command_done()
    _check_inside_breakpoints(event)


def _on_exited(event):
    guards.forget()


def _inside_locations(bp):
    """(address, section) of BP's enabled locations inside sections."""
    if (not bp.is_valid() or bp.number <= 0 or not bp.enabled
            or bp.type not in (gdb.BP_BREAKPOINT,
                               gdb.BP_HARDWARE_BREAKPOINT)):
        return []
    out = []
    for loc in getattr(bp, "locations", ()):
        addr = loc.address
        cs = registry.lookup(addr) if addr is not None and loc.enabled \
            else None
        if cs is not None:
            out.append((addr, cs))
    return out


def _warn_inside(bp):
    """A user breakpoint inside a critical section aborts it every time
    the thread stops there: say so when it is set."""
    for addr, cs in _inside_locations(bp):
        log.warning("breakpoint %d at %#x is inside rseq critical "
                    "section %#x-%#x: the kernel aborts the section "
                    "each time the thread stops there",
                    bp.number, addr, cs.start, cs.post_commit)


_checked_generation = None


def _check_inside_breakpoints(event=None, going=None):
    """Displaced stepping off while a user breakpoint is inside a section
    (see _NoDisplaced).  Run when breakpoints change, and at a stop when
    the set of sections changed (they move when a program starts)."""
    global _checked_generation
    if event is not None and _checked_generation == registry.generation:
        return
    _checked_generation = registry.generation
    inside = any(bp is not going and _inside_locations(bp)
                 for bp in gdb.breakpoints())
    _no_displaced.want("breakpoint inside", inside)


# commands.py calls these for user breakpoints only, valid ones except
# for a deletion.


def breakpoint_created(bp):
    breakpoint_modified(bp)
    _warn_inside(bp)


def breakpoint_modified(bp):
    # A watchpoint has no location inside a section.
    if bp.type == gdb.BP_WATCHPOINT:
        guards.watchpoints_changed()
    else:
        _check_inside_breakpoints()


def breakpoint_deleted(bp):
    # BP is still listed while it is being deleted; a temporary one may
    # already be invalid.
    guards.watchpoints_changed(going=bp)
    _check_inside_breakpoints(going=bp)


# commands.py passes on breakpoint events; the stops and exits are this
# module's own, from its first use on (before it, nothing was armed).
gdb.events.stop.connect(_on_stop)
gdb.events.exited.connect(_on_exited)
# Breakpoints set before this module was loaded (before gdb-rseq was).
if any(bp.number > 0 for bp in gdb.breakpoints()):
    guards.watchpoints_changed()
    _check_inside_breakpoints()
