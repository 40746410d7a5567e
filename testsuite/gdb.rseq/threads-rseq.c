/* A worker thread doing per-CPU additions through an rseq critical
   section while the main thread waits for it in pthread_join: one thread
   that can be stopped inside the c.s., one that never enters it.  */

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include "rseq-test.h"

#define ITERATIONS 100

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];

static void *
worker (void *arg)
{
  int i;

  (void) arg;
  rseq_test_require ();
  for (i = 0; i < ITERATIONS; i++)
    while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
      continue;
  return NULL;
}

int
main (void)
{
  pthread_t thread;

  alarm (60);
  rseq_test_require ();
  if (pthread_create (&thread, NULL, worker, NULL) != 0)
    return 1;
  pthread_join (thread, NULL);
  printf ("total %ld\n", (long) rseq_test_sum (counters)); /* joined */
  return 0;
}
