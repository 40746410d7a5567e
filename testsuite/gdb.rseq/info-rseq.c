/* The four critical sections of rseq-test.h for `info rseq', all used so
   that every compiler keeps them: the compare-and-store one has a declared
   "not equal" exit, the others only post-commit and abort.  */

#include <unistd.h>
#include "rseq-test.h"

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];

int
main (int argc, char **argv)
{
  alarm (60);
  rseq_test_require ();

  while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
    continue;
  /* Returns 1 (not equal) or 0; only an abort is retried.  */
  while (percpu_cmpstore (counters, 5, 6, rseq_test_cpu ()) < 0)
    continue;
  while (percpu_addv_spin (counters, 1, rseq_test_cpu (), 10) != 0)
    continue;
  percpu_addv_retry (counters, 1);

  /* With an argument, wait to be attached to.  */
  if (argc > 1)
    {
      alarm (0);
      alarm (atoi (argv[1]));
      for (;;)
	pause ();
    }
  return 0; /* after both */
}
