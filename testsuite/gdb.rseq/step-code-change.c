/* Code that changes under the same address between two steps, as JIT
   compilers and hot patchers make it: the test steps over patch_site, a
   five-byte no-op, then the debugger rewrites it into a jump to
   elsewhere () and steps it again.  x86-64 only.  The program has a
   critical section (percpu_addv), so that every step is decoded.  */

#include "rseq-test.h"

struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];

void __attribute__ ((noinline))
elsewhere (void)
{
  __asm__ volatile ("" ::: "memory");
}

void __attribute__ ((noinline))
patched (void)
{
  __asm__ volatile (".globl patch_site\n"
		    "patch_site:\n\t"
		    ".byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t" ::: "memory");
}

int
main (void)
{
  rseq_test_require ();
  patched ();
  elsewhere ();
  while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
    continue;
  return 0;
}
