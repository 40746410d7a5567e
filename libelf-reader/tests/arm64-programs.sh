#! /bin/sh
# The testsuite's own arm64 critical sections (the aarch64 branch of
# testsuite/gdb.rseq/rseq-test.h, all called from arm64-cs.c), built as
# programs by each arm64 C compiler there is, and read back: every c.s.,
# its descriptor, abort handler, signature (brk #0x45e0) and exits (cbnz,
# cbz, tbnz, b.cond) must be what the program's labels say, and
# rseq-readelf --check must pass.  Where the reader disassembles arm64
# (libopcodes with the other machines, e.g. Debian's
# binutils-multiarch-dev), the exits are also derived with the exit table
# removed, and must be the same.  Skipped without an arm64 compiler and C
# library.
. "${srcdir:-.}/test-lib.sh"

gdbsrc=$srcdir/../../testsuite/gdb.rseq

printf 'int main (void) { return 0; }\n' >"$work/probe.c"
# links CC...: whether CC builds an arm64 program here.
links () {
	"$@" -o "$work/probe" "$work/probe.c" >/dev/null 2>&1
}

compilers=
if have aarch64-linux-gnu-gcc && links aarch64-linux-gnu-gcc; then
	compilers="gcc"
fi
if have clang && links clang --target=aarch64-linux-gnu; then
	compilers="$compilers clang"
	if have ld.lld && links clang --target=aarch64-linux-gnu -fuse-ld=lld; then
		compilers="$compilers clang-lld"
	fi
fi
if test -z "$compilers"; then
	skip "arm64 programs: no C compiler and C library for aarch64-linux-gnu (Debian: gcc-aarch64-linux-gnu, or clang with libc6-dev-arm64-cross and libgcc-12-dev-arm64-cross)"
	rt_finish
fi

cc_of () {
	case $1 in
	gcc) echo aarch64-linux-gnu-gcc ;;
	clang) echo clang --target=aarch64-linux-gnu ;;
	clang-lld) echo clang --target=aarch64-linux-gnu -fuse-ld=lld ;;
	esac
}

# read_matches FILE KIND [OPTION]...: rseq-readelf --json reads FILE as
# its labels say, its exits of KIND.
read_matches () {
	rt_f=$1
	rt_kind=$2
	shift 2
	readelf -sW "$rt_f" >"$rt_f.syms" || return 1
	echo "+ rseq-readelf --json $* $rt_f"
	"$RSEQ_READELF" --json "$@" "$rt_f" >"$rt_f.json" || return 1
	"$PYTHON3" "$srcdir/arm64-check.py" "$rt_f.json" "$rt_f.syms" "$rt_kind"
}

# says_no_derive FILE: without arm64 disassembly, rseq-readelf says so.
says_no_derive () {
	"$RSEQ_READELF" "$1" 2>&1 | grep 'note: derived exits unavailable for aarch64'
}

for c in $compilers; do
	for opt in -O0 -O2; do
		name=$c$opt
		b=$work/arm64-cs-$name
		if ! $(cc_of $c) $opt -g -pthread -I"$gdbsrc" -o $b \
		    "$gdbsrc/arm64-cs.c" >$b.log 2>&1; then
			cat $b.log
			not_ok "$name: arm64-cs.c does not build"
			continue
		fi
		check "$name: tables" read_matches $b declared --no-derive
		check "$name: --check" "$RSEQ_READELF" --check $b
		if can_derive $b; then
			check "$name: declared and derived exits agree" \
				read_matches $b declared
			# The same program without its exit table: every exit
			# must be found by disassembly alone.
			if ! have aarch64-linux-gnu-objcopy; then
				skip "$name: no aarch64-linux-gnu-objcopy"
			elif aarch64-linux-gnu-objcopy \
			    --remove-section __rseq_exit_point_array \
			    $b $b.noexits; then
				check "$name: exits derived without the table" \
					read_matches $b.noexits derived
			else
				not_ok "$name: objcopy cannot remove the exit table"
			fi
		else
			check "$name: says it cannot derive arm64 exits" \
				says_no_derive $b
		fi
	done
done
rt_finish
