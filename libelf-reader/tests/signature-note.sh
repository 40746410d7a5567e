#! /bin/sh
# A c.s. whose abort signature is not the machine's usual value.  That is
# legal (a thread registers whatever value its program chose, and the
# values changed in Linux 5.2), so it is no finding for --check; but when a
# restart ends in SIGSEGV it is the first thing to look at, so the reader
# should say so in a note.
. "${srcdir:-.}/test-lib.sh"

ld=$(ld_for x86_64)
if test -z "$(as_for x86_64)" || test -z "$ld"; then
	skip "no x86-64 assembler and linker"
	rt_finish
fi
b=$work/diag-sig-bad
if assemble x86_64 diag-sig-bad $b.o && $ld -pie -e rseq_fixture_entry -o $b $b.o
then
	check "unusual signature: a note" \
		fcheck $b --diag=note:xcs_s_start,xcs_s_abort,xcs_s_desc
	check "unusual signature: --check passes" "$RSEQ_READELF" --check $b
	sig_value () {
		"$FIXTURE_CHECK" --dump $b | grep -q '"signature": 305419896'
	}
	check "unusual signature: its value (0x12345678) is reported" sig_value
else
	not_ok "diag-sig-bad: does not build"
fi
rt_finish
