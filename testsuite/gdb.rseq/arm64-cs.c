/* Every aarch64 critical section of rseq-test.h, each left by every way
   out of it: the commit, each declared exit, the LL/SC loop, the spin
   and the abort-and-retry loop.  The reader's host test
   (libelf-reader/tests/arm64-programs.sh) cross-compiles it and checks
   what rseq-readelf reads from its tables; run on arm64, it prints one
   line per path with what each call returned.  aarch64 only.  */

#define _GNU_SOURCE
#include <sched.h>
#include "rseq-test.h"

#ifndef __aarch64__
# error "arm64-cs.c is the aarch64 critical sections' program"
#endif

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
static unsigned long events;
static long aborts;

/* CALL, again while the kernel aborts it: the thread is pinned, so only
   preemption and signals abort, and a retry sees the same count.  */
#define UNTIL_NOT_ABORTED(call)					\
  ({ int r_;							\
     while ((r_ = (call)) == -1)				\
       aborts++;						\
     r_; })

int
main (void)
{
  cpu_set_t set;
  int cpu;

  rseq_test_require ();
  cpu = rseq_test_cpu ();
  CPU_ZERO (&set);
  CPU_SET (cpu, &set);
  if (sched_setaffinity (0, sizeof set, &set) != 0)
    {
      perror ("sched_setaffinity");
      return 1;
    }
  cpu = rseq_test_cpu ();

  printf ("addv: %d\n",
	  UNTIL_NOT_ABORTED (percpu_addv (counters, 2, cpu)));
  printf ("cmpstore: equal=%d",
	  UNTIL_NOT_ABORTED (percpu_cmpstore (counters, 2, 4, cpu)));
  printf (" not-equal=%d\n",
	  UNTIL_NOT_ABORTED (percpu_cmpstore (counters, 3, 9, cpu)));
  /* The count is 4.  */
  printf ("bounded: zero=%d",
	  UNTIL_NOT_ABORTED (percpu_addv_bounded (counters, 0, cpu, 100)));
  printf (" commit=%d",
	  UNTIL_NOT_ABORTED (percpu_addv_bounded (counters, 2, cpu, 100)));
  printf (" full=%d",
	  UNTIL_NOT_ABORTED (percpu_addv_bounded (counters, 2, cpu, 6)));
  UNTIL_NOT_ABORTED (percpu_addv (counters, 1, cpu));
  printf (" odd=%d\n",
	  UNTIL_NOT_ABORTED (percpu_addv_bounded (counters, 2, cpu, 100)));
  /* The count is 7.  */
  printf ("llsc: %d",
	  UNTIL_NOT_ABORTED (percpu_addv_llsc (counters, 1, cpu, &events)));
  printf (" events=%s\n", events >= 1 ? "some" : "none");
  printf ("spin: %d\n",
	  UNTIL_NOT_ABORTED (percpu_addv_spin (counters, 1, cpu, 1000)));
  aborts += percpu_addv_retry (counters, 1);
  printf ("sum=%ld\n", (long) rseq_test_sum (counters));
  return rseq_test_sum (counters) == 10 ? 0 : 1;
}
