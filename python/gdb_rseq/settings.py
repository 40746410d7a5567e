# SPDX-License-Identifier: LGPL-2.1-or-later
"""The `rseq' command prefixes and gdb-rseq's own settings.

Every other module adds its commands and parameters under the prefixes
created here (`set rseq step-mode' is "rseq step-mode" to gdb.Parameter),
so this module is imported first.
"""

import gdb


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
  set rseq ... / show rseq ...    settings: `verbose', and `step-mode'
                                  when stepping support is loaded
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
        # Parameters are added by several modules: list whatever `help'
        # knows, the way GDB's own "show" prefixes do.
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


RseqPrefix()
SetRseqPrefix()
ShowRseqPrefix()
MaintRseqPrefix()
verbose = VerboseParameter()
