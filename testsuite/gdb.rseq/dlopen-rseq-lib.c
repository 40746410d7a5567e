/* A shared library with its own rseq critical sections, loaded with
   dlopen by dlopen-rseq.c.  */

#define RSEQ_TEST_NO_DEFAULTS
#include "rseq-test.h"

RSEQ_TEST_DEFINE_PERCPU_ADDV (lib_addv)
RSEQ_TEST_DEFINE_PERCPU_CMPSTORE (lib_cmpstore)

int
lib_add (struct rseq_test_counter *counters)
{
  while (lib_addv (counters, 1, rseq_test_cpu ()) != 0)
    continue;
  while (lib_cmpstore (counters, 0, 0, rseq_test_cpu ()) < 0)
    continue;
  return 0;
}
