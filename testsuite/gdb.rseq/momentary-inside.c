/* Worker threads racing on one CPU through a load-add-store critical
   section while GDB has a momentary breakpoint of another thread inside
   it: the program behind momentary-inside.exp.

   main pins itself (and so every thread it creates) to one CPU and
   starts the workers; each adds 1 with percpu_addv, retrying after
   each abort, and counts its updates, until main is done.  main itself
   sleeps DELAY milliseconds, then adds once through the same section
   (main_add), where the test has GDB's "advance" put its momentary
   breakpoint: the workers reach that breakpoint, which is not theirs,
   all the while.  When every update kept the kernel's atomicity, the
   counters hold exactly the workers' updates and main's.

   Usage: momentary-inside [THREADS [DELAY]]  */

#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "rseq-test.h"

#define MAX_THREADS 16

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
static long updates[MAX_THREADS];
static volatile int main_done;
long aborts;

static void *
worker (void *arg)
{
  long *mine = arg;

  while (!main_done)
    {
      while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
	__atomic_add_fetch (&aborts, 1, __ATOMIC_RELAXED);
      (*mine)++;
    }
  return NULL;
}

/* main's own update, made while the workers run.  */
__attribute__ ((noinline)) void
main_add (void)
{
  while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
    __atomic_add_fetch (&aborts, 1, __ATOMIC_RELAXED);
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
  sched_setaffinity (0, sizeof set, &set);
}

int
main (int argc, char **argv)
{
  pthread_t tids[MAX_THREADS];
  long nthreads = 4, delay = 1000, i, total, expected;

  /* A debugging session that goes wrong must not leave a spinning
     process behind.  */
  alarm (600);
  if (argc > 1)
    nthreads = atol (argv[1]);
  if (argc > 2)
    delay = atol (argv[2]);
  if (nthreads < 1 || nthreads > MAX_THREADS)
    nthreads = 4;
  rseq_test_require ();
  pin_to_one_cpu ();
  for (i = 0; i < nthreads; i++)
    pthread_create (&tids[i], NULL, worker, &updates[i]);
  usleep (delay * 1000);	/* main sleeps */
  main_add ();
  main_done = 1;
  expected = 1;
  for (i = 0; i < nthreads; i++)
    {
      pthread_join (tids[i], NULL);
      expected += updates[i];
    }
  done ();
  total = (long) rseq_test_sum (counters);
  printf ("total=%ld expected=%ld exact=%s\n", total, expected,
	  total == expected ? "yes" : "no");
  return 0;
}
