# stepi/nexti that treat a critical section as one instruction.
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: LGPL-2.1-or-later

"""Instruction-step commands that always make forward progress.

GDB's ``stepi`` stops the thread after every instruction; a thread
stopped inside an rseq critical section is aborted by the kernel when it
resumes, so stock ``stepi`` through a critical section never commits.
These commands replace ``stepi`` and ``nexti`` (and with them ``si``,
``ni`` and MI's ``-exec-step-instruction``/``-exec-next-instruction``).
Outside critical sections a step is one instruction, printed exactly as
GDB prints it.  In the default ``atomic`` step mode, a step that would
enter a section -- or starts inside one -- runs the section natively to
the exit the thread takes.  How a step is carried out is stepper.py's
business; this module is what GDB's start-up loads: the commands and
"set rseq step-mode".
"""

import gdb

from . import safepass
from . import stepper   # loaded by the first step (see __init__.py)

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
        if self.value != INSIDE:
            safepass.end_all(restore_rseq_cs=True)
        return ""

    def get_show_string(self, svalue):
        return ("Instruction steps through rseq critical sections "
                "are \"%s\"." % svalue)


_step_mode = None


def step_mode():
    return _step_mode.value if _step_mode is not None else ATOMIC


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
        stepper.instruction_step(arg, over_calls=False)


class NextInstruction(gdb.Command):
    """Step one instruction, but proceed through subroutine calls.
Usage: nexti [N]
Argument N means step N times (or till program stops for another reason).

An rseq critical section is one step, as for \"stepi\"; a call is run
natively to its return, whatever critical sections it executes."""

    def __init__(self):
        super().__init__("nexti", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        stepper.instruction_step(arg, over_calls=True)


_registered = False


def register():
    """Install the parameter and the commands (once per session)."""
    global _registered, _step_mode
    if _registered:
        return
    _registered = True
    _step_mode = StepModeParameter()
    StepInstruction()
    NextInstruction()


register()
