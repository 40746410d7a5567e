/* Threads racing on one CPU through a load-add-store critical section:
   the program behind the bp-inside-*.exp tests, which set breakpoints
   inside that section.

   main pins itself (and so every thread it creates) to one CPU, so the
   workers contend for the same per-CPU counter and preempt each other
   inside the section.  Each worker adds 1 ITERATIONS times with
   percpu_addv, retrying after each abort.  main runs ROUNDS rounds of
   THREADS new workers: threads are created while others are in their
   sections.  When every update kept the kernel's atomicity, the
   counters hold exactly ROUNDS * THREADS * ITERATIONS; a pass that ran
   on unprotected after another thread committed loses an update.  main
   then calls done, where a test can look at what is left before the
   process exits, and prints the totals.

   Once every worker of a round has left its last section, each checks
   that its CPU set is still the one main gave the process: a debugger
   that moved threads for a pass must give them back.  main prints how
   many were not, and how many updates went to another CPU's counter.

   Usage: bp-inside [ITERATIONS [THREADS [ROUNDS]]]  */

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
static pthread_barrier_t all_done;
static long moved;
/* The CPU main pinned the process to, -1 if it could not.  */
int pinned_cpu = -1;

static void *
worker (void *arg)
{
  long i;
  cpu_set_t set, want;

  (void) arg;
  for (i = 0; i < iterations; i++)
    while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
      __atomic_add_fetch (&aborts, 1, __ATOMIC_RELAXED);
  pthread_barrier_wait (&all_done);
  if (pinned_cpu < 0)
    return NULL;
  CPU_ZERO (&want);
  CPU_SET (pinned_cpu, &want);
  if (sched_getaffinity (0, sizeof set, &set) != 0
      || !CPU_EQUAL (&set, &want))
    __atomic_add_fetch (&moved, 1, __ATOMIC_RELAXED);
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
  long nthreads = 4, rounds = 1, expected, i, round, total;

  rseq_test_alarm (600);
  if (argc > 1)
    iterations = atol (argv[1]);
  if (argc > 2)
    nthreads = atol (argv[2]);
  if (nthreads < 1 || nthreads > MAX_THREADS)
    nthreads = 4;
  if (argc > 3)
    rounds = atol (argv[3]);
  if (rounds < 1)
    rounds = 1;
  rseq_test_require ();
  pin_to_one_cpu ();
  pthread_barrier_init (&all_done, NULL, nthreads);
  for (round = 0; round < rounds; round++)
    {
      for (i = 0; i < nthreads; i++)
	pthread_create (&tids[i], NULL, worker, NULL);
      for (i = 0; i < nthreads; i++)
	pthread_join (tids[i], NULL);
    }
  done ();
  total = (long) rseq_test_sum (counters);
  expected = rounds * nthreads * iterations;
  printf ("total=%ld expected=%ld exact=%s\n", total, expected,
	  total == expected ? "yes" : "no");
  printf ("moved=%ld elsewhere=%ld\n", moved,
	  pinned_cpu >= 0 ? total - (long) counters[pinned_cpu].count : 0L);
  return 0;
}
