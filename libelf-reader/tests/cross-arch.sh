#! /bin/sh
# Every fixture scenario on every machine the reader supports, assembled and
# linked with that machine's GNU binutils (and with lld where it handles the
# machine): ET_REL, ET_EXEC, PIE and shared library, so relocatable
# addresses, R_*_RELATIVE relocations (bfd writes the value too, lld only
# the addend) and big-endian/32-bit layouts are all read back.  A machine
# whose cross tools are missing is skipped.  Objects from clang's
# integrated assembler are read too, alone and linked.
. "${srcdir:-.}/test-lib.sh"

arches="x86_64 i386 aarch64 arm ppc64 ppc64le s390x riscv64"
scenarios="basic:ptr_array padding:cs exitname:ptr_array legacy:legacy noexits:ptr_array"

# lld_ok OBJECT: whether ld.lld links OBJECT's machine here.
lld_ok () {
	have ld.lld || return 1
	# In a subshell: lld 14 dies of SIGSEGV on s390x objects.
	(ld.lld -e rseq_fixture_entry -o "$work/lldprobe" "$1"; exit $?) \
		>/dev/null 2>&1
}

# relr ARCH BASE "LINK COMMAND" SUFFIX: link BASE.o with DT_RELR and check
# it; a skip when the linker makes no RELR table for ARCH.
relr () {
	if $3 -e rseq_fixture_entry -o $2.$4 $2.o >$2.$4.log 2>&1 \
	    && readelf -d $2.$4 2>/dev/null | grep -q '(RELR)'; then
		check "$1 basic $4" fcheck $2.$4 --table=ptr_array
	else
		skip "$1 basic $4: no DT_RELR from $3"
	fi
}

# clang's target triple for ARCH (its integrated assembler needs no cross
# tools).
clang_target () {
	case $1 in
	arm) echo armv7a-linux-gnueabihf ;;
	*) triple_of $1 ;;
	esac
}

for arch in $arches; do
	# LLVM's assembler picks its own relocations (symbol or section
	# based, ADD/SUB pairs): its objects, and them linked, must read
	# the same.
	if have clang; then
		for name in basic padding legacy; do
			table=$(echo " $scenarios " | sed "s/.* $name:\([a-z_]*\) .*/\1/")
			base=$work/$arch-$name-clang
			if ! assemble $arch $name $base.o "clang --target=$(clang_target $arch) -c"; then
				not_ok "$arch $name: clang does not assemble it"
				continue
			fi
			check "$arch $name clang .o" fcheck $base.o --table=$table
			if lld_ok $base.o \
			    && ld.lld -pie -e rseq_fixture_entry -o $base.lld-pie $base.o; then
				check "$arch $name clang lld pie" fcheck $base.lld-pie --table=$table
			fi
			ld=$(ld_for $arch)
			if test -z "$ld"; then
				:
			elif $ld -pie -e rseq_fixture_entry -o $base.pie $base.o; then
				check "$arch $name clang bfd pie" fcheck $base.pie --table=$table
			else
				skip "$arch $name: $ld does not link clang's object"
			fi
		done
	fi

	as=$(as_for $arch)
	ld=$(ld_for $arch)
	if test -z "$as" || test -z "$ld"; then
		skip "$arch: no $(triple_of $arch)-as/ld"
		continue
	fi
	for sc in $scenarios; do
		name=${sc%%:*}
		table=${sc#*:}
		base=$work/$arch-$name
		if ! assemble $arch $name $base.o; then
			not_ok "$arch $name: does not assemble"
			continue
		fi
		check "$arch $name .o" fcheck $base.o --table=$table
		variants="exec: pie:-pie so:-shared"
		for v in $variants; do
			suffix=${v%%:*}
			flags=${v#*:}
			if $ld $flags -e rseq_fixture_entry -o $base.$suffix $base.o; then
				check "$arch $name bfd $suffix" fcheck $base.$suffix --table=$table
			else
				not_ok "$arch $name: $ld $flags failed"
			fi
		done
		if lld_ok $base.o; then
			for v in $variants; do
				suffix=lld-${v%%:*}
				flags=${v#*:}
				if ld.lld $flags -e rseq_fixture_entry -o $base.$suffix $base.o; then
					check "$arch $name lld ${v%%:*}" fcheck $base.$suffix --table=$table
				else
					not_ok "$arch $name: ld.lld $flags failed"
				fi
			done
		elif test $name = basic; then
			skip "$arch: ld.lld does not link $arch objects"
		fi
		# DT_RELR, where this machine's linkers pack relative relocations.
		if test $name = basic; then
			relr $arch $base "$ld -pie -z pack-relative-relocs" bfd-relr
			lld_ok $base.o \
				&& relr $arch $base "ld.lld -pie --pack-dyn-relocs=relr" lld-relr
		fi
		# The command line prints what the library read, for every file kind.
		if test $name = basic; then
			for f in $base.o $base.pie $base.so; do
				test -f $f && check "$arch cli $(basename $f)" cli_matches $f
			done
		fi
	done
done
rt_finish
