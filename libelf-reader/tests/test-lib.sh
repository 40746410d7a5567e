# Shared by the reader's test scripts (sourced, POSIX sh).
#
# Fixtures are built at test time into $work (one directory per test script,
# kept after a failure for inspection).  Each sub-case reports "ok NAME",
# "FAIL NAME" or "skip NAME: why" on stdout, which goes to the script's .log;
# rt_finish turns the tally into the automake exit status (0 pass, 1 fail,
# 77 when nothing could run at all).
#
# Environment (from the Makefile's AM_TESTS_ENVIRONMENT): srcdir,
# RSEQ_READELF, FIXTURE_CHECK, PYTHON3.

: "${srcdir:=.}"
: "${RSEQ_READELF:=../rseq-readelf}"
: "${FIXTURE_CHECK:=./fixture-check}"
: "${PYTHON3:=python3}"
fixtures=$srcdir/fixtures

rt_name=$(basename "$0" .sh)
work=$(pwd)/$rt_name.dir
rm -rf "$work"
mkdir -p "$work"

rt_pass=0
rt_fail=0
rt_skip=0

ok () { rt_pass=$((rt_pass + 1)); echo "ok $*"; }
not_ok () { rt_fail=$((rt_fail + 1)); echo "FAIL $*"; }
skip () { rt_skip=$((rt_skip + 1)); echo "skip $*"; }

# check NAME COMMAND...: run COMMAND (its output goes to the log); pass if it
# exits 0.
check () {
	rt_case=$1
	shift
	if "$@"; then ok "$rt_case"; else not_ok "$rt_case"; fi
}

rt_finish () {
	echo "# $rt_name: $rt_pass passed, $rt_fail failed, $rt_skip skipped"
	if test "$rt_fail" -gt 0; then exit 1; fi
	if test "$rt_pass" -eq 0; then exit 77; fi
	exit 0
}

have () { command -v "$1" >/dev/null 2>&1; }

# The cross tools for a fixture architecture (see fixtures/arch/).
triple_of () {
	case $1 in
	x86_64) echo x86_64-linux-gnu ;;
	i386) echo i686-linux-gnu ;;
	aarch64) echo aarch64-linux-gnu ;;
	arm) echo arm-linux-gnueabihf ;;
	ppc64) echo powerpc64-linux-gnu ;;
	ppc64le) echo powerpc64le-linux-gnu ;;
	s390x) echo s390x-linux-gnu ;;
	riscv64) echo riscv64-linux-gnu ;;
	*) echo unknown ;;
	esac
}

inc_of () {
	case $1 in
	ppc64le) echo ppc64 ;;
	*) echo "$1" ;;
	esac
}

# as_for ARCH: the assembler command for ARCH, empty when it is missing.
# x86-64 and i386 fall back to the host's assembler.
as_for () {
	t=$(triple_of "$1")
	if have "$t-as"; then
		echo "$t-as"
	elif test "$1" = x86_64 && have as && as --version | grep -q x86_64; then
		echo "as --64"
	elif test "$1" = i386 && have as && as --version | grep -q x86_64; then
		echo "as --32"
	fi
}

ld_for () {
	t=$(triple_of "$1")
	if have "$t-ld"; then
		echo "$t-ld"
	elif test "$1" = x86_64 && have ld && ld -V | grep -q elf_x86_64; then
		echo "ld -m elf_x86_64"
	elif test "$1" = i386 && have ld && ld -V | grep -q elf_i386; then
		echo "ld -m elf_i386"
	fi
}

# source ARCH SCENARIO OUT.s: one assembly file for ARCH from a scenario.
source_for () {
	cat "$fixtures/arch/$(inc_of "$1").inc" "$fixtures/rseq.inc" \
	    "$fixtures/$2.s" >"$3"
}

# assemble ARCH SCENARIO OUT.o [ASSEMBLER]: assemble SCENARIO for ARCH with
# the cross assembler (or the given command, e.g. "gcc -c" or "clang -c").
assemble () {
	rt_s=${3%.o}.s
	source_for "$1" "$2" "$rt_s" || return 1
	if test -n "${4-}"; then
		$4 -o "$3" "$rt_s"
	else
		$(as_for "$1") -o "$3" "$rt_s"
	fi
}

# fcheck FIXTURE [OPTION]...: fixture-check with the log saying what ran.
fcheck () {
	rt_f=$1
	shift
	echo "+ fixture-check $* $rt_f"
	"$FIXTURE_CHECK" "$@" "$rt_f"
}

# can_derive FILE: whether the reader derives exits for FILE's machine.
can_derive () {
	"$FIXTURE_CHECK" --can-derive "$1"
}

# cli_matches FILE [--no-derive]: rseq-readelf --json on FILE prints
# exactly what the library returned for it (fixture-check --dump), in the
# documented shape, and exits 0.
cli_matches () {
	rt_f=$1
	shift
	"$FIXTURE_CHECK" --dump "$@" "$rt_f" >"$rt_f.lib.json" || return 1
	rt_st=0
	"$RSEQ_READELF" --json "$@" "$rt_f" >"$rt_f.cli.json" \
		2>"$rt_f.cli.err" || rt_st=$?
	if test "$rt_st" -ne 0; then
		echo "rseq-readelf --json $* $rt_f exited $rt_st:"
		cat "$rt_f.cli.err"
		return 1
	fi
	"$PYTHON3" "$srcdir/json-compare.py" "$rt_f.lib.json" "$rt_f.cli.json"
}
