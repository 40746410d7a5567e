# watch-signals.py -- GDB's own failures under a software watchpoint,
# with stock GDB (no gdb-rseq) and a program without rseq:
#
#   gcc -O2 -g -pthread -o watch-signals watch-signals.c
#   gdb -nx -q -batch -x watch-signals.py ./watch-signals
#
# Each crossing stops one worker at its add line, has the others wait,
# sets a software watchpoint on its counter and continues, as gdb-rseq's
# soak does.  Environment: CROSSINGS (default 1500), SEED (default 3),
# DISPLACED ("off", the default, or "on": GDB's own "set
# displaced-stepping").  Seen on GDB 13.1, 16.3 and 18.1 (x86-64, two
# CPUs), with DISPLACED=off: an internal error, "infrun.c: resume_1:
# Assertion `!(thread_has_single_step_breakpoints_set (tp) && step)'",
# within about 200 crossings (13.1, 18.1), or a "continue" that never
# returns, every thread stopped but one blocked in a system call (16.3,
# and 13.1 when the main thread sleeps at the same address as a
# worker).  With DISPLACED=on: 1,500 crossings, but about 1 in 500
# stops only after two adds, counting two hits; the driver prints those.
#
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import random

import gdb

CROSSINGS = int(os.environ.get("CROSSINGS", "1500"))
rnd = random.Random(int(os.environ.get("SEED", "3")))


def run(cmd, quiet=True):
    return gdb.execute(cmd, to_string=quiet)


def value(expr):
    return int(gdb.parse_and_eval(expr))


for cmd in ("set confirm off", "set pagination off", "set width 0",
            "handle SIGUSR1 nostop noprint pass",
            "set can-use-hw-watchpoints 0",
            "set displaced-stepping " + os.environ.get("DISPLACED", "off"),
            "break ready", "run", "delete"):
    run(cmd)
threads = {t.ptid[1]: t for t in gdb.selected_inferior().threads()}
with open(gdb.lookup_global_symbol("ready").symtab.fullname()) as f:
    add_line = next(i for i, l in enumerate(f, 1) if "add line" in l)
two_hits = 0
for k in range(CROSSINGS):
    w = rnd.randrange(8)
    thread = threads[value("workers[%d].tid" % w)]
    run("tbreak watch-signals.c:%d thread %d" % (add_line, thread.num))
    run("continue", False)
    # Every 25th crossing, all workers run.
    run("set var quiet = %d" % ((w + 1) if k % 25 else 0))
    before = value("workers[%d].adds" % w)
    run("watch workers[%d].adds" % w)
    watch = [b for b in gdb.breakpoints() if b.type == gdb.BP_WATCHPOINT][-1]
    run("continue", False)
    hits, after = watch.hit_count, value("workers[%d].adds" % w)
    if hits != 1 or after != before + 1:
        two_hits += 1
        print("crossing %d: %d hits, adds %d -> %d"
              % (k, hits, before, after), flush=True)
    run("delete")
    run("set var quiet = 0")
    if k % 100 == 0:
        print("crossing", k, flush=True)
print("watch-signals: %d crossings, %d not stopped at their first add"
      % (CROSSINGS, two_hits))
run("kill")
