/* Smoke test program: a thousand per-CPU additions through an rseq
   critical section, then the total.  */

#include <stdio.h>
#include <unistd.h>
#include "rseq-test.h"

#define ITERATIONS 1000

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];

/* How many times the kernel aborted the c.s.; a debugger stopping inside
   it makes this grow.  */
static unsigned long aborts;

static void
add_one (void)
{
  for (;;)
    {
      int cpu = rseq_test_cpu ();

      if (percpu_addv (counters, 1, cpu) == 0)
	return;
      aborts++;
    }
}

int
main (void)
{
  int i;

  /* A debugging session that goes wrong must not leave a spinning
     process behind.  */
  alarm (60);
  rseq_test_require ();

  for (i = 0; i < ITERATIONS; i++)
    add_one ();

  printf ("total %ld\n", (long) rseq_test_sum (counters)); /* print total */
  return 0;
}
