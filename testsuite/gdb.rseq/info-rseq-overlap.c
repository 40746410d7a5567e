/* Two critical sections whose ranges overlap, as duplicated or hand-made
   descriptors can make them: "inner" lies inside "outer".  Lookups by
   address must find "outer" on either side of "inner".  x86-64.  */

__asm__ (".pushsection __rseq_cs, \"aw\"\n\t"
	 ".balign 32\n"
	 "outer_cs:\n\t"
	 ".long 0x0, 0x0\n\t"
	 ".quad outer_start\n\t"
	 ".quad outer_post_commit - outer_start\n\t"
	 ".quad outer_abort\n\t"
	 ".balign 32\n"
	 "inner_cs:\n\t"
	 ".long 0x0, 0x0\n\t"
	 ".quad inner_start\n\t"
	 ".quad inner_post_commit - inner_start\n\t"
	 ".quad inner_abort\n\t"
	 ".popsection\n\t"
	 ".pushsection __rseq_cs_ptr_array, \"aw\"\n\t"
	 ".quad outer_cs, inner_cs\n\t"
	 ".popsection\n\t"
	 ".text\n\t"
	 ".globl overlap\n\t"
	 ".type overlap, @function\n"
	 "overlap:\n"
	 "outer_start:\n\t"
	 "nop\n\t"
	 "nop\n"
	 "inner_start:\n\t"
	 "nop\n"
	 "inner_post_commit:\n\t"
	 "nop\n"
	 "outer_after_inner:\n\t"
	 "nop\n"
	 "outer_post_commit:\n\t"
	 "ret\n\t"
	 ".size overlap, . - overlap\n\t"
	 ".pushsection __rseq_failure, \"ax\"\n\t"
	 ".byte 0x0f, 0xb9, 0x3d\n\t"
	 ".long 0x53053053\n"
	 "outer_abort:\n\t"
	 "ret\n\t"
	 ".byte 0x0f, 0xb9, 0x3d\n\t"
	 ".long 0x53053053\n"
	 "inner_abort:\n\t"
	 "ret\n\t"
	 ".popsection");

extern void overlap (void);

int
main (void)
{
  overlap ();
  return 0;
}
