/* Native runs that do not end by themselves: a long loop of long
   critical sections that Ctrl-C interrupts, and a call that exits the
   process.  The programs behind step-interrupt.exp.  */

#include "rseq-test.h"

struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
volatile int keep_spinning = 1;
volatile long committed;

/* Sections of a few milliseconds each, until told to stop.  */
__attribute__ ((noinline)) void
long_call (void)
{
  while (keep_spinning)
    if (percpu_addv_spin (counters, 1, rseq_test_cpu (), 1000000) == 0)
      committed++;
}

__attribute__ ((noinline)) void
exit_call (void)
{
  printf ("committed=%ld total=%ld\n", committed,
	  (long) rseq_test_sum (counters));
  exit (committed == rseq_test_sum (counters) ? 0 : 1);
}

int
main (void)
{
  rseq_test_require ();
  long_call ();
  exit_call ();
  return 2;
}
