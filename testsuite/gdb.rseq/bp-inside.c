/* Threads racing on one CPU through a load-add-store critical section:
   the program behind the bp-inside-*.exp tests, which set breakpoints
   inside that section.

   main pins itself (and so every thread it creates) to one CPU, so the
   workers contend for the same per-CPU counter and preempt each other
   inside the section.  Each worker adds 1 ITERATIONS times with
   percpu_addv, retrying after each abort.  When every update kept the
   kernel's atomicity, the counters hold exactly THREADS * ITERATIONS;
   a pass that ran on unprotected after another thread committed loses
   an update.  main then calls done, where a test can look at what is
   left before the process exits, and prints the totals.

   Usage: bp-inside [ITERATIONS [THREADS]]  */

#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "rseq-test.h"

#define MAX_THREADS 16

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
static long iterations = 100;
long aborts;
/* The CPU main pinned the process to, -1 if it could not.  */
int pinned_cpu = -1;

static void *
worker (void *arg)
{
  long i;

  (void) arg;
  for (i = 0; i < iterations; i++)
    while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
      __atomic_add_fetch (&aborts, 1, __ATOMIC_RELAXED);
  return NULL;
}

/* A place to stop once the workers are gone.  */
__attribute__ ((noinline)) void
done (void)
{
  __asm__ volatile ("" ::: "memory");
}

/* Every thread of the process on the CPU main runs on now.  */
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
  long nthreads = 4, i, total;

  rseq_test_alarm (600);
  if (argc > 1)
    iterations = atol (argv[1]);
  if (argc > 2)
    nthreads = atol (argv[2]);
  if (nthreads < 1 || nthreads > MAX_THREADS)
    nthreads = 4;
  rseq_test_require ();
  pin_to_one_cpu ();
  for (i = 0; i < nthreads; i++)
    pthread_create (&tids[i], NULL, worker, NULL);
  for (i = 0; i < nthreads; i++)
    pthread_join (tids[i], NULL);
  done ();
  total = (long) rseq_test_sum (counters);
  printf ("total=%ld expected=%ld exact=%s\n", total, nthreads * iterations,
	  total == nthreads * iterations ? "yes" : "no");
  return 0;
}
