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

No hook arms them.  Python is not told which command resumes, so every
resume that no hook prepared arms them, from GDB's resume event
(_on_resume): a line step however it was asked for, and also MI's
-exec-continue, "finish", "advance".  The kernel's siginfo at a guard
tells a thread single-stepped there from one that ran there freely.
The stepped thread running freely into a guard in a frame the command
started from shows a command that runs freely there: the guards it
alone needed are disabled until the command stops (_Guards.ran_freely).
Another thread running freely into one is aborted by that stop, as by
any preemption, and the guard is disabled for it to run on; the
stepped thread, aborted in such a section, enables it again
(_RearmGuard).  The hooks of continue, jump and signal (commands.py)
say those run freely: they arm nothing.

Guards for software watchpoints are there whenever the inferior resumes
while an enabled one exists, and only then: a plain ``continue`` runs
with no guard inserted, and the extension costs nothing there.  GDB's
breakpoint events (created, modified, deleted) only mark the set of
watchpoints as changed.  Nothing here creates or deletes a breakpoint
from inside them: GDB sends them from the middle of its own work on
the breakpoint list.  GDB 16 and later assert in ``watch`` that the new
watchpoint is still the last breakpoint after its creation event
(watch_command_1), and GDB 13 crashes when breakpoints go while
``delete`` or ``disable`` walks the list.  ``gdb.post_event`` is no
way out either: a posted callback may run in the middle of a
synchronous command.  (The guards that a hardware watchpoint's aborts
call for are added from one for that very reason: _AbortGuard.)  The
guards follow the change at the next of
these points, all of them outside any walk of the breakpoint list
(checked on GDB 13.1, 16.3 and 18.1):

- the resuming pre-hooks, before the command starts;
- ``gdb.events.cont``, which GDB sends from ``proceed`` once per
  resuming command, before it inserts breakpoints and before it
  decides how to step threads over them, so guards made there take
  part in that resume.  This covers what runs no hook: MI's
  ``-exec-continue``, ``run``, an inferior call.  (GDB also sends
  it in the middle of a command when it marks a thread the program
  just created running; the handlers here then find nothing to do
  unless the sections or the user's breakpoints changed since the
  command started.)  It is listened to only while something changed
  or a software watchpoint exists: the instruction steps resume
  through ``continue`` too, and an event for each of them would cost
  every ``stepi``;
- ``gdb.events.before_prompt``, once, after a change, so that the
  guards go as soon as the last software watchpoint does.  MI shows
  no prompt; there the next resume does it.
"""

import re
import sys

import gdb

from . import arch as archs
from . import compat
from . import log
from . import predict
from . import registry
from . import safepass
from . import stops

class _NoDisplaced:
    """Displaced stepping off while any reason for it holds.

    A displaced step runs the copied instruction outside the section and
    the kernel then clears the thread's rseq_cs without aborting: its
    pass runs on unprotected.  GDB steps threads over breakpoints that
    way -- over the line-step guards, and over a user's breakpoint
    inside a section that another thread reaches.  Stepping over in
    place keeps the thread in the section with rseq_cs armed, and the
    kernel aborts the pass instead.

    Not while software watchpoints guard every section, though (see
    _EntryGuard.stop): there no thread runs inside a section with its
    rseq_cs armed, so a displaced step drops no protection.  And GDB's
    in-line steps over breakpoints, with every thread single-stepped
    for the watchpoint and signals arriving, end in an internal error
    ("resume_1: Assertion `!(thread_has_single_step_breakpoints_set (tp)
    && step)'") or a hang, on GDB 13.1, 16.3 and 18.1: GDB's own, as
    "set displaced-stepping off" shows without gdb-rseq (the manual's
    "Problems")."""

    # The reasons that software watchpoints' guards make moot.
    _MOOT_UNDER_WATCH = frozenset(("resume",))

    def __init__(self):
        self.reasons = set()
        self.saved = None
        self.watch_guarded = False

    def want(self, reason, on):
        if on:
            self.reasons.add(reason)
        else:
            self.reasons.discard(reason)
        self._apply()

    def guarded_by_watchpoints(self, on):
        if on != self.watch_guarded:
            self.watch_guarded = on
            self._apply()

    def _apply(self):
        reasons = self.reasons
        if self.watch_guarded:
            reasons = reasons - self._MOOT_UNDER_WATCH
        if reasons and self.saved is None:
            value = gdb.parameter("displaced-stepping")
            # An auto-boolean: None is "auto".
            self.saved = {True: "on", False: "off", None: "auto"}.get(
                value, value)
            if self.saved != "off":
                # Flipped at every resume: no notice to MI frontends
                # where the release allows it.
                compat.set_quietly("displaced-stepping", "off")
        elif not reasons and self.saved is not None:
            value, self.saved = self.saved, None
            if value != "off":
                compat.set_quietly("displaced-stepping", value)


_no_displaced = _NoDisplaced()


# Whether the selected program space has sections, as of a registry
# generation: asked at every resume of a command.
_sections_known = (None, None, False)


def _has_sections():
    global _sections_known
    gen, space = registry.current_generation(), gdb.current_progspace()
    if _sections_known[:2] != (gen, space):
        _sections_known = (gen, space, bool(registry.sections()))
    return _sections_known[2]


def _resume_begins():
    """A command other than an instruction step resumes a process with
    critical sections: displaced stepping off until it stops.

    GDB steps a thread over a breakpoint that is not its own -- a user
    breakpoint for another thread, a guard, and GDB's own momentary
    ones, which Python does not see.  GDB puts a "step-resume"
    breakpoint where a thread got a signal while it was being stepped
    over a breakpoint or single-stepped (infrun.c, "signal arrived
    while stepping over breakpoint"), and it stays until that thread
    comes back there, which may be commands later: the kernel sent the
    signal handler's return to the abort handler.  Soaked on GDB 16.3
    and 18.1, those sat on a section's first instruction and inside it
    (13.1 left them only before the section), and every other thread
    that reached one was stepped over it displaced, ran the rest of its
    pass with rseq_cs cleared, and lost updates.  A step in place keeps
    the thread inside with rseq_cs armed: the kernel aborts the pass.
    The instruction steps' own resumes run one thread with the others
    stopped: nothing can overtake a pass of theirs."""
    try:
        if not (gdb.selected_inferior().pid and _has_sections()):
            return
        if gdb.parameter("non-stop"):
            # Other threads run between the commands: stepped over
            # breakpoints in place, each step would stop them all, and
            # "stepi 600" with workers running took minutes
            # (threads-nonstop.exp).  Not done there (README, Limits).
            return
        _no_displaced.want("resume", True)
    except gdb.error:
        # The process died under GDB ("Couldn't get registers: No such
        # process."): the resume fails, and says so itself.
        return
    _follow_resume_end(True)


def _resume_ends():
    """The command stopped (all-stop: every thread is), or the prompt
    shows with no thread running: the user's setting back."""
    if "resume" in _no_displaced.reasons:
        try:
            if any(t.is_running()
                   for t in gdb.selected_inferior().threads()):
                return
            _no_displaced.want("resume", False)
        except (gdb.error, SystemError):
            # The process is gone ("could not find gdb thread object"
            # when its last thread exited under GDB): the exit event
            # gives it back.
            return
    _follow_resume_end(False)


# Whether a resuming hook prepared the command under way
# (before_command), until its stop.
_prepared = False


def _on_resume(event):
    """A command resumes the inferior, and no hook said that it runs the
    program freely: a line step, whichever way it was asked for (the
    CLI, MI's -exec-next, a breakpoint's command list, a "define"d
    command, gdb.execute), or a resume that ran no hook (MI's
    -exec-continue, "run").  Python is not told which: the guards are
    armed for the selected thread as for a line step, and go at its
    first crossing that shows it running freely (_EntryGuard.stop).
    An instruction step's own resume stops the listening until the
    next prompt, or the end of its command: its steps would each pay
    for the event."""
    global _prepared
    if stops.own_resume:
        _follow_resumes(False)
        return
    _resume_begins()
    if not _prepared:
        # Once: GDB also sends this event in the middle of a command,
        # when it marks a thread the program just created running.
        _prepared = True
        if _unseen_breakpoint():
            guards.sync()
        # Not for "run" starting the program (GDB has no thread for it
        # yet, and asserts if asked for its frame), nor for an inferior
        # call, which is no line step.  Before the restarts: GDB took
        # the command's frame from where the thread stopped.
        if (gdb.selected_thread() is not None and _has_sections()
                and not safepass.in_inferior_call()):
            guards.arm_for_command()
        engine = sys.modules.get(__package__ + ".nativerun")
        if engine is not None:
            # A script's instruction step just before (no prompt
            # between) left the step watchpoint enabled.
            engine.disarm()
        safepass.restart_resuming()


_follow_resumes = stops.Listener(gdb.events.cont, _on_resume).want
_follow_resume_end = stops.Listener(gdb.events.before_prompt,
                                    _resume_ends).want


def resumes_own():
    """An instruction step begins: its resumes are its own, and the
    listening stops before the first rather than at it (the event would
    cost the step as much as the listening's Python call)."""
    _follow_resumes(False)


def resumes_unprepared():
    """Back to listening for resumes that run no hook: at the prompt,
    at a stop, and at the end of an instruction step (MI shows no
    prompt)."""
    global _prepared
    _prepared = False
    _follow_resumes(True)


class _EntryGuard(gdb.Breakpoint):
    """SCOPE_ONLY: there for the command's thread only (not for a
    breakpoint inside the section, nor for software watchpoints)."""

    def __init__(self, cs, scope_only=False):
        super().__init__("*%#x" % cs.start, internal=True)
        self.silent = True
        self.cs = cs
        self.scope_only = scope_only
        # Kept for the command's thread, aborted in the section and
        # coming back (_RearmGuard), until its pass begins here.
        self.sticky = False

    def stop(self):
        thread = gdb.selected_thread()
        origin = guards.owner(thread, self.cs) if thread is not None \
            else None
        free = self.scope_only and origin != "breakpoint" and _ran_here()
        if free and origin is None:
            # Another thread, running freely: this stop inside its
            # section has it aborted; the guard goes, and it runs on
            # under the kernel's protection.  While the command's thread
            # needs the guard, it retries until that thread's pass.
            if not self.sticky:
                guards.ran_freely(thread, self)
            return False
        if origin == "guard" and self.scope_only:
            # Its exits may have gone with threads that ran past them.
            guards.rearm(self.cs)
            self.sticky = False
        if origin == "breakpoint":
            # A new pass.  One of this thread's that is still there left
            # its section unseen (a jump, a call from GDB) and the
            # program armed rseq_cs again since: start afresh.
            safepass.end(thread)
        # Software watchpoints guard every section for every thread, and
        # no two passes share a CPU: a thread can commit nothing while
        # another's pass is open on its CPU, so the others need neither
        # holding nor moving (SafePass).  Held with scheduler-locking,
        # they would not even get their new threads going: GDB 15 and
        # later leave a thread created under scheduler-locking stopped,
        # and a program that waits for it hangs the "continue".
        watch = guards.for_watchpoints and not guards.for_command
        if origin is not None:
            try:
                if (safepass.begin(thread, self.cs, origin=origin,
                                   watched=watch) is None and watch):
                    # Refused a pass (another thread's is open): what
                    # the kernel does to a pass interrupted at its first
                    # instruction, before displaced stepping can run
                    # that instruction elsewhere and let the kernel
                    # drop the pass's protection.  The thread comes
                    # back here from the abort handler, until its turn.
                    safepass.abort_inside(thread, self.cs)
            except (gdb.error, gdb.MemoryError) as e:
                log.warning("cannot make critical section %#x safe to "
                            "step: %s", self.cs.start, e)
        if free:
            # The command's own thread ran here freely: its pass spares
            # it the abort that this stop would cost it, and the guard
            # goes.
            guards.ran_freely(thread, self)
        return False


class _AbortGuard(gdb.Breakpoint):
    """At an abort handler, while a hardware watchpoint may stop threads
    inside sections: a thread that got here had its pass aborted, maybe
    by such a stop, after which it would come back to the same stop at
    each retry.  The sections that abort here are guarded as sections
    holding a breakpoint from then on, while the watchpoint lasts.

    The guards are made from a posted event: not from here, in the
    middle of GDB's walk of the stop's breakpoints, and not at the next
    resume, which a watchpoint whose condition is false never lets
    come.  GDB runs the event while it waits for the inferior, and
    inserts the new guards in the running program.  Aborts are rare
    without a debugger (a preemption in a few instructions), so
    watchpoints that touch no section's data cost next to nothing."""

    def __init__(self, address, sections):
        super().__init__("*%#x" % address, internal=True)
        self.silent = True
        self.sections = sections

    def stop(self):
        learned = guards.watch_learned
        new = [cs for cs in self.sections if cs.start not in learned]
        if new and guards.watch_inside:
            for cs in new:
                learned[cs.start] = cs
            gdb.post_event(_learned)
        return False


# The si_code of a hardware single-step's SIGTRAP (TRAP_TRACE), on
# every architecture gdb-rseq supports; a breakpoint's is TRAP_BRKPT
# (arm64) or SI_KERNEL (x86's int3).
_TRAP_TRACE = 2


def _ran_here():
    """Whether the thread stopping at a guard ran there freely, rather
    than being single-stepped there by GDB: the kernel's siginfo tells,
    as GDB's own stop reasons do (linux-nat.c).  Where it cannot be
    read (a replay), as if single-stepped: a pass then runs where none
    was needed, which costs time and nothing else."""
    try:
        return int(gdb.parse_and_eval("$_siginfo.si_code")) != _TRAP_TRACE
    except (gdb.error, RuntimeError):
        return False


def _learned():
    """Guard the sections an abort guard learned about (a posted
    event)."""
    if guards.watch_inside and gdb.selected_inferior().pid:
        guards.learn()


class _ExitGuard(gdb.Breakpoint):
    def __init__(self, address, scope_only=False):
        super().__init__("*%#x" % address, internal=True)
        self.silent = True
        self.address = address
        self.scope_only = scope_only

    def stop(self):
        thread = gdb.selected_thread()
        if thread is None:
            return False
        if (self.scope_only and safepass.active(thread) is None
                and not guards.exit_in_use(self.address)):
            # A thread with no pass ran here: nobody needs this exit
            # until a pass through its section begins (rearm).
            self.enabled = False
            return False
        safepass.end(thread)
        return False


def _rearm_address(abort):
    """Where the command's thread, aborted at ABORT, is first seen: the
    abort handler, or the target of its jump where the handler has no
    line information (librseq's __rseq_failure section).  A breakpoint
    there would end GDB's line step at it, where one single-step past
    the jump goes on in the function's code."""
    try:
        if gdb.find_pc_line(abort).line:
            return abort
        succ = predict.successors(gdb.selected_inferior().architecture(),
                                  abort)
    except (gdb.error, gdb.MemoryError):
        return abort
    if (succ.kind == predict.JUMP and succ.targets
            and len(succ.targets) == 1 and not succ.dynamic):
        return succ.targets[0]
    return abort


class _RearmGuard(gdb.Breakpoint):
    """At the abort handler of sections the command's guards cover:
    the command's thread got here from one of them, aborted.  Another
    thread that ran freely past one of these sections took its guards
    away (_EntryGuard.stop); if the command's thread was being stepped
    there, it is back in a moment, and finds them again."""

    def __init__(self, address, sections):
        super().__init__("*%#x" % address, internal=True)
        self.silent = True
        self.sections = sections

    def stop(self):
        thread = gdb.selected_thread()
        if (thread is None or not guards.for_command or guards.scope_free
                or thread.global_num != guards.thread_num):
            return False
        for cs in self.sections:
            if guards.rearm(cs, sticky=True):
                log.info("critical section %#x guarded again: thread %d "
                         "was aborted in it", cs.start, thread.num)
        return False


# How many frames' functions a line step's guards cover.
_SCOPE_FRAMES = 16


def _command_scope():
    """(ranges, frames): the address ranges a line step may single-step
    through -- the functions of the frames on the stack (GDB steps over
    calls natively, steps back into callers, and runs to a callee's
    first line before stopping) -- and those frames, inlined calls left
    out.  RANGES is None when the newest frame has no debug information
    (GDB single-steps such a function to its return): then every
    section is guarded.  An older frame without it is left out: GDB
    runs back through such a caller rather than stepping it, and every
    stack ends in a few of them (glibc's start of main or of a thread),
    which would otherwise guard every section for every command."""
    ranges = []
    try:
        frame = gdb.newest_frame()
    except gdb.error:
        return None, ()
    frames = []
    depth = 0
    while frame is not None and depth < _SCOPE_FRAMES:
        depth += 1
        if frame.type() != gdb.INLINE_FRAME:
            frames.append(frame)
        try:
            block = frame.block()
        except RuntimeError:
            block = None
            if depth == 1:
                return None, tuple(frames)
        if block is not None:
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
    return tuple(sorted(set(ranges))), tuple(frames)


def _outer_frame():
    """The selected thread's newest frame that is no inlined call's."""
    frame = gdb.newest_frame()
    while frame.type() == gdb.INLINE_FRAME:
        frame = frame.older()
    return frame


_HARDWARE_WATCHPOINTS = (gdb.BP_HARDWARE_WATCHPOINT, gdb.BP_READ_WATCHPOINT,
                         gdb.BP_ACCESS_WATCHPOINT)
_WATCHPOINTS = (gdb.BP_WATCHPOINT,) + _HARDWARE_WATCHPOINTS


def _watchpoints():
    """(software, inside, any): whether an enabled user watchpoint is a
    software one; whether one is a hardware watchpoint that can report
    an access inside a section (see _check_inside_breakpoints); and
    whether there is any.  GDB's own and the extension's (number <= 0:
    the instruction step's $pc watchpoint) are left out."""
    # With "set can-use-hw-watchpoints 0" given after a hardware
    # watchpoint was set, GDB downgrades it to software when it next
    # inserts breakpoints, inside the resume and with no event.
    types = (gdb.BP_WATCHPOINT,)
    if not gdb.parameter("can-use-hw-watchpoints"):
        types = (gdb.BP_WATCHPOINT, gdb.BP_HARDWARE_WATCHPOINT)
    software = inside = found = False
    for bp in gdb.breakpoints():
        if (bp.is_valid() and bp.number > 0 and bp.enabled
                and bp.type in _WATCHPOINTS):
            found = True
            if bp.type in types:
                software = True
            else:
                inside = inside or _reports_inside(bp)
    return software, inside, found


def _reports_inside(bp):
    """Whether hardware watchpoint BP can stop a thread inside a section:
    a read (access) watchpoint reports the load that the section makes
    before committing; a write watchpoint, where it reports the store
    itself rather than the instruction after it, the committing store.
    On x86 a write is reported past the store: one that commits a
    section is outside it."""
    if bp.type != gdb.BP_HARDWARE_WATCHPOINT:
        return True
    try:
        name = gdb.selected_inferior().architecture().name()
    except (gdb.error, AttributeError):
        return True
    return not archs.describe(name).watch_after_access


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
        # start -> section, for the sections holding an enabled location
        # of a user breakpoint: guarded as long as it stays there.
        self.inside = {}
        # The user's breakpoints changed since the last sync().
        self.dirty = False
        # Whether an enabled hardware watchpoint may stop a thread
        # inside a section (_watchpoints); then start -> section, for
        # the sections where a thread aborted meanwhile (_AbortGuard),
        # and the registry generation they are of.
        self.watch_inside = False
        self.watch_learned = {}
        self.watch_generation = None
        # Whether an enabled user watchpoint exists: "set
        # can-use-hw-watchpoints 0" turns it into a software one at the
        # next resume, without an event.
        self.watchpoints = False
        self.pin = None
        self.thread_num = None
        self.scope = None
        # The frames on the stepped thread's stack when the guards were
        # armed; whether it ran freely in one since (ran_freely).
        self.frames = ()
        self.scope_free = False
        # start -> entry guard, address -> exit guard.
        self.entries = {}
        self.exits = {}

    def _sections(self):
        if self.for_watchpoints or (self.for_command and self.scope is None):
            return registry.sections()
        out = dict(self.inside)
        if self.for_command:
            for lo, hi in self.scope:
                for cs in registry.starting_in(lo, hi):
                    out[cs.start] = cs
        return [out[k] for k in sorted(out)]

    def _build(self):
        self._delete()
        # Those the command's thread alone needs.
        scope_only = {}
        exits = {}
        for cs in self._sections():
            only = (self.for_command and not self.for_watchpoints
                    and cs.start not in self.inside)
            if only:
                scope_only.setdefault(cs.abort, []).append(cs)
            guard = self.entries[cs.start] = _EntryGuard(cs, only)
            self.bps.append(guard)
            for addr in cs.exit_addresses():
                exits[addr] = exits.get(addr, True) and only
        for addr in sorted(exits):
            guard = self.exits[addr] = _ExitGuard(addr, exits[addr])
            self.bps.append(guard)
        for addr in sorted(scope_only):
            self.bps.append(_RearmGuard(_rearm_address(addr),
                                        scope_only[addr]))
        if self.watch_inside:
            aborts = {}
            for cs in registry.sections():
                if cs.start not in self.watch_learned:
                    aborts.setdefault(cs.abort, []).append(cs)
            for addr in sorted(aborts):
                self.bps.append(_AbortGuard(addr, aborts[addr]))
        self.key = self._key()

    def learn(self):
        """Guard the sections _AbortGuard learned about, added to the
        guards there are: rebuilt, they would be gone for a moment from
        under the passes of the threads running meanwhile."""
        new = [cs for start, cs in self.watch_learned.items()
               if start not in self.inside]
        if not new or not _can_isolate():
            return
        for cs in new:
            self.inside[cs.start] = cs
            guard = self.entries.get(cs.start)
            if guard is None or not guard.is_valid():
                guard = self.entries[cs.start] = _EntryGuard(cs)
                self.bps.append(guard)
            guard.scope_only = False
            guard.enabled = True
            for addr in sorted(cs.exit_addresses()):
                guard = self.exits.get(addr)
                if guard is None or not guard.is_valid():
                    guard = self.exits[addr] = _ExitGuard(addr)
                    self.bps.append(guard)
                guard.scope_only = False
                guard.enabled = True
        _no_displaced.want("breakpoint inside", True)
        self.key = self._key()

    def _key(self):
        return (registry.current_generation(),
                self.for_watchpoints or (self.for_command and self.scope),
                tuple(sorted(self.inside)), self.watch_inside)

    def _delete(self):
        for bp in self.bps:
            if bp.is_valid():
                bp.delete()
        self.bps = []
        self.entries = {}
        self.exits = {}
        self.key = None

    def _update(self):
        want = (self.for_command or self.for_watchpoints or self.inside
                or self.watch_inside)
        if want:
            if self.key != self._key() or any(
                    not bp.is_valid() for bp in self.bps):
                self._build()
        else:
            # Deleted rather than disabled: between commands nothing of
            # the extension shows, even in "maint info breakpoints".
            self._delete()

    def owner(self, thread, cs):
        """Who ends the safe pass THREAD starts at CS's entry guard:
        "guard" (the line step's final stop), "breakpoint" (CS's exits
        only, whatever resumes the thread meanwhile), or None for no
        pass.

        During a line step only the stepped thread's passes are made
        safe, but at sections holding a user breakpoint.  Another thread
        that runs meanwhile and reaches a guard keeps rseq_cs armed: the
        kernel aborts that pass, and the guard goes for it to run on
        (_EntryGuard.stop).  Holding the other threads for its pass
        would hold the stepped one.  With software
        watchpoints every thread's passes are made safe, and a thread
        refused one is sent to the abort handler (_EntryGuard.stop).

        A section holding a user breakpoint is passed safely by every
        thread, during line steps too (the stepped thread may wait for
        one that keeps reaching such a breakpoint): the thread stops or
        is stepped over the breakpoint there (a false condition, an
        ignore count, a stop method, commands that continue) without
        the kernel aborting the pass, so the program moves on, and the others,
        kept off its CPU, cannot touch its per-CPU data meanwhile.
        Where they cannot be (one CPU for all), no pass is made: the
        kernel keeps aborting the thread there, which is slow but loses
        nothing.  That pass ends at the section's exits only: a stop
        at the breakpoint and whatever resumes the thread from there
        (continue from a command list, MI, Python) leave it running
        safely to its end, as one unit."""
        if cs.start in self.inside:
            # One such pass at a time.  GDB lets the other threads run
            # between its steps over breakpoints (scheduler-locking or
            # not: infrun.c's restart_threads), so the pass keeps them
            # off its CPU with their affinity; a second pass would pin
            # one of them back there.  A thread reaching a section
            # meanwhile runs it with the kernel's protection: stepped
            # over the breakpoint in place, it is aborted and retries.
            if safepass.active(thread) is not None:
                return "breakpoint"
            if not safepass.any_active() and safepass.can_isolate(thread):
                return "breakpoint"
        if self.for_command:
            if thread.global_num == self.thread_num:
                return "guard"
            return None
        if cs.start in self.inside:
            return None
        return "guard" if self.for_watchpoints else None

    def arm_for_command(self):
        if gdb.selected_inferior().pid == 0:
            return
        thread = gdb.selected_thread()
        self.for_command = True
        self.thread_num = thread.global_num if thread else None
        self.scope, self.frames = _command_scope()
        self.scope_free = False
        self._update()
        for bp in self.bps:
            # Kept from an earlier command, where threads ran past them.
            if bp.is_valid() and not bp.enabled:
                bp.enabled = True
        # Ended by the command's stop, or at the prompt if it fails first.
        _follow_events()
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
        safepass.end_command_passes(self.thread_num)
        self._restore_settings()
        if self.for_command:
            self.for_command = False
            self._update()

    def ran_freely(self, thread, guard):
        """THREAD reached GUARD, one only the command's thread needs,
        running freely rather than single-stepped.  The guard goes, in
        GDB's stop: the thread then runs on through the section under
        the kernel's protection, not stepped over the guard.  Where it
        is the command's thread, in one of the frames the guards were
        armed for, the command is no line step there (a continue, a
        finish, until LOCATION): every guard only it needed goes, and
        its pin, until the command stops.  A line step runs freely only
        in the functions it steps over, newer frames.  (GDB's manual
        asks stop methods to leave breakpoints alone.  Disabling one
        there works on GDB 13.1, 16.3 and 18.1; deleting one would free
        what GDB's walk of the stop's breakpoints still points to; and
        a remote target in all-stop takes requests only while
        stopped.)"""
        guard.enabled = False
        if thread is None or thread.global_num != self.thread_num:
            return
        try:
            if _outer_frame() not in self.frames:
                return
        except gdb.error:
            return
        log.info("thread %d runs freely: the line step's guards are off "
                 "until it stops", thread.num)
        self.scope_free = True
        for bp in self.bps:
            if not bp.is_valid():
                continue
            if isinstance(bp, _ExitGuard):
                off = bp.scope_only and not self.exit_in_use(bp.address)
            else:
                off = isinstance(bp, _RearmGuard) or getattr(
                    bp, "scope_only", False)
            if off:
                bp.enabled = False
        if self.pin is not None:
            self.pin.release()
            self.pin = None

    def rearm(self, cs, sticky=False):
        """CS's guards back, for a pass of the command's thread (STICKY:
        its entry kept until then); whether its entry was off."""
        guard = self.entries.get(cs.start)
        was_off = guard is not None and guard.is_valid() and not guard.enabled
        if was_off:
            guard.enabled = True
        if guard is not None and sticky:
            guard.sticky = True
        for addr in cs.exit_addresses():
            guard = self.exits.get(addr)
            if guard is not None and guard.is_valid() and not guard.enabled:
                guard.enabled = True
        return was_off

    def exit_in_use(self, address):
        """Whether an open pass may leave its section at ADDRESS."""
        return any(address in p.cs.exit_addresses()
                   for p in safepass.passes())

    def changed(self):
        """A user breakpoint was created, modified or deleted.  Called
        from GDB's breakpoint events, where no breakpoint may be created
        or deleted (see the module's comment): only noted, for sync()."""
        if not self.dirty:
            self.dirty = True
            _follow_events()

    def sync(self, recheck=False):
        """Make the guards and the displaced-stepping setting follow the
        user's breakpoints.  Run where GDB walks no breakpoint list: the
        resuming pre-hooks (with RECHECK: "set can-use-hw-watchpoints"
        sends no event), a resume (gdb.events.cont) and the prompt."""
        if self.dirty or recheck or _dprintfs:
            self.dirty = False
            (self.for_watchpoints, self.watch_inside,
             self.watchpoints) = _watchpoints()
            _no_displaced.guarded_by_watchpoints(self.for_watchpoints)
            _check_inside_breakpoints()
        if self.for_watchpoints or self.inside or self.watch_inside:
            # Also rebuilt when the sections moved (a library came, the
            # program was started again).  Without a process the
            # addresses are not known yet: the resume that starts one
            # builds them.
            if gdb.selected_inferior().pid:
                self._update()
        elif self.bps and not self.for_command:
            self._update()
        _follow_events()

    def _restore_settings(self):
        if self.pin is not None:
            self.pin.release()
            self.pin = None
        _no_displaced.want("line step", False)
        self.thread_num = None

    def forget(self):
        # The inferior is gone; breakpoint addresses are stale.  Software
        # watchpoints' guards are built again when it is started again.
        self._restore_settings()
        self.for_command = False
        self._delete()

    def armed(self):
        return bool(self.for_command or self.for_watchpoints or self.inside)


guards = _Guards()


def _on_cont(event):
    # No setting changes within an instruction step's command.
    guards.sync(recheck=guards.watchpoints and not stops.own_resume)


def _on_before_prompt():
    inferior = gdb.selected_inferior()
    if guards.for_command and not any(
            t.is_running() for t in inferior.threads()):
        # The line step failed before it resumed anything ("Cannot
        # find bounds of current function"): no stop ended it.
        guards.command_done()
    guards.sync()
    # A pass at a breakpoint whose section holds none any more (the
    # user deleted it, or it was a tbreak, its thread stopped there) has
    # no exit guard left to end it: it ends as the kernel would end it,
    # with a restart.  The selected thread's restart waits for its next
    # resume, as after an "advance" there (an inside-mode pass): the
    # user sees the thread where it stopped.
    selected = gdb.selected_thread()
    for p in safepass.passes():
        if (p.origin == "breakpoint" and p.cs.start not in guards.inside
                and p.thread.is_valid() and not p.thread.is_running()):
            if p.thread == selected and safepass.stopped_inside(p):
                p.origin = "inside"
            else:
                p.end(restore_rseq_cs=True)


_following = {"cont": False, "before_prompt": False}


def _follow_events():
    """Listen to resumes while the user's breakpoints changed or a
    software watchpoint exists, and to the prompt while they changed:
    the instruction steps resume through "continue" and show a prompt,
    and an event for each would cost every stepi."""
    for name, handler, want in (
            ("cont", _on_cont, guards.dirty or guards.watchpoints
             or bool(guards.inside) or _dprintfs),
            ("before_prompt", _on_before_prompt,
             guards.dirty or _dprintfs or guards.for_command)):
        if want != _following[name]:
            _following[name] = want
            events = getattr(gdb.events, name)
            if want:
                events.connect(handler)
            else:
                events.disconnect(handler)


def before_command(line_step=False):
    """Run by the hooks of commands that run the program freely
    (continue, jump, signal), while every thread is still stopped: the
    threads stopped inside a section go to its abort handler now
    (safepass.prepare_resume), with GDB's registers, on any target, and
    the resume (_on_resume) arms no guards.  LINE_STEP, from a hook
    written for an earlier gdb-rseq: nothing, the resume does it all."""
    global _prepared
    if stops.own_resume or line_step:
        # The instruction-step commands resume through "continue".
        return
    _prepared = True
    _resume_begins()
    _unseen_breakpoint()
    guards.sync(recheck=True)
    # The step watchpoint exists once an instruction step loaded the
    # step engine.
    engine = sys.modules.get(__package__ + ".nativerun")
    if engine is not None:
        engine.disarm()
    if gdb.selected_inferior().pid:
        safepass.prepare_resume()


def _on_stop(event):
    # The final stop of a line step (Breakpoint.stop returning False
    # produces no stop event).  The stops of an instruction step's own
    # resumes are none: no line step runs meanwhile, and checking would
    # cost a tenth of each step.
    if stops.own_resume:
        return
    guards.command_done()
    _check_inside_breakpoints(event)
    if not gdb.parameter("non-stop"):
        _resume_ends()
    resumes_unprepared()


def _on_exited(event):
    guards.forget()
    _no_displaced.want("resume", False)
    _follow_resume_end(False)


def _inside_locations(bp):
    """(address, section) of BP's enabled locations inside sections."""
    if (not bp.is_valid() or bp.number <= 0 or not bp.enabled
            or bp.type not in (gdb.BP_BREAKPOINT,
                               gdb.BP_HARDWARE_BREAKPOINT)
            or _thread_gone(bp)):
        return []
    out = []
    for loc in getattr(bp, "locations", ()):
        addr = loc.address
        cs = registry.lookup(addr) if addr is not None and loc.enabled \
            else None
        if cs is not None:
            out.append((addr, cs))
    return out


def _thread_gone(bp):
    """Whether BP is specific to a thread that exited.  GDB 13 hides
    such a breakpoint rather than deleting it (its number becomes 0,
    which Python does not see) and deletes it at the next stop, with
    no event either time; later GDBs delete it at once."""
    num = bp.thread
    return num is not None and not any(
        t.global_num == num for inf in gdb.inferiors()
        for t in inf.threads())


def _warn_inside(bp):
    """Say when a user breakpoint is set inside a critical section: the
    threads' passes through it are no longer the kernel's to protect."""
    for addr, cs in _inside_locations(bp):
        log.warning("breakpoint %d at %#x is inside rseq critical "
                    "section %#x-%#x: each pass through it runs with "
                    "its thread pinned to its CPU and the other "
                    "threads kept off it",
                    bp.number, addr, cs.start, cs.post_commit)
    if (bp.is_valid() and bp.number > 0 and bp.type in _HARDWARE_WATCHPOINTS
            and _reports_inside(bp) and registry.sections()):
        log.warning("watchpoint %d can stop a thread inside an rseq "
                    "critical section: while it is enabled, each pass "
                    "through a section that aborted once runs with its "
                    "thread pinned to its CPU and the other threads kept "
                    "off it", bp.number)


_checked_generation = None


def _check_inside_breakpoints(event=None):
    """Which sections hold a user breakpoint: those get guards (see
    _Guards.owner), and displaced stepping is off meanwhile (see
    _NoDisplaced).  Run when breakpoints changed (guards.sync), and at a
    stop when the set of sections changed (they move when a program
    starts)."""
    global _checked_generation
    generation = registry.current_generation()
    if event is not None and _checked_generation == generation:
        return
    _checked_generation = generation
    # The first instruction counts: the kernel aborts a thread that
    # resumes from there too, and its abort handler usually retries,
    # back to the same breakpoint.  Without a pass, a breakpoint there
    # that does not stop, or a "continue" from one that does, never
    # got the thread past it.
    # Where no pass can keep the other threads off a thread's CPU (one
    # CPU for all), none is made, and no entry is guarded: a thread
    # refused a pass would be stepped over the guard in place and
    # aborted by the kernel there at every arrival, never reaching the
    # breakpoint.
    # A hardware watchpoint that reports accesses inside sections stops
    # there as a breakpoint would, at whatever section touches what it
    # watches: the sections found aborting meanwhile are guarded so
    # (_AbortGuard).
    isolate = _can_isolate()
    inside = {}
    any_inside = False
    if not guards.watch_inside or guards.watch_generation != generation:
        guards.watch_learned = {}
        guards.watch_generation = generation
    if guards.watch_learned:
        if isolate:
            inside.update(guards.watch_learned)
        any_inside = True
    for bp in gdb.breakpoints():
        for addr, cs in _inside_locations(bp):
            if isolate:
                inside[cs.start] = cs
            any_inside = True
    if _dprintfs:
        for addr in _dprintf_addresses():
            cs = registry.lookup(addr)
            if cs is not None and isolate:
                inside[cs.start] = cs
            any_inside = any_inside or cs is not None
    guards.inside = inside
    _no_displaced.want("breakpoint inside", bool(inside) or any_inside)
    if event is not None and gdb.selected_inferior().pid:
        guards.sync()


def _can_isolate():
    try:
        thread = gdb.selected_thread()
    except SystemError:
        thread = None
    return thread is None or safepass.can_isolate(thread)


# Whether a dprintf may exist.  Python sees no dprintf: GDB sends no
# event for one and gdb.breakpoints() leaves them out.  The "dprintf"
# command's post-hook (commands.py) sets this; from then on, until none
# is left, the guards follow dprintfs from "info breakpoints" at each
# resume (a dprintf set before "run" moves with the program, silently)
# and each prompt (delete, disable, enable and condition send nothing
# either, and an interactive "delete" runs no post-hook on GDB 13).
_dprintfs = False

_DPRINTF_RE = re.compile(
    r"^(\d+)\s+dprintf\s+\S+\s+([yn])\s+(0x[0-9a-fA-F]+|<MULTIPLE>)")
_LOCATION_RE = re.compile(r"^(\d+)\.\d+\s+([yn])\S*\s+(0x[0-9a-fA-F]+)")


def _dprintf_addresses():
    """The addresses of the enabled locations of enabled dprintfs; stops
    following them when none is left."""
    global _dprintfs
    out = []
    current = None
    seen = False
    try:
        listing = gdb.execute("info breakpoints", to_string=True)
    except gdb.error:
        return out
    for line in listing.splitlines():
        m = _DPRINTF_RE.match(line)
        if m:
            seen = True
            current = m.group(1) if m.group(2) == "y" else None
            if current is not None and m.group(3) != "<MULTIPLE>":
                out.append(int(m.group(3), 16))
            continue
        m = _LOCATION_RE.match(line)
        if m and m.group(1) == current and m.group(2) == "y":
            out.append(int(m.group(3), 16))
        elif not m and line[:1].isdigit():
            current = None
    if not seen:
        _dprintfs = False
    return out


# The last value of $bpnum looked at (_unseen_breakpoint).
_bpnum_seen = None


def _unseen_breakpoint():
    """Whether the breakpoint GDB created last is one Python was not
    told about: a dprintf that ran no post-hook (MI's -dprintf-insert,
    a "dprintf" in a script of the user's that replaced gdb-rseq's
    hookpost-dprintf), or a catchpoint.  GDB numbers every user
    breakpoint in one series and leaves the last number in $bpnum,
    read at each resume; a dprintf among them is then followed as
    after the hook (the first look at "info breakpoints" finds what
    else it was)."""
    global _bpnum_seen
    num = gdb.convenience_variable("bpnum")
    if num is None or int(num) == _bpnum_seen:
        return False
    _bpnum_seen = num = int(num)
    if _dprintfs or any(bp.number == num for bp in gdb.breakpoints()):
        return False
    dprintf_created()
    return True


def dprintf_created():
    """Run by the post-hook of "dprintf"."""
    global _dprintfs
    _dprintfs = True
    guards.changed()


# commands.py calls these from GDB's breakpoint events, for user
# breakpoints only (valid ones, except for a deletion).  They note the
# change and nothing more: see the module's comment.


def breakpoint_created(bp):
    guards.changed()
    _warn_inside(bp)


def breakpoint_modified(bp):
    guards.changed()


def breakpoint_deleted(bp):
    guards.changed()


# commands.py passes on breakpoint events; the stops and exits are this
# module's own, from its first use on (before it, nothing was armed).
# Its stops are none of a line step's.
stops.connect(_on_stop, at_own_resume=False)
gdb.events.exited.connect(_on_exited)
gdb.events.before_prompt.connect(resumes_unprepared)
_follow_resumes(True)
# Breakpoints set before this module was loaded (before gdb-rseq was).
if any(bp.number > 0 for bp in gdb.breakpoints()):
    guards.changed()
