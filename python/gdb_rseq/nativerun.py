# Resume one thread to a set of addresses, then put everything back.
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: LGPL-2.1-or-later

"""The two execution primitives the stepping commands are built on.

Overriding ``stepi``/``nexti`` deletes GDB's built-ins for good, so the
extension resumes the inferior only through ``continue`` (or ``signal
0``, see _resume) with:

- a silent, thread-specific, internal software watchpoint on ``$pc``
  (GDB single-steps the thread and stops after one instruction), or
- silent, thread-specific, internal breakpoints at the addresses where a
  native run must end.

Either way scheduler-locking is on for the resume (other threads stay
stopped) and every breakpoint with a location at the resume PC is
disabled: GDB would otherwise single-step over it first, and a stop
inside a critical section makes the kernel abort it.  Everything --
scheduler-locking, the disabled breakpoints, the internal breakpoints -- is
restored in ``finally`` blocks, so an error, Ctrl-C or the inferior
exiting leaves nothing behind.
"""

import signal

import gdb

from . import compat
from . import safepass
from . import stops
from . import target
from .target import thread_pc

# Whether the inferior exited during our own resume.
_exited = False


def _on_exited(event):
    global _exited
    _exited = True


gdb.events.exited.connect(_on_exited)


class Outcome:
    """What ended a resume.

    ``ours``: the thread stopped only because of the primitive's own
    watchpoint or breakpoints, so the caller prints the stop itself.
    Otherwise GDB printed the stop (a user breakpoint, a signal, the
    inferior exiting) and the command ends as any GDB command would;
    ``output`` then holds the error the resume ended with, if any, for
    the caller to print."""

    __slots__ = ("ours", "output", "exited", "hit", "steps")

    def __init__(self, ours, output, exited, hit):
        self.ours = ours
        self.output = output
        self.exited = exited
        self.hit = hit
        # Instructions executed as counted steps: a native run is one.
        self.steps = 1

    def __repr__(self):
        return "Outcome(ours=%s, exited=%s, hit=%s)" % (
            self.ours, self.exited, None if self.hit is None
            else hex(self.hit))


class _AddressBreakpoint(gdb.Breakpoint):
    """A silent internal breakpoint that stops only the given thread.

    With ``min_sp`` set it stops only once the stack pointer is above
    that value: used for a return address, where a recursive call
    returning to the same address must not end the run."""

    # Set on the instance only when given: each attribute set on a
    # gdb.Breakpoint costs a conversion of its name (_StepWatchpoint).
    min_sp = None

    def __init__(self, address, thread, min_sp=None):
        super().__init__("*%#x" % address, internal=True)
        self.silent = True
        self.thread = thread.global_num
        if min_sp is not None:
            self.min_sp = min_sp

    def stop(self):
        if self.min_sp is None:
            return True
        return int(gdb.parse_and_eval("$sp")) > self.min_sp


class _StepWatchpoint(gdb.Breakpoint):
    """The instruction step: a watchpoint on $pc.

    GDB single-steps the thread and asks stop() after every instruction,
    inside its own stepping loop, so "stepi N" is one resume of N
    instructions rather than N resumes: stop() counts them, and asks the
    command's CHECK whether the thread may go on from the new PC (a
    critical section or a call to run natively ahead stops it first).

    Enabling a software watchpoint re-parses and re-evaluates it, which
    costs a third of a step, so it stays enabled from one stepping
    command to the next (a script stepping in a loop).  Whatever else
    resumes the inferior disables it first: the hooks of continue, jump
    and signal, GDB's resume event for any other command (guards.py), an
    inferior call, a native run.  A resume that gets past all of these
    finds it not ``active``: it then disables itself after that resume's
    first instruction, and GDB resumes the rest normally.  It is deleted before GDB shows its
    prompt (``release``).  It is not thread-specific, so that the first
    instruction of any thread catches such a resume.

    What changes at each step lives in ``state``, a plain object: GDB
    converts the name of each attribute set on a gdb.Breakpoint to the
    host character set first, which costs a hundredth of a step on GDB
    18 (callgrind), and a step set eight of them."""

    def __init__(self):
        super().__init__("$pc", gdb.BP_WATCHPOINT, internal=True)
        self.silent = True
        self.enabled = False
        self.state = _StepState(self.number)

    def stop(self):
        s = self.state
        if not s.active:
            self.enabled = False
            return False
        s.steps += 1
        if s.steps >= s.budget:
            s.stopped = True
            return True
        if s.check is None:
            return False
        try:
            stop = s.check(thread_pc(s.tid))
        except Exception:       # noqa: BLE001 -- GDB would print and stop
            stop = True
        s.stopped = stop
        return stop


class _StepState:
    """One resume of the step watchpoint: whether it is ours (``active``),
    its BUDGET of instructions, the STEPS taken, the CHECK and thread
    (TID) of single_step, and whether stop() last said to stop."""

    __slots__ = ("number", "active", "budget", "steps", "check", "tid",
                 "stopped")

    def __init__(self, number):
        self.number = number
        self.active = False
        self.budget = 1
        self.steps = 0
        self.check = None
        self.tid = None
        self.stopped = False


class _StepWatchpointHolder:
    def __init__(self):
        self.wp = None

    def arm(self, thread, budget, check):
        """The state of the step watchpoint, made ready to step THREAD."""
        wp = self.wp
        if wp is None or not wp.is_valid():
            wp = self.wp = _StepWatchpoint()
        s = wp.state
        s.budget, s.steps, s.check, s.stopped = budget, 0, check, False
        s.tid = thread.ptid[1]
        s.active = True
        if not wp.enabled:
            wp.enabled = True
        return s

    def idle(self):
        """Our resume is over; the watchpoint may stay enabled."""
        if self.wp is not None:
            self.wp.state.active = False

    def disarm(self):
        self.idle()
        if self.wp is not None and self.wp.is_valid() and self.wp.enabled:
            self.wp.enabled = False

    def release(self):
        if self.wp is not None and self.wp.is_valid():
            self.wp.delete()
        self.wp = None


_step_wp = _StepWatchpointHolder()


def release(event=None):
    """Drop the step watchpoint.  Done when GDB is about to show its
    prompt (and when the inferior exits), not after every command: a
    script running stepi in a loop would create one per step."""
    _step_wp.release()


gdb.events.before_prompt.connect(release)
gdb.events.exited.connect(release)


def _set_scheduler_locking(value):
    # An IDE would otherwise see the setting flip at every step.
    compat.set_quietly("scheduler-locking", value)


# Address -> the enabled breakpoints with an enabled location there;
# None when a breakpoint changed since it was built.  Every step asks
# for its resume PC, and walking each breakpoint's locations costs more
# than the rest of the step's bookkeeping.
_bp_addresses = None


def _breakpoint_addresses():
    global _bp_addresses
    if _bp_addresses is None:
        found = {}
        for bp in gdb.breakpoints():
            if (not bp.is_valid() or not bp.enabled
                    or bp.type not in (gdb.BP_BREAKPOINT,
                                       gdb.BP_HARDWARE_BREAKPOINT)):
                continue
            for loc in getattr(bp, "locations", ()):
                if loc.enabled and loc.address is not None:
                    found.setdefault(loc.address, []).append(bp)
        _bp_addresses = found
    return _bp_addresses


# How many times the user's breakpoints changed: a hit changes its count.
_bp_changes = 0


def breakpoints_changed(bp):
    global _bp_addresses, _bp_changes
    # The step watchpoint changes at every step (enabled, hit, disabled)
    # and has no location to disable.
    if bp is not _step_wp.wp:
        _bp_addresses = None
        _bp_changes += 1


gdb.events.breakpoint_created.connect(breakpoints_changed)
gdb.events.breakpoint_deleted.connect(breakpoints_changed)
# Modifications come through commands.py, for user breakpoints only
# (those of gdb.breakpoints()): the step watchpoint's hit count changes
# at every step, and a second listener would cost each one a call.


class _ResumeSetup:
    """What one resume of a thread from PC needs, undone after it.

    Scheduler-locking on: other threads stay stopped (in non-stop mode
    ``continue`` resumes only the selected thread anyway); a
    single-threaded inferior has nothing to hold.  Set here where that
    does not tell MI frontends (compat.QUIET_SETTINGS), else by the
    resume command itself (``hold``, for _resume).

    Every breakpoint with an enabled location at the resume PC disabled:
    the whole breakpoint, not just the location.  GDB 13 still steps
    over a disabled location (displaced), and a displaced step out of a
    critical section makes the kernel clear rseq_cs silently, so the
    section would run unprotected instead of being aborted.

    One object for both: it is made at every instruction step."""

    __slots__ = ("quiet", "hold", "pc", "saved", "disabled")

    def __init__(self, threads, pc):
        several = len(threads) > 1
        self.quiet = several and compat.QUIET_SETTINGS
        # A pass that holds the other threads restores the setting when it
        # ends, which may be at a stop of this resume: a "with" would then
        # set it back after the pass.
        self.hold = (several and not compat.QUIET_SETTINGS
                     and not safepass.holding_others())
        self.pc = pc
        self.saved = None
        self.disabled = ()

    def __enter__(self):
        if self.quiet:
            saved = gdb.parameter("scheduler-locking")
            if saved != "on":
                _set_scheduler_locking("on")
                self.saved = saved
        try:
            found = (_bp_addresses if _bp_addresses is not None
                     else _breakpoint_addresses()).get(self.pc)
            if found:
                self.disabled = []
                for bp in found:
                    if bp.is_valid() and bp.enabled:
                        bp.enabled = False
                        self.disabled.append(bp)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        try:
            for bp in self.disabled:
                if bp.is_valid():
                    bp.enabled = True
        finally:
            if self.saved is not None:
                _set_scheduler_locking(self.saved)
        return False


def _resume_command(hold):
    """The command of a resume of our own.  HOLD: with scheduler-locking
    on for it, in the same command: two "set" commands cost a fifth of
    an instruction step.  On GDB 14 and later _ResumeSetup sets it
    instead, without telling MI frontends."""
    # "signal 0" resumes as "continue" does, but runs no hook (gdb-rseq's
    # hook-continue would cost a tenth of an instruction step) and
    # delivers no signal.  So "continue" it is after a stop for a signal,
    # which GDB delivers when the thread resumes, or an unknown one.
    last = stops.last
    key = (last is None
           or isinstance(last, (gdb.SignalEvent, stops.KernelStop)), hold)
    command = _commands.get(key)
    if command is None:
        command = "continue" if key[0] else "signal 0"
        if hold:
            command = "with scheduler-locking on -- " + command
        command = _commands[key] = compat.abbreviation(command)
    return command


# (continue rather than signal 0, hold) -> the command.
_commands = {}


def _resume(thread, own_numbers, want_hit=True, hold=False, quiet=None):
    """`continue` the thread; return an Outcome (with the PC it stopped
    at when WANT_HIT and the stop was ours).  HOLD: other threads stay
    stopped (_resume_command).  QUIET: the state of the armed step
    watchpoint, for a resume that does not listen to GDB's stop event
    (_quiet_stop).

    Not captured: GDB prints a stop that is not ours (a user breakpoint,
    a signal, the exit) as it does for any command, and our own silent
    stops print nothing.  GDB 18 would also capture the MI records of
    the resume, ^running and *stopped, which a frontend waits for
    (compat.py)."""
    global _exited
    command = _resume_command(hold)
    stops.last = None
    _exited = False
    output = ""
    stops.own_resume = True
    if quiet is not None:
        changes = _bp_changes
        stops.listen(False)
    try:
        gdb.execute(command)
    except gdb.error as e:
        # "The program is not being run." and friends: not a stop.
        if (stops.last is None and not _exited
                and (quiet is None or not quiet.steps)):
            raise
        output = str(e) + "\n"
    finally:
        stops.own_resume = False
        if quiet is not None:
            stops.listen(True)
    if _exited or not thread.is_valid():
        return Outcome(False, output, True, None)
    if quiet is not None:
        return Outcome(_quiet_stop(thread, quiet, changes), output, False,
                       None)
    last = stops.last
    ours = isinstance(last, gdb.BreakpointEvent)
    if ours:
        for b in last.breakpoints:
            if not (b.is_valid() and b.number in own_numbers):
                ours = False
                break
    hit = thread_pc(thread.ptid[1]) if ours and want_hit else None
    return Outcome(ours, output, False, hit)


def _quiet_stop(thread, wp, changes):
    """Whether the quiet resume of THREAD, which armed the step
    watchpoint (WP, its state), stopped only for it; the handlers of
    stop events get what GDB's event would have told them (stops.py).
    Only for it when its stop() said to stop, the kernel
    stopped the thread with the SIGTRAP of a step, and no breakpoint of
    the user's was hit meanwhile (CHANGES: _bp_changes before the
    resume).  A signal GDB stops for comes at the PC the last step left,
    where WP, a watchpoint on $pc, does not trigger."""
    signo = target.stop_signal(wp.tid)
    if (wp.stopped and signo == signal.SIGTRAP and changes == _bp_changes
            and gdb.selected_thread() == thread):
        stops.deliver(stops.OWN_STEP)
        return True
    name = None
    if signo is not None:
        try:
            name = signal.Signals(signo).name
        except ValueError:
            name = "SIG%d" % signo
    stops.deliver(stops.KernelStop(thread, name))
    return False


# (pid, GDB's non-stop setting): it cannot change while a program runs.
_non_stop = (None, False)


def _in_non_stop(pid):
    global _non_stop
    if _non_stop[0] != pid:
        _non_stop = (pid, bool(gdb.parameter("non-stop")))
    return _non_stop[1]


def command_done(pid):
    """The instruction-step command of process PID is over.  In non-stop
    mode other threads may be resumed at any time without a hook to
    disarm the step watchpoint first: it is disabled at once.  (Each
    resume of the command left it idle.)"""
    if _in_non_stop(pid):
        _step_wp.disarm()


def disarm(event=None):
    """Something other than the instruction-step commands is about to
    resume the inferior: GDB must not single-step it."""
    if isinstance(event, gdb.InferiorCallPostEvent):
        return
    _step_wp.disarm()


gdb.events.inferior_call.connect(disarm)


def others_running(thread, threads=None):
    """Whether another thread of THREAD's inferior is running (non-stop
    mode).  THREADS: the inferior's threads, when the caller has them."""
    if threads is None:
        threads = thread.inferior.threads()
    return len(threads) > 1 and any(t != thread and t.is_running()
                                    for t in threads)


def single_step(thread, pc=None, successors=None, budget=1, check=None):
    """Execute instructions of THREAD one at a time (calls are entered):
    BUDGET of them, or fewer when CHECK, called with the PC after each
    one, says to stop before the next.  The Outcome's ``steps`` says how
    many ran.  PC: the thread's current PC, when the caller has it;
    SUCCESSORS: where the first instruction can go, when known.  The
    caller calls command_done() when its command ends.

    While other threads run (non-stop mode) GDB would single-step them
    too for the $pc watchpoint and report their steps as random
    SIGTRAPs: the step is then a run to breakpoints on the successors."""
    if pc is None:
        pc = thread_pc(thread.ptid[1])
    threads = thread.inferior.threads()
    if len(threads) > 1 and others_running(thread, threads):
        if not successors:
            raise gdb.GdbError("cannot step the instruction at %#x while "
                               "other threads run: where it goes is not "
                               "known" % pc)
        return run_to(thread, successors)
    # Nothing to set up for most steps: one thread, no breakpoint here.
    setup = None
    if len(threads) > 1 or pc in (_bp_addresses if _bp_addresses is not None
                                  else _breakpoint_addresses()):
        setup = _ResumeSetup(threads, pc).__enter__()
    try:
        step = _step_wp.arm(thread, budget, check)
        # Quiet when nothing but this step follows the stops (stops.py)
        # and the kernel tells the stop signal: a native all-stop
        # inferior.
        quiet = (step if safepass.idle() and target.reads_stop_signals()
                 and not _in_non_stop(thread.inferior.pid) else None)
        out = _resume(thread, {step.number}, want_hit=False,
                      hold=setup is not None and setup.hold, quiet=quiet)
        out.steps = step.steps
        return out
    except BaseException:
        _step_wp.disarm()
        raise
    finally:
        _step_wp.idle()
        if setup is not None:
            setup.__exit__()


def run_to(thread, addresses, return_guard=None):
    """Run THREAD natively until it reaches one of ADDRESSES.

    RETURN_GUARD, a (return address, stack pointer) pair, adds a stop at
    the return address once the stack pointer is above the given value:
    the run then ends even if the code leaves the function without
    passing any of ADDRESSES."""
    pc = thread_pc(thread.ptid[1])
    _step_wp.disarm()
    bps = []
    try:
        for addr in sorted(set(addresses)):
            # A breakpoint at the resume PC would make GDB step over it
            # first: a stop right at the c.s. entry.
            if addr != pc:
                bps.append(_AddressBreakpoint(addr, thread))
        if return_guard is not None and return_guard[0] != pc:
            bps.append(_AddressBreakpoint(return_guard[0], thread,
                                          min_sp=return_guard[1]))
        with _ResumeSetup(thread.inferior.threads(), pc) as setup:
            return _resume(thread, {b.number for b in bps}, hold=setup.hold)
    finally:
        for bp in bps:
            if bp.is_valid():
                bp.delete()
