/* Calls the critical section of the shared library built from
   step-lib.c.  */

#include "rseq-test.h"

extern struct rseq_test_counter lib_counters[RSEQ_TEST_MAX_CPUS];
void lib_add_one (void);

int
main (void)
{
  rseq_test_require ();
  lib_add_one ();
  lib_add_one ();
  printf ("total=%ld\n", (long) rseq_test_sum (lib_counters));
  return rseq_test_sum (lib_counters) == 2 ? 0 : 1;
}
