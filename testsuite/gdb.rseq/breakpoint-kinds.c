/* Every kind of breakpoint, watchpoint and catchpoint set on a program
   that runs an rseq critical section: the program behind
   breakpoint-kinds.exp.

   main makes one getppid system call, calls bump three times (each
   changes a local, then the global total, then runs the critical
   section in add_one), forks, and execs itself: the new image only
   says so and exits.  */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined __x86_64__ || defined __i386__
#include <cpuid.h>
#endif
#include "rseq-test.h"

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
volatile long total;
volatile long aborts;

/* The hypervisor's signature in CPUID ("KVMKVMKVM", "TCGTCGTCGTCG" for
   QEMU's emulator), empty on bare metal and on other architectures: the
   test reads it to know which machine it runs on.  */
char hypervisor[13];

static void
read_hypervisor (void)
{
#if defined __x86_64__ || defined __i386__
  unsigned int eax, ebx, ecx, edx;

  if (__get_cpuid (1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 31)))
    {
      __cpuid (0x40000000, eax, ebx, ecx, edx);
      memcpy (hypervisor, &ebx, 4);
      memcpy (hypervisor + 4, &ecx, 4);
      memcpy (hypervisor + 8, &edx, 4);
    }
#endif
}

__attribute__ ((noinline)) void
add_one (void)
{
  while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0)
    aborts++;
}

/* First the local, then the global change, both before the critical section:
   a software watchpoint on either reports its change without GDB having
   single-stepped through a section.  */
__attribute__ ((noinline)) void
bump (long step)
{
  long local = total;

  local += step;		/* local changes */
  total = local;		/* total changes */
  add_one ();			/* critical section */
}

int
main (int argc, char **argv)
{
  long i;
  pid_t pid;

  /* A debugging session that goes wrong must not leave a spinning
     process behind.  */
  alarm (60);
  read_hypervisor ();
  if (argc > 1)
    {
      printf ("image replaced\n");
      return 0;
    }
  rseq_test_require ();
  getppid ();
  for (i = 1; i <= 3; i++)
    bump (i);
  pid = fork ();
  if (pid == 0)
    _exit (0);
  waitpid (pid, NULL, 0);
  printf ("total=%ld counted=%ld\n", total, (long) rseq_test_sum (counters));
  fflush (stdout);
  execl ("/proc/self/exe", argv[0], "again", (char *) NULL);
  return 1;
}
