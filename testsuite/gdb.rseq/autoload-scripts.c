/* A program whose rseq code includes <gdb-rseq/autoload.h>, so GDB loads
   gdb-rseq for it through .debug_gdb_scripts.  */

#include <gdb-rseq/autoload.h>
#include <unistd.h>
#define RSEQ_TEST_NO_DEFAULTS
#include "rseq-test.h"

RSEQ_TEST_DEFINE_PERCPU_ADDV (percpu_addv)

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];

int
main (void)
{
  alarm (60);
  rseq_test_require ();
  while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
    continue;
  return 0;
}
