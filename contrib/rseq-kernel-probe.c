/* What the running kernel does with a ptrace-stopped thread's rseq
   critical section: the facts gdb-rseq's stepping relies on, measured,
   not read from the kernel's source.  x86-64 only.

     cc -O2 -o rseq-kernel-probe contrib/rseq-kernel-probe.c
     ./rseq-kernel-probe            the traced experiments
     ./rseq-kernel-probe syscall    a system call inside a section
     ./rseq-kernel-probe ids        cpu_id_start overwritten by the thread

   It forks a child that it traces like a debugger does, and prints one
   line per experiment: "NAME: RESULT".  Linux 6.19 rewrote the kernel's
   rseq handling (the results differ between 6.18 and 7.x; see the
   manual's "Problems" chapter), and 7.x adds a debug mode
   (/sys/kernel/debug/rseq/debug) that checks more and kills more: run it
   with the debug mode on and off.

   The child's critical section is a run of no-ops: the probe asks only
   where the kernel sends the thread, not what the section computes.  */

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/rseq.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#if !defined __x86_64__
#error "x86-64 only"
#endif

/* Two critical sections, each in a function that returns 0 when its
   section ran to its end and 1 when the kernel sent it to its abort
   handler.  The first argument is the descriptor, the second the
   thread's rseq_cs field; the store that arms the section is the
   instruction before cs_start.  The second section makes a system call
   (getpid), which the rseq ABI forbids inside a section.  */
extern char cs_run[], cs_start[], cs_inside[], cs_post[], cs_abort[],
  cs_abort_ret[];
extern char sys_run[], sys_start[], sys_post[], sys_abort[];
int cs_run_fn (struct rseq_cs *, uint64_t *) __asm__ ("cs_run");
int sys_run_fn (struct rseq_cs *, uint64_t *) __asm__ ("sys_run");
__asm__ (".text\n"
	 ".globl cs_run\n"
	 "cs_run:\n"
	 "	movq %rdi, (%rsi)\n"
	 "cs_start:\n"
	 "	nop\n"
	 "cs_inside:\n"
	 "	nop\n	nop\n	nop\n	nop\n	nop\n	nop\n	nop\n"
	 "cs_post:\n"
	 "	xorl %eax, %eax\n"
	 "	ret\n"
	 "	.long 0x53053053\n"
	 "cs_abort:\n"
	 "	movl $1, %eax\n"
	 "cs_abort_ret:\n"
	 "	ret\n"
	 ".globl sys_run\n"
	 "sys_run:\n"
	 "	movq %rdi, (%rsi)\n"
	 "sys_start:\n"
	 "	movl $39, %eax\n"
	 "	syscall\n"
	 "	nop\n"
	 "sys_post:\n"
	 "	xorl %eax, %eax\n"
	 "	ret\n"
	 "	.long 0x53053053\n"
	 "sys_abort:\n"
	 "	movl $1, %eax\n"
	 "	ret\n");

static struct rseq_cs cs_desc __attribute__ ((aligned (32)));
static struct rseq_cs sys_desc __attribute__ ((aligned (32)));

/* What the child does next, and what its last section returned: the
   tracer reads and writes them while the child is stopped.  */
enum { CMD_EXIT, CMD_CS, CMD_SYS };
static volatile long cmd;
static volatile long result = -1;

static struct rseq *
rseq_area (void)
{
  return (struct rseq *) ((char *) __builtin_thread_pointer ()
			  + __rseq_offset);
}

static void
child (void)
{
  uint64_t *field = (uint64_t *) &rseq_area ()->rseq_cs;
  if (ptrace (PTRACE_TRACEME, 0, 0, 0) != 0)
    _exit (2);
  for (;;)
    {
      raise (SIGSTOP);
      if (cmd == CMD_EXIT)
	_exit (0);
      result = cmd == CMD_CS ? cs_run_fn (&cs_desc, field)
			     : sys_run_fn (&sys_desc, field);
    }
}

static pid_t pid;

static void
die (const char *what)
{
  fprintf (stderr, "rseq-kernel-probe: %s: %s\n", what, strerror (errno));
  if (pid > 0)
    kill (pid, SIGKILL);
  exit (2);
}

static long
peek (void *addr)
{
  errno = 0;
  long v = ptrace (PTRACE_PEEKDATA, pid, addr, 0);
  if (errno != 0)
    die ("PTRACE_PEEKDATA");
  return v;
}

static void
poke (void *addr, long v)
{
  if (ptrace (PTRACE_POKEDATA, pid, addr, (void *) v) != 0)
    die ("PTRACE_POKEDATA");
}

static uint64_t *
rseq_cs_field (void)
{
  /* The child is a fork of this thread: same TLS address.  */
  return (uint64_t *) &rseq_area ()->rseq_cs;
}

/* Wait for the child's next stop.  Returns its signal, or -1 (with
   *HOW set) if it died or exited.  */
static int
wait_stop (const char **how)
{
  int status;
  static char buf[64];
  if (waitpid (pid, &status, 0) != pid)
    die ("waitpid");
  if (WIFSTOPPED (status))
    return WSTOPSIG (status);
  if (WIFSIGNALED (status))
    snprintf (buf, sizeof buf, "killed by %s", strsignal (WTERMSIG (status)));
  else
    snprintf (buf, sizeof buf, "exited with %d", WEXITSTATUS (status));
  *how = buf;
  pid = 0;
  return -1;
}

static uintptr_t
get_pc (void)
{
  struct user_regs_struct r;
  if (ptrace (PTRACE_GETREGS, pid, 0, &r) != 0)
    die ("PTRACE_GETREGS");
  return r.rip;
}

static void
set_pc (uintptr_t pc)
{
  struct user_regs_struct r;
  if (ptrace (PTRACE_GETREGS, pid, 0, &r) != 0)
    die ("PTRACE_GETREGS");
  r.rip = pc;
  if (ptrace (PTRACE_SETREGS, pid, 0, &r) != 0)
    die ("PTRACE_SETREGS");
}

/* Single-step the child; returns its PC, or 0 (with *HOW) if it died or
   stopped by another signal.  */
static uintptr_t
step (const char **how)
{
  static char buf[64];
  if (ptrace (PTRACE_SINGLESTEP, pid, 0, 0) != 0)
    die ("PTRACE_SINGLESTEP");
  int sig = wait_stop (how);
  if (sig == SIGTRAP)
    return get_pc ();
  if (sig > 0)
    {
      snprintf (buf, sizeof buf, "stopped by %s", strsignal (sig));
      *how = buf;
    }
  return 0;
}

/* Resume the child until it stops in raise (SIGSTOP) again; returns
   NULL, or how it died.  A signal the kernel sends it (SIGSEGV when it
   kills a thread over its rseq state) is what a debugger would report:
   the child is killed and the signal named.  */
static const char *
cont_to_stop (void)
{
  const char *how = NULL;
  static char buf[64];
  for (;;)
    {
      if (ptrace (PTRACE_CONT, pid, 0, 0) != 0)
	die ("PTRACE_CONT");
      int sig = wait_stop (&how);
      if (sig < 0 || sig == SIGSTOP)
	return how;
      if (sig != SIGTRAP)
	{
	  snprintf (buf, sizeof buf, "stopped by %s", strsignal (sig));
	  kill (pid, SIGKILL);
	  waitpid (pid, NULL, 0);
	  pid = 0;
	  return buf;
	}
    }
}

static const char *
where (uintptr_t pc)
{
  static char buf[64];
  if (pc == (uintptr_t) cs_abort_ret)
    return "in the abort handler (aborted)";
  if (pc > (uintptr_t) cs_start && pc <= (uintptr_t) cs_post)
    return "still in the section (not aborted)";
  snprintf (buf, sizeof buf, "at %#lx", (unsigned long) pc);
  return buf;
}

static const char *
outcome (void)
{
  long r = peek ((void *) &result);
  return r == 0 ? "ran to its end" : r == 1 ? "aborted" : "did not run";
}

/* Start a fresh child, stopped in raise (SIGSTOP) with the command CMD.  */
static int
start (long c)
{
  const char *how;
  if (pid > 0)
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
    }
  pid = fork ();
  if (pid < 0)
    die ("fork");
  if (pid == 0)
    child ();
  if (wait_stop (&how) != SIGSTOP)
    {
      printf ("child did not start\n");
      exit (2);
    }
  poke ((void *) &cmd, c);
  return 0;
}

/* Step the child from its stop in raise until the arming store has run:
   it then stands at the section's first instruction, rseq_cs armed.  */
static int
step_to_start (const char **how)
{
  for (int i = 0; i < 100000; i++)
    {
      uintptr_t pc = step (how);
      if (pc == 0)
	return -1;
      if (pc == (uintptr_t) cs_start)
	return 0;
    }
  *how = "never reached the section";
  return -1;
}

#define REPORT(name, ...) (printf ("%s: ", name), printf (__VA_ARGS__), \
			   putchar ('\n'), fflush (stdout))

/* The experiments of a thread on its own, not traced: "syscall" makes a
   system call inside a section, "ids" overwrites cpu_id_start and moves
   to another CPU.  Returns only if the kernel let the thread live.  */
static void
untraced (const char *what)
{
  struct rseq *area = rseq_area ();
  if (strcmp (what, "syscall") == 0)
    {
      int aborted = 0;
      for (int i = 0; i < 1000; i++)
	aborted += sys_run_fn (&sys_desc, (uint64_t *) &area->rseq_cs);
      REPORT ("system call inside a section, untraced",
	      "1000 passes, %d aborted", aborted);
    }
  else if (strcmp (what, "ids") == 0)
    {
      uint32_t cpu = area->cpu_id_start;
      REPORT ("cpu_id_start overwritten, untraced", "on CPU %u, writing %u",
	      cpu, cpu ^ 1);
      area->cpu_id_start = cpu ^ 1;
      sched_yield ();
      REPORT ("cpu_id_start overwritten, untraced", "still on CPU %u",
	      area->cpu_id);
      cpu_set_t set;
      CPU_ZERO (&set);
      CPU_SET (cpu ^ 1, &set);
      sched_setaffinity (0, sizeof set, &set);
      sched_yield ();
      REPORT ("cpu_id_start overwritten, untraced, migrated",
	      "now on CPU %u", area->cpu_id);
    }
}

int
main (int argc, char **argv)
{
  const char *how = NULL;
  uintptr_t pc;

  if (__rseq_size == 0)
    {
      REPORT ("rseq", "not registered by glibc (glibc.pthread.rseq=0?)");
      return 1;
    }
  cs_desc.start_ip = (uintptr_t) cs_start;
  cs_desc.post_commit_offset = (uintptr_t) cs_post - (uintptr_t) cs_start;
  cs_desc.abort_ip = (uintptr_t) cs_abort;
  sys_desc.start_ip = (uintptr_t) sys_start;
  sys_desc.post_commit_offset = (uintptr_t) sys_post - (uintptr_t) sys_start;
  sys_desc.abort_ip = (uintptr_t) sys_abort;
  if (argc > 1)
    {
      untraced (argv[1]);
      return 0;
    }

  FILE *dbg = fopen ("/sys/kernel/debug/rseq/debug", "r");
  int c = dbg != NULL ? fgetc (dbg) : EOF;
  REPORT ("debug mode", "%s", dbg == NULL ? "no /sys/kernel/debug/rseq/debug"
	  : c == 'Y' || c == '1' ? "on" : "off");
  if (dbg != NULL)
    fclose (dbg);

  /* A debugger's stepi into a section: the trap stops the thread inside
     with rseq_cs armed.  */
  start (CMD_CS);
  if (step_to_start (&how) == 0)
    {
      pc = step (&how);
      if (pc == 0)
	REPORT ("single-step inside", "%s", how);
      else
	{
	  REPORT ("single-step inside", "next step ends %s", where (pc));
	  how = cont_to_stop ();
	  REPORT ("single-step inside, then continue", "%s",
		  how ? how : outcome ());
	}
    }
  else
    REPORT ("single-step inside", "%s", how);

  /* A breakpoint inside a section, stepped over in place as GDB does.  */
  start (CMD_CS);
  long saved = peek (cs_inside);
  poke (cs_inside, (saved & ~0xffL) | 0xcc);
  if (ptrace (PTRACE_CONT, pid, 0, 0) != 0)
    die ("PTRACE_CONT");
  if (wait_stop (&how) == SIGTRAP && get_pc () == (uintptr_t) cs_inside + 1)
    {
      poke (cs_inside, saved);
      set_pc ((uintptr_t) cs_inside);
      how = cont_to_stop ();
      REPORT ("breakpoint inside, then continue", "%s",
	      how ? how : outcome ());
    }
  else
    REPORT ("breakpoint inside", "did not hit: %s", how ? how : "?");

  /* gdb-rseq's safe pass: rseq_cs cleared while stopped inside.  */
  start (CMD_CS);
  if (step_to_start (&how) == 0)
    {
      poke (rseq_cs_field (), 0);
      pc = step (&how);
      REPORT ("rseq_cs cleared while stopped inside, single-step",
	      "next step ends %s", pc ? where (pc) : how);
      if (pc != 0)
	{
	  how = cont_to_stop ();
	  REPORT ("rseq_cs cleared while stopped inside, continue", "%s",
		  how ? how : outcome ());
	}
    }

  /* rseq_cs armed by a debugger while the thread is stopped outside any
     section (in a system call): does the kernel clear it on resume?  */
  start (CMD_EXIT);
  poke (rseq_cs_field (), (long) &cs_desc);
  pc = step (&how);
  if (pc != 0)
    REPORT ("rseq_cs armed while stopped outside a section (in a system "
	    "call), single-step", "rseq_cs %s",
	    peek (rseq_cs_field ()) == 0 ? "cleared by the kernel"
					 : "left armed");
  else
    REPORT ("rseq_cs armed while stopped outside a section", "%s", how);

  /* A thread stopped in a system call (a debugger's "jump" into a
     section, or a PC restored into one) resumed inside a section with
     rseq_cs armed: the entry was not an interrupt.  */
  start (CMD_EXIT);
  poke (rseq_cs_field (), (long) &cs_desc);
  set_pc ((uintptr_t) cs_inside);
  pc = step (&how);
  REPORT ("PC moved into a section while stopped in a system call, "
	  "rseq_cs armed, single-step", "%s", pc ? where (pc) : how);

  /* A system call inside a section.  */
  start (CMD_SYS);
  how = cont_to_stop ();
  REPORT ("system call inside a section", "%s", how ? how : outcome ());

  /* A debugger writes the thread's cpu_id_start (GDB's "set var"), then
     moves the thread to another CPU, so that the kernel updates it.  */
  if (sysconf (_SC_NPROCESSORS_ONLN) > 1)
    {
      start (CMD_CS);
      struct rseq *area = rseq_area ();
      long ids = peek (&area->cpu_id_start);
      uint32_t cpu = (uint32_t) ids;
      poke (&area->cpu_id_start, (ids & ~0xffffffffL) | (cpu ^ 1));
      cpu_set_t set;
      CPU_ZERO (&set);
      CPU_SET (cpu ^ 1, &set);
      sched_setaffinity (pid, sizeof set, &set);
      how = cont_to_stop ();
      REPORT ("cpu_id_start written by the debugger, thread migrated",
	      "%s", how ? how : "ran on");
    }

  if (pid > 0)
    {
      poke ((void *) &cmd, CMD_EXIT);
      cont_to_stop ();
    }
  return 0;
}
