#! /bin/sh
# Check the manual and the man pages against what they document:
#   - every function of <rseqelf.h> is in librseqelf(3) (NAME, SYNOPSIS,
#     the install-time man links) and has a @deftypefun in the manual, and
#     nothing else is documented as a function;
#   - every option rseq-readelf --help lists is in rseq-readelf(1) and in
#     the manual, and the man page documents no other option;
#   - every GDB command under the rseq prefixes is in the manual and in
#     gdb-rseq(7) (when the extension is built);
#   - the librseqelf example of the manual and of librseqelf(3) builds
#     and runs;
#   - makeinfo and groff produce no warnings.
# Run by `make check' in doc/ with top_srcdir, top_builddir, srcdir,
# RSEQELF_MAN_LINKS, MAKEINFO, GDB and CC in the environment.
set -u
srcdir=${srcdir:-.}
top_srcdir=${top_srcdir:-..}
top_builddir=${top_builddir:-..}
header=$top_srcdir/libelf-reader/include/rseqelf.h
texi=$srcdir/gdb-rseq.texi
man1=$srcdir/rseq-readelf.1
man3=$srcdir/librseqelf.3
man7=$srcdir/gdb-rseq.7
tmp=${TMPDIR:-/tmp}/check-docs.$$
mkdir "$tmp" || exit 99
trap 'rm -rf "$tmp"' EXIT
status=0

fail () {
	echo "FAIL: $*"
	status=1
}

# Sorted, unique lines of a command's output, for comm(1).
set_of () {
	"$@" | LC_ALL=C sort -u
}

# --- librseqelf -------------------------------------------------------
set_of sed -n 's/^[^#/ *].*[ *]\(rseqelf_[a-z_]*\) *(.*/\1/p' "$header" > "$tmp/h-funcs"
if [ ! -s "$tmp/h-funcs" ]; then
	fail "no function found in $header"
fi
set_of sed -n 's/^@deftypefunx\{0,1\} .* \(rseqelf_[a-z_]*\) (.*/\1/p' "$texi" > "$tmp/texi-funcs"
set_of sed -n 's/^\.BI\{0,1\} .*[ *]\(rseqelf_[a-z_]*\)(.*/\1/p' "$man3" > "$tmp/man-funcs"
# The NAME section: from .SH NAME to the line with the \- separator.
set_of sh -c "sed -n '/^\.SH NAME/,/^\\\\-/p' '$man3' | tr ', ' '\n\n' | grep '^rseqelf_'" > "$tmp/name-funcs"
set_of sh -c 'for f in ${RSEQELF_MAN_LINKS:-}; do echo "$f"; done' > "$tmp/link-funcs"

for where in texi-funcs man-funcs name-funcs link-funcs; do
	for f in $(LC_ALL=C comm -23 "$tmp/h-funcs" "$tmp/$where"); do
		fail "$f is declared in rseqelf.h but missing from $where"
	done
	for f in $(LC_ALL=C comm -13 "$tmp/h-funcs" "$tmp/$where"); do
		fail "$f is documented ($where) but not declared in rseqelf.h"
	done
done
echo "librseqelf: $(wc -l < "$tmp/h-funcs") functions checked"

# --- rseq-readelf -----------------------------------------------------
readelf_bin=$top_builddir/libelf-reader/rseq-readelf
if [ -x "$readelf_bin" ]; then
	if ! "$readelf_bin" --help > "$tmp/help" 2>&1; then
		fail "rseq-readelf --help exited with status $?"
	fi
	# Long options anywhere in the help; short ones where options are
	# listed ("  -j, --json").
	set_of sh -c "grep -o -- '--[a-z][a-z-]*' '$tmp/help';
		sed -n 's/^ *\\(-[a-zA-Z]\\), --.*/\\1/p' '$tmp/help'" > "$tmp/help-opts"
	[ -s "$tmp/help-opts" ] || fail "rseq-readelf --help lists no option"
	set_of sh -c "sed 's/\\\\-/-/g' '$man1' | grep -o -- '--[a-z][a-z-]*';
		sed 's/\\\\-/-/g' '$man1' | sed -n 's/^\\.BR -\\([a-zA-Z]\\) .*/-\\1/p'" > "$tmp/man1-opts"
	set_of sh -c "sed -n '/^@node Invoking rseq-readelf/,/^@node /p' '$texi' |
		sed -n 's/^@itemx\\{0,1\\} \\(--\\{0,1\\}[a-zA-Z][a-z-]*\\).*/\\1/p'" > "$tmp/texi-opts"
	for o in $(LC_ALL=C comm -23 "$tmp/help-opts" "$tmp/man1-opts"); do
		fail "rseq-readelf $o is missing from rseq-readelf.1"
	done
	for o in $(LC_ALL=C comm -13 "$tmp/help-opts" "$tmp/man1-opts"); do
		fail "rseq-readelf.1 documents $o, which rseq-readelf --help does not list"
	done
	for o in $(LC_ALL=C comm -23 "$tmp/help-opts" "$tmp/texi-opts"); do
		fail "rseq-readelf $o is missing from the manual's option table"
	done
	for o in $(LC_ALL=C comm -13 "$tmp/help-opts" "$tmp/texi-opts"); do
		fail "the manual documents rseq-readelf $o, which --help does not list"
	done
	echo "rseq-readelf: $(wc -l < "$tmp/help-opts") options checked"
else
	echo "SKIP: $readelf_bin not built; options not checked"
fi

# --- GDB commands -----------------------------------------------------
loader=$top_builddir/gdb-rseq-uninstalled.py
if [ -f "$loader" ] && [ -n "${GDB:-}" ]; then
	# GDB lists each prefix's subcommands as "PREFIX SUB[, ALIAS] -- summary";
	# "help info" lists "info rseq" itself, which also acts.
	"$GDB" -nx -batch -iex "source $loader" \
		-ex 'help set rseq' -ex 'help show rseq' \
		-ex 'help info rseq' -ex 'help maintenance rseq' -ex 'help info' \
		> "$tmp/gdb-help" 2>&1
	set_of sh -c "sed -n 's/^\\(\\(set\\|show\\|info\\|maintenance\\) rseq\\( [a-z-]*\\)*\\)\\(,[^-]*\\)\\{0,1\\} -- .*/\\1/p' '$tmp/gdb-help' |
		sed 's/^maintenance /maint /'" > "$tmp/gdb-cmds"
	if [ ! -s "$tmp/gdb-cmds" ]; then
		fail "no rseq command found in GDB's help:"
		cat "$tmp/gdb-help"
	fi
	set_of sh -c "sed -n 's/^@deffnx\\{0,1\\} Command {\\([^}]*\\)}.*/\\1/p' '$texi'" > "$tmp/texi-cmds"
	LC_ALL=C comm -23 "$tmp/gdb-cmds" "$tmp/texi-cmds" | while read -r c; do
		echo "FAIL: GDB command '$c' is not documented in the manual"
	done > "$tmp/cmd-fails"
	LC_ALL=C comm -13 "$tmp/gdb-cmds" "$tmp/texi-cmds" | while read -r c; do
		echo "FAIL: the manual documents GDB command '$c', which GDB does not have"
	done >> "$tmp/cmd-fails"
	if [ -s "$tmp/cmd-fails" ]; then
		cat "$tmp/cmd-fails"
		status=1
	fi
	sed 's/\\-/-/g; s/\\f[BIRP]//g' "$man7" > "$tmp/man7"
	while read -r c; do
		grep -q -- "$c" "$tmp/man7" ||
			fail "GDB command '$c' is not in gdb-rseq.7"
	done < "$tmp/gdb-cmds"
	echo "GDB: $(wc -l < "$tmp/gdb-cmds") commands checked"
else
	echo "SKIP: extension not built ($loader); GDB commands not checked"
fi

# --- the librseqelf example -------------------------------------------
# The manual's and the man page's example program must build warning-free
# against the library of this build and behave as the text says.
libdir=$top_builddir/libelf-reader/.libs
if [ -n "${CC:-}" ] && [ -f "$libdir/librseqelf.so" ]; then
	sed -n '/^@node librseqelf Example/,/^@end example/p' "$texi" |
		sed -n '/^@example/,/^@end example/p' | sed '1d;$d' |
		sed 's/@{/{/g; s/@}/}/g; s/@@/@/g' > "$tmp/texi-example.c"
	# The first .nf/.fi block of EXAMPLES, with roff's escapes undone.
	sed -n '/^\.SH EXAMPLES/,/^\.SH SEE ALSO/p' "$man3" |
		sed -n '/^\.nf/,/^\.fi/p' | sed '/^\.fi/q' | sed '1d;$d' |
		sed 's/\\e/\\/g; s/\\-/-/g' > "$tmp/man-example.c"
	printf 'not an ELF file\n' > "$tmp/not-elf"
	for ex in texi-example man-example; do
		if ! $CC -std=gnu11 -Wall -Wextra -Werror \
			-I"$top_srcdir/libelf-reader/include" \
			-o "$tmp/$ex" "$tmp/$ex.c" "$libdir/librseqelf.so" \
			-Wl,-rpath,"$libdir" > "$tmp/$ex.cc" 2>&1; then
			fail "the $ex program does not build:"
			cat "$tmp/$ex.cc"
			continue
		fi
		# A valid ELF file without rseq tables: nothing printed, 0.
		out=$("$tmp/$ex" "$tmp/$ex" 2>&1)
		[ $? -eq 0 ] && [ -z "$out" ] ||
			fail "$ex on an ELF file without rseq tables: status/output '$out'"
		# Not an ELF file: "FILE: reason" on stderr, status 2.
		out=$("$tmp/$ex" "$tmp/not-elf" 2>&1 >/dev/null)
		st=$?
		[ $st -eq 2 ] && case $out in "$tmp/not-elf: "*) true ;; *) false ;; esac ||
			fail "$ex on a non-ELF file: status $st, stderr '$out'"
	done
	echo "librseqelf examples: built and run"
else
	echo "SKIP: librseqelf not built or CC unset; examples not checked"
fi

# --- warnings ---------------------------------------------------------
makeinfo=${MAKEINFO:-makeinfo}
# MAKEINFO may be automake's "missing" wrapper followed by the program.
if $makeinfo --version > /dev/null 2>&1; then
	$makeinfo --no-split -I "$srcdir" -o "$tmp/out.info" "$texi" > "$tmp/makeinfo" 2>&1 ||
		fail "makeinfo failed"
	if [ -s "$tmp/makeinfo" ]; then
		fail "makeinfo warnings:"
		cat "$tmp/makeinfo"
	fi
else
	echo "SKIP: makeinfo not available"
fi
if command -v groff > /dev/null 2>&1; then
	for page in "$man1" "$man3" "$man7"; do
		LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" > "$tmp/groff" 2>&1
		if [ -s "$tmp/groff" ]; then
			fail "groff warnings for $page:"
			cat "$tmp/groff"
		fi
	done
else
	echo "SKIP: groff not available; man pages not checked"
fi

exit $status
