#! /bin/sh
# The host toolchains on a C program plus the "basic" scenario: gcc with
# GNU ld (bfd), gcc with gold, clang with its integrated assembler and lld.
# Each builds the link kinds that change what the reader sees: PIE (R_*_
# RELATIVE; lld leaves the table bytes zero), non-PIE, shared library,
# static, DT_RELR (-z pack-relative-relocs), -m32, the object file, and
# --gc-sections, which drops the pointer and exit tables so the reader has
# to walk __rseq_cs and derive the exits.
. "${srcdir:-.}/test-lib.sh"

# build NAME CC ARCH [LINK FLAG]...: compile prog.c and the basic scenario
# with CC for ARCH (x86_64 or i386) and link them into $work/NAME.
# Returns 2 when the toolchain refuses the flags (reported as a skip).
build () {
	b_name=$1 b_cc=$2 b_arch=$3
	shift 3
	b_m=
	test $b_arch = i386 && b_m=-m32
	source_for $b_arch basic $work/$b_name.s || return 1
	$b_cc $b_m -c -o $work/$b_name.o $work/$b_name.s || return 1
	case " $* " in
	*" -shared "*) set -- "$@" -fPIC ;;
	*) $b_cc $b_m -c -o $work/$b_name-prog.o $fixtures/prog.c || return 1
	   set -- "$@" $work/$b_name-prog.o ;;
	esac
	if ! $b_cc $b_m -o $work/$b_name $work/$b_name.o "$@" \
	    >$work/$b_name.ldlog 2>&1; then
		cat $work/$b_name.ldlog
		return 2
	fi
}

# variant NAME CC ARCH [FIXTURE-CHECK OPTION]... -- [LINK FLAG]...
variant () {
	v_name=$1 v_cc=$2 v_arch=$3
	shift 3
	v_opts=
	while test $# -gt 0 && test "$1" != --; do
		v_opts="$v_opts $1"
		shift
	done
	shift
	v_st=0
	build $v_name "$v_cc" $v_arch "$@" || v_st=$?
	case $v_st in
	0) check "$v_name" fcheck $work/$v_name $v_opts
	   check "$v_name cli" cli_matches $work/$v_name ;;
	2) skip "$v_name: $v_cc $* does not link here" ;;
	*) not_ok "$v_name: does not build" ;;
	esac
}

# object NAME CC ARCH: the relocatable object, read as is.
object () {
	if source_for $3 basic $work/$1.s && $2 $(test $3 = i386 && echo -m32) \
	    -c -o $work/$1.o $work/$1.s; then
		check "$1" fcheck $work/$1.o --table=ptr_array
		check "$1 cli" cli_matches $work/$1.o
	else
		not_ok "$1: does not assemble"
	fi
}

gc="--table=cs --exits-derived"

if have gcc; then
	object gcc-obj gcc x86_64
	variant gcc-bfd-pie gcc x86_64 --table=ptr_array -- -pie -fuse-ld=bfd
	variant gcc-bfd-nopie gcc x86_64 --table=ptr_array -- -no-pie -fuse-ld=bfd
	variant gcc-bfd-shared gcc x86_64 --table=ptr_array -- -shared -fuse-ld=bfd
	variant gcc-bfd-static gcc x86_64 --table=ptr_array -- -static -fuse-ld=bfd
	variant gcc-bfd-static-pie gcc x86_64 --table=ptr_array -- -static-pie -fuse-ld=bfd
	variant gcc-bfd-relr gcc x86_64 --table=ptr_array -- -pie -fuse-ld=bfd -Wl,-z,pack-relative-relocs
	variant gcc-bfd-relr-shared gcc x86_64 --table=ptr_array -- -shared -fuse-ld=bfd -Wl,-z,pack-relative-relocs
	variant gcc-bfd-gc gcc x86_64 $gc -- -pie -fuse-ld=bfd -Wl,--gc-sections
	object gcc-m32-obj gcc i386
	variant gcc-bfd-m32-pie gcc i386 --table=ptr_array -- -pie -fuse-ld=bfd
	variant gcc-bfd-m32-shared gcc i386 --table=ptr_array -- -shared -fuse-ld=bfd
	variant gcc-bfd-m32-static gcc i386 --table=ptr_array -- -static -fuse-ld=bfd
	variant gcc-bfd-m32-relr gcc i386 --table=ptr_array -- -pie -fuse-ld=bfd -Wl,-z,pack-relative-relocs
	variant gcc-bfd-m32-gc gcc i386 $gc -- -pie -fuse-ld=bfd -Wl,--gc-sections
	variant gcc-gold-pie gcc x86_64 --table=ptr_array -- -pie -fuse-ld=gold
	variant gcc-gold-nopie gcc x86_64 --table=ptr_array -- -no-pie -fuse-ld=gold
	variant gcc-gold-shared gcc x86_64 --table=ptr_array -- -shared -fuse-ld=gold
	variant gcc-gold-static gcc x86_64 --table=ptr_array -- -static -fuse-ld=gold
	variant gcc-gold-gc gcc x86_64 $gc -- -pie -fuse-ld=gold -Wl,--gc-sections
	variant gcc-gold-m32-pie gcc i386 --table=ptr_array -- -pie -fuse-ld=gold
	variant gcc-gold-m32-shared gcc i386 --table=ptr_array -- -shared -fuse-ld=gold
	# gold has no DT_RELR: -z pack-relative-relocs is not tried with it.
else
	skip "gcc: not installed"
fi

if have clang && have ld.lld; then
	object clang-obj clang x86_64
	variant clang-lld-pie clang x86_64 --table=ptr_array -- -pie -fuse-ld=lld
	variant clang-lld-nopie clang x86_64 --table=ptr_array -- -no-pie -fuse-ld=lld
	variant clang-lld-shared clang x86_64 --table=ptr_array -- -shared -fuse-ld=lld
	variant clang-lld-static clang x86_64 --table=ptr_array -- -static -fuse-ld=lld
	# lld 14 spells DT_RELR --pack-dyn-relocs=relr; lld 15 added -z pack-relative-relocs.
	variant clang-lld-relr clang x86_64 --table=ptr_array -- -pie -fuse-ld=lld -Wl,--pack-dyn-relocs=relr
	variant clang-lld-relr-shared clang x86_64 --table=ptr_array -- -shared -fuse-ld=lld -Wl,--pack-dyn-relocs=relr
	variant clang-lld-gc clang x86_64 $gc -- -pie -fuse-ld=lld -Wl,--gc-sections
	object clang-m32-obj clang i386
	variant clang-lld-m32-pie clang i386 --table=ptr_array -- -pie -fuse-ld=lld
	variant clang-lld-m32-relr clang i386 --table=ptr_array -- -pie -fuse-ld=lld -Wl,--pack-dyn-relocs=relr
else
	skip "clang+lld: not installed"
fi
rt_finish
