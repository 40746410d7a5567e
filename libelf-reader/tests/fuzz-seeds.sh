#! /bin/sh
# fuzz-seeds.sh OUT REGRESSIONS DIR...: the seed corpus of "make fuzz" in
# OUT/: every saved regression input, and every ELF file of at most 64 KiB
# under the DIRs (the fixtures the tests built, and fuzz.sh's damaged
# ones), one copy of each content.  Larger files (static executables) would
# only slow every mutation down: the rseq tables are a few hundred bytes.
set -e
out=$1
regressions=$2
shift 2
rm -rf "$out"
mkdir -p "$out"
max=65536

# add FILE...: copy each ELF FILE of at most $max bytes to $out, named by
# its checksum.  (Through find -exec: the tests' files have names with
# spaces, quotes and newlines.)
add='o=$1
shift
for f; do
	test "$(od -An -tx1 -N4 "$f" | tr -d " ")" = 7f454c46 || continue
	test "$(wc -c <"$f")" -le $0 || continue
	cp "$f" "$o/$(cksum <"$f" | tr " " -)"
done'

for f in "$regressions"/*; do
	test -f "$f" && cp "$f" "$out/$(cksum <"$f" | tr ' ' -)"
done
for d in "$@"; do
	test -d "$d" || continue
	find "$d" -type f -size -$((max / 512 + 1)) \
	     -exec sh -c "$add" $max "$out" {} +
done
if test "$(ls "$out" | wc -l)" -eq 0; then
	echo "fuzz-seeds.sh: no seeds: did the fixture tests build nothing?" >&2
	exit 1
fi
echo "fuzz-seeds.sh: $(ls "$out" | wc -l) distinct seeds in $out"
