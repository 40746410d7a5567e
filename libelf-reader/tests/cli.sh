#! /bin/sh
# rseq-readelf's command-line contract: exit status 0 for a file read
# (with --check: and nothing to report), 1 for findings under --check, 2
# when a file cannot be read, with a message naming it; one JSON object per
# file, an array for several; an empty list for a file without rseq
# sections.
. "${srcdir:-.}/test-lib.sh"

arch=x86_64
ld=$(ld_for $arch)
if test -z "$(as_for $arch)" || test -z "$ld"; then
	skip "no x86-64 assembler and linker"
	rt_finish
fi
for sc in basic norseq diag-version; do
	assemble $arch $sc $work/$sc.o \
		&& $ld -pie -e rseq_fixture_entry -o $work/$sc $work/$sc.o \
		|| not_ok "$sc: does not build"
done
basic=$work/basic norseq=$work/norseq bad=$work/diag-version

# status EXPECTED NAME ARG...: rseq-readelf ARG... exits EXPECTED; its
# stdout and stderr are left in $work/out and $work/err.
status () {
	s_want=$1 s_name=$2
	shift 2
	s_st=0
	"$RSEQ_READELF" "$@" >$work/out 2>$work/err || s_st=$?
	if test $s_st -eq $s_want; then
		ok "$s_name"
	else
		echo "+ rseq-readelf $*: exit $s_st"
		cat $work/out $work/err
		not_ok "$s_name: exit $s_st, expected $s_want"
	fi
}

# stderr_names NAME FILE: the error message names FILE.
stderr_names () {
	if grep -F -q -- "$2" $work/err; then
		ok "$1"
	else
		cat $work/err
		not_ok "$1: stderr does not name $2"
	fi
}

json () {
	"$PYTHON3" -c "import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" $work/out
}

status 0 "read a file" $basic
start=$(nm $basic | sed -n 's/^0*\([0-9a-f]*\) t tcs_a_start$/\1/p')
check "text output shows tcs_a's start_ip" grep -i -q "$start" $work/out
status 0 "read a file, --json" --json $basic
check "--json: one object" json 'isinstance(d, dict) and len(d["critical_sections"]) == 2'
check "--json equals the library" cli_matches $basic
status 0 "two files, --json" --json $basic $norseq
check "two files: an array of two objects in order" \
	json "isinstance(d, list) and [len(o['critical_sections']) for o in d] == [2, 0] and d[1]['file'] == '$norseq'"

status 0 "no rseq sections" --json $norseq
check "no rseq sections: empty list" json 'd["critical_sections"] == [] and d["machine"] and d["class"] == 64 and d["endianness"] == "little"'
status 0 "no rseq sections, --check" --check $norseq

status 0 "--check, clean file" --check $basic
status 0 "findings without --check" $bad
status 1 "findings with --check" --check $bad
status 1 "findings with --check --json" --check --json $bad
check "--check --json still prints the findings" \
	json 'any(x["severity"] == "error" for x in d["diagnostics"])'
status 1 "--check, one of two files has findings" --check $basic $bad

# The file name is printed as given, whatever it holds.
odd=$work/'odd "name" \ with
newline'
cp $basic "$odd"
status 0 "odd file name, --json" --json "$odd"
check "odd file name: JSON holds it exactly" \
	"$PYTHON3" -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["file"] != sys.argv[2])' $work/out "$odd"

# Symbols are for people: a stripped copy reads the same.
if have strip && strip -o $work/stripped $basic; then
	status 0 "stripped copy, --json" --json $work/stripped
	mv $work/out $work/stripped.json
	status 0 "unstripped, --json" --json $basic
	check "stripped copy reads the same" "$PYTHON3" -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
a.pop("file"); b.pop("file")
sys.exit(a != b)' $work/out $work/stripped.json
else
	skip "strip: not available"
fi

missing=$work/no-such-file
status 2 "missing file" $missing
stderr_names "missing file: message names it" $missing
printf 'this is not an ELF file\n' >$work/text.elf
status 2 "not ELF" $work/text.elf
stderr_names "not ELF: message names it" $work/text.elf
: >$work/empty.elf
status 2 "empty file" $work/empty.elf
stderr_names "empty file: message names it" $work/empty.elf
head -c 40 $basic >$work/short.elf
status 2 "truncated ELF header" $work/short.elf
stderr_names "truncated ELF header: message names it" $work/short.elf
if have ar && ar rc $work/lib.a $work/basic.o; then
	status 2 "an ar archive" $work/lib.a
	stderr_names "an ar archive: message names it" $work/lib.a
else
	skip "ar: not available"
fi
status 2 "a directory" $work
stderr_names "a directory: message names it" $work
status 2 "good file then unreadable one" --json $basic $missing
stderr_names "good then unreadable: names the bad one" $missing
if grep -F -q -- "$basic" $work/err; then
	not_ok "good then unreadable: the good file is blamed too"
else
	ok "good then unreadable: only the bad file is blamed"
fi
status 2 "unreadable between two good files" --json $basic $missing $norseq
check "unreadable between two: the others are still printed" \
	json "[o['file'] for o in d] == ['$basic', '$norseq']"
status 2 "unreadable beats findings under --check" --check $bad $missing

# GNU command-line conventions.
status 0 "--help" --help
check "--help documents the options" \
	sh -c "grep -q -e --json $work/out && grep -q -e --check $work/out && grep -q -e --no-derive $work/out"
status 0 "--version" --version
check "--version names the program" grep -q rseq-readelf $work/out
status 2 "unknown option" --no-such-option $basic
check "unknown option: says so on stderr" grep -q -e --no-such-option $work/err
status 2 "no file" --json
rt_finish
