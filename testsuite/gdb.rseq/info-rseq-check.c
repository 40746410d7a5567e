/* Besides rseq-test.h's critical sections, one whose abort handler is
   preceded by the wrong signature (0xdeadbeef): the kernel would kill a
   thread aborting into it, and the table reader says so.  x86-64.  */

#include <unistd.h>
#include "rseq-test.h"

__asm__ (".pushsection __rseq_cs, \"aw\"\n\t"
	 ".balign 32\n"
	 "bad_cs:\n\t"
	 ".long 0x0, 0x0\n\t"
	 ".quad bad_start\n\t"
	 ".quad bad_post_commit - bad_start\n\t"
	 ".quad bad_abort\n\t"
	 ".popsection\n\t"
	 ".pushsection __rseq_cs_ptr_array, \"aw\"\n\t"
	 ".quad bad_cs\n\t"
	 ".popsection\n\t"
	 ".text\n"
	 "bad_start:\n\t"
	 "nop\n"
	 "bad_post_commit:\n\t"
	 "ret\n\t"
	 ".long 0xdeadbeef\n"
	 "bad_abort:\n\t"
	 "ret\n\t");

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];

int
main (void)
{
  alarm (60);
  rseq_test_require ();
  while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
    continue;
  return 0; /* done */
}
