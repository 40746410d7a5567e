# The one listener of GDB's stop events.
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: LGPL-2.1-or-later

"""GDB's stop events, handed to the modules that follow them.

GDB calls every Python stop listener on its own, and an instruction
step's resume stops after each instruction: four listeners of their own
cost a twentieth of a step.  The modules connect here instead, in the
order they are imported (lower layers first); a handler that has
nothing to do at those stops says so and is skipped for them.

Listener, for the other events, connects a handler only while it is
wanted, for the same reason.
"""

import gdb

# True while an instruction step resumes the inferior (nativerun's
# _resume): its stops are the step's own, unless they say otherwise.
own_resume = False

# The last stop event: an instruction step clears it before its resume,
# and looks at what stopped it here.
last = None

_handlers = []
_at_own = []


def connect(handler, at_own_resume=True):
    """Call HANDLER (event) at each stop; AT_OWN_RESUME false: not at
    the stops of an instruction step's own resumes."""
    _handlers.append(handler)
    if at_own_resume:
        _at_own.append(handler)


def _on_stop(event):
    global last
    last = event
    for handler in (_at_own if own_resume else _handlers):
        handler(event)


class Listener:
    """HANDLER, connected to the event registry REGISTRY (gdb.events.cont,
    gdb.events.before_prompt, ...) only while wanted: each listener
    costs every event of its kind a Python call, and some are needed
    only for a while."""

    __slots__ = ("registry", "handler", "connected")

    def __init__(self, registry, handler):
        self.registry = registry
        self.handler = handler
        self.connected = False

    def want(self, want):
        if want != self.connected:
            self.connected = want
            if want:
                self.registry.connect(self.handler)
            else:
                self.registry.disconnect(self.handler)


_stops = Listener(gdb.events.stop, _on_stop)
_stops.want(True)


# Quiet resumes.  GDB builds a stop event only when someone listens, and
# from GDB 16 each one carries MI-style details (py_print_bpstat): a
# twelfth of an instruction step on 16 and 18 (callgrind), a fiftieth
# on 13.  So a plain instruction step that nothing else needs to watch
# (nativerun's single_step) stops listening for its resume, and learns
# what stopped it from its own watchpoint and from the kernel.  The
# handlers get one of these in place of GDB's event.

# The resume stopped only because of the step's own watchpoint.
OWN_STEP = object()


class KernelStop:
    """Any other stop of a quiet resume (GDB printed it): its thread,
    and the name of the signal the kernel stopped it with ("SIGTRAP" for
    a breakpoint), or None when not known.  Also a signal queued by
    "queue-signal" (stop_signal "queued"), which GDB sends no event for."""

    __slots__ = ("inferior_thread", "stop_signal")

    def __init__(self, thread, stop_signal):
        self.inferior_thread = thread
        self.stop_signal = stop_signal


def listen(on):
    """Listen to GDB's stop events (ON), or not, around a quiet resume."""
    _stops.want(on)


def delivers_signal(event):
    """Whether EVENT, GDB's stop event or a KernelStop, is a stop for a
    signal other than a trap or an interrupt, which GDB may deliver
    when the thread resumes."""
    return (isinstance(event, (gdb.SignalEvent, KernelStop))
            and event.stop_signal not in ("SIGTRAP", "SIGINT", None))


def deliver(event):
    """The stop of a quiet resume, one of an instruction step's own:
    EVENT is OWN_STEP or a KernelStop."""
    global last
    last = event
    for handler in _at_own:
        handler(event)
