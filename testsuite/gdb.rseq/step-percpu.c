/* Critical sections reached by calls, inlined into a line, and in loops:
   the programs behind step-*.exp, watch-*.exp and mi-*.exp.

   Every successful update adds 1 to the per-CPU counters, so the total
   after each function is known exactly; the tests check it with
   "print counters_total ()".  */

#include <signal.h>
#include "rseq-test.h"

struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
volatile long aborts;

/* The last signal handled: pass-signal.exp delivers SIGUSR1 in the
   middle of a pass.  */
volatile sig_atomic_t caught;

static void
handler (int sig)
{
  caught = sig;
}

/* percpu_addv's section copied into the caller's line: "next" over that
   line single-steps through the section.  It is inlined in exactly one
   place (add_hundred_inline) so its labels exist once.  */
static inline __attribute__ ((always_inline)) int
inline_addv (struct rseq_test_counter *c, intptr_t v, int cpu)
{
  struct rseq *rs = rseq_test_abi ();
  intptr_t *p = &c[cpu].count;

  /* The same asm as the header's percpu_addv, under its own labels.  */
  __asm__ goto (
    RSEQ_TEST_ASM_DESCRIPTOR ("inline_addv")
    RSEQ_TEST_ASM_ARM ("inline_addv_cs")
    "inline_addv_start:\n\t"
    RSEQ_TEST_ASM_CHECK_CPU ("inline_addv")
    RSEQ_TEST_ASM_ADDV
    "inline_addv_post_commit:\n\t"
    RSEQ_TEST_ASM_ABORT ("inline_addv", "aborted")
    : /* no outputs */
    : [rs] "r" (rs), [cpu] RSEQ_TEST_RM (cpu), [p] "r" (p),
      [v] RSEQ_TEST_RM (v)
    : "memory", "cc", RSEQ_TEST_SCRATCH
    : aborted);
  return 0;
 aborted:
  return -1;
}

__attribute__ ((noinline)) long
counters_total (void)
{
  return (long) rseq_test_sum (counters);
}

__attribute__ ((noinline)) void
marker (void)
{
  __asm__ volatile ("" ::: "memory");
}

/* One update through a call.  */
__attribute__ ((noinline)) void
add_one (void)
{
  while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
    aborts++;
}

/* 100 updates within one line each: the loop body holds the section.  */
__attribute__ ((noinline)) void
add_hundred_inline (void)
{
  int i;

  for (i = 0; i < 100; i++)	/* inline loop */
    while (inline_addv (counters, 1, rseq_test_cpu ()) != 0) aborts++; /* inline line */
  marker ();			/* after inline loop */
}

/* 100 updates through calls.  */
__attribute__ ((noinline)) void
add_hundred (void)
{
  int i;

  for (i = 0; i < 100; i++)	/* call loop */
    add_one ();			/* call loop body */
  marker ();			/* after call loop */
}

/* Compare-and-store: the "not equal" exit, then the commit.  Returns
   what percpu_cmpstore returned for each.  */
__attribute__ ((noinline)) int
cmpstore_ne (void)
{
  int cpu = rseq_test_cpu ();
  intptr_t cur = counters[cpu].count;
  int ret;

  while ((ret = percpu_cmpstore (counters, cur + 1000, 0, cpu)) < 0)
    cpu = rseq_test_cpu ();
  return ret;
}

__attribute__ ((noinline)) int
cmpstore_eq (void)
{
  int cpu, ret;
  intptr_t cur;

  do
    {
      cpu = rseq_test_cpu ();
      cur = counters[cpu].count;
    }
  while ((ret = percpu_cmpstore (counters, cur, cur + 1, cpu)) != 0);
  return ret;
}

/* The abort exit: the last counter slot is not the thread's CPU on any
   machine these tests run on, so the CPU check sends the section to its
   abort handler.  */
__attribute__ ((noinline)) int
cmpstore_abort (void)
{
  return percpu_cmpstore (counters, 0, 1, RSEQ_TEST_MAX_CPUS - 1);
}

int
main (void)
{
  int ne, eq, ab;

  rseq_test_require ();
  signal (SIGUSR1, handler);
  add_one ();			/* total 1 */
  add_hundred_inline ();	/* total 101 */
  add_hundred ();		/* total 201 */
  ne = cmpstore_ne ();		/* total 201 */
  eq = cmpstore_eq ();		/* total 202 */
  ab = cmpstore_abort ();	/* total 202 */
  printf ("total=%ld ne=%d eq=%d abort=%d\n", counters_total (), ne, eq, ab);
  return counters_total () == 202 && ne == 1 && eq == 0 && ab == -1 ? 0 : 1;
}
