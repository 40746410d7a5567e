#! /bin/sh
# One scenario per validation finding.  Each fixture holds well-formed c.s.
# (tcs_*, which must come through clean) next to one broken thing (xcs_*,
# xexit_*); the finding must be reported with at least the given severity
# at one of the named addresses, nothing else may be flagged, and
# rseq-readelf --check must exit 1 on it (0 without --check, and 0 for a
# note).
#
# Severities follow the kernel: what makes it reject the descriptor (and
# kill the thread) is an error, what runs but is suspicious a warning.
. "${srcdir:-.}/test-lib.sh"

arch=x86_64
as=$(as_for $arch)
ld=$(ld_for $arch)
if test -z "$as" || test -z "$ld"; then
	skip "no x86-64 assembler and linker"
	rt_finish
fi

# diag SCENARIO SEV:SYMBOL[,SYMBOL]... [more fixture-check options]
diag () {
	d_sc=$1
	shift
	d_b=$work/$d_sc
	if ! assemble $arch $d_sc $d_b.o \
	    || ! $ld -pie -e rseq_fixture_entry -o $d_b $d_b.o; then
		not_ok "$d_sc: does not build"
		return
	fi
	d_opts=
	for d_s in "$@"; do
		case $d_s in
		--*) d_opts="$d_opts $d_s" ;;
		*) d_opts="$d_opts --diag=$d_s" ;;
		esac
	done
	check "$d_sc" fcheck $d_b $d_opts
	check "$d_sc .o" fcheck $d_b.o $d_opts
	check "$d_sc cli" cli_matches $d_b
	# A note is information, not a finding: --check passes.
	case $1 in
	note:*) d_want=0 ;;
	*) d_want=1 ;;
	esac
	d_st=0
	"$RSEQ_READELF" --check $d_b >$d_b.check.out 2>&1 || d_st=$?
	if test $d_st -eq $d_want; then
		ok "$d_sc: --check exits $d_want"
	else
		cat $d_b.check.out
		not_ok "$d_sc: --check exits $d_st, expected $d_want"
	fi
}

# The well-formed baseline: no findings, --check exits 0.
b=$work/basic
if assemble $arch basic $b.o && $ld -pie -e rseq_fixture_entry -o $b $b.o; then
	check "basic: no findings" fcheck $b --table=ptr_array
	check "basic: --check exits 0" "$RSEQ_READELF" --check $b
else
	not_ok "basic: does not build"
fi

diag diag-version error:xcs_v_start,xcs_v_desc
diag diag-flags error:xcs_f_start,xcs_f_desc
diag diag-zerolen warning:xcs_z_start,xcs_z_desc
diag diag-overflow error:xcs_o_start,xcs_o_desc
diag diag-abort-inside error:xcs_i_start,xcs_i_abort,xcs_i_desc
diag diag-sig-missing warning:xcs_m_start,xcs_m_abort,xcs_m_desc
# (A signature that is merely unusual is signature-note.sh.)
diag diag-sig-inconsistent warning:xcs_c_start,xcs_c_abort,xcs_c_desc
diag diag-exit-inside warning:xcs_e_start,xexit_e
diag diag-exit-unknown warning:xexit_u_start,xexit_u
diag diag-duplicate warning:tcs_a_start,xcs_d_desc,tcs_a_desc
diag diag-overlap warning:xcs_k_start,xcs_l_start

rt_finish
