# What differs between the GDB releases gdb-rseq supports.
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: LGPL-2.1-or-later

"""The GDB releases gdb-rseq supports (13 to 18) differ in ways the
Python API does not document.  Each difference the extension depends on
is keyed to the version here, and only here; each entry says which
releases differ, how, and how it was measured (Debian 12's GDB 13.1,
Debian 13's 16.3, Debian sid's 18.1, and GDB's sources).

Facts that hold on every supported release, and that the rest of the
extension is written around rather than keyed:

- ``gdb.execute(..., to_string=True)`` of an execution command: on GDB
  18 the capture also takes the MI records of the resume (``^running``,
  ``*running``, ``*stopped``), which the frontend then never sees (GDB
  commit 817003ed469, "Rewrite output redirection and logging": MI's
  raw output now goes through the UI's redirectable stdout).  13 and 16
  print them whatever the capture.  So resumes are never captured
  (nativerun.py).
- ``=cmd-param-changed``: a ``set`` (also through ``with`` or
  ``gdb.set_parameter``) run from Python is announced to MI frontends;
  the MI command ``-gdb-set`` is not.  On 18 a ``set`` run with
  ``to_string=True`` has its notice captured, and so lost, with the
  output.
- What a quiet instruction step (nativerun._quiet_stop) relies on to
  tell its own stops from others without GDB's stop event: a stop GDB
  reports for a signal comes at the PC where the last instruction left
  the thread, where a watchpoint on ``$pc`` does not trigger; a user's
  breakpoint that stops the thread changes its hit count, which
  ``breakpoint_modified`` announces; the kernel's siginfo of the
  stopped thread is that stop's signal (step-signal.exp, step-print.exp,
  step-interrupt.exp on 13.1, 16.3 and 18.1).
- ``Breakpoint.stop`` of the step watchpoint setting ``enabled = False``
  on itself (which GDB's manual says not to do: no breakpoint may be
  altered from ``stop``) gives the resume back to GDB after one
  instruction on 13, 16 and 18 (mi-step.exp, step-resume.exp).
"""

import functools
import re

import gdb


def _parse_version(text):
    """(major, minor) of a gdb.VERSION such as "13.1", "16.3",
    "18.0.50.20260227-git" or a distribution's "12.1.90.20220802"."""
    parts = []
    for field in text.split(".")[:2]:
        digits = ""
        for c in field:
            if not c.isdigit():
                break
            digits += c
        parts.append(int(digits) if digits else 0)
    while len(parts) < 2:
        parts.append(0)
    return tuple(parts)


VERSION = _parse_version(gdb.VERSION)

# GDB 14 added gdb.execute_mi.  Through it, "-gdb-set" changes a setting
# without the =cmd-param-changed notice a "set" gives MI frontends.
_HAS_EXECUTE_MI = hasattr(gdb, "execute_mi")

# GDB 18 sends MI's own output through the UI's redirectable stdout (GDB
# commit 817003ed469, "Rewrite output redirection and logging"), and
# MI's console wrapping is applied before it only for output that goes
# through gdb_stdout.  Three consequences, measured in the three roots
# with a Python "stepi" run by -exec-step-instruction:
# - gdb.execute (to_string=False) of a command printing a frame ("frame",
#   "display"), from a Python command that an MI command started through
#   the CLI table (from_tty false), writes raw text into the MI stream,
#   not "~" console records; gdb.write is still wrapped.  13 and 16 wrap
#   both, and so does 18 under "-interpreter-exec console" (from_tty
#   true);
# - gdb.execute (to_string=True) captures the MI records and notices
#   (=cmd-param-changed of a "with") emitted meanwhile; 13 and 16 print
#   them to the frontend whatever the capture;
# - and what it captures is MI-wrapped (execute_to_string).
_MI_OUTPUT_REDIRECTED = VERSION >= (18, 0)


def _setting_text(value):
    if value is None:
        return "unlimited"
    if value is True:
        return "on"
    if value is False:
        return "off"
    return str(value)


# Whether set_quietly changes a setting without telling MI frontends.
QUIET_SETTINGS = _HAS_EXECUTE_MI


def set_quietly(name, value):
    """Set GDB's setting NAME (e.g. "print frame-info") to VALUE, without
    an =cmd-param-changed notice to MI frontends where the release
    allows it (GDB 14 and later)."""
    value = _setting_text(value)
    if _HAS_EXECUTE_MI:
        gdb.execute_mi("-gdb-set", *(name.split() + [value]))
    else:
        gdb.execute("set %s %s" % (name, value), to_string=True)


# An MI stream record ("~" console, "&" log, "@" target) as GDB 18
# writes it into a capture: the C string of one flush of a console.
# Compiled once: a capture is unwrapped after every step printed, and
# re's own cache of patterns is cleared whenever it fills.
_MI_RECORD = re.compile(r'^[~&@]"((?:[^"\\]|\\.)*)"$')
_MI_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|(.))")
_MI_ESCAPES = {b"n": b"\n", b"t": b"\t", b"r": b"\r", b"e": b"\x1b",
               b"a": b"\a", b"b": b"\b", b"f": b"\f", b"v": b"\v"}


def _mi_unescape(m):
    if m.group(1) is not None:
        return bytes((int(m.group(1), 8) & 0xff,))
    return _MI_ESCAPES.get(m.group(2), m.group(2))


def _unwrap_mi(text):
    """TEXT, a capture holding MI stream records among plain lines, as
    the console would have shown it."""
    out = []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = _MI_RECORD.match(line)
        if m:
            raw = m.group(1).encode("utf-8", "surrogateescape")
            out.append(_MI_ESCAPE.sub(_mi_unescape, raw).decode(
                "utf-8", "replace"))
        elif i < len(lines) - 1:
            out.append(line + "\n")
        else:
            out.append(line)
    return "".join(out)


def execute_to_string(command):
    """What the CLI COMMAND prints, as the console shows it.

    GDB 18 with MI as the top-level interpreter (gdb -i=mi, an IDE)
    applies MI's console wrapping before a capture: gdb.execute
    (to_string=True) returns what gdb_printf printed as MI records,
    ~"Exec file: ...\n", and what went through GDB's ui_out (a frame,
    a source line) as plain text; both within one command's output.
    Measured with "maint info sections", "show endian", "info line",
    "print", "x/i" and "frame" from a Python command run by
    -exec-step-instruction and by -interpreter-exec console: 13 and 16
    return plain text."""
    text = gdb.execute(command, to_string=True)
    if _MI_OUTPUT_REDIRECTED and ('~"' in text or '&"' in text
                                  or '@"' in text):
        text = _unwrap_mi(text)
    return text


# The notice MI frontends get for a "set" (and each half of a "with").
_PARAM_NOTICE = "=cmd-param-changed,"


def capture(command, setting=None):
    """The output of the CLI COMMAND (lines separated by newlines), run
    with SETTING, a (name, value) pair, in effect meanwhile.

    On GDB 18 the =cmd-param-changed notices of the "with" are taken
    into the text, under MI: they are dropped from it, and the frontend
    sees no setting flip.  Before 18 the notices go to MI frontends
    whatever the capture."""
    if setting is None:
        return execute_to_string(command)
    name, value = setting
    if not _MI_OUTPUT_REDIRECTED:
        return gdb.execute(_with(name, value, command), to_string=True)
    # Cheaper than two -gdb-set: the step printing its end does this.
    text = execute_to_string(_with(name, value, command))
    if _PARAM_NOTICE in text:
        text = "".join(line for line in text.splitlines(True)
                       if not line.startswith(_PARAM_NOTICE))
    return text


# Commands given an abbreviation: command -> what to run instead.
_abbreviations = {}


def abbreviation(command):
    """A name defined at the first call as an abbreviation of COMMAND (a
    command with its arguments), _gdb_rseq_ followed by its words; or
    COMMAND itself if GDB refuses it.

    GDB finds a command by walking its list of commands in alphabetical
    order, twice per gdb.execute (once to parse the line, once to run
    it), and "signal" and "with" are near its end: each instruction step
    spent a sixth of its time there (callgrind, GDB 13.1).  A name
    starting with "_" is found among the first few.  Abbreviations
    ("alias -a", GDB 10 and later; default arguments, GDB 10) are left
    out of completion and of "help" lists; "help COMMAND" of the command
    they abbreviate shows them, with their definition."""
    known = _abbreviations.get(command)
    if known is None:
        name = "_gdb_rseq_" + re.sub(r"[^a-z0-9]+", "_", command)
        try:
            gdb.execute("alias -a -- %s = %s" % (name, command),
                        to_string=True)
            known = name
        except gdb.error:
            # Taken by a command of the user's, or a GDB without them.
            known = command
        _abbreviations[command] = known
    return known


# Each step prints its end with the same few commands.
@functools.lru_cache(maxsize=32)
def _with(name, value, command):
    """COMMAND, its first line run under "with NAME VALUE", each line
    through an abbreviation."""
    first, *rest = command.split("\n")
    return "\n".join([abbreviation("with %s %s -- %s"
                                    % (name, _setting_text(value), first))]
                      + [abbreviation(line) for line in rest])


def print_command(command, from_tty, setting=None):
    """Run the CLI COMMAND (lines separated by newlines) so that its
    output reaches the user as GDB's own output would, with SETTING, a
    (name, value) pair, in effect meanwhile.  FROM_TTY: that of the
    Python command doing the printing.

    GDB 18, a command run without from_tty (possibly by MI): captured,
    and written with gdb.write.  Elsewhere printed directly, which keeps
    GDB's styling."""
    if _MI_OUTPUT_REDIRECTED and not from_tty:
        gdb.write(capture(command, setting))
    elif setting is not None:
        gdb.execute(_with(setting[0], setting[1], command))
    else:
        gdb.execute(command)
