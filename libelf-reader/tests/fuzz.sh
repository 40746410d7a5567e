#! /bin/sh
# Damaged fixtures (see fuzz-test.c) through the library, then a sample of
# the damaged files through rseq-readelf: each must exit 0 (read) or 2
# (rejected, naming the file), never die of a signal or trip a sanitizer.
. "${srcdir:-.}/test-lib.sh"
: "${FUZZ_TEST:=./fuzz-test}"

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

n=0
bad=0
for f in $work/images/*; do
	n=$((n + 1))
	st=0
	"$RSEQ_READELF" --json "$f" >/dev/null 2>$work/err || st=$?
	case $st in
	0) ;;
	2) if ! grep -F -q -- "$f" $work/err; then
		echo "$f: exit 2 but stderr does not name the file:"
		cat $work/err
		bad=$((bad + 1))
	   fi ;;
	*) echo "$f: exit status $st"
	   cat $work/err
	   bad=$((bad + 1)) ;;
	esac
	if grep -q -e 'Sanitizer' -e 'runtime error' $work/err; then
		echo "$f: sanitizer report"
		cat $work/err
		bad=$((bad + 1))
	fi
done
if test $bad -eq 0 && test $n -gt 0; then
	ok "rseq-readelf on $n damaged files"
else
	not_ok "rseq-readelf on $n damaged files: $bad misbehaved"
fi
rt_finish
