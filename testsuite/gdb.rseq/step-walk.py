# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: GPL-3.0-or-later

# Helpers the stepping tests source into GDB: stepping driven from a
# Python script, the way users' scripts drive it.

import gdb


def walk(callee, caller, limit=300):
    """stepi until the thread has been in CALLEE and is back in CALLER;
    return every PC a stepi stopped at."""
    seen = []
    entered = False
    for _ in range(limit):
        gdb.execute("stepi", to_string=True)
        frame = gdb.selected_frame()
        seen.append(int(frame.pc()))
        if frame.name() == callee:
            entered = True
        elif entered and frame.name() == caller:
            break
    return seen


def counters_sum():
    """The per-CPU counters' total, read without running the inferior."""
    counters = gdb.parse_and_eval("counters")
    lo, hi = counters.type.range()
    return sum(int(counters[i]["count"]) for i in range(lo, hi + 1))


def goto_call(callee, limit=200):
    """nexti until the next instruction is a call of CALLEE; return
    whether it got there."""
    for _ in range(limit):
        frame = gdb.selected_frame()
        insn = frame.architecture().disassemble(frame.pc())[0]["asm"]
        # x86's call, arm64's bl.
        mnemonic = insn.split(None, 1)[0] if insn else ""
        if (mnemonic in ("call", "callq", "bl")
                and ("<%s>" % callee in insn
                     or "<%s@plt>" % callee in insn)):
            return True
        gdb.execute("nexti", to_string=True)
    return False
