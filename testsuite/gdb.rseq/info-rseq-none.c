/* A program without any rseq critical section (glibc still registers an
   rseq area for its thread).  */

#include <stdio.h>

int
main (void)
{
  puts ("no rseq here"); /* no c.s. */
  return 0;
}
