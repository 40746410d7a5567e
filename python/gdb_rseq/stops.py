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


gdb.events.stop.connect(_on_stop)


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
