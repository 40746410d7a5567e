#! /bin/sh
# The library's API promises (api-test.c) on a little-endian 64-bit PIE,
# and, where the cross tools exist, a big-endian and a 32-bit one.
. "${srcdir:-.}/test-lib.sh"
: "${API_TEST:=./api-test}"

for arch in x86_64 ppc64 i386; do
	as=$(as_for $arch)
	ld=$(ld_for $arch)
	if test -z "$as" || test -z "$ld"; then
		skip "$arch: no $(triple_of $arch)-as/ld"
		continue
	fi
	b=$work/$arch-basic
	if assemble $arch basic $b.o && $ld -pie -e rseq_fixture_entry -o $b $b.o
	then
		# readelf reads every machine's headers: the reference section
		# is checked against it.
		text=$(readelf -SW $b | sed -n 's/.* \.text  *PROGBITS  *\([0-9a-f]*\) .*/\1/p')
		check "api $arch" "$API_TEST" $b "${text:-none}"
	else
		not_ok "$arch: basic does not build"
	fi
done
rt_finish
