/* Copyright (C) 2026 The gdb-rseq authors.
   SPDX-License-Identifier: GPL-3.0-or-later

   A program that GDB leaves in the middle of a critical section: it
   reports what it finds once it runs on alone -- its total, and whether
   its CPU affinity is the one it started with.  */

#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include "rseq-test.h"

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];

__attribute__ ((noinline)) void
add_one (void)
{
  while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
    continue;
}

int
main (void)
{
  cpu_set_t before, after;

  rseq_test_require ();
  sched_getaffinity (0, sizeof before, &before);
  add_one ();
  sched_getaffinity (0, sizeof after, &after);
  printf ("total=%ld affinity %s\n", (long) rseq_test_sum (counters),
	  CPU_EQUAL (&before, &after) ? "kept" : "changed");
  return 0;
}
