# soak.py -- `make soak': many stepped crossings of rseq critical sections
# under gdb-rseq, then a check that nothing was lost or left behind.
#
# soak.sh runs GDB with the extension of the build tree, this script, and
# on GDB's standard input one soak-start, SOAK_CROSSINGS (default 10000)
# soak-cross and one soak-finish: GDB shows its prompt between two of
# them, as to a user typing them, and the extension tidies up there.
# SOAK_SEED (default 1) picks the threads.  Each crossing takes one
# worker thread of soak-percpu.c through its section's load, add and
# store, by one of:
#
#   stepi     stepi from the store that arms the section;
#   next      next over the line that calls the section;
#   watch     continue with a software watchpoint on the thread's count
#             ("set can-use-hw-watchpoints 0");
#   bp-true   continue to a breakpoint inside the section whose condition
#             is true for that thread (false for the others), then
#             continue out of the section;
#   bp-false  continue (or "signal SIGUSR1", or "queue-signal SIGUSR1"
#             and continue) past a breakpoint inside the section whose
#             condition is false for every thread (the breakpoints
#             of both are on the add or on the section's first
#             instruction);
#   inside    stepi through the section with "set rseq step-mode inside".
#
# The program's other threads contend for the same per-CPU counters
# (but in next, watch and the breakpoints' crossings, where they wait
# unless the crossing is one in SOAK_FREE_EVERY), a thread signals and
# migrates them all the time, and GDB itself sends signals.  Before each
# crossing, with no breakpoint of its own left, the driver checks that
# gdb-rseq left nothing behind: GDB's breakpoints (but the step-resume
# ones GDB keeps for other threads) are those it had at the start,
# scheduler-locking, displaced stepping and the step mode are unchanged,
# no pass gdb-rseq made safe to single-step is still open, every thread
# has the CPU set the program gave it (or one it gave earlier, when it
# gave the thread gdb-rseq's own set meanwhile: counted, see
# undone_by_pass), and every thread
# stopped inside the section has its rseq_cs armed (outside, rseq_cs is
# 0 or the section's descriptor: the program never clears it after a
# commit, the kernel does when it next preempts or signals the thread).
# At the end the program's per-CPU counters must hold exactly the adds
# its threads counted.  The last line is the summary, "soak: PASS ..."
# or "soak: FAIL ..." on standard error; soak.sh turns it into the exit
# status.
#
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import random
import re
import sys
import time

import gdb

CROSSINGS = int(os.environ.get("SOAK_CROSSINGS", "10000"))
SEED = int(os.environ.get("SOAK_SEED", "1"))
LOG = os.environ.get("SOAK_LOG")
# The kinds where every pass of another thread through the section
# stops them all (a breakpoint inside, a software watchpoint, the guards
# of a line step): GDB takes milliseconds over each such stop, and seven
# threads adding as fast as they can make one crossing take from a
# second to minutes.  During these the other workers wait (soak_quiet in
# soak-percpu.c), but in one in FREE_EVERY of them.
QUIET = ("next", "watch", "bp-true", "bp-false")
FREE_EVERY = int(os.environ.get("SOAK_FREE_EVERY", "25"))
KINDS = ("stepi", "next", "watch", "bp-true", "bp-false", "inside")
# One round of the crossings, in order.  Weighted by what each costs on
# a two-CPU machine: stepi and inside about 20 ms, next and the
# breakpoints inside about 100 ms, a software watchpoint seconds.
# SOAK_KINDS=watch,next runs only those kinds (to chase one of them).
ROUND = ("stepi", "inside", "next", "bp-true", "stepi", "inside", "watch",
         "stepi", "inside", "next", "bp-false", "stepi", "inside")
MIX = tuple(os.environ["SOAK_KINDS"].split(",")) \
    if os.environ.get("SOAK_KINDS") else ROUND
# SOAK_KEEP_GOING=1: count the checks and crossings that fail and go on,
# to get the figures of a whole run; the status is still a failure.
KEEP_GOING = bool(os.environ.get("SOAK_KEEP_GOING"))
WORKERS = 8
# soak-percpu.c's SOAK_EARLIER: the affinities it remembers per thread.
EARLIER = 8
# Stops inside a section before "bp-true" or "inside" gives up: each is
# a restart of the section, which the kernel may do a few times.
MAX_RETRIES = 20


class SoakFailure(Exception):
    pass


# The resuming commands run as a user's do, their output not captured
# (it goes to soak.out).  Captured (gdb.execute's to_string), an
# internal error of GDB's during them printed only "Recursive internal
# problem." (its handler failed on the capture); uncaptured, soak.err
# has GDB's message.
_RESUMES = ("continue", "next", "stepi", "signal")


def run(cmd):
    if cmd.split(None, 1)[0] in _RESUMES:
        gdb.execute(cmd)
        return ""
    return gdb.execute(cmd, to_string=True)


def value(expr):
    return int(gdb.parse_and_eval(expr))


log_file = open(LOG, "w", buffering=1) if LOG else None


def note(msg):
    if log_file:
        log_file.write(msg + "\n")


def pc():
    return int(gdb.selected_frame().pc())


def line():
    sal = gdb.selected_frame().find_sal()
    return sal.line if sal.symtab else 0


def count_breakpoints():
    """The breakpoints GDB has, its internal ones included, and apart
    the momentary ones (numbered 0).  GDB keeps a thread's step-resume
    breakpoint while another thread's event stops them all: one that a
    signal reached while GDB stepped it over a breakpoint, say."""
    out = run("maint info breakpoints")
    return (len(re.findall(r"^-?[1-9]\d*\s", out, re.M)),
            re.findall(r"^0\s.*", out, re.M))


def program_cpus(mask):
    return {cpu for cpu in range(64) if mask & (1 << cpu)}


class Soak:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.crossings = dict.fromkeys(KINDS, 0)
        self.times = dict.fromkeys(KINDS, 0.0)
        self.quieted = dict.fromkeys(KINDS, 0)
        self.free = dict.fromkeys(KINDS, 0)
        self.restarts = 0
        # Changes of affinity by the program that a pass undid.
        self.undone = 0
        # Software watchpoint crossings where GDB stopped only at a
        # second hit (cross_watch).
        self.merged_hits = 0
        self.momentary = 0
        self.failed_checks = 0
        self.gdb_signals = 0
        self.checks = 0
        self.index = 0
        # Updates found lost at a check, and the crossing before it.
        self.lost_seen = 0
        self.lost_at = []
        self.kind = None

    # -- setting up -----------------------------------------------------

    def start(self):
        run("set confirm off")
        run("set pagination off")
        run("set width 0")
        # The program's own signals go on without stopping GDB, as a
        # user debugging such a program would set them.
        run("handle SIGUSR1 nostop noprint pass")
        run("set can-use-hw-watchpoints 0")
        run("break soak_ready")
        run("run")
        run("delete")
        self.inferior = gdb.selected_inferior()
        self.settings = self.read_settings()
        self.baseline = count_breakpoints()[0]
        self.start_ip = value("(long) &percpu_addv_start")
        self.post_ip = value("(long) &percpu_addv_post_commit")
        self.cs = value("(long) &percpu_addv_cs")
        self.arm_ip, self.add_ip = self.section_addresses()
        symtab = gdb.lookup_global_symbol("soak_loop").symtab
        self.source = symtab.filename
        with open(symtab.fullname()) as f:
            text = f.read().splitlines()
        self.cs_line = 1 + next(i for i, l in enumerate(text)
                                if "soak: cs line" in l)
        self.after_line = 1 + next(i for i, l in enumerate(text)
                                   if "soak: after line" in l)
        self.tids = [value("soak_threads[%d].tid" % i)
                     for i in range(WORKERS + 2)]
        self.gdb_threads = {t.ptid[1]: t for t in self.inferior.threads()}
        missing = [tid for tid in self.tids if tid not in self.gdb_threads]
        if missing:
            raise SoakFailure("threads %s unknown to GDB" % missing)
        self.cpus = len(os.sched_getaffinity(0))
        self.check("start")

    def section_addresses(self):
        """The store that arms the section (the instruction before its
        start) and the add inside it (between load and commit)."""
        block = gdb.block_for_pc(self.start_ip)
        func_start = block.function.value().address if block.function \
            else None
        begin = int(func_start) if func_start is not None \
            else self.start_ip - 64
        arch = gdb.selected_frame().architecture()
        arm = None
        for insn in arch.disassemble(begin, self.start_ip):
            if insn["addr"] + insn["length"] == self.start_ip:
                arm = insn["addr"]
        add = None
        for insn in arch.disassemble(self.start_ip, self.post_ip - 1):
            if insn["asm"].split()[0].startswith("add"):
                add = insn["addr"]
        if arm is None or add is None:
            raise SoakFailure("cannot find the arming store or the add")
        return arm, add

    def read_settings(self):
        return {name: gdb.parameter(name)
                for name in ("scheduler-locking", "displaced-stepping",
                             "rseq step-mode")}

    # -- the checks -----------------------------------------------------

    def check(self, what):
        """Nothing left behind, with no breakpoint of ours set."""
        try:
            self.check_all(what)
        except SoakFailure as e:
            if not KEEP_GOING:
                raise
            self.failed_checks += 1
            if self.failed_checks <= 10:
                say("soak: check failed (going on): %s" % e)

    def check_all(self, what):
        self.checks += 1
        settings = self.read_settings()
        if settings != self.settings:
            raise SoakFailure("%s: settings %s, were %s"
                              % (what, settings, self.settings))
        n, momentary = count_breakpoints()
        self.momentary = max(self.momentary, len(momentary))
        if momentary:
            # GDB 16 and 18 leave step-resume breakpoints inside the
            # section; gdb-rseq must step other threads over them in
            # place (guards.py, _resume_begins).
            note("  GDB's momentary breakpoints at %s:\n%s"
                 % (what, "\n".join(momentary)))
        if n != self.baseline:
            raise SoakFailure("%s: %d breakpoints in maint info breakpoints,"
                              " %d at the start:\n%s"
                              % (what, n, self.baseline,
                                 run("maint info breakpoints")))
        self.check_lost(what)
        self.check_passes(what)
        selected = gdb.selected_thread()
        try:
            for slot, tid in enumerate(self.tids):
                self.check_thread(what, slot, tid)
        except SoakFailure as e:
            raise SoakFailure("%s\n%s" % (e, self.describe()))
        finally:
            selected.switch()

    def check_lost(self, what):
        """Note the updates lost so far.  A thread stopped between its
        commit and the line that counts it hides one loss for a while,
        so a loss shows at this check or a later one, never earlier."""
        counters = gdb.lookup_global_symbol("counters").value()
        counters = bytes(self.inferior.read_memory(
            int(counters.address), counters.type.sizeof))
        total = sum(int.from_bytes(counters[i:i + 8], "little", signed=True)
                    for i in range(0, len(counters), 64))
        lost = sum(self.adds(i) for i in range(WORKERS)) - total
        if lost > self.lost_seen:
            self.lost_at.append((what, self.kind, lost - self.lost_seen))
            say("soak: %d updates lost, %s (last crossing: %s)"
                % (lost - self.lost_seen, what, self.kind))
            self.lost_seen = lost

    def check_passes(self, what):
        """No pass gdb-rseq made safe to single-step is still open: the
        crossings leave every thread outside its section's pass (a
        breakpoint pass ends at the section's exits, an inside-mode or
        line-step pass at the thread's next resume)."""
        safepass = sys.modules.get("gdb_rseq.safepass")
        if safepass is None:
            return
        left = ["thread %d (%s, section %#x)" % (p.thread.num, p.origin,
                                                  p.cs.start)
                for p in safepass.passes() if p.thread.is_valid()]
        if left:
            raise SoakFailure("%s: passes still open: %s"
                              % (what, ", ".join(left)))

    def describe(self):
        """Every thread's PC, rseq_cs and CPUs, for a failure report."""
        lines = []
        for slot, tid in enumerate(self.tids):
            t = "soak_threads[%d]" % slot
            self.gdb_threads[tid].switch()
            rs = value("(long) %s.rs" % t)
            rseq_cs = int.from_bytes(
                bytes(self.inferior.read_memory(rs + 8, 8)), "little")
            lines.append("  thread %d (slot %d, tid %d): pc %#x%s rseq_cs %#x,"
                         " CPUs %s, the program's %s%s"
                         % (self.gdb_threads[tid].num, slot, tid, pc(),
                            " (inside)" if self.inside(pc()) else "",
                            rseq_cs, sorted(os.sched_getaffinity(tid)),
                            sorted(program_cpus(value(t + ".mask"))),
                            " (moving)" if value(t + ".moving") else ""))
        return "\n".join(lines)

    def undone_by_pass(self, t, have, want):
        """Whether HAVE, a thread's CPU set that is not WANT, the one
        the program gave it last, is what gdb-rseq puts back when the
        program gave the thread, meanwhile, exactly the set gdb-rseq had
        given it: one of the sets the program gave before (however many
        times it moved the thread during the pass), WANT being a set
        gdb-rseq gives (the pinned CPU, or all CPUs but the pinned
        ones).  The one before counts whatever WANT is."""
        if have == program_cpus(value(t + ".prev_mask")):
            return True
        if not (len(want) == 1 or len(want) == self.cpus - 1):
            return False
        changes = value(t + ".changes")
        earlier = {value("%s.earlier[%d]" % (t, i))
                   for i in range(min(changes, EARLIER))}
        return any(program_cpus(m) == have for m in earlier if m)

    def check_thread(self, what, slot, tid):
        t = "soak_threads[%d]" % slot
        if value(t + ".moving") == 0:
            want = program_cpus(value(t + ".mask"))
            have = os.sched_getaffinity(tid)
            if (have != want and value(t + ".moving") == 0
                    and self.undone_by_pass(t, have, want)):
                # The program moved the thread, during a pass or a
                # stepping command's pin, to the very set gdb-rseq gave
                # it: gdb-rseq cannot tell that from its own and gives
                # the thread back the set it had before (the manual's
                # "Problems").  Counted, and the program's choice put
                # back, so that the next check sees the next change.
                self.undone += 1
                os.sched_setaffinity(tid, want)
                have = want
            if have != want and value(t + ".moving") == 0:
                raise SoakFailure("%s: thread %d (slot %d) may run on CPUs"
                                  " %s, the program gave it %s"
                                  % (what, tid, slot, sorted(have),
                                     sorted(want)))
        thread = self.gdb_threads[tid]
        thread.switch()
        where = pc()
        rs = value("(long) %s.rs" % t)
        rseq_cs = int.from_bytes(
            bytes(self.inferior.read_memory(rs + 8, 8)), "little")
        if self.start_ip <= where < self.post_ip:
            if rseq_cs != self.cs:
                raise SoakFailure("%s: thread %d stopped inside the section"
                                  " at %#x with rseq_cs %#x, not %#x:"
                                  " the rest of it runs unprotected"
                                  % (what, tid, where, rseq_cs, self.cs))
        elif rseq_cs not in (0, self.cs):
            raise SoakFailure("%s: thread %d has rseq_cs %#x, which the"
                              " program never wrote"
                              % (what, tid, rseq_cs))

    # -- crossings --------------------------------------------------------

    def stop_at(self, thread, location):
        """Run until THREAD reaches LOCATION."""
        run("tbreak %s thread %d" % (location, thread.num))
        run("continue")
        if gdb.selected_thread() != thread:
            raise SoakFailure("stopped in thread %d, not %d at %s"
                              % (gdb.selected_thread().num, thread.num,
                                 location))

    def quiet(self, worker):
        """Once the thread is where its crossing starts: have the other
        workers wait, unless this crossing is one with every thread
        free."""
        kind = self.kind
        self.quieted[kind] += 1
        if self.quieted[kind] % FREE_EVERY != 0:
            run("set var soak_quiet = %d" % (worker + 1))
        else:
            self.free[kind] += 1

    def inside(self, where):
        return self.start_ip <= where < self.post_ip

    def adds(self, worker):
        return value("soak_threads[%d].adds" % worker)

    def cross_stepi(self, thread, worker):
        self.stop_at(thread, "*%d" % self.arm_ip)
        run("stepi")
        if self.inside(pc()):
            raise SoakFailure("stepi from the arming store stopped inside"
                              " the section, at %#x" % pc())

    def cross_next(self, thread, worker):
        self.stop_at(thread, "%s:%d" % (self.source, self.cs_line))
        self.quiet(worker)
        before = self.adds(worker)
        run("next")
        if line() != self.after_line or self.adds(worker) != before:
            raise SoakFailure("next over the section's line ended at line"
                              " %d (pc %#x), adds %d -> %d"
                              % (line(), pc(), before, self.adds(worker)))

    def cross_watch(self, thread, worker):
        self.stop_at(thread, "%s:%d" % (self.source, self.cs_line))
        self.quiet(worker)
        before = self.adds(worker)
        out = run("watch soak_threads[%d].adds" % worker)
        if "Watchpoint" not in out or "Hardware" in out:
            raise SoakFailure("no software watchpoint: %s" % out)
        watch = [b for b in gdb.breakpoints()
                 if b.type == gdb.BP_WATCHPOINT][-1]
        run("continue")
        hits = watch.hit_count
        run("delete")
        # GDB checks a software watchpoint after each step of any thread,
        # and reports it in the thread it stepped last: that need not be
        # the thread that wrote.  Now and then it stops only after two
        # adds, counting two hits.  Stock GDB does it too, in a program
        # without rseq (3 such crossings in 1,500 on GDB 13.1), so it is
        # counted; an add with no hit of its own is a failure.
        adds = self.adds(worker) - before
        if hits < 1 or adds != hits:
            raise SoakFailure("continue with a software watchpoint on"
                              " thread %d's adds (%d) stopped with %d hits"
                              " and adds %d"
                              % (thread.num, before, hits, before + adds))
        if hits > 1:
            self.merged_hits += 1

    def continue_to_after(self, thread, worker, before, inside_ip,
                          resume="continue"):
        """Resume until THREAD is at the line after its section, with
        one more add than BEFORE.  A breakpoint that stops inside (at
        INSIDE_IP) is continued from, each stop there being one
        restart."""
        run("break %s:%d thread %d" % (self.source, self.after_line,
                                         thread.num))
        # A thread that another thread's pass keeps out of the section
        # is turned back at its first instruction, by the kernel at the
        # step over the guard there.  A breakpoint on the add never sees
        # it; one on the first instruction stops it there first, and
        # each such stop is a restart.  With every thread free, the
        # others keep one pass open most of the time: up to 21 stops in
        # a row were seen.
        limit = MAX_RETRIES * (5 if inside_ip == self.start_ip else 1)
        for _ in range(limit):
            run(resume)
            resume = "continue"
            if gdb.selected_thread() == thread and line() == self.after_line:
                break
            if not (gdb.selected_thread() == thread and pc() == inside_ip):
                raise SoakFailure("stopped in thread %d at %#x"
                                  % (gdb.selected_thread().num, pc()))
            self.restarts += 1
        else:
            raise SoakFailure("thread %d stopped inside the section %d"
                              " times" % (thread.num, limit))
        run("delete")
        # Stopped before the line that counts the add.
        if self.adds(worker) != before:
            raise SoakFailure("thread %d went %d times around its loop,"
                              " not once" % (thread.num,
                                             self.adds(worker) - before + 1))

    def cross_bp_true(self, thread, worker):
        self.stop_at(thread, "%s:%d" % (self.source, self.cs_line))
        self.quiet(worker)
        before = self.adds(worker)
        ip = self.inside_ip()
        run("break *%d if $_thread == %d" % (ip, thread.num))
        run("continue")
        if gdb.selected_thread() != thread or pc() != ip:
            raise SoakFailure("the breakpoint inside (true for thread %d)"
                              " stopped thread %d at %#x"
                              % (thread.num, gdb.selected_thread().num,
                                 pc()))
        self.continue_to_after(thread, worker, before, ip)

    def inside_ip(self):
        """Where a crossing's breakpoint inside goes: the add, or the
        section's first instruction, which the kernel aborts a thread
        resuming from as well."""
        return self.rng.choice((self.add_ip, self.start_ip))

    def cross_bp_false(self, thread, worker):
        self.stop_at(thread, "%s:%d" % (self.source, self.cs_line))
        self.quiet(worker)
        before = self.adds(worker)
        ip = self.inside_ip()
        run("break *%d if soak_never" % ip)
        # GDB's own signals, sent while the thread is outside the section.
        resume = self.rng.choice(("continue", "continue", "signal SIGUSR1",
                                  "queue-signal SIGUSR1"))
        if resume != "continue":
            self.gdb_signals += 1
        if resume.startswith("queue-signal"):
            run(resume)
            resume = "continue"
        self.continue_to_after(thread, worker, before, ip, resume)

    def cross_inside(self, thread, worker):
        self.stop_at(thread, "*%d" % self.arm_ip)
        run("set rseq step-mode inside")
        try:
            run("stepi")
            for _ in range(MAX_RETRIES * 8):
                if not self.inside(pc()):
                    break
                run("stepi")
            else:
                raise SoakFailure("inside mode: still inside after %d stepi"
                                  % (MAX_RETRIES * 8))
        finally:
            run("set rseq step-mode %s" % self.settings["rseq step-mode"])

    # -- the soak -------------------------------------------------------

    def one(self):
        kind = MIX[self.index % len(MIX)]
        worker = self.rng.randrange(WORKERS)
        thread = self.gdb_threads[self.tids[worker]]
        note("%d %s thread %d (worker %d)" % (self.index, kind, thread.num,
                                              worker))
        self.kind = kind
        t = time.monotonic()
        getattr(self, "cross_" + kind.replace("-", "_"))(thread, worker)
        t = time.monotonic() - t
        self.times[kind] += t
        run("set var soak_quiet = 0")
        note("  %.3f s" % t)
        self.crossings[kind] += 1
        self.index += 1

    def finish(self):
        """Let the program end; its counters must hold every add."""
        run("set var soak_done = 1")
        run("break soak_report")
        run("continue")
        sum_, adds = value("sum"), value("adds")
        per = lambda f: sum(value("soak_threads[%d].%s" % (i, f))
                            for i in range(WORKERS))
        self.totals = {
            "sum": sum_, "adds": adds,
            "signals": per("signals"),
            "sent": value("soak_signals_sent"),
            "migrations": value("soak_migrations"),
            "aborts": per("aborts"),
        }
        run("delete")
        # GDB prints the exit itself, and not into a captured string.
        exits = []
        handler = exits.append
        gdb.events.exited.connect(handler)
        try:
            run("continue")
        finally:
            gdb.events.exited.disconnect(handler)
        code = [getattr(e, "exit_code", None) for e in exits]
        if code != [0]:
            raise SoakFailure("the program did not exit normally: exit"
                              " codes %s" % code)
        return sum_, adds


def say(msg):
    """The driver's own lines go to stderr: GDB prints its stops on
    stdout, which soak.sh keeps in a file."""
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def summary(soak, status, elapsed, extra=""):
    kinds = ", ".join("%s %d%s in %.0f s"
                      % (k, soak.crossings[k],
                         " (%d with every thread free)" % soak.free[k]
                         if k in QUIET else "", soak.times[k])
                      for k in KINDS)
    total = sum(soak.crossings.values())
    t = getattr(soak, "totals", None)
    figures = ""
    if t:
        figures = ("; %d lost updates (sum %d, adds %d by %d threads);"
                   " aborts %d, signals %d handled (%d sent by the program,"
                   " %d by GDB), migrations %d"
                   % (t["adds"] - t["sum"], t["sum"], t["adds"], WORKERS,
                      t["aborts"], t["signals"], t["sent"],
                      soak.gdb_signals, t["migrations"]))
    if soak.failed_checks:
        status = "FAIL"
        extra += "; %d checks or crossings failed" % soak.failed_checks
    say("soak: %s: %d crossings (%s)%s; %d restarts at breakpoints inside;"
        " %d software watchpoint stops at a second hit;"
        " %d checks (GDB's step-resume breakpoints of other threads: up to"
        " %d; the program's own affinity changes undone by a pass: %d);"
        " %d CPUs; seed %d; %.1f s%s"
        % (status, total, kinds, figures, soak.restarts, soak.merged_hits,
           soak.checks, soak.momentary, soak.undone,
           getattr(soak, "cpus", 0), SEED, elapsed, extra))


class SoakCommand(gdb.Command):
    """One step of the soak; soak.sh sends them on GDB's standard input,
    so that GDB shows its prompt between them as it does to a user (the
    extension does some of its tidying up there)."""

    def __init__(self, name, action):
        super().__init__(name, gdb.COMMAND_USER)
        self.action = action

    def invoke(self, arg, from_tty):
        if STATE["failed"] or STATE["done"]:
            return
        try:
            self.action(STATE["soak"])
        except (SoakFailure, gdb.error) as e:
            STATE["failed"] = True
            soak = STATE["soak"]
            say("soak: failure at crossing %d (seed %d): %s"
                % (soak.index, SEED, e))
            summary(soak, "FAIL", time.monotonic() - STATE["t0"])


STATE = {"soak": Soak(), "failed": False, "done": False,
         "t0": time.monotonic()}


def start(soak):
    soak.start()
    if soak.cpus < 2:
        say("soak: note: the process may use one CPU only: no"
            " migrations are forced")


def cross(soak):
    if soak.index >= CROSSINGS:
        return
    soak.check("before crossing %d" % soak.index)
    try:
        soak.one()
    except SoakFailure as e:
        if not KEEP_GOING:
            raise
        soak.failed_checks += 1
        if soak.failed_checks <= 10:
            say("soak: crossing %d failed (going on): %s" % (soak.index, e))
        run("delete")
        run("set var soak_quiet = 0")
        soak.index += 1
    if soak.index % 1000 == 0:
        say("soak: %d crossings, %.1f s"
            % (soak.index, time.monotonic() - STATE["t0"]))


def finish(soak):
    soak.check("after crossing %d" % (soak.index - 1))
    if soak.index < CROSSINGS:
        raise SoakFailure("GDB ran only %d crossings" % soak.index)
    sum_, adds = soak.finish()
    STATE["done"] = True
    summary(soak, "PASS" if sum_ == adds else "FAIL",
            time.monotonic() - STATE["t0"])


SoakCommand("soak-start", start)
SoakCommand("soak-cross", cross)
SoakCommand("soak-finish", finish)
