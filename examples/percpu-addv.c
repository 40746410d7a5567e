/* percpu-addv: the demo program of gdb-rseq.

   Adds 1 to a per-CPU counter NCALLS times through percpu_addv, an rseq
   critical section laid out the way librseq lays them out: a struct
   rseq_cs descriptor in __rseq_cs, its address in __rseq_cs_ptr_array,
   the abort handler in __rseq_failure after the signature.  glibc 2.35+
   registers each thread's struct rseq at the thread pointer plus
   __rseq_offset.

   Under stock GDB, stepping through percpu_addv with stepi never
   commits: each stop inside the section makes the kernel abort it.
   "make demo" steps through it with gdb-rseq loaded.

   x86-64 only.  Build: cc -g -O2 -o percpu-addv percpu-addv.c  */

#include <stdio.h>
#include <stdlib.h>
#include <sys/rseq.h>

#if !defined (__x86_64__)
# error "the demo's critical section is written for x86-64"
#endif

#define MAX_CPUS 1024

/* One cache line per CPU.  */
struct counter
{
  long count;
} __attribute__ ((aligned (64)));

static struct counter counters[MAX_CPUS];

static struct rseq *
rseq_area (void)
{
  return (struct rseq *) ((char *) __builtin_thread_pointer ()
			  + __rseq_offset);
}

/* Add V to counters[CPU] if the thread is still on CPU when the store
   commits.  Returns 0 on commit, -1 when the kernel aborted the section
   (preemption, migration, a signal) or CPU was not the current one.
   The labels name the section's addresses for GDB (x/i percpu_addv_abort);
   noclone keeps GCC from emitting the asm, and so the labels, twice.  */
static __attribute__ ((noinline, noclone)) int
percpu_addv (struct counter *c, long v, int cpu)
{
  struct rseq *rs = rseq_area ();
  long *p = &c[cpu].count;

  __asm__ goto (
    ".pushsection __rseq_cs, \"aw\"\n\t"
    ".balign 32\n\t"
    "3:\n\t"
    ".long 0, 0\n\t"			/* version, flags */
    ".quad percpu_addv_start\n\t"
    ".quad percpu_addv_post_commit - percpu_addv_start\n\t"
    ".quad percpu_addv_abort\n\t"
    ".popsection\n\t"
    ".pushsection __rseq_cs_ptr_array, \"aw\"\n\t"
    ".quad 3b\n\t"
    ".popsection\n\t"
    /* Arm: rseq_cs = &descriptor.  */
    "leaq 3b(%%rip), %%rax\n\t"
    "movq %%rax, 8(%[rs])\n\t"
    "percpu_addv_start:\n\t"
    "cmpl %[cpu], 4(%[rs])\n\t"		/* still on CPU? */
    "jnz percpu_addv_abort\n\t"
    "movq (%[p]), %%rax\n\t"
    "addq %[v], %%rax\n\t"
    "movq %%rax, (%[p])\n\t"		/* the commit */
    "percpu_addv_post_commit:\n\t"
    ".pushsection __rseq_failure, \"ax\"\n\t"
    ".byte 0x0f, 0xb9, 0x3d\n\t"	/* ud1: keeps disassemblers in step */
    ".long 0x53053053\n\t"		/* RSEQ_SIG */
    "percpu_addv_abort:\n\t"
    "jmp %l[aborted]\n\t"
    ".popsection\n\t"
    : /* no outputs */
    : [rs] "r" (rs), [cpu] "r" (cpu), [p] "r" (p), [v] "r" (v)
    : "memory", "cc", "rax"
    : aborted);
  return 0;
 aborted:
  return -1;
}

/* One update, retried until it commits.  */
static __attribute__ ((noinline)) void
add_one (void)
{
  while (percpu_addv (counters, 1, rseq_area ()->cpu_id) != 0)
    continue;
}

static __attribute__ ((noinline)) long
total (void)
{
  long sum = 0;
  int i;

  for (i = 0; i < MAX_CPUS; i++)
    sum += counters[i].count;
  return sum;
}

int
main (int argc, char **argv)
{
  long ncalls = argc > 1 ? atol (argv[1]) : 3;
  long i;

  if (__rseq_size == 0 || (int) rseq_area ()->cpu_id < 0
      || rseq_area ()->cpu_id >= MAX_CPUS)
    {
      fprintf (stderr, "percpu-addv: rseq is not registered for this "
	       "thread (is GLIBC_TUNABLES=glibc.pthread.rseq=0 set?)\n");
      return 77;
    }
  for (i = 0; i < ncalls; i++)
    add_one ();
  printf ("total %ld after %ld calls\n", total (), ncalls);
  return total () == ncalls ? 0 : 1;
}
