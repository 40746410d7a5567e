/* Threads that all run percpu_addv_retry, whose one source line holds a
   critical section and the retry after its abort: the program behind
   resume-free.exp's line step with other threads in the same section.

   THREADS workers each add 1 ITERATIONS times; main adds 1 ten times in
   stepped_updates, where the test stops it while the workers run.  The
   counters then hold exactly THREADS * ITERATIONS + 10.  */

#include <pthread.h>
#include <stdio.h>
#include "rseq-test.h"

#define THREADS 3
#define ITERATIONS 100000

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
static volatile int started;

static void *
worker (void *arg)
{
  long i;

  (void) arg;
  __atomic_add_fetch (&started, 1, __ATOMIC_SEQ_CST);
  for (i = 0; i < ITERATIONS; i++)
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
main (void)
{
  pthread_t tids[THREADS];
  long i, total, expected;

  rseq_test_alarm (600);
  rseq_test_require ();
  for (i = 0; i < THREADS; i++)
    pthread_create (&tids[i], NULL, worker, NULL);
  while (started < THREADS)
    continue;
  stepped_updates ();
  for (i = 0; i < THREADS; i++)
    pthread_join (tids[i], NULL);
  total = (long) rseq_test_sum (counters);
  expected = THREADS * ITERATIONS + 10L;
  printf ("total=%ld expected=%ld exact=%s\n", total, expected,
	  total == expected ? "yes" : "no");
  return 0;
}
