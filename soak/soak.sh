#! /bin/sh
# soak.sh -- run soak.py's crossings in GDB with the extension of the build
# tree, and exit non-zero unless it printed "soak: PASS".
#
# Environment (set by soak/Makefile.am): top_builddir, PROGRAM (the built
# soak-percpu); GDB (default gdb), SOAK_CROSSINGS (default 10000),
# SOAK_SEED (default 1), SOAK_TIMEOUT (seconds, default 20 per crossing
# plus 120).  GDB's own output goes to soak.out, and the crossing each
# step started to soak.log, both in the current directory: after a
# failure or a hang they hold the last commands and stops.
#
# Copyright (C) 2026 The gdb-rseq authors.
# SPDX-License-Identifier: GPL-3.0-or-later

set -u

: "${top_builddir:?top_builddir is not set (run through make soak)}"
: "${PROGRAM:?PROGRAM is not set (run through make soak)}"
GDB=${GDB:-gdb}
SOAK_CROSSINGS=${SOAK_CROSSINGS:-10000}
SOAK_SEED=${SOAK_SEED:-1}
SOAK_TIMEOUT=${SOAK_TIMEOUT:-$((SOAK_CROSSINGS * 20 + 120))}
LOADER=$top_builddir/gdb-rseq-uninstalled.py
here=$(cd "$(dirname "$0")" && pwd)

if test "$(uname -m)" != x86_64; then
  echo "soak: skipped: soak-percpu's critical section is x86-64" >&2
  exit 0
fi
if test ! -f "$LOADER"; then
  echo "soak: $LOADER does not exist: build the tree first" >&2
  exit 1
fi
# A program that exits 77 at once (no rseq registration) is a skip.
"$PROGRAM" 0 > /dev/null 2>&1
case $? in
0) ;;
77) echo "soak: skipped: glibc registers no rseq area here" >&2
    "$PROGRAM" 0 >&2
    exit 0 ;;
*) echo "soak: $PROGRAM does not run" >&2
   exit 1 ;;
esac
# Migrations need two CPUs: the program moves its threads only if it
# may use two.  The driver says so in its summary.
cpus=$(nproc)
if test "$cpus" -lt 2; then
  echo "soak: note: only $cpus CPU usable: the program forces no migrations" >&2
fi

export SOAK_CROSSINGS SOAK_SEED
SOAK_LOG=$PWD/soak.log
export SOAK_LOG

# One command a line on GDB's standard input, as typed at its prompt.
commands() {
  echo soak-start
  i=0
  while test $i -lt "$SOAK_CROSSINGS"; do
    echo soak-cross
    i=$((i + 1))
  done
  echo soak-finish
}

echo "soak: $SOAK_CROSSINGS crossings, seed $SOAK_SEED, $GDB ($("$GDB" --version | head -n 1)), $cpus CPUs" >&2
commands |
  timeout -k 10 "$SOAK_TIMEOUT" "$GDB" -nx -q \
    -iex "source $LOADER" -x "$here/soak.py" "$PROGRAM" \
    > soak.out 2> soak.err
status=$?
cat soak.err >&2
if test $status -eq 124 || test $status -eq 137; then
  echo "soak: FAIL: GDB did not finish within $SOAK_TIMEOUT s; the last crossing started:" >&2
  tail -n 1 soak.log >&2
  exit 1
fi
grep -q '^soak: PASS' soak.err || exit 1
