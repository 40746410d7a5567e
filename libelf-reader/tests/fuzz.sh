#! /bin/sh
# Damaged fixtures (see fuzz-test.c) through the library, then a sample of
# the damaged files through rseq-readelf: each must exit 0 (read) or 2
# (rejected, naming the file), never die of a signal or trip a sanitizer.
# Every input that libFuzzer campaigns found breaking the reader
# (fuzz-regressions/, see README) goes through both first, so each
# "make check" replays them all.
. "${srcdir:-.}/test-lib.sh"
: "${FUZZ_TEST:=./fuzz-test}"

# readelf_behaves FILE...: rseq-readelf, in text and in JSON, exits 0 or
# 2 (naming the file) on each FILE, with no sanitizer report; 1 is --check
# finding a fault.  Says what misbehaved.
readelf_behaves () {
	rb_bad=0
	for rb_f; do
		for rb_opt in --json --check; do
			rb_st=0
			"$RSEQ_READELF" $rb_opt "$rb_f" >/dev/null 2>$work/err \
				|| rb_st=$?
			case $rb_opt.$rb_st in
			*.0|--check.1) ;;
			*.2) if ! grep -F -q -- "$rb_f" $work/err; then
				echo "$rb_f: $rb_opt: exit 2 but stderr does not name the file:"
				cat $work/err
				rb_bad=$((rb_bad + 1))
			   fi ;;
			*) echo "$rb_f: $rb_opt: exit status $rb_st"
			   cat $work/err
			   rb_bad=$((rb_bad + 1)) ;;
			esac
			if grep -q -e 'Sanitizer' -e 'runtime error' $work/err; then
				echo "$rb_f: $rb_opt: sanitizer report"
				cat $work/err
				rb_bad=$((rb_bad + 1))
			fi
		done
	done
	test $rb_bad -eq 0
}

regressions=$(ls "$srcdir/fuzz-regressions" 2>/dev/null | sed "s|^|$srcdir/fuzz-regressions/|")
if test -n "$regressions"; then
	n=$(echo "$regressions" | wc -l)
	# The names have no spaces (see README).
	check "library on $n saved fuzzing inputs" "$FUZZ_TEST" --replay $regressions
	check "rseq-readelf on $n saved fuzzing inputs" readelf_behaves $regressions
else
	not_ok "no saved fuzzing inputs in $srcdir/fuzz-regressions"
fi

inputs=
# fixture ARCH LINKER FLAGS NAME: one undamaged input (skipped if the tools
# are missing).
fixture () {
	f_as=$(as_for $1)
	if test -z "$f_as"; then
		skip "$4: no $(triple_of $1)-as"
		return
	fi
	f_ld=$2
	test "$f_ld" = bfd && f_ld=$(ld_for $1)
	if test "$f_ld" = lld; then
		have ld.lld || { skip "$4: no ld.lld"; return; }
		f_ld=ld.lld
	fi
	if test -z "$f_ld"; then
		skip "$4: no $(triple_of $1)-ld"
		return
	fi
	if ! assemble $1 basic $work/$4.o; then
		not_ok "$4: does not assemble"
		return
	fi
	if test "$3" = obj; then
		mv $work/$4.o $work/$4
	elif ! $f_ld $3 -e rseq_fixture_entry -o $work/$4 $work/$4.o; then
		not_ok "$4: does not link"
		return
	fi
	inputs="$inputs $work/$4"
}

fixture x86_64 bfd -pie x86_64-bfd-pie
fixture x86_64 lld "-pie --pack-dyn-relocs=relr" x86_64-lld-relr
fixture i386 bfd obj i386-rel.o
fixture ppc64 bfd -shared ppc64-bfd-shared
fixture arm lld -pie arm-lld-pie

if test -z "$inputs"; then
	rt_finish
fi
mkdir -p $work/images
check "library on damaged images" "$FUZZ_TEST" --write=$work/images --every=50 $inputs

n=$(ls $work/images | wc -l)
if test $n -gt 0 && readelf_behaves $work/images/*; then
	ok "rseq-readelf on $n damaged files"
else
	not_ok "rseq-readelf on $n damaged files"
fi
rt_finish
