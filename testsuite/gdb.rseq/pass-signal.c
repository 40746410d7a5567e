/* A signal delivered in the middle of a pass that gdb-rseq made safe to
   single-step: the handler must return to the abort handler, as the
   kernel sends it with rseq_cs armed.
   Copyright (C) 2026 The gdb-rseq authors.
   SPDX-License-Identifier: GPL-3.0-or-later  */

#include <signal.h>
#include <stdio.h>
#include "rseq-test.h"

struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
volatile long aborts;
static volatile sig_atomic_t caught;

static void
handler (int sig)
{
  caught = sig;
}

__attribute__ ((noinline)) long
counters_total (void)
{
  return (long) rseq_test_sum (counters);
}

__attribute__ ((noinline)) void
marker (void)
{
  __asm__ volatile ("" ::: "memory");
}

__attribute__ ((noinline)) void
add_one (void)
{
  while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
    aborts++;
}

int
main (void)
{
  rseq_test_alarm (60);
  rseq_test_require ();
  signal (SIGUSR1, handler);
  add_one ();
  marker ();
  printf ("total=%ld caught=%d\n", counters_total (), (int) caught);
  return 0;
}
