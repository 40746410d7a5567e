/* A program whose rseq tables are damaged in one way, chosen at compile
   time by defining one of the DAMAGE_* macros below, next to a sound
   critical section (percpu_addv, from rseq-test.h) that it runs through
   the kernel's rseq as usual.

   The damaged descriptors describe `covered', which the program calls
   without arming any descriptor: the kernel never looks at these tables,
   so the program runs as if they were not there, and a debugger must let
   it.  Where the damage leaves covered's own descriptor sound
   (DAMAGE_EXIT_OUTSIDE, DAMAGE_OVERLAP, DAMAGE_TRUNCATED), covered arms
   it, as a real critical section does, and its callers retry it when it
   aborts.  x86-64.

   DAMAGE_VERSION        version 7, flags 0xff, post_commit_offset 2^48
   DAMAGE_ABORT_INSIDE   abort_ip inside [start_ip, post_commit_ip)
   DAMAGE_ZERO_LENGTH    post_commit_offset 0
   DAMAGE_HUGE_LENGTH    a sound descriptor but for post_commit_offset 2^48
   DAMAGE_SIGNATURE      0xdeadbeef before abort_ip
   DAMAGE_PTR_OUTSIDE    __rseq_cs_ptr_array entries pointing outside any
                         section, and a misaligned one
   DAMAGE_EXIT_OUTSIDE   a sound descriptor for `covered' whose declared
                         exits lie outside any section, and an exit-point
                         entry naming a start that is no critical section
   DAMAGE_OVERLAP        two descriptors whose ranges overlap, over
                         `covered', and one of them listed twice
   DAMAGE_TRUNCATED      sound tables: the test cuts __rseq_cs short in
                         the linked file
   DAMAGE_LEGACY         no other table, and a legacy __rseq_table of
                         garbage (with no sound critical section at all)  */

#include <unistd.h>

#define RSEQ_TEST_NO_DEFAULTS
#include "rseq-test.h"

#ifndef DAMAGE_LEGACY
RSEQ_TEST_DEFINE_PERCPU_ADDV (percpu_addv)
static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
#endif

/* covered (V, RS, CS) returns V + 1, or -1 when aborted; it arms CS in
   RS->rseq_cs first unless CS is null.  The signature before
   covered_abort is the usual one unless DAMAGE_SIGNATURE.  */
#ifdef DAMAGE_SIGNATURE
# define COVERED_SIGNATURE "0xdeadbeef"
#else
# define COVERED_SIGNATURE "0x53053053"
#endif

__asm__ (".text\n\t"
	 ".globl covered\n\t"
	 ".type covered, @function\n"
	 "covered:\n\t"
	 "testq %rdx, %rdx\n\t"
	 "jz covered_start\n\t"
	 "movq %rdx, " RSEQ_TEST_STR (RSEQ_TEST_RSEQ_CS_OFFSET) "(%rsi)\n"
	 "covered_start:\n\t"
	 "movl %edi, %eax\n\t"
	 "addl $1, %eax\n"
	 "covered_inside:\n\t"
	 "nop\n\t"
	 "nop\n"
	 "covered_post_commit:\n\t"
	 "ret\n\t"
	 ".byte 0x0f, 0xb9, 0x3d\n\t"
	 ".long " COVERED_SIGNATURE "\n"
	 "covered_abort:\n\t"
	 "movl $-1, %eax\n\t"
	 "ret\n\t"
	 ".size covered, . - covered\n\t");

/* A struct rseq_cs for covered, and its pointer.  */
#define COVERED_CS(label, version_flags, length, abort)	\
  ".pushsection __rseq_cs, \"aw\"\n\t"			\
  ".balign 32\n"					\
  label ":\n\t"						\
  ".long " version_flags "\n\t"				\
  ".quad covered_start\n\t"				\
  ".quad " length "\n\t"				\
  ".quad " abort "\n\t"					\
  ".popsection\n\t"					\
  ".pushsection __rseq_cs_ptr_array, \"aw\"\n\t"	\
  ".quad " label "\n\t"					\
  ".popsection\n\t"

#define COVERED_LENGTH "(covered_post_commit - covered_start)"

#if defined (DAMAGE_VERSION)
__asm__ (COVERED_CS ("covered_cs", "7, 0xff", "0x1000000000000",
		     "covered_abort"));
#elif defined (DAMAGE_ABORT_INSIDE)
__asm__ (COVERED_CS ("covered_cs", "0, 0", COVERED_LENGTH,
		     "covered_inside"));
#elif defined (DAMAGE_ZERO_LENGTH)
__asm__ (COVERED_CS ("covered_cs", "0, 0", "0", "covered_abort"));
#elif defined (DAMAGE_HUGE_LENGTH)
__asm__ (COVERED_CS ("covered_cs", "0, 0", "0x1000000000000",
		     "covered_abort"));
#elif defined (DAMAGE_SIGNATURE)
__asm__ (COVERED_CS ("covered_cs", "0, 0", COVERED_LENGTH,
		     "covered_abort"));
#elif defined (DAMAGE_PTR_OUTSIDE)
__asm__ (".pushsection __rseq_cs_ptr_array, \"aw\"\n\t"
	 ".quad 0x7fffdead0000\n\t"
	 ".quad 0x10\n\t"
	 ".quad percpu_addv_cs + 4\n\t"
	 ".popsection\n\t");
#elif defined (DAMAGE_EXIT_OUTSIDE)
__asm__ (COVERED_CS ("covered_cs", "0, 0", COVERED_LENGTH,
		     "covered_abort")
	 ".pushsection __rseq_exit_point_array, \"aw\"\n\t"
	 ".quad covered_start, 0x7fffdead0000\n\t"
	 ".quad covered_start, 0x10\n\t"
	 ".quad 0x7fffbeef0000, covered_post_commit\n\t"
	 ".popsection\n\t");
#elif defined (DAMAGE_OVERLAP)
__asm__ (COVERED_CS ("covered_cs", "0, 0", COVERED_LENGTH,
		     "covered_abort")
	 ".pushsection __rseq_cs, \"aw\"\n\t"
	 ".balign 32\n"
	 "covered_inner_cs:\n\t"
	 ".long 0, 0\n\t"
	 ".quad covered_inside\n\t"
	 ".quad covered_abort - covered_inside\n\t"
	 ".quad covered_abort\n\t"
	 ".popsection\n\t"
	 ".pushsection __rseq_cs_ptr_array, \"aw\"\n\t"
	 ".quad covered_inner_cs\n\t"
	 ".quad covered_cs\n\t"
	 ".popsection\n\t");
#elif defined (DAMAGE_TRUNCATED)
__asm__ (COVERED_CS ("covered_cs", "0, 0", COVERED_LENGTH,
		     "covered_abort"));
#elif defined (DAMAGE_LEGACY)
__asm__ (".pushsection __rseq_table, \"aw\"\n\t"
	 ".balign 32\n\t"
	 /* Version 3, and a range that wraps.  */
	 ".long 3, 0\n\t"
	 ".quad 0xffffffffffff0000, 0x100000, 0x10\n\t"
	 /* abort_ip inside, over covered.  */
	 ".long 0, 0\n\t"
	 ".quad covered_start, " COVERED_LENGTH ", covered_inside\n\t"
	 /* Half a descriptor.  */
	 ".quad 0xdeadbeefdeadbeef, 0x1234\n\t"
	 ".popsection\n\t");
#else
# error "define one DAMAGE_* macro"
#endif

extern int covered (int, struct rseq *, const void *);

#if defined (DAMAGE_EXIT_OUTSIDE) || defined (DAMAGE_OVERLAP) \
    || defined (DAMAGE_TRUNCATED)
extern const char covered_cs[];
# define COVERED_ARMED covered_cs
#else
# define COVERED_ARMED 0
#endif

/* Enough calls of covered for every stop the test makes in it.  */
#define ROUNDS 8

volatile int watched;

int
main (void)
{
  int i, r, v = 0;

  alarm (60);
#ifndef DAMAGE_LEGACY
  rseq_test_require ();
#endif
  for (i = 0; i < ROUNDS; i++)
    {
      while ((r = covered (v, rseq_test_abi (), COVERED_ARMED)) < 0)
	continue; /* covered call */
      v = r;
#ifndef DAMAGE_LEGACY
      while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
	continue;
#endif
      watched = v; /* watched store */
    }
#ifndef DAMAGE_LEGACY
  if (rseq_test_sum (counters) != ROUNDS)
    return 2;
#endif
  return v == ROUNDS ? 0 : 1; /* done */
}
