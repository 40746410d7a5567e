/* The main thread writes a variable under a software watchpoint while
   another thread spends nearly all its time inside a long critical
   section: the watchpoint stops the program with that thread in the
   middle of a pass gdb-rseq made safe for it.  */

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include "rseq-test.h"

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
volatile int flag;
volatile int stop_spinning;
volatile int spinning;
volatile long delay;
long committed;

static void *
spinner (void *arg)
{
  (void) arg;
  rseq_test_require ();
  spinning = 1;
  while (!stop_spinning)
    if (percpu_addv_spin (counters, 1, rseq_test_cpu (), 200000000UL) == 0)
      committed++;
  return NULL;
}

__attribute__ ((noinline)) void
ready (void)
{
  __asm__ volatile ("" ::: "memory");
}

int
main (void)
{
  pthread_t thread;
  long i;

  alarm (120);
  rseq_test_require ();
  if (pthread_create (&thread, NULL, spinner, NULL) != 0)
    return 1;
  while (!spinning)
    usleep (1000);
  ready ();
  /* Single-stepped under the watchpoint: long enough for the spinner
     to be inside its section when the write comes.  */
  for (i = 0; i < 2000; i++)
    delay++;
  flag = 1;
  while (!stop_spinning)
    usleep (1000);
  pthread_join (thread, NULL);
  printf ("sum=%ld committed=%ld\n", (long) rseq_test_sum (counters),
	  committed);
  return 0;
}
