#! /bin/sh
# rseq-readelf against binutils' readelf on the same files: PIEs with 10k,
# 100k and 1M critical sections (each with a descriptor, a pointer-array
# entry, a declared exit and its R_X86_64_RELATIVE relocations).
#
# Prints, per size, the median wall time of
#   rseq-readelf --json FILE            (tables, relocations, validation,
#                                        exits derived by disassembly)
#   rseq-readelf --json --no-derive FILE
#   readelf -r -x __rseq_cs FILE        (what a user would run instead: the
#                                        raw section and its relocations)
# and the ratio rseq-readelf / readelf, then the growth factor from each
# size to the next (10 means linear).
#
# Environment: top_builddir, top_srcdir (set by `make bench`), RUNS (timed
# runs per measurement, default 5; 3 for 1M), SIZES (default
# "10000 100000 1000000"), KEEP=1 to keep the generated files.
set -eu

: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${RUNS:=5}"
: "${SIZES:=10000 100000 1000000}"
: "${KEEP:=0}"

libs=$top_builddir/libelf-reader/.libs
if test -x "$libs/rseq-readelf"; then
	# The real binary, not libtool's wrapper script, which would add a
	# shell start to every timed run.
	reader=$libs/rseq-readelf
	LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
elif test -x "$top_builddir/libelf-reader/rseq-readelf"; then
	reader=$top_builddir/libelf-reader/rseq-readelf
else
	echo "readelf-bench: build rseq-readelf first (make)" >&2
	exit 1
fi
for tool in gcc readelf awk; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "readelf-bench: $tool is needed" >&2
		exit 1
	fi
done
case $(uname -m) in
x86_64) ;;
*) echo "readelf-bench: the generated code is x86-64; skipped on $(uname -m)"
   exit 0 ;;
esac

work=$(pwd)/readelf-bench.tmp
mkdir -p "$work"
cleanup () { test "$KEEP" = 1 || rm -rf "$work"; }
trap cleanup EXIT INT TERM

# gen_part N FIRST OUT.s: N critical sections numbered from FIRST, each
# body different (its number as an immediate), so that no decoding can be
# shared between them: the worst case for deriving exits.  The
# labels are local (.L), so the symbol table stays small and each part
# assembles on its own; a 1M file is ten 100k parts, which keeps the
# assembler's memory near 300 MB and lets two parts assemble at once.
gen_part () {
	{
	cat <<'EOF'
	.section .note.GNU-stack, "", @progbits
	.macro CS n
	.text
.Ls\n\():
	movl $\n, %eax
	jne .Le\n
	nop
.Lp\n\():
	ret
.Le\n\():
	ret
	.byte 0x0f, 0xb9, 0x3d
	.long 0x53053053
.La\n\():
	jmp .Ls\n
	.section __rseq_cs, "aw"
	.balign 32
.Ld\n\():
	.long 0, 0
	.quad .Ls\n, .Lp\n - .Ls\n, .La\n
	.section __rseq_cs_ptr_array, "aw"
	.quad .Ld\n
	.section __rseq_exit_point_array, "aw"
	.quad .Ls\n, .Le\n
	.endm
EOF
	awk -v n="$1" -v first="$2" \
	    'BEGIN { for (i = first; i < first + n; i++) print "\tCS " i }'
	} >"$3"
}

# build N: $work/csN, a PIE with N critical sections.
build () {
	n=$1 part=100000 objs= first=0 pids=
	test "$n" -lt $part && part=$n
	while test $first -lt "$n"; do
		s=$work/cs$n-$first.s
		gen_part $part $first "$s"
		gcc -c -o "${s%.s}.o" "$s" &
		pids="$pids $!"
		objs="$objs ${s%.s}.o"
		first=$((first + part))
		# At most two assemblers at a time.
		set -- $pids
		if test $# -ge 2; then
			wait $1
			shift
			pids=$*
		fi
	done
	for p in $pids; do wait $p; done
	printf '\t.globl main\n\t.text\nmain:\n\txor %%eax, %%eax\n\tret\n\t.section .note.GNU-stack, "", @progbits\n' >"$work/main.s"
	gcc -pie -o "$work/cs$n" "$work/main.s" $objs
	rm -f $objs "$work"/cs$n-*.s
}

# median_ms RUNS COMMAND...: "WALL CPU", the median wall time and the
# median CPU time (user + system) of COMMAND in milliseconds, after one
# untimed run that warms the page cache.  CPU time is the steadier number
# on a shared machine; it needs GNU time (/usr/bin/time), else "-".
median_ms () {
	runs=$1
	shift
	"$@" >/dev/null 2>&1 || true
	i=0
	while test $i -lt "$runs"; do
		t0=$(date +%s%N)
		if test -x /usr/bin/time; then
			/usr/bin/time -f '%U %S' -o "$work/cpu" "$@" >/dev/null 2>&1 || true
		else
			"$@" >/dev/null 2>&1 || true
			echo - - >"$work/cpu"
		fi
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) $(cat "$work/cpu")
		i=$((i + 1))
	done | awk '{ w[NR] = $1 / 1000; c[NR] = $2 == "-" ? -1 : ($2 + $3) * 1000 }
		function med(a, n,   i, j, t) {
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}
		END { cw = med(w, NR); cc = med(c, NR)
		      printf "%.1f %s\n", cw, cc < 0 ? "-" : sprintf("%.0f", cc) }'
}

label () {
	case $1 in
	*000000) echo "$(( $1 / 1000000 ))M" ;;
	*000) echo "$(( $1 / 1000 ))k" ;;
	*) echo "$1" ;;
	esac
}

echo "rseq-readelf: $reader"
echo "readelf:      $(command -v readelf) ($(readelf --version | sed 1q))"
echo "median of $RUNS runs (3 for 1M); wall ms / CPU ms (user+sys, 10 ms ticks);"
echo "ratio: rseq-readelf --json over readelf, wall / CPU"
printf '%-5s %7s %17s %17s %17s %13s %7s\n' size build_s rseq-readelf \
	"  --no-derive" "readelf -r -x" "ratio" file_MB
prev_n= prev_r= prev_c= growth=
for n in $SIZES; do
	t0=$(date +%s)
	build "$n"
	t1=$(date +%s)
	f=$work/cs$n
	# The reader must have found every c.s. for the timing to mean anything.
	found=$("$reader" --json --no-derive "$f" | grep -o '"start_ip"' | wc -l)
	if test "$found" -ne "$n"; then
		echo "readelf-bench: rseq-readelf found $found c.s. in $f, not $n" >&2
		exit 1
	fi
	runs=$RUNS
	test "$n" -ge 1000000 && test "$runs" -gt 3 && runs=3
	set -- $(median_ms $runs "$reader" --json "$f")
	rw=$1 rc=$2
	set -- $(median_ms $runs "$reader" --json --no-derive "$f")
	nw=$1 nc=$2
	set -- $(median_ms $runs readelf -r -x __rseq_cs "$f")
	bw=$1 bc=$2
	ratio=$(awk -v a="$rw" -v b="$bw" -v c="$rc" -v d="$bc" \
		'BEGIN { printf "%.2f", a / b; if (c != "-" && d > 0) printf " / %.2f", c / d }')
	mb=$(awk -v s="$(wc -c <"$f")" 'BEGIN { printf "%.1f", s / 1048576 }')
	printf '%-5s %7s %9s / %5s %9s / %5s %9s / %5s %13s %7s\n' \
		"$(label "$n")" $((t1 - t0)) "$rw" "$rc" "$nw" "$nc" "$bw" "$bc" \
		"$ratio" "$mb"
	if test -n "$prev_n"; then
		growth="$growth
  $(label "$prev_n") -> $(label "$n") (x$((n / prev_n)) c.s.): $(awk -v a="$rw" -v b="$prev_r" -v c="$rc" -v d="$prev_c" 'BEGIN { printf "wall x%.1f", a / b; if (c != "-" && d > 0) printf ", CPU x%.1f", c / d }')"
	fi
	prev_n=$n prev_r=$rw prev_c=$rc
	# The 1M file is 186 MB: one at a time on disk, unless asked to keep.
	test "$KEEP" = 1 || rm -f "$f"
done
test -n "$growth" && echo "rseq-readelf --json growth (10 is linear):$growth"
exit 0
