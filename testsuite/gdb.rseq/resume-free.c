/* Threads that all run percpu_addv_retry, whose one source line holds a
   critical section and the retry after its abort: the program behind
   resume-free.exp's line step with other threads in the same section.

   THREADS workers each add 1 ITERATIONS times; main adds 1 ten times in
   stepped_updates, where the test stops it while the workers run.  The
   counters then hold exactly THREADS * ITERATIONS + 10.

   Usage: resume-free [ITERATIONS [THREADS]]  */

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "rseq-test.h"

#define MAX_THREADS 8

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
static long iterations = 100000;
static volatile int started;

static void *
worker (void *arg)
{
  long i;

  (void) arg;
  __atomic_add_fetch (&started, 1, __ATOMIC_SEQ_CST);
  for (i = 0; i < iterations; i++)
    percpu_addv_retry (counters, 1);
  return NULL;
}

__attribute__ ((noinline)) void
stepped_updates (void)
{
  int i;

  for (i = 0; i < 10; i++)
    percpu_addv_retry (counters, 1);	/* stepped line */
}

int
main (int argc, char **argv)
{
  pthread_t tids[MAX_THREADS];
  long nthreads = 3, i, total, expected;

  rseq_test_alarm (600);
  if (argc > 1)
    iterations = atol (argv[1]);
  if (argc > 2)
    nthreads = atol (argv[2]);
  if (nthreads < 1 || nthreads > MAX_THREADS)
    nthreads = 3;
  rseq_test_require ();
  for (i = 0; i < nthreads; i++)
    pthread_create (&tids[i], NULL, worker, NULL);
  while (started < nthreads)
    continue;
  stepped_updates ();
  for (i = 0; i < nthreads; i++)
    pthread_join (tids[i], NULL);
  total = (long) rseq_test_sum (counters);
  expected = nthreads * iterations + 10;
  printf ("total=%ld expected=%ld exact=%s\n", total, expected,
	  total == expected ? "yes" : "no");
  return 0;
}
