/* Copyright (C) 2026 The gdb-rseq authors.
   SPDX-License-Identifier: GPL-3.0-or-later

   The program behind end-pass.exp, which ends a debugging session or a
   pass through a critical section in every way GDB has (kill, run,
   file, exec, SIGKILL from outside, MI detach) while a thread is in the
   middle of a load-add-store section.

   main pins the process to one CPU, so that its threads contend for
   one per-CPU counter, and starts NTHREADS workers that each add 1
   ITERATIONS times.  main itself then adds 1 once through add_one,
   where a test stops it in the middle of the section.  Every update
   that kept the kernel's atomicity counts: the total is exactly
   NTHREADS * ITERATIONS + 1.

   With MODE "exec", the last worker re-executes the program with MODE
   "report", without updating anything, once a test sets exec_now: the new image prints the CPU
   affinity the process kept across the exec, and exits.  With MODE
   "linger", the program prints its total and waits, its workers
   alive, to be killed: a test reads their affinity from outside.

   Usage: end-pass [ITERATIONS [NTHREADS [MODE]]]  */

#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "rseq-test.h"

#define MAX_THREADS 16

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
static long iterations = 100;
static long nthreads = 2;
static const char *mode = "";
static char *self;
/* The CPU main pinned the process to, -1 if it could not.  */
int pinned_cpu = -1;
/* Every worker counts itself in, then waits for main's GO: main's
   own update comes first, alone.  */
volatile int workers_started;
volatile int go;
volatile int workers_done;
volatile int exec_now;

static void
update (void)
{
  while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
    continue;
}

__attribute__ ((noinline)) void
add_one (void)
{
  update ();
}

/* The image after an exec: a place to stop before it exits.  */
__attribute__ ((noinline)) void
reported (void)
{
  __asm__ volatile ("" ::: "memory");
}

static void *
worker (void *arg)
{
  long i, n = (long) arg;

  __atomic_add_fetch (&workers_started, 1, __ATOMIC_SEQ_CST);
  while (!go)
    sched_yield ();
  if (strcmp (mode, "exec") != 0 || n != nthreads - 1)
    for (i = 0; i < iterations; i++)
      update ();
  __atomic_add_fetch (&workers_done, 1, __ATOMIC_SEQ_CST);
  if (strcmp (mode, "linger") == 0)
    for (;;)
      pause ();
  if (strcmp (mode, "exec") == 0 && n == nthreads - 1)
    {
      /* The worker that execs updates nothing (a thread that reaches a
	 section while another thread's pass is held there cannot pass
	 it), and waits for the test to say when.  */
      while (!exec_now)
	sched_yield ();
      char its[32], nth[32];

      snprintf (its, sizeof its, "%ld", iterations);
      snprintf (nth, sizeof nth, "%ld", nthreads);
      execl (self, self, its, nth, "report", (char *) NULL);
      perror ("execl");
      exit (2);
    }
  return NULL;
}

/* A place to stop once the workers are gone.  */
__attribute__ ((noinline)) void
done (void)
{
  __asm__ volatile ("" ::: "memory");
}

static void
pin_to_one_cpu (void)
{
  cpu_set_t set;
  int cpu = sched_getcpu ();

  if (cpu < 0)
    return;
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  if (sched_setaffinity (0, sizeof set, &set) == 0)
    pinned_cpu = cpu;
}

int
main (int argc, char **argv)
{
  pthread_t tids[MAX_THREADS];
  long i, total;

  /* A debugging session that goes wrong must not leave a spinning
     process behind.  */
  alarm (600);
  self = argv[0];
  if (argc > 1)
    iterations = atol (argv[1]);
  if (argc > 2)
    nthreads = atol (argv[2]);
  if (argc > 3)
    mode = argv[3];
  if (nthreads < 1 || nthreads > MAX_THREADS)
    nthreads = 2;
  rseq_test_require ();
  if (strcmp (mode, "report") == 0)
    {
      cpu_set_t set;
      int cpu;

      reported ();
      sched_getaffinity (0, sizeof set, &set);
      printf ("after exec: affinity");
      for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
	if (CPU_ISSET (cpu, &set))
	  printf (" %d", cpu);
      printf ("\n");
      return 0;
    }
  pin_to_one_cpu ();
  for (i = 0; i < nthreads; i++)
    pthread_create (&tids[i], NULL, worker, (void *) i);
  while (workers_started < nthreads)
    sched_yield ();
  add_one ();
  go = 1;
  if (strcmp (mode, "linger") == 0)
    {
      /* The workers stay, for a test to read their affinity from
	 outside once GDB let go of the process.  */
      while (workers_done < nthreads)
	sched_yield ();
    }
  else
    for (i = 0; i < nthreads; i++)
      pthread_join (tids[i], NULL);
  done ();
  total = (long) rseq_test_sum (counters);
  printf ("total=%ld expected=%ld exact=%s\n", total,
	  nthreads * iterations + 1,
	  total == nthreads * iterations + 1 ? "yes" : "no");
  fflush (stdout);
  if (strcmp (mode, "linger") == 0)
    for (;;)
      pause ();
  return 0;
}
