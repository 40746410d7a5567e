/* A critical section generated at run time into mmap'd memory, the way
   a JIT would: it is in no rseq table, so a debugger only learns about it
   from the descriptor the thread arms.  x86-64 only.

   The code, called as jit_addv (rs, p, desc):
     0x00  mov  %rdx, 0x8(%rdi)     arm: rs->rseq_cs = desc
   start:
     0x04  mov  (%rsi), %rax
     0x07  test %rax, %rax
     0x0a  js   negative            an exit out of the range
     0x0c  add  $1, %rax
     0x10  mov  %rax, (%rsi)        the commit
   post_commit:
     0x13  xor  %eax, %eax
     0x15  ret
     0x16  ud1 with the signature 0x53053053 as its displacement
   abort:
     0x1d  mov  $-1, %eax
     0x22  ret
   negative:
     0x23  mov  $1, %eax
     0x28  ret  */

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
/* Only the registration helpers: no c.s. in any table.  */
#define RSEQ_TEST_NO_DEFAULTS
#include "rseq-test.h"

static const unsigned char jit_code[] = {
  0x48, 0x89, 0x57, 0x08,
  0x48, 0x8b, 0x06,
  0x48, 0x85, 0xc0,
  0x78, 0x17,
  0x48, 0x83, 0xc0, 0x01,
  0x48, 0x89, 0x06,
  0x31, 0xc0,
  0xc3,
  0x0f, 0xb9, 0x3d, 0x53, 0x30, 0x05, 0x53,
  0xb8, 0xff, 0xff, 0xff, 0xff,
  0xc3,
  0xb8, 0x01, 0x00, 0x00, 0x00,
  0xc3,
};

enum { START = 0x04, POST_COMMIT = 0x13, ABORT = 0x1d, NEGATIVE = 0x23 };

/* Where the generated code is: the test reads these.  */
uintptr_t jit_start, jit_post_commit, jit_abort, jit_exit, jit_desc;

static struct rseq_cs desc __attribute__ ((aligned (32)));
static long counter;

typedef int jit_fn (struct rseq *, long *, struct rseq_cs *);

void __attribute__ ((noinline))
jit_ready (void)
{
  __asm__ volatile ("" ::: "memory");
}

int
main (void)
{
  unsigned char *code;
  jit_fn *fn;
  int i;

  alarm (60);
  rseq_test_require ();

  code = mmap (NULL, 4096, PROT_READ | PROT_WRITE,
	       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED)
    return 1;
  memcpy (code, jit_code, sizeof jit_code);
  if (mprotect (code, 4096, PROT_READ | PROT_EXEC) != 0)
    return 1;

  desc.version = 0;
  desc.flags = 0;
  desc.start_ip = (uintptr_t) code + START;
  desc.post_commit_offset = POST_COMMIT - START;
  desc.abort_ip = (uintptr_t) code + ABORT;

  jit_start = (uintptr_t) code + START;
  jit_post_commit = (uintptr_t) code + POST_COMMIT;
  jit_abort = (uintptr_t) code + ABORT;
  jit_exit = (uintptr_t) code + NEGATIVE;
  jit_desc = (uintptr_t) &desc;
  jit_ready ();

  fn = (jit_fn *) code;
  for (i = 0; i < 10; i++)
    while (fn (rseq_test_abi (), &counter, &desc) != 0)
      continue;
  return counter == 10 ? 0 : 1; /* done */
}
