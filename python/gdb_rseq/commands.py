# What gdb-rseq adds to GDB's command line.
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: LGPL-2.1-or-later

"""The commands, parameters and hooks gdb-rseq registers with GDB.

This is the only module GDB's start-up loads, and every session pays for
it: a session that never asks about rseq (`gdb -batch -ex run') should
cost what stock GDB costs.  So it holds what GDB needs at registration
(names, classes, help texts), and each command hands its work to the
module that does it, imported at the command's first use:

  info rseq, info rseq threads, maint rseq check   listing.py
  stepi, nexti                                      stepper.py
  maint rseq prepare-resume (the resuming hooks)    guards.py

The parameters' values are read here by the modules that need them.
"""

import sys

import gdb


def _load(name):
    """The package's module NAME, imported at its first use.  Commands
    run at every step call this rather than `from . import NAME', which
    goes through importlib's Python code each time."""
    fullname = __package__ + "." + name
    module = sys.modules.get(fullname)
    if module is None:
        __import__(fullname)
        module = sys.modules[fullname]
    return module


# ---- prefixes -------------------------------------------------------------


class RseqPrefix(gdb.Command):
    """Debug programs that use Linux restartable sequences (rseq).

A restartable sequence is a short critical section that the kernel aborts,
moving the thread to an abort handler, whenever the thread is preempted,
migrated or interrupted by a signal inside it.  Every ptrace stop counts as
such an interruption, so stock GDB single-stepping into one never gets past
it.  gdb-rseq reads the critical sections of the program and its libraries
from their rseq tables (__rseq_cs_ptr_array, __rseq_cs, __rseq_table) and
lets the stepping commands treat a critical section as one step.

Commands:
  info rseq [ADDRESS | /REGEXP]   list the known critical sections
  info rseq threads               each thread's rseq registration
  set rseq ... / show rseq ...    settings: `verbose' and `step-mode'
  maint rseq check                the rseq table reader's diagnostics"""

    def __init__(self):
        super().__init__("rseq", gdb.COMMAND_SUPPORT, gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        gdb.execute("help rseq", from_tty)


class SetRseqPrefix(gdb.Command):
    """Set gdb-rseq settings (Linux restartable sequences)."""

    def __init__(self):
        super().__init__("set rseq", gdb.COMMAND_SUPPORT,
                         gdb.COMPLETE_COMMAND, prefix=True)

    def invoke(self, arg, from_tty):
        gdb.write('"set rseq" must be followed by the name of a '
                  'subcommand.\n')
        gdb.execute("help set rseq", from_tty)


class ShowRseqPrefix(gdb.Command):
    """Show gdb-rseq settings (Linux restartable sequences).
With no subcommand, show all of them."""

    def __init__(self):
        super().__init__("show rseq", gdb.COMMAND_SUPPORT,
                         gdb.COMPLETE_COMMAND, prefix=True)

    def invoke(self, arg, from_tty):
        # List whatever `help' knows, the way GDB's own "show" prefixes
        # do, so that a new parameter needs no change here.
        listing = gdb.execute("help show rseq", False, True)
        for line in listing.splitlines():
            if line.startswith("show rseq ") and " -- " in line:
                name = line.split(" -- ", 1)[0].strip()
                gdb.execute(name, from_tty)


class MaintRseqPrefix(gdb.Command):
    """Maintenance commands of gdb-rseq (Linux restartable sequences)."""

    def __init__(self):
        super().__init__("maintenance rseq", gdb.COMMAND_MAINTENANCE,
                         gdb.COMPLETE_COMMAND, prefix=True)

    def invoke(self, arg, from_tty):
        gdb.execute("help maintenance rseq", from_tty)


# ---- parameters -----------------------------------------------------------


class VerboseParameter(gdb.Parameter):
    """When on, gdb-rseq reports what it does in one-line "[rseq]" messages:
the tables it read for each objfile, critical sections it learned from
memory, and how it ran or skipped critical sections while stepping."""

    set_doc = "Set whether gdb-rseq reports what it does."
    show_doc = "Show whether gdb-rseq reports what it does."

    def __init__(self):
        super().__init__("rseq verbose", gdb.COMMAND_SUPPORT,
                         gdb.PARAM_BOOLEAN)
        self.value = False

    def get_set_string(self):
        return ""

    def get_show_string(self, svalue):
        return "Verbose rseq messages are %s." % svalue


ATOMIC = "atomic"
INSIDE = "inside"
OFF = "off"


class StepModeParameter(gdb.Parameter):
    """atomic  -- stepi/nexti never stop inside a critical section: a step that
           enters one (or starts inside one) runs it natively to the
           exit the thread takes, so every step makes forward progress
           and the kernel's atomicity is kept.  This is the default.
inside  -- stepi/nexti walk a critical section instruction by
           instruction.  For that pass the thread's rseq_cs is cleared
           so the kernel does not abort it, the thread is pinned to its
           CPU, the other threads are held, and rseq_cs is put back
           before a signal is delivered; all of it is given back when
           the thread leaves the section.  Needs the other threads
           stopped (all-stop mode).
off     -- behave as stock GDB: every stop inside a critical section
           aborts it (stepping through one livelocks).  In non-stop mode
           with other threads running, refuses to step into a section."""

    set_doc = "Set how instruction steps treat rseq critical sections."
    show_doc = "Show how instruction steps treat rseq critical sections."

    def __init__(self):
        super().__init__("rseq step-mode", gdb.COMMAND_RUNNING,
                         gdb.PARAM_ENUM, [ATOMIC, INSIDE, OFF])
        self.value = ATOMIC

    def get_set_string(self):
        # An inside-mode pass ends when the mode changes.  Passes exist
        # only once safepass.py was loaded.
        safepass = sys.modules.get(__package__ + ".safepass")
        if self.value != INSIDE and safepass is not None:
            safepass.end_all(restore_rseq_cs=True)
        return ""

    def get_show_string(self, svalue):
        return ("Instruction steps through rseq critical sections "
                "are \"%s\"." % svalue)


# ---- what the tables hold -------------------------------------------------


class InfoRseq(gdb.Command):
    """List the rseq critical sections of the loaded objfiles.
Usage: info rseq [ADDRESS | /REGEXP]

Each line shows a critical section's start, post-commit and abort
addresses (run-time addresses: the objfile's load bias is applied), the
source location of its start and the objfile it was read from, followed by
its exit points with their kind: "declared" in the file's exit-point table
or "derived" by disassembling the section.  Post-commit and abort are
always exits and are not repeated.

With ADDRESS (an expression), list only the critical section whose range
[start, post-commit) holds that address.  With /REGEXP, list only those of
objfiles whose file name matches REGEXP.

Critical sections that were not in any table but that a thread armed (JIT
code, stripped tables) appear with objfile "(memory)" once GDB has seen
them, e.g. through `info rseq threads'."""

    def __init__(self):
        super().__init__("info rseq", gdb.COMMAND_STATUS,
                         gdb.COMPLETE_EXPRESSION, prefix=True)

    def invoke(self, arg, from_tty):
        _load("listing").info_rseq(arg)


class InfoRseqThreads(gdb.Command):
    """List each thread's rseq registration.
Usage: info rseq threads

For every thread of the current inferior: where its struct rseq is (found
with ptrace on a native process, else through glibc's __rseq_offset,
librseq's rseq_offset or the __rseq_abi TLS variable), the CPU the kernel
last recorded (cpu_id), the descriptor armed in its rseq_cs field and the
critical section that descriptor describes, and whether the thread's PC is
inside a critical section.  A thread stopped inside one is aborted to the
abort handler as soon as it resumes.

The armed descriptor is kept by the kernel until it next preempts the
thread outside the range, so a thread that has left a critical section may
still show it armed: the "Inside" column tells."""

    def __init__(self):
        super().__init__("info rseq threads", gdb.COMMAND_STATUS,
                         gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        _load("listing").info_rseq_threads(arg)


class MaintRseqCheck(gdb.Command):
    """Show what the rseq table reader found in the loaded objfiles.
Usage: maintenance rseq check

For every objfile with rseq tables (or diagnostics): which table the
critical sections came from, how many, the load bias applied to them, and
each finding of the reader (invalid descriptors, a signature that does not
match, declared exits that disassembly contradicts, ...)."""

    def __init__(self):
        super().__init__("maintenance rseq check", gdb.COMMAND_MAINTENANCE,
                         gdb.COMPLETE_NONE)

    def invoke(self, arg, from_tty):
        _load("listing").maint_check(arg)


# ---- stepping -------------------------------------------------------------


class StepInstruction(gdb.Command):
    """Step one instruction exactly; an rseq critical section is one step.
Usage: stepi [N]
Argument N means step N times (or till program stops for another reason).

With \"set rseq step-mode atomic\" (the default), a step that would enter
an rseq critical section runs the section natively and stops where the
thread leaves it -- the post-commit address, the abort handler or another
exit -- and says so in one \"[rseq] ...\" line.  A thread stopped inside a
section (at a breakpoint there) cannot finish that pass: a step from
there reports \"[rseq] critical section ADDR restarted\", sends it to the
abort handler as the kernel does, and runs the retry natively.
See \"help set rseq step-mode\" for the other modes."""

    def __init__(self):
        super().__init__("stepi", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        _load("stepper").instruction_step(arg, False, from_tty)


class NextInstruction(gdb.Command):
    """Step one instruction, but proceed through subroutine calls.
Usage: nexti [N]
Argument N means step N times (or till program stops for another reason).

An rseq critical section is one step, as for \"stepi\"; a call is run
natively to its return, whatever critical sections it executes."""

    def __init__(self):
        super().__init__("nexti", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        _load("stepper").instruction_step(arg, True, from_tty)


class PrepareResume(gdb.Command):
    """Get threads ready for a command that runs the inferior freely.
Usage: maintenance rseq prepare-resume [signal | dprintf | queue-signal |
                                        detach | define]

Run by the hooks gdb-rseq defines for continue and jump (hook-continue,
hook-jump): threads stopped inside a critical section go to its abort
handler, as the kernel would send them, and the resume arms no guards
for GDB's line steps.  Nothing depends on these hooks: without them (a
command of MI's, a hook of your own that leaves this line out), the
resume restarts those threads itself and arms the guards, which go
again once the selected thread crosses a section running freely.
With \"signal\", run by hook-signal, a pass at a breakpoint inside the
selected thread's section starts again from the abort handler, where
the kernel delivers a signal to a thread inside a section (Python is not
told which signal, if any, \"signal\" delivers).
With \"dprintf\", run by hookpost-dprintf, the guards start following
dprintfs, which GDB tells Python nothing about.  With \"queue-signal\",
run by hookpost-queue-signal, the next instruction step delivers the
signal queued, as stock GDB's does.  With \"detach\", run
by hook-detach, every pass ends and every affinity is given back: the
process runs on without GDB.  With \"define\", run by
hookpost-define: a hook of your own for one of these commands replaces
gdb-rseq's, and gdb-rseq then puts its line first in yours.  \"line-step\",
which earlier versions' hooks of the line steps ran, does nothing.  Not meant
to be typed."""

    def __init__(self):
        super().__init__("maintenance rseq prepare-resume",
                         gdb.COMMAND_MAINTENANCE)

    def invoke(self, arg, from_tty):
        arg = arg.strip()
        if arg == "signal" and _load("stops").own_resume:
            # The instruction steps' own resumes are "signal 0".
            return
        try:
            gdb.selected_thread()
        except SystemError:
            # GDB 13, the process killed from outside: its threads are
            # gone, and the command reports that itself.
            return
        if arg == "signal":
            _load("safepass").signal_resume(gdb.selected_thread())
            _load("guards").before_command(line_step=False)
            return
        if arg == "dprintf":
            # GDB tells Python nothing about dprintfs.
            _load("guards").dprintf_created()
            return
        if arg == "define":
            # A hook of the user's may have replaced one of gdb-rseq's.
            _define_hooks()
            return
        if arg == "queue-signal":
            _load("safepass").signal_queued(gdb.selected_thread())
            return
        if arg == "detach":
            safepass = sys.modules.get(__package__ + ".safepass")
            if safepass is not None:
                safepass.release_all()
            return
        _load("guards").before_command(line_step=arg == "line-step")


def _on_inferior_call(event):
    # An inferior call from inside a critical section must give the
    # thread its rseq_cs back (safepass.py); the first one loads it.
    _load("safepass").inferior_call(event)


def _hooks():
    """Hook name -> the line gdb-rseq's hook runs."""
    line = "maintenance rseq prepare-resume"
    # No hook is needed for protection: every resume that no hook
    # prepared arms the line steps' guards and restarts the threads
    # inside sections (guards.py).  These commands run the program
    # freely; their hooks save that resume the guards' cost, and send
    # the threads inside to their abort handlers with GDB's registers,
    # on any target.
    hooks = {"hook-continue": line, "hook-jump": line}
    # "signal" also delivers its signal at once, to a thread that may be
    # in the middle of a pass at a breakpoint.  The instruction steps'
    # own resumes are "signal 0": the hook returns at once for them.
    hooks["hook-signal"] = line + " signal"
    hooks["hook-detach"] = line + " detach"
    # GDB tells Python nothing about dprintfs; a dprintf inside a
    # section needs the same guards as a breakpoint there.
    hooks["hookpost-dprintf"] = line + " dprintf"
    # Nor about a signal queued for the next resume, which "signal 0"
    # would throw away.
    hooks["hookpost-queue-signal"] = line + " queue-signal"
    return hooks


_HOOKS = _hooks()

# hook-signal's line as an abbreviation ("alias -a"), which GDB finds
# among the first of its commands (compat.abbreviation): the lookup of
# the full line was half of what the hook cost each instruction step,
# 15,000 of 30,000 instructions (callgrind, GDB 13.1).  Made here, not
# by compat.abbreviation, so that GDB's start-up loads no module but
# this one (gdb.rseq/lazy-load.exp).
_SIGNAL_ABBREVIATION = "_gdb_rseq_prepare_resume_signal"


# "show user" as last seen: what the prompt compares against.
_shown = None


def _user_commands():
    """User command name -> its body lines, from "show user"."""
    global _shown
    try:
        text = _shown = gdb.execute("show user", to_string=True)
        if '~"' in text:
            # GDB 18 under MI wraps what it captures.
            text = _load("compat").execute_to_string("show user")
    except gdb.error:
        return {}
    out = {}
    body = None
    for line in text.splitlines():
        if line.startswith('User command "') and line.endswith('":'):
            body = out.setdefault(line[len('User command "'):-2], [])
        elif body is not None and line:
            # As printed: GDB strips the indentation of command lines it
            # reads back, and a "python" block's body is printed as
            # written.
            body.append(line)
    return out


def _define_hooks():
    """Define gdb-rseq's hooks; put its line first in a hook of the
    user's own for one of these commands (GDB keeps one hook per
    command, and a user's hook-next would otherwise switch the line
    steps' protection off).  Run at start-up, after a "define" read from
    a script or Python (hookpost-define), and at the prompt when the
    user commands changed (GDB 13 to 18 run no post-hook of "define"
    typed at the prompt)."""
    global _shown
    line = _HOOKS["hook-signal"]
    if line != _SIGNAL_ABBREVIATION:
        try:
            gdb.execute("alias -a -- %s = %s" % (_SIGNAL_ABBREVIATION, line),
                        to_string=True)
            _HOOKS["hook-signal"] = _SIGNAL_ABBREVIATION
        except gdb.error:
            # Taken by a command of the user's, or a GDB without them:
            # the full line.
            pass
    user = _user_commands()
    defs = []
    for name, line in _HOOKS.items():
        body = user.get(name)
        if body is not None and any(b.strip() == line for b in body):
            continue
        defs.append("define %s\n%s\n%send" % (
            name, line, "".join(b + "\n" for b in body or ())))
    if "hookpost-define" not in user:
        defs.append("define hookpost-define\n"
                    "maintenance rseq prepare-resume define\nend")
    if not defs:
        return
    # One command string for all of them: each gdb.execute costs a
    # tenth of a millisecond at GDB's start.  Redefining a user's hook
    # asks for confirmation.
    confirm = gdb.parameter("confirm")
    if confirm:
        gdb.execute("set confirm off", to_string=True)
    try:
        gdb.execute("\n".join(defs), to_string=True)
    finally:
        if confirm:
            gdb.execute("set confirm on", to_string=True)
    try:
        _shown = gdb.execute("show user", to_string=True)
    except gdb.error:
        _shown = None


def _on_prompt():
    # One "show user" per prompt: a human's pace.
    try:
        text = gdb.execute("show user", to_string=True)
    except gdb.error:
        return
    if text != _shown:
        _define_hooks()


# User breakpoints matter from the first one set (a warning when it is
# inside a section, software watchpoints arm the guards): that one loads
# guards.py, which then follows the breakpoints it is told about.  GDB's
# own breakpoints and the extension's (number <= 0) are none of its
# business, and the stepping commands change theirs at every step.
# GDB sends these events from inside its own work on the breakpoint
# list (GDB 16's "watch" asserts that nothing was added after the new
# watchpoint): guards.py only notes the change there, and creates or
# deletes its guards later, at a resume or at the prompt.
def _user_breakpoint(bp):
    return bp.is_valid() and bp.number > 0


def _on_breakpoint_created(bp):
    if _user_breakpoint(bp):
        _load("guards").breakpoint_created(bp)


def _on_breakpoint_modified(bp):
    # The step watchpoint's hit count changes at every step: no call.
    if bp.is_valid() and bp.number > 0:
        _load("guards").breakpoint_modified(bp)
        engine = sys.modules.get(__package__ + ".nativerun")
        if engine is not None:
            engine.breakpoints_changed(bp)


def _on_breakpoint_deleted(bp):
    # A temporary breakpoint may be invalid already.
    guards = sys.modules.get(__package__ + ".guards")
    if guards is not None and (not bp.is_valid() or bp.number > 0):
        guards.breakpoint_deleted(bp)


def _on_exited(event):
    # GDB 13 hides a thread-specific breakpoint whose thread exited,
    # with no event, and deletes it at the next stop, with none either
    # (guards.py leaves it out once its thread is gone): look again.
    guards = sys.modules.get(__package__ + ".guards")
    if guards is not None:
        guards.breakpoint_deleted(None)


RseqPrefix()
SetRseqPrefix()
ShowRseqPrefix()
MaintRseqPrefix()
verbose = VerboseParameter()
step_mode = StepModeParameter()
InfoRseq()
InfoRseqThreads()
MaintRseqCheck()
StepInstruction()
NextInstruction()
PrepareResume()
_define_hooks()
gdb.events.before_prompt.connect(_on_prompt)
gdb.events.inferior_call.connect(_on_inferior_call)
gdb.events.breakpoint_created.connect(_on_breakpoint_created)
gdb.events.breakpoint_modified.connect(_on_breakpoint_modified)
gdb.events.breakpoint_deleted.connect(_on_breakpoint_deleted)
gdb.events.exited.connect(_on_exited)


def _on_first_stop(event):
    # The program stopped (a Ctrl-C, an attach, "starti", no breakpoint
    # of the user's yet): whatever resumes it next may be a line step,
    # and guards.py prepares every resume from now on.  A run to its end
    # loads nothing.
    gdb.events.stop.disconnect(_on_first_stop)
    _load("guards")


gdb.events.stop.connect(_on_first_stop)
