#! /bin/sh
# GDB start-up cost of gdb-rseq.
#
#   1. On a program with many rseq critical sections: time from launch to
#      the end of `gdb -batch PROGRAM', with and without the extension,
#      alternating in one run.  gdb-rseq reads an objfile's tables at the
#      first query, so the extension's run asks one (`info rseq 0').
#      Medians of wall and CPU time, the ratio of the medians and the
#      median of each round's ratio with its quartiles (target: at most
#      1.1), gdb-rseq's own part of a start-up timed inside GDB (loader
#      and first query), and the median time gdb-rseq's registry takes to
#      load the tables alone.
#   2. The extension's own start-up on a small program: sourcing the
#      loader, timed inside GDB, from the build tree and from a staged
#      install (make install DESTDIR=...).  Medians of wall time and of the
#      main thread's CPU time (GDB's worker threads do not count in it).
#
#   top_builddir=BUILD top_srcdir=SRC sh bench/startup-bench.sh
#
# Environment: GDB (default gdb), CS_COUNT (default 100000), RUNS
# (default 21: a round's ratio varies by 5 to 10% on a 2-core VM, and
# the median of 7 once gave 1.117 where 41 gave 1.033), BENCH_DIR (default $top_builddir/bench/startup-bench.d).
set -eu

: "${top_builddir:?set top_builddir to the build tree}"
GDB=${GDB:-gdb}
CS_COUNT=${CS_COUNT:-100000}
RUNS=${RUNS:-21}
BENCH_DIR=${BENCH_DIR:-$top_builddir/bench/startup-bench.d}
LOADER=$top_builddir/gdb-rseq-uninstalled.py
CC=${CC:-gcc}

if [ ! -f "$LOADER" ]; then
	echo "startup-bench: $LOADER is missing; run make first" >&2
	exit 1
fi
case $(uname -m) in
x86_64) ;;
*) echo "startup-bench: the generated program is x86-64 assembly; skipped"
   exit 0 ;;
esac
mkdir -p "$BENCH_DIR"
prog=$BENCH_DIR/cs-$CS_COUNT

# A PIE with CS_COUNT c.s. laid out as librseq does: descriptors in
# __rseq_cs, pointers in __rseq_cs_ptr_array, abort handlers (after the
# signature) in __rseq_failure.
if [ ! -x "$prog" ]; then
	awk -v n="$CS_COUNT" 'BEGIN {
	  print "\t.text\n\t.globl main\n\t.type main, @function"
	  print "main:\n\txorl %eax, %eax\n\tret"
	  for (i = 0; i < n; i++) {
	    printf "cs%d_start:\n\tmovq %%rax, (%%rdi)\n\taddq $1, %%rax\n", i
	    printf "cs%d_post:\n\tret\n", i
	    printf "\t.pushsection __rseq_failure, \"ax\"\n"
	    printf "\t.byte 0x0f, 0xb9, 0x3d\n\t.long 0x53053053\n"
	    printf "cs%d_abort:\n\tjmp cs%d_start\n\t.popsection\n", i, i
	    printf "\t.pushsection __rseq_cs, \"aw\"\n\t.balign 32\n"
	    printf "cs%d_desc:\n\t.long 0, 0\n\t.quad cs%d_start\n", i, i
	    printf "\t.quad cs%d_post - cs%d_start\n\t.quad cs%d_abort\n", i, i, i
	    printf "\t.popsection\n"
	    printf "\t.pushsection __rseq_cs_ptr_array, \"aw\"\n"
	    printf "\t.quad cs%d_desc\n\t.popsection\n", i
	  }
	  print "\t.section .note.GNU-stack, \"\", @progbits"
	}' > "$prog.s"
	$CC -pie -o "$prog.tmp" "$prog.s"
	mv "$prog.tmp" "$prog"
	rm -f "$prog.s"
fi

now_us () {
	t=$(date +%s%N)
	echo $((t / 1000))
}

# User + system CPU time of this shell's finished children so far, in ms,
# from the output of POSIX `times' (its second line), which must run in
# this shell, not in a command substitution's subshell.  CPU time is less
# sensitive than wall time to the other load of a shared machine.
cpu_ms () {
	sed -n 2p "$BENCH_DIR/times" | awk '{
	  t = 0
	  for (i = 1; i <= 2; i++) {
	    split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2]
	  }
	  printf "%d\n", t * 1000 }'
}

# The median of the numbers on standard input.
median () {
	sort -n | awk '{ v[NR] = $1 } END {
	  if (NR % 2) print v[(NR + 1) / 2];
	  else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# Warm the page cache and check that the extension sees the tables.
"$GDB" -nx -batch "$prog" >/dev/null 2>&1
seen=$("$GDB" -nx -batch -iex "source $LOADER" \
	-ex 'maint rseq check' "$prog" 2>&1 | sed -n 's/.*: \([0-9]*\) critical sections.*/\1/p')
if [ "$seen" != "$CS_COUNT" ]; then
	echo "startup-bench: gdb-rseq saw '${seen}' c.s. in $prog, expected $CS_COUNT" >&2
	exit 1
fi

# One start-up, to be timed: stock GDB, or GDB with gdb-rseq asking one
# question (which reads the tables).
start_stock () {
	"$GDB" -nx -batch "$prog" >/dev/null 2>&1
}
start_ext () {
	"$GDB" -nx -batch -iex "source $LOADER" -ex 'info rseq 0' "$prog" \
		>/dev/null 2>&1
}

# time_start stock|ext: append the wall (us) and CPU (ms) time of one
# start-up to $BENCH_DIR/$1.wall and $1.cpu.  The clock is read right
# around GDB, not around the bookkeeping.
time_start () {
	times > "$BENCH_DIR/times"; c0=$(cpu_ms)
	t0=$(now_us)
	"start_$1"
	t1=$(now_us)
	times > "$BENCH_DIR/times"; c1=$(cpu_ms)
	echo $((t1 - t0)) >> "$BENCH_DIR/$1.wall"
	echo $((c1 - c0)) >> "$BENCH_DIR/$1.cpu"
}

# The extension's own work in a start-up, timed inside GDB: sourcing the
# loader and the first query.  GDB has loaded the program already, so
# this is what gdb-rseq adds to it, without two whole processes' noise.
own_ms () {
	"$GDB" -nx -batch -ex "python
import time, gdb
t = time.perf_counter()
gdb.execute('source $LOADER')
gdb.execute('info rseq 0', to_string=True)
print('own %.3f' % ((time.perf_counter() - t) * 1e3))
" "$prog" 2>/dev/null | sed -n 's/^own //p'
}

for f in stock.wall ext.wall stock.cpu ext.cpu own; do
	: > "$BENCH_DIR/$f"
done
i=0
while [ $i -lt "$RUNS" ]; do
	# Alternate which goes first, so that a trend in the machine's load
	# does not favour one.
	if [ $((i % 2)) -eq 0 ]; then
		time_start stock
		time_start ext
	else
		time_start ext
		time_start stock
	fi
	own_ms >> "$BENCH_DIR/own"
	i=$((i + 1))
done
m_stock=$(median < "$BENCH_DIR/stock.wall")
m_ext=$(median < "$BENCH_DIR/ext.wall")
m_stock_cpu=$(median < "$BENCH_DIR/stock.cpu")
m_ext_cpu=$(median < "$BENCH_DIR/ext.cpu")

# The median over rounds of A's time over B's (files of one time a line),
# with the quartiles.
paired () {
	paste "$1" "$2" | awk '$2 > 0 { print $1 / $2 }' | sort -g |
	awk '{ v[NR] = $1 }
	     END { printf "%.3f (quartiles %.3f-%.3f)", v[int((NR + 1) / 2)],
		     v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)] }'
}

# The registry alone: drop and re-read the program's tables.
load_ms=$("$GDB" -nx -batch -iex "source $LOADER" -ex "python
import time, gdb
from gdb_rseq import registry
o = gdb.objfiles()[0]
t = []
for _ in range($RUNS):
    registry.registry.drop_objfile(o)
    t0 = time.perf_counter()
    registry.registry.add_objfile(o)
    registry.registry.read_pending()
    t.append(time.perf_counter() - t0)
t.sort()
print('%.1f' % (t[len(t) // 2] * 1e3))
" "$prog" 2>&1 | tail -n 1)

echo "startup-bench: gdb -batch on a PIE with $CS_COUNT rseq c.s., $RUNS rounds (GDB: $GDB)"
awk -v s="$m_stock" -v e="$m_ext" -v sc="$m_stock_cpu" -v ec="$m_ext_cpu" \
    -v l="$load_ms" -v n="$CS_COUNT" 'BEGIN {
  printf "                      wall (median)   CPU (median)\n"
  printf "  stock GDB:          %8.1f ms     %8.1f ms\n", s / 1000, sc
  printf "  GDB with gdb-rseq:  %8.1f ms     %8.1f ms\n", e / 1000, ec
  printf "  ratio of medians:   %8.2f        %8.2f\n", e / s, (sc ? ec / sc : 0)
  printf "  registry load of %d c.s.: %s ms (median)\n", n, l
}'
printf '  ratio per round, wall: %s (target <= 1.1)\n' \
	"$(paired "$BENCH_DIR/ext.wall" "$BENCH_DIR/stock.wall")"
printf '  ratio per round, CPU:  %s\n' \
	"$(paired "$BENCH_DIR/ext.cpu" "$BENCH_DIR/stock.cpu")"
m_own=$(sort -g "$BENCH_DIR/own" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
awk -v o="$m_own" -v s="$m_stock" 'BEGIN {
  printf "  gdb-rseq'"'"'s own part, timed in GDB: %.1f ms (median) = %.3f of stock\n",
	 o, (s / 1000 + o) / (s / 1000)
}'

# 2. Sourcing the loader on a small program.
small=$BENCH_DIR/small
if [ ! -x "$small" ]; then
	printf 'int main (void) { return 0; }\n' > "$small.c"
	$CC -g -o "$small" "$small.c"
	rm -f "$small.c"
fi
rm -rf "$BENCH_DIR/inst"
inst_loader=
if make -s -C "$top_builddir" install DESTDIR="$BENCH_DIR/inst" \
		> "$BENCH_DIR/inst.log" 2>&1; then
	inst_loader=$(find "$BENCH_DIR/inst" \
		-path '*/share/gdb-rseq/gdb-rseq.py' | head -n 1)
fi

# The median of fractional numbers: the lower middle one of an even count.
median_of () {
	sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# Median wall and main-thread CPU ms of sourcing loader $1, "- -" when it
# did not load gdb-rseq from under $2 (a staged loader prefers a real
# install under the configured prefix, which is not what is measured).
source_ms () {
	i=0
	: > "$BENCH_DIR/source.times"
	while [ $i -lt "$RUNS" ]; do
		"$GDB" -nx -q -batch -ex "python
import time, gdb
t, c = time.perf_counter(), time.thread_time()
gdb.execute('source $1')
t, c = time.perf_counter() - t, time.thread_time() - c
import gdb_rseq
if gdb_rseq.__file__.startswith('$2'):
    print('source %.3f %.3f' % (t * 1e3, c * 1e3))
" "$small" 2>/dev/null | sed -n 's/^source //p' >> "$BENCH_DIR/source.times"
		i=$((i + 1))
	done
	if [ ! -s "$BENCH_DIR/source.times" ]; then
		echo "- -"
		return
	fi
	echo "$(cut -d' ' -f1 "$BENCH_DIR/source.times" | median_of)" \
	     "$(cut -d' ' -f2 "$BENCH_DIR/source.times" | median_of)"
}
build_ms=$(source_ms "$LOADER" "$(cd "$top_builddir" && pwd)/")
if [ -n "$inst_loader" ]; then
	inst_ms=$(source_ms "$inst_loader" "$BENCH_DIR/inst/")
else
	echo "startup-bench: make install DESTDIR=... failed; see $BENCH_DIR/inst.log" >&2
	inst_ms="- -"
fi
echo "startup-bench: sourcing the loader in gdb -batch on a small program, $RUNS runs"
echo "                      wall (median)   main-thread CPU (median)"
set -- $build_ms
printf "  build tree:         %8s ms     %8s ms\n" "$1" "$2"
set -- $inst_ms
printf "  installed:          %8s ms     %8s ms\n" "$1" "$2"
