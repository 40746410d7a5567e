# How one instruction-step command is carried out.
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: LGPL-2.1-or-later

"""The engine behind the stepi and nexti commands (commands.py).

Each command steps in a loop: before each resume it plans the next
instruction (inside a critical section, entering one, a call nexti runs
natively, or plain); a section runs natively to its exits (nativerun's
run_to), and a plain stretch of instructions is one resume of GDB
single-stepping the thread (nativerun's single_step).  The last step is
taken alone so that its end is printed the way GDB prints the end of a
stepi.  Loaded by the first step, not at GDB's start-up.
"""

import bisect
import sys

import gdb

from . import commands
from . import compat
from . import log
from . import nativerun
from . import predict
from . import registry
from . import safepass
from . import stops
from . import target
from .commands import ATOMIC, INSIDE, OFF


class _Index:
    """The registry's sections, indexed once per change of the set, and
    the plans of the instructions stepped since.

    A "stepi 1000" looks up every PC it stops at and every predicted
    successor: the registry's own lookup re-checks load biases each time,
    this one bisects a list rebuilt when the registry's generation moves
    (each command first refreshes it, which notices relocations).  A
    loop of "stepi" plans the same instructions again and again: their
    plans are kept while neither the sections nor the predictions they
    were made from change."""

    def __init__(self):
        self.generation = None
        self.progspace = None
        self.starts = []
        self.sections = []
        # (pc, arch, over_calls) -> _Plan, made at predictions of this
        # generation of predict.cache.
        self.plans = {}
        self.predicted = None

    def refresh(self):
        # current_generation first brings load biases up to date.
        gen = registry.current_generation()
        ps = gdb.selected_inferior().progspace
        if gen != self.generation or ps is not self.progspace:
            self.sections = list(registry.sections())
            self.starts = [c.start for c in self.sections]
            self.generation, self.progspace = gen, ps
            self.plans.clear()

    def lookup(self, addr):
        # Within a command only objfile events change the set; they move
        # the generation without a relocation check.
        if registry.registry.generation != self.generation:
            self.refresh()
        i = bisect.bisect_right(self.starts, addr) - 1
        if i >= 0 and self.sections[i].contains(addr):
            return self.sections[i]
        return None

    def plan(self, pc, arch, over_calls):
        """The _Plan of the instruction at PC, about to run."""
        if registry.registry.generation != self.generation:
            self.refresh()
        key = (pc, arch, over_calls)
        plan = self.plans.get(key)
        if plan is not None and self.predicted == predict.cache.generation:
            return plan
        plan = _Plan(pc, arch, over_calls)
        if self.predicted != predict.cache.generation:
            self.plans.clear()
            self.predicted = predict.cache.generation
        # Returns and indirect branches depend on registers, and code
        # GDB has no symbols for is read again at each step.
        if plan.pred is not None and predict.stable(pc, self.progspace):
            if len(self.plans) >= 65536:
                self.plans.clear()
            self.plans[key] = plan
        return plan


_index = _Index()


def _function_key(frame):
    sym = frame.function()
    if sym is None:
        return None
    return (sym.name, sym.symtab.filename if sym.symtab else None, sym.line)


def print_stop(start_frame, start_function, frame_info="auto",
               from_tty=False):
    """Print the stop the way GDB prints the end of a stepi: the source
    line alone (prefixed by the PC when it is mid-line) while in the same
    frame and function, else the frame line and the source line.
    FRAME_INFO is the user's "print frame-info", which overrides both;
    FROM_TTY that of the command."""
    # GDB selected the innermost frame when the thread stopped.
    frame = gdb.newest_frame()
    # Equal frame ids mean the start frame is still the innermost one:
    # no is_valid(), which searches the stack for a frame that is gone.
    same = (start_frame is not None and frame == start_frame
            and _function_key(frame) == start_function)
    _print_location(same, frame_info, from_tty=from_tty)


# GDB's own printing of the source line alone, mid-line PC included;
# and "frame" does not evaluate the arguments of a frame line nobody
# sees (half of its cost).
_SOURCE_LINE = ("print frame-info", "source-line")


def _print_location(same, frame_info, symtab=False, from_tty=False):
    """SYMTAB: the stop is known to have line information."""
    if same and frame_info == "auto":
        if symtab:
            compat.print_command("frame\ndisplay", from_tty, _SOURCE_LINE)
            return
        # Without line information it prints a "#0" frame line.
        text = compat.capture("frame", _SOURCE_LINE)
    else:
        text = compat.capture("frame")
    # A stop prints the frame without the "#0  " of "frame".
    if text.startswith("#0"):
        text = text[2:].lstrip(" ")
    gdb.write(text)
    compat.print_command("display", from_tty)


def _code_key(pc):
    """Where PC is, as far as the printing of a stepi cares: the start of
    the innermost function block holding it (an inlined function's own)
    and of the function it is compiled into; None without symbols."""
    key = _keys.get(pc, _keys)
    if key is not _keys:
        return key
    try:
        block = gdb.current_progspace().block_for_pc(pc)
    except RuntimeError:
        block = None
    inner = None
    while block is not None and not block.is_static and not block.is_global:
        if block.function is not None:
            if inner is None:
                inner = block.start
            outer = block.start
        block = block.superblock
    key = None if inner is None else (inner, outer)
    if len(_keys) > 65536:
        _keys.clear()
    _keys[pc] = key
    return key


# PC -> _code_key (PC), and _code_key -> whether that function has line
# information: addresses, good until the objfiles change.
_keys = {}
_lines = {}


def _forget_code(event=None):
    _keys.clear()
    _lines.clear()


gdb.events.new_objfile.connect(_forget_code)
gdb.events.clear_objfiles.connect(_forget_code)


def _has_lines(key, pc):
    known = _lines.get(key)
    if known is None:
        if len(_lines) > 4096:
            _lines.clear()
        known = _lines[key] = gdb.find_pc_line(pc).symtab is not None
    return known


def _return_guard(frame):
    """(return address, stack pointer) of FRAME, or None when it cannot
    be unwound to a readable address (a breakpoint GDB cannot insert
    would abort the run)."""
    try:
        older = frame.older()
        if older is None:
            return None
        ret = int(older.pc())
        gdb.selected_inferior().read_memory(ret, 1)
        return (ret, int(frame.read_register("sp")))
    except (gdb.error, gdb.MemoryError):
        return None


def _sp(frame):
    return int(frame.read_register("sp"))


def _over_call(thread, frame, pred):
    # After the call returns the stack pointer is back where it is now;
    # a recursive call returning to the same address is deeper.
    return nativerun.run_to(thread, (),
                            return_guard=(pred.fallthrough, _sp(frame) - 1))


def _run_section(thread, cs, guard):
    """Run CS natively from the current PC to its exits; GUARD as for
    nativerun.run_to."""
    out = nativerun.run_to(thread, cs.exit_addresses(), return_guard=guard)
    if out.ours and out.hit is not None and out.hit != cs.abort:
        _crossed(cs, out.hit)
    return out


def _restart(thread, frame, cs):
    """The thread is stopped inside CS: its pass was interrupted, and
    the kernel aborts it when the thread resumes -- except that after a
    ptrace stop it does not always (seen on 6.18), and after GDB stepped
    it over a breakpoint with a displaced step it clears rseq_cs instead;
    a pass resumed after other threads committed to the same data would
    lose their updates.  So do what the kernel should: send the thread
    to the abort handler, say so, and run the retry natively."""
    # Unwound here, inside the function: the abort handler often has
    # no unwind information.
    guard = _return_guard(frame)
    safepass.abort_inside(thread, cs)
    log.notice("critical section %#x restarted", cs.start)
    # The resume PC is abort_ip, so it is left out of the stops.
    return _run_section(thread, cs, guard)


def _describe_exit(cs, pc):
    if pc == cs.post_commit:
        return "committed, left at post-commit %#x" % pc
    if pc == cs.abort:
        return "aborted, left at the abort handler %#x" % pc
    if pc in cs.exit_addresses():
        return "left at exit %#x" % pc
    return "returned to %#x" % pc


class _Plan:
    """What the instruction at PC is, for an atomic step: inside a
    section (``inside``), entering some (``entered``), a call "nexti"
    runs natively (``over_call``), or none of these (``plain``)."""

    __slots__ = ("pc", "inside", "pred", "entered", "over_call", "plain",
                 "key", "_same")

    def __init__(self, pc, arch, over_calls):
        self.pc = pc
        self.inside = _index.lookup(pc)
        self.pred = None
        self.entered = ()
        self.over_call = False
        if self.inside is None:
            pred = self.pred = predict.successors(arch, pc)
            self.over_call = over_calls and pred.kind == predict.CALL
            if not self.over_call:
                self.entered = [c for c in map(_index.lookup,
                                               pred.targets or ())
                                if c is not None]
        self.plain = (self.inside is None and not self.entered
                      and not self.over_call)
        self.key = _code_key(pc)
        self._same = _UNKNOWN

    def print_end(self, tid, from_tty):
        """Print the end of a plain step taken from here by thread TID.

        GDB prints the source line alone when a stepi ends in the frame
        and function it started in.  Building gdb.Frame objects to
        compare would unwind the caller too, which costs as much as the
        step itself; but a step that is not a call or a return stays in
        its frame exactly when it stays in its function (and inlined
        function instance), which the block tables tell.  When every
        successor is in the function the step started in, where exactly
        the thread is does not matter, and it is not read."""
        same = self._same
        if same is _UNKNOWN:
            same = self._same = self._static_end()
        if same is None:
            pc = target.thread_pc(tid)
            same = (self.pred.kind not in (predict.CALL, predict.RET)
                    and _code_key(pc) == self.key)
            same = (same, same and _has_lines(self.key, pc))
        _print_location(same[0], gdb.parameter("print frame-info"),
                        from_tty=from_tty, symtab=same[1])

    def _static_end(self):
        """(same frame, with line information) for every end of the
        step, or None when that depends on where it ends."""
        pred, key = self.pred, self.key
        if pred.kind in (predict.CALL, predict.RET):
            return (False, False)
        if not pred.targets or pred.dynamic:
            return None
        if all(_code_key(t) == key for t in pred.targets):
            return (True, _has_lines(key, pred.targets[0]))
        return None


_UNKNOWN = object()


def _plan(thread, over_calls, final=False):
    """The _Plan of THREAD's next instruction, and the check single_step
    runs after each instruction of a plain run: whether the thread must
    stop before the next one, which is not plain (a section reached in a
    way prediction missed, entered, or a call nexti runs natively).  No
    check for the FINAL step of a command, nor when no section is known
    and calls are stepped into: wherever the instructions go, they are
    plain steps.  (A branch can reach any section, so with even one
    known each instruction must be planned.)"""
    arch = gdb.selected_inferior().architecture()
    plan = _index.plan(target.thread_pc(thread.ptid[1]), arch, over_calls)
    check = None
    if not final and (over_calls or _index.starts):
        def check(pc):
            return not _index.plan(pc, arch, over_calls).plain
    return plan, check


def _step_atomic(thread, over_calls, budget, plan=None):
    check = None
    if plan is None:
        plan, check = _plan(thread, over_calls)
    if plan.inside is not None:
        return _restart(thread, gdb.newest_frame(), plan.inside)
    if plan.over_call:
        return _over_call(thread, gdb.newest_frame(), plan.pred)
    if plan.plain:
        return nativerun.single_step(thread, plan.pc, plan.pred.targets,
                                     budget=budget, check=check)
    # The other successors end the step as a plain one would.
    others = [t for t in plan.pred.targets if _index.lookup(t) is None]
    stops = set(others)
    for c in plan.entered:
        stops |= c.exit_addresses()
    out = nativerun.run_to(thread, stops,
                           return_guard=_return_guard(gdb.newest_frame()))
    if out.ours and out.hit is not None and out.hit not in others:
        _crossed(plan.entered[0], out.hit)
    return out


def _crossed(cs, pc):
    """Say how a step crossed CS: once per command unless verbose."""
    if _quiet and not log.is_verbose():
        return
    log.notice("critical section %#x ran natively: %s",
               cs.start, _describe_exit(cs, pc))


# True during the steps of "stepi N" before the last: like GDB, print
# about the command's end only.
_quiet = False


def _step_inside(thread, over_calls, budget, plan=None):
    if nativerun.others_running(thread):
        # Other threads would be stepped over breakpoints placed inside
        # the section, displaced, which clears their rseq_cs silently.
        raise gdb.GdbError("set rseq step-mode inside needs the other "
                           "threads stopped (all-stop mode, or stop them "
                           "first with \"interrupt -a\")")
    frame = gdb.newest_frame()
    pc = int(frame.pc())
    cs = _index.lookup(pc)
    if cs is not None and safepass.signal_pending(thread):
        # The resume delivers a signal: with rseq_cs armed the kernel
        # aborts the pass and the handler returns to the abort handler,
        # as it would outside a debugger.
        safepass.end(thread, restore_rseq_cs=True)
    elif cs is not None:
        safepass.begin(thread, cs)
    pred = None
    if over_calls:
        pred = predict.successors(frame.architecture(), pc)
    if pred is not None and pred.kind == predict.CALL:
        out = _over_call(thread, frame, pred)
    else:
        out = nativerun.single_step(thread, pc)
    if not out.exited and thread.is_valid():
        if _index.lookup(int(gdb.newest_frame().pc())) is None:
            safepass.end(thread)
    return out


def _step_off(thread, over_calls, budget, plan=None):
    frame = gdb.newest_frame()
    pc = int(frame.pc())
    pred = predict.successors(frame.architecture(), pc)
    if over_calls and pred.kind == predict.CALL:
        return _over_call(thread, frame, pred)
    if nativerun.others_running(thread) and (
            _index.lookup(pc) is not None
            or any(_index.lookup(t) for t in pred.targets or ())):
        # The step would put breakpoints inside the section, and the
        # running threads would be stepped over them displaced, which
        # clears their rseq_cs silently.
        raise gdb.GdbError("set rseq step-mode off cannot step into a "
                           "critical section while other threads run")
    return nativerun.single_step(thread, pc, pred.targets)


# stepper(thread, over_calls, budget, plan) -> Outcome: run at most
# BUDGET instructions (inside and off step one at a time), the first as
# PLAN (a _Plan, atomic mode) says when given.
_STEPPERS = {ATOMIC: _step_atomic, INSIDE: _step_inside, OFF: _step_off}


def _count(arg):
    arg = arg.strip()
    if arg.endswith("&"):
        # MI with mi-async on appends "&"; gdb.execute runs synchronously.
        arg = arg[:-1].strip()
    if not arg:
        return 1
    return int(gdb.parse_and_eval(arg))


def instruction_step(arg, over_calls, from_tty=False):
    """The body of stepi/nexti: step COUNT instructions of the selected
    thread, stopping early at anything that is not our own stop.
    FROM_TTY: that of the command, which decides how its end is printed
    (compat.print_command)."""
    count = _count(arg) if arg else 1
    thread = gdb.selected_thread()
    pid = gdb.selected_inferior().pid
    if thread is None or not pid:
        raise gdb.GdbError("The program is not being run.")
    if thread.is_running():
        raise gdb.GdbError("Cannot execute this command while "
                           "the selected thread is running.")
    if thread.is_exited():
        # GDB's own words (infcmd.c), 13 to 18.
        raise gdb.GdbError("Cannot execute this command without a live "
                           "selected thread.")
    # Read now: the thread may be gone at the end.
    tid = thread.ptid[1]
    mode = commands.step_mode.value
    stepper = _STEPPERS[mode]
    _index.refresh()
    start = None
    out = None
    remaining = count
    global _quiet
    # "stepi N" resumes the thread several times; each resume may move it
    # to another CPU, and code that read its CPU number before a section
    # then takes the abort path.  Keep it where it is for the command.
    pin = safepass.CommandPin(thread) if count > 1 else None
    guards = sys.modules.get(__package__ + ".guards")
    if guards is not None:
        guards.resumes_own()
    try:
        while remaining > 0:
            # The last step alone, so that, like GDB, the printing can
            # compare its end with its start.
            final = remaining == 1
            _quiet = not final
            plan = None
            if final:
                start, plan = _start_of_step(thread, mode, over_calls)
            out = stepper(thread, over_calls, 1 if final else remaining - 1,
                          plan)
            remaining -= max(out.steps, 1)
            if not out.ours:
                break
    finally:
        _quiet = False
        nativerun.command_done(pid)
        if pin is not None:
            pin.release()
        # MI shows no prompt to start guards.py's listening again.
        if guards is not None:
            guards.resumes_unprepared()
    if out is not None:
        _report(out, start, tid, from_tty)


class _FrameStart:
    """The start of a step that may run natively, for printing its end:
    the frame and function it started in."""

    __slots__ = ("frame", "function")

    def __init__(self):
        self.frame = gdb.newest_frame()
        self.function = _function_key(self.frame)

    def print_end(self, tid, from_tty):
        print_stop(self.frame, self.function,
                   gdb.parameter("print frame-info"), from_tty)


def _start_of_step(thread, mode, over_calls):
    """(start, plan) for the last step of a command: how to print its end,
    and for atomic steps the plan, made once for both."""
    if mode != ATOMIC:
        return _FrameStart(), None
    plan = _plan(thread, over_calls, final=True)[0]
    # After a stop for a signal that the step may deliver, it ends in the
    # handler, wherever the instruction would have gone.
    if (not plan.plain or plan.key is None
            or stops.delivers_signal(stops.last)):
        return _FrameStart(), plan
    return plan, plan


def _report(out, start, tid, from_tty):
    """Print the end of the command, from START (a _Plan or _FrameStart)
    of its last step by thread TID, as GDB prints the end of a stepi."""
    if out.ours:
        # Our own stops are silent: GDB printed nothing.
        start.print_end(tid, from_tty)
    elif out.output:
        # GDB printed the stop; the resume then failed.
        gdb.write(out.output, gdb.STDERR)
