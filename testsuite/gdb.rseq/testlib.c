/* Program for testlib.exp: one addition through percpu_addv_retry, whose
   retry loop keeps stock GDB's "next" busy forever.  */

#include <stdio.h>
#include <unistd.h>
#include "rseq-test.h"

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];

int
main (void)
{
  long aborts;

  alarm (60);
  rseq_test_require ();
  aborts = percpu_addv_retry (counters, 1); /* the c.s. */
  printf ("total %ld aborts %ld\n", (long) rseq_test_sum (counters), /* done */
	  aborts);
  return 0;
}
