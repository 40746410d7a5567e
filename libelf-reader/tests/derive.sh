#! /bin/sh
# Exits found by disassembly.  A c.s. with no exit table that branches out
# (tcs_a_dexit1/2 in fixtures/noexits.s) must list those targets as derived
# exits when the reader can disassemble the machine, and must otherwise say
# so in a note rather than silently return no exits.  --no-derive turns
# the disassembly off.  With both a table and disassembly, disagreements
# are reported.
. "${srcdir:-.}/test-lib.sh"

# The host's machine, which a build with libopcodes always disassembles.
case $(uname -m) in
x86_64) host_arch=x86_64 ;;
i?86) host_arch=i386 ;;
aarch64) host_arch=aarch64 ;;
arm*) host_arch=arm ;;
ppc64) host_arch=ppc64 ;;
ppc64le) host_arch=ppc64le ;;
s390x) host_arch=s390x ;;
riscv64) host_arch=riscv64 ;;
*) host_arch=none ;;
esac

for arch in x86_64 i386 aarch64 arm ppc64 ppc64le s390x riscv64; do
	as=$(as_for $arch)
	ld=$(ld_for $arch)
	if test -z "$as" || test -z "$ld"; then
		skip "$arch: no $(triple_of $arch)-as/ld"
		continue
	fi
	b=$work/$arch-noexits
	if ! assemble $arch noexits $b.o \
	    || ! $ld -pie -e rseq_fixture_entry -o $b $b.o; then
		not_ok "$arch: noexits does not build"
		continue
	fi
	if can_derive $b; then
		check "$arch: derived exits" fcheck $b --table=ptr_array
		check "$arch: derived exits, .o" fcheck $b.o --table=ptr_array
		check "$arch: derived exits, cli" cli_matches $b
	elif test "${HAVE_OPCODES-}" = yes && test $arch = $host_arch; then
		not_ok "$arch: built with libopcodes but cannot derive the host's exits"
	else
		check "$arch: cannot derive, says so" fcheck $b --diag='note:*'
	fi
	check "$arch: --no-derive" fcheck $b --no-derive
	check "$arch: --no-derive, cli" cli_matches $b --no-derive

	# A call and a system call inside the range.
	c=$work/$arch-calls
	if ! assemble $arch calls $c.o \
	    || ! $ld -pie -e rseq_fixture_entry -o $c $c.o; then
		not_ok "$arch: calls does not build"
	elif can_derive $c; then
		check "$arch: call and syscall" fcheck $c \
			--diag=warning:tcs_c_call --diag=warning:tcs_c_syscall
		check "$arch: call and syscall, cli" cli_matches $c
	else
		check "$arch: call and syscall, cannot derive" fcheck $c --diag='note:*'
	fi
done

b=$work/x86_64-noexits
if test -f $b && can_derive $b; then
	for sc in diag-undeclared:xexit_u,xcs_u_start diag-unreached:xexit_r,xcs_r_start; do
		name=${sc%%:*}
		f=$work/$name
		if assemble x86_64 $name $f.o \
		    && $(ld_for x86_64) -pie -e rseq_fixture_entry -o $f $f.o; then
			check "$name" fcheck $f --diag=note:${sc#*:}
			check "$name, no derive: no finding" fcheck $f --no-derive
		else
			not_ok "$name: does not build"
		fi
	done
else
	skip "declared/derived disagreement: the reader cannot derive x86-64 exits"
fi
rt_finish
