#! /bin/sh
# Exits derived in a large file.  Most c.s. of a large file reuse the
# decoding of another (identical bodies, x86 instructions by their bytes
# and shapes, in fixed-size caches): each must still get its own exits
# and findings, at its own addresses.  A generated file of 20000 c.s.
# mixes the cases that produce exits and findings; rseq-readelf must
# list exactly the exits and findings the generator put there.
. "${srcdir:-.}/test-lib.sh"

ncs=20000
as=$(as_for x86_64)
ld=$(ld_for x86_64)
if test "${HAVE_OPCODES-}" != yes; then
	skip "built without libopcodes: no exits are derived"
	rt_finish
fi
if test -z "$as" || test -z "$ld" || ! have nm; then
	skip "no x86-64 assembler, linker or nm"
	rt_finish
fi

# C.s. N is of kind N % 5:
#   0  jne to a declared exit          exit "declared" (found both ways)
#   1  jne to an undeclared exit       exit "derived", a warning
#   2  call to a function outside      exit "derived", two warnings
#   3  declared exit no branch reaches exit "declared", a note
#   4  indirect jmp                    no exit, a note
# In even c.s. the immediate repeats every 7, so some bodies are
# identical (the reuse of whole bodies) and most differ only in it (the
# reuse of instruction shapes); in odd ones it is unique, and the
# thousands of bodies decoded once fill the body cache again and again
# between the reuses.  The symbols s, p, a, x name what the check below
# needs the addresses of.
gen () {
	cat <<'EOF'
	.section .note.GNU-stack, "", @progbits
	.globl rseq_fixture_entry
	.text
rseq_fixture_entry:
	xor %eax, %eax
	ret
callee:
	ret
EOF
	awk -v n="$ncs" 'BEGIN {
		for (i = 0; i < n; i++) {
			k = i % 5
			print "\t.text"
			print "s" i ":"
			imm = i % 2 ? 100000 + i : (i % 7) * 1000
			print "\tmovl $" imm ", %eax"
			if (k == 0 || k == 1)
				print "\tjne x" i
			else if (k == 2)
				print "\tcall callee"
			else if (k == 3)
				print "\tnop"
			else
				print "\tjmp *%rax"
			print "\taddl $1, %eax"
			print "p" i ":"
			print "\tret"
			print "x" i ":"
			print "\tret"
			print "\t.byte 0x0f, 0xb9, 0x3d"
			print "\t.long 0x53053053"
			print "a" i ":"
			print "\tjmp s" i
			print "\t.section __rseq_cs, \"aw\""
			print "\t.balign 32"
			print "d" i ":"
			print "\t.long 0, 0"
			print "\t.quad s" i ", p" i " - s" i ", a" i
			print "\t.section __rseq_cs_ptr_array, \"aw\""
			print "\t.quad d" i
			if (k == 0 || k == 3) {
				print "\t.section __rseq_exit_point_array, \"aw\""
				print "\t.quad s" i ", x" i
			}
		}
	}'
}

f=$work/many
if ! gen >$f.s || ! $as -o $f.o $f.s \
    || ! $ld -pie -e rseq_fixture_entry -o $f $f.o; then
	not_ok "$ncs c.s.: does not build"
	rt_finish
fi
nm $f >$f.nm

st=0
"$RSEQ_READELF" --json $f >$f.json 2>$f.err || st=$?
if test $st -eq 0; then
	ok "$ncs c.s.: rseq-readelf --json"
else
	cat $f.err
	not_ok "$ncs c.s.: rseq-readelf --json: exit $st"
	rt_finish
fi

# The exits and findings the generator put in each c.s.
check "exits and findings as generated" "$PYTHON3" - $f.json $f.nm $ncs <<'EOF'
import json, sys

out = json.load(open(sys.argv[1]))
sym = {}
for line in open(sys.argv[2]):
    parts = line.split()
    if len(parts) == 3:
        sym[parts[2]] = int(parts[0], 16)
n = int(sys.argv[3])
table = "__rseq_exit_point_array"

by_start = {c["start_ip"]: c for c in out["critical_sections"]}
diags = {(d["severity"], d["ip"], d["message"]) for d in out["diagnostics"]}
bad = 0

def fail(msg):
    global bad
    bad += 1
    if bad <= 10:
        print(msg)

if len(out["critical_sections"]) != n:
    fail("%d c.s. read, not %d" % (len(out["critical_sections"]), n))
expected_diags = set()
for i in range(n):
    k = i % 5
    s, p, x = sym["s%d" % i], sym["p%d" % i], sym["x%d" % i]
    rng = "[0x%x, 0x%x)" % (s, p)
    branch = s + 5          # after the 5-byte movl
    if k == 0:
        exits = [(x, "declared")]
    elif k == 1:
        exits = [(x, "derived")]
        expected_diags.add(("warning", x,
            "exit 0x%x, reached by the branch at 0x%x, is not declared in %s"
            % (x, branch, table)))
    elif k == 2:
        c = sym["callee"]
        exits = [(c, "derived")]
        expected_diags.add(("warning", branch,
            "call inside the critical section %s: call 0x%x" % (rng, c)))
        expected_diags.add(("warning", c,
            "exit 0x%x, reached by the branch at 0x%x, is not declared in %s"
            % (c, branch, table)))
    elif k == 3:
        exits = [(x, "declared")]
        expected_diags.add(("note", x,
            "declared exit 0x%x is not the target of any branch in the "
            "critical section %s" % (x, rng)))
    else:
        exits = []
        expected_diags.add(("note", branch,
            "indirect branch in the critical section %s: jmp *%%rax: its "
            "target is not known from the file" % rng))
    c = by_start.get(s)
    if c is None:
        fail("c.s. %d at 0x%x: not listed" % (i, s))
        continue
    got = [(e["ip"], e["kind"]) for e in c["exits"]]
    if got != exits:
        fail("c.s. %d at 0x%x: exits %s, expected %s" % (i, s, got, exits))
for d in sorted(expected_diags - diags)[:5]:
    fail("missing: %s" % (d,))
for d in sorted(diags - expected_diags)[:5]:
    fail("unexpected: %s" % (d,))
if len(diags) != len(out["diagnostics"]):
    fail("a diagnostic is repeated")
print("%d c.s., %d diagnostics checked, %d problems"
      % (n, len(expected_diags), bad))
sys.exit(1 if bad else 0)
EOF

rt_finish
