#! /bin/sh
# step-bench.sh -- what stepping with gdb-rseq costs, against stock GDB
# measured in the same run.
#
#   1. stepi outside any critical section: extension / stock, per step
#      (target: at most 1.3), as separate commands and as one "stepi N";
#   2. one stepi that crosses a critical section, in ordinary stepi's
#      of the same session (target: at most 5);
#   3. a program doing 10M percpu_addv under "gdb -batch -ex run": with /
#      without the extension (target: at most 1.02);
#   4. "next" over a line holding a critical section against "next" over
#      the same work without one (target: at most 3);
#   5. "finish" out of a loop of about 100,000 critical sections: a
#      command that runs freely but runs no hook, so it gets the line
#      steps' guards until its first crossing: extension / stock.
#
# Each figure is the median of several runs.  Environment (set by
# bench/Makefile.am): top_builddir, top_srcdir; GDB (default gdb), CC
# (default cc), RUNS (default 9), PROC_RUNS (rounds of whole-process
# timings, default 10 * RUNS; 0 leaves figure 3 out), STEPS (instructions
# of figure 1, default 500), CROSSINGS (figure 2's, default 60).
#
# x86-64 and aarch64: the program's critical sections are written for
# each (on aarch64 as librseq writes them: adrp/add/str arming, the abort
# handler inline after the commit).  On arm64 under QEMU without KVM:
#   contrib/guest arm64 run 'make -C .../_build bench' (see README.md).
#
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: GPL-3.0-or-later

set -eu

: "${top_builddir:?top_builddir is not set (run through make bench)}"
: "${top_srcdir:?top_srcdir is not set (run through make bench)}"
GDB=${GDB:-gdb}
CC=${CC:-cc}
RUNS=${RUNS:-9}
STEPS=${STEPS:-500}
CROSSINGS=${CROSSINGS:-60}
LOADER=$top_builddir/gdb-rseq-uninstalled.py

case $(uname -m) in
x86_64|aarch64) ;;
*) echo "step-bench: skipped: the benchmark's critical sections are x86-64 and aarch64" >&2
   exit 0 ;;
esac
if test ! -f "$LOADER"; then
  echo "step-bench: $LOADER does not exist: build the tree first" >&2
  exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/step-bench.XXXXXX")
test -n "${KEEP:-}" || trap 'rm -rf "$tmp"' EXIT INT TERM

# The benchmark program: percpu_addv (called, and inlined into one line)
# and the same work without a critical section.
cat > "$tmp/bench.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <sys/rseq.h>

struct counter { long count; } __attribute__ ((aligned (64)));
static struct counter counters[1024], plain[1024];

static inline struct rseq *
area (void)
{
  return (struct rseq *) ((char *) __builtin_thread_pointer ()
			  + __rseq_offset);
}

/* The descriptor and its pointer, the same on both architectures.  */
#define CS_TABLES(name)							\
    ".pushsection __rseq_cs, \"aw\"\n\t.balign 32\n\t"			\
    name "_cs:\n\t.long 0, 0\n\t"					\
    ".quad " name "_start, " name "_post - " name "_start, "		\
    name "_abort\n\t.popsection\n\t"					\
    ".pushsection __rseq_cs_ptr_array, \"aw\"\n\t"			\
    ".quad " name "_cs\n\t.popsection\n\t"

#if defined (__x86_64__)
#define CS(name)							\
  __asm__ goto (							\
    CS_TABLES (name)							\
    "leaq " name "_cs(%%rip), %%rax\n\t"				\
    "movq %%rax, 8(%[rs])\n\t"						\
    name "_start:\n\t"							\
    "cmpl %[cpu], 4(%[rs])\n\t"						\
    "jnz " name "_abort\n\t"						\
    "movq (%[p]), %%rax\n\t"						\
    "addq %[v], %%rax\n\t"						\
    "movq %%rax, (%[p])\n\t"						\
    name "_post:\n\t"							\
    ".pushsection __rseq_failure, \"ax\"\n\t"				\
    ".byte 0x0f, 0xb9, 0x3d\n\t.long 0x53053053\n\t"			\
    name "_abort:\n\t"							\
    "jmp %l[aborted]\n\t.popsection\n\t"				\
    : : [rs] "r" (rs), [cpu] "r" (cpu), [p] "r" (p), [v] "r" (v)	\
    : "memory", "cc", "rax" : aborted)
#elif defined (__aarch64__)
/* librseq's aarch64 form: adrp/add/str arming, the CPU check with
   ldr/cmp/b.ne, the signature and abort handler inline after the
   commit, jumped over.  */
#define CS(name)							\
  __asm__ goto (							\
    CS_TABLES (name)							\
    "adrp x15, " name "_cs\n\t"						\
    "add x15, x15, :lo12:" name "_cs\n\t"				\
    "str x15, [%[rs], #8]\n\t"						\
    name "_start:\n\t"							\
    "ldr w15, [%[rs], #4]\n\t"						\
    "cmp w15, %w[cpu]\n\t"						\
    "b.ne " name "_abort\n\t"						\
    "ldr x15, [%[p]]\n\t"						\
    "add x15, x15, %[v]\n\t"						\
    "str x15, [%[p]]\n\t"						\
    name "_post:\n\t"							\
    "b 222f\n\t"							\
    ".inst 0xd428bc00\n\t"						\
    name "_abort:\n\t"							\
    "b %l[aborted]\n\t"							\
    "222:\n\t"								\
    : : [rs] "r" (rs), [cpu] "r" (cpu), [p] "r" (p), [v] "r" (v)	\
    : "memory", "cc", "x15" : aborted)
#else
# error "step-bench: x86-64 and aarch64 only"
#endif

__attribute__ ((noinline, noclone)) int
percpu_addv (struct counter *c, long v, int cpu)
{
  struct rseq *rs = area ();
  long *p = &c[cpu].count;
  CS ("percpu_addv");
  return 0;
 aborted:
  return -1;
}

static inline __attribute__ ((always_inline)) int
inline_addv (struct counter *c, long v, int cpu)
{
  struct rseq *rs = area ();
  long *p = &c[cpu].count;
  CS ("inline_addv");
  return 0;
 aborted:
  return -1;
}

/* The same loads, stores and branches, with no critical section.  */
static inline __attribute__ ((always_inline)) int
plain_addv (struct counter *c, long v, int cpu)
{
  struct rseq *rs = area ();
  long *p = &c[cpu].count;
#if defined (__x86_64__)
  __asm__ goto (
    "leaq 0(%%rip), %%rax\n\t"
    "movq %%rax, %%rax\n\t"
    "cmpl %[cpu], 4(%[rs])\n\t"
    "jnz %l[aborted]\n\t"
    "movq (%[p]), %%rax\n\t"
    "addq %[v], %%rax\n\t"
    "movq %%rax, (%[p])\n\t"
    : : [rs] "r" (rs), [cpu] "r" (cpu), [p] "r" (p), [v] "r" (v)
    : "memory", "cc", "rax" : aborted);
#else
  __asm__ goto (
    "adr x15, .\n\t"
    "add x15, x15, #0\n\t"
    "mov x15, x15\n\t"
    "ldr w15, [%[rs], #4]\n\t"
    "cmp w15, %w[cpu]\n\t"
    "b.ne %l[aborted]\n\t"
    "ldr x15, [%[p]]\n\t"
    "add x15, x15, %[v]\n\t"
    "str x15, [%[p]]\n\t"
    : : [rs] "r" (rs), [cpu] "r" (cpu), [p] "r" (p), [v] "r" (v)
    : "memory", "cc", "x15" : aborted);
#endif
  return 0;
 aborted:
  return -1;
}

__attribute__ ((noinline)) long
straight (long n)
{
  long i, s = 0;
  for (i = 0; i < n; i++)
    s += i ^ (s >> 3);
  return s;
}

__attribute__ ((noinline)) void
lines (long n)
{
  long i;
  for (i = 0; i < n; i++)
    {
      while (plain_addv (plain, 1, area ()->cpu_id) != 0) continue; /* plain line */
      while (inline_addv (counters, 1, area ()->cpu_id) != 0) continue; /* cs line */
    }
}

int
main (int argc, char **argv)
{
  long n = argc > 1 ? atol (argv[1]) : 1000;
  volatile long sink;
  long i;

  sink = straight (n);
  (void) sink;
  lines (n);
  for (i = 0; i < n; i++)
    while (percpu_addv (counters, 1, area ()->cpu_id) != 0)
      continue;
  printf ("%ld\n", counters[area ()->cpu_id].count >= 0 ? n : -1);
  return 0;
}
EOF
$CC -g -O1 -o "$tmp/bench" "$tmp/bench.c"
plain_line=$(grep -n '/\* plain line \*/' "$tmp/bench.c" | cut -d: -f1)
cs_line=$(grep -n '/\* cs line \*/' "$tmp/bench.c" | cut -d: -f1)

# In-GDB timings: one Python script, run by both GDBs.  It prints
# "name seconds" lines.
cat > "$tmp/timings.py" <<EOF
import sys
import time
import gdb

def timed(cmd, n=1):
    t = time.perf_counter()
    for _ in range(n):
        gdb.execute(cmd, to_string=True)
    return time.perf_counter() - t

gdb.execute("set confirm off")
gdb.execute("break straight")
gdb.execute("run 100000", to_string=True)
# 1. stepi outside any section, as separate commands.
steps = $STEPS
print("stepi_plain %.9f" % (timed("stepi", steps) / steps))
print("stepi_many %.9f" % (timed("stepi %d" % steps) / steps))

# 4. next over each line, from a breakpoint on it.  Stock GDB livelocks
#    on the line with the section: it measures the other only.
def next_from(line, n=30):
    gdb.execute("delete")
    gdb.execute("break %d" % line)
    total = 0.0
    for _ in range(n):
        gdb.execute("continue", to_string=True)
        total += timed("next")
    return total / n

print("next_plain %.9f" % next_from($plain_line))
if "gdb_rseq" in sys.modules:
    print("next_cs %.9f" % next_from($cs_line))

# 5. finish out of the loop, from a stop in it: the rest of its crossings
#    run natively in both GDBs.
gdb.execute("delete")
print("finish_loop %.9f" % timed("finish"))
EOF
cat > "$tmp/crossing.py" <<EOF
import time
import gdb

gdb.execute("set confirm off")
gdb.execute("break percpu_addv")
gdb.execute("run 100000", to_string=True)
# The arming store: the instruction before percpu_addv_start.
start = int(gdb.parse_and_eval("(long) &percpu_addv_start"))
store = None
arch = gdb.selected_frame().architecture()
for insn in arch.disassemble(int(gdb.selected_frame().pc()), start):
    if insn["addr"] + insn["length"] == start:
        store = insn["addr"]
gdb.execute("delete")
gdb.execute("break *%d" % store)
cross = []
plain = []
for _ in range($CROSSINGS):
    gdb.execute("continue", to_string=True)
    t = time.perf_counter()
    gdb.execute("stepi", to_string=True)
    cross.append(time.perf_counter() - t)
    t = time.perf_counter()
    gdb.execute("stepi", to_string=True)
    plain.append(time.perf_counter() - t)
cross.sort()
plain.sort()
print("stepi_cross %.9f" % cross[len(cross) // 2])
print("stepi_after %.9f" % plain[len(plain) // 2])
EOF

stock() { "$GDB" -nx -q -batch "$@"; }
ext() { "$GDB" -nx -q -batch -iex "source $LOADER" "$@"; }

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: > "$tmp/stock.txt"
: > "$tmp/ext.txt"
: > "$tmp/cross.txt"
i=0
while test $i -lt "$RUNS"; do
  stock -x "$tmp/timings.py" "$tmp/bench" 2>/dev/null | grep -E '^[a-z_]+ [0-9.]+$' >> "$tmp/stock.txt"
  ext -x "$tmp/timings.py" "$tmp/bench" 2>/dev/null | grep -E '^[a-z_]+ [0-9.]+$' >> "$tmp/ext.txt"
  ext -x "$tmp/crossing.py" "$tmp/bench" 2>/dev/null | grep -E '^[a-z_]+ [0-9.]+$' >> "$tmp/cross.txt"
  i=$((i + 1))
done

get() { grep "^$2 " "$1" | cut -d' ' -f2 | median; }

# 3. 10M percpu_addv under "gdb -batch -ex run": the whole process, with
#    the extension loaded from the build tree and from an install of it
#    (make install DESTDIR=...), and its two parts: the run itself, timed
#    inside GDB, and the extension's start-up (see startup-bench.sh).
#    The staged loader finds the staged package, unless gdb-rseq is also
#    really installed under the configured prefix: then that one would be
#    measured, so the staged install is checked first.
PROC_RUNS=${PROC_RUNS:-$((RUNS * 10))}
inst_loader=
if test "$PROC_RUNS" -gt 0 &&
   make -s -C "$top_builddir" install DESTDIR="$tmp/inst" > "$tmp/inst.log" 2>&1; then
  inst_loader=$(find "$tmp/inst" -path '*/share/gdb-rseq/gdb-rseq.py' | head -n 1)
fi
if test -n "$inst_loader"; then
  loaded=$("$GDB" -nx -q -batch -iex "source $inst_loader" \
    -ex 'python import gdb_rseq; print(gdb_rseq.__file__)' 2>&1 | tail -n 1)
  case $loaded in
  "$tmp/inst/"*) ;;
  *) echo "step-bench: the staged install loads $loaded: not measured" >&2
     inst_loader= ;;
  esac
elif test "$PROC_RUNS" -gt 0; then
  echo "step-bench: make install DESTDIR=... failed: installed tree not measured" >&2
fi
inst() { "$GDB" -nx -q -batch -iex "source $inst_loader" "$@"; }
cat > "$tmp/run.py" <<'EOF'
import time
import gdb
t = time.perf_counter()
gdb.execute("run 10000000", to_string=True)
print("run %.9f" % (time.perf_counter() - t))
EOF
wall() {
  t0=$(date +%s%N)
  "$@" > /dev/null 2>&1
  t1=$(date +%s%N)
  awk -v ns="$((t1 - t0))" 'BEGIN { printf "%.6f\n", ns / 1e9 }'
}
: > "$tmp/run-stock.txt"
: > "$tmp/run-ext.txt"
: > "$tmp/proc-stock.txt"
: > "$tmp/proc-ext.txt"
: > "$tmp/proc-inst.txt"
: > "$tmp/load.txt"
# What the extension adds to a process that asks nothing about rseq is its
# start-up: timed inside GDB it is a few milliseconds, with much less noise
# than two whole processes of 300 ms compared.
cat > "$tmp/load.py" <<EOF
import time
import gdb
t = time.perf_counter()
gdb.execute("source $LOADER")
print("load %.9f" % (time.perf_counter() - t))
EOF
proc_stock() { wall stock -ex 'run 10000000' "$tmp/bench" >> "$tmp/proc-stock.txt"; }
proc_ext() { wall ext -ex 'run 10000000' "$tmp/bench" >> "$tmp/proc-ext.txt"; }
proc_inst() {
  test -z "$inst_loader" ||
    wall inst -ex 'run 10000000' "$tmp/bench" >> "$tmp/proc-inst.txt"
}
# A 2% difference in a 250 ms process is below this machine's noise from
# one run to the next: more rounds, each timing all variants back to back,
# and the median of the per-round ratios.  The order turns from round to
# round, so that no variant always runs in the same place.
i=0
while test $i -lt "$PROC_RUNS"; do
  stock -x "$tmp/run.py" "$tmp/bench" 2>/dev/null | sed -n 's/^run //p' >> "$tmp/run-stock.txt"
  ext -x "$tmp/run.py" "$tmp/bench" 2>/dev/null | sed -n 's/^run //p' >> "$tmp/run-ext.txt"
  case $((i % 3)) in
  0) proc_stock; proc_ext; proc_inst ;;
  1) proc_ext; proc_inst; proc_stock ;;
  *) proc_inst; proc_stock; proc_ext ;;
  esac
  "$GDB" -nx -q -batch -x "$tmp/load.py" 2>/dev/null |
    sed -n 's/^load //p' >> "$tmp/load.txt"
  i=$((i + 1))
done
# The median over rounds of A's time over B's (files of one time a line).
paired() {
  paste "$1" "$2" | awk '$2 > 0 { print $1 / $2 }' | sort -g |
    awk '{ v[NR] = $1 }
	 END { printf "%.3f (quartiles %.2f-%.2f)", v[int((NR + 1) / 2)],
		 v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)] }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
us() { awk -v a="$1" 'BEGIN { printf "%.1f us", a * 1e6 }'; }
ms() { awk -v a="$1" 'BEGIN { printf "%.1f ms", a * 1e3 }'; }

s_stock=$(get "$tmp/stock.txt" stepi_plain)
s_ext=$(get "$tmp/ext.txt" stepi_plain)
m_stock=$(get "$tmp/stock.txt" stepi_many)
m_ext=$(get "$tmp/ext.txt" stepi_many)
c_ext=$(get "$tmp/cross.txt" stepi_cross)
a_ext=$(get "$tmp/cross.txt" stepi_after)
r_stock=$(median < "$tmp/run-stock.txt")
r_ext=$(median < "$tmp/run-ext.txt")
p_stock=$(median < "$tmp/proc-stock.txt")
p_ext=$(median < "$tmp/proc-ext.txt")
p_inst=$(median < "$tmp/proc-inst.txt")
l_ext=$(median < "$tmp/load.txt")
np_ext=$(get "$tmp/ext.txt" next_plain)
nc_ext=$(get "$tmp/ext.txt" next_cs)
np_stock=$(get "$tmp/stock.txt" next_plain)
f_ext=$(get "$tmp/ext.txt" finish_loop)
f_stock=$(get "$tmp/stock.txt" finish_loop)

echo "step-bench: medians of $RUNS runs, $PROC_RUNS rounds for whole processes (GDB: $GDB)"
# Per run: each run of the extension is paired with the stock run made
# just before it.
column() { grep "^$2 " "$1" | cut -d' ' -f2 > "$1.$2"; }
for k in stepi_plain stepi_many; do
  column "$tmp/stock.txt" $k
  column "$tmp/ext.txt" $k
done
printf '  %-52s %s / %s, per run %s (target <= 1.3)\n' \
  "stepi outside sections, extension / stock:" \
  "$(us "$s_ext")" "$(us "$s_stock")" \
  "$(paired "$tmp/ext.txt.stepi_plain" "$tmp/stock.txt.stepi_plain")"
printf '  %-52s %s / %s, per run %s\n' \
  "  per step of one \"stepi $STEPS\", extension / stock:" \
  "$(us "$m_ext")" "$(us "$m_stock")" \
  "$(paired "$tmp/ext.txt.stepi_many" "$tmp/stock.txt.stepi_many")"
printf '  %-52s %s / %s = %s (target <= 5)\n' \
  "one stepi crossing a section / an ordinary stepi:" \
  "$(us "$c_ext")" "$(us "$a_ext")" "$(ratio "$c_ext" "$a_ext")"
if test "$PROC_RUNS" -gt 0; then
printf '  %-52s %s / %s, per round %s (target <= 1.02)\n' \
  "10M percpu_addv, gdb -batch -ex run, ext / stock:" \
  "$(ms "$p_ext")" "$(ms "$p_stock")" \
  "$(paired "$tmp/proc-ext.txt" "$tmp/proc-stock.txt")"
printf '  %-52s %s / %s, per round %s\n' \
  "  the run alone, timed in GDB, ext / stock:" \
  "$(ms "$r_ext")" "$(ms "$r_stock")" \
  "$(paired "$tmp/run-ext.txt" "$tmp/run-stock.txt")"
printf '  %-52s %s = %s of the stock process\n' \
  "  the extension's start-up, timed in GDB:" \
  "$(ms "$l_ext")" \
  "$(awk -v l="$l_ext" -v p="$p_stock" 'BEGIN { printf "%.3f", (p + l) / p }')"
if test -n "$inst_loader"; then
  printf '  %-52s %s / %s, per round %s\n' \
    "  the whole process, extension installed:" \
    "$(ms "$p_inst")" "$(ms "$p_stock")" \
    "$(paired "$tmp/proc-inst.txt" "$tmp/proc-stock.txt")"
fi
fi
printf '  %-52s %s / %s = %s (target <= 3)\n' \
  "next over a line with a section / without:" \
  "$(us "$nc_ext")" "$(us "$np_ext")" "$(ratio "$nc_ext" "$np_ext")"
printf '  %-52s %s / %s = %s (stock GDB livelocks on the other)\n' \
  "next over the line without a section, ext / stock:" \
  "$(us "$np_ext")" "$(us "$np_stock")" "$(ratio "$np_ext" "$np_stock")"
printf '  %-52s %s / %s = %s\n' \
  "finish out of a loop of sections, ext / stock:" \
  "$(ms "$f_ext")" "$(ms "$f_stock")" "$(ratio "$f_ext" "$f_stock")"
