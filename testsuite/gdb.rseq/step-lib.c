/* A critical section in a shared library: step-variants.exp steps into
   it from step-lib-main.c.  */

#define RSEQ_TEST_NO_DEFAULTS
#include "rseq-test.h"

RSEQ_TEST_DEFINE_PERCPU_ADDV (lib_percpu_addv)

struct rseq_test_counter lib_counters[RSEQ_TEST_MAX_CPUS];

void lib_add_one (void);

__attribute__ ((noinline)) void
lib_add_one (void)
{
  while (lib_percpu_addv (lib_counters, 1, rseq_test_cpu ()) != 0)
    continue;
}
