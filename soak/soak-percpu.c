/* soak-percpu.c -- the program `make soak' drives under GDB.

   Eight worker threads add 1 to the counter of the CPU they run on, in a
   restartable sequence whose critical section is load, add, store (the
   store is the commit), and count their committed adds.  A ninth thread
   disrupts them: it signals each worker in turn (SIGUSR1) and, when the
   process may use two CPUs, moves it between them with sched_setaffinity;
   the workers yield now and then.  The per-CPU counters must end up
   holding exactly the sum of the adds: an update lost to a section that
   ran half protected shows as a difference.

   The program runs until the driver (soak.py) sets soak_done, or for
   the number of seconds given as its argument.  It
   publishes in soak_threads what the driver checks at each stop: each
   thread's id, its struct rseq, and the CPU set the program last gave
   it.

   Copyright (C) 2026 The gdb-rseq authors.
   SPDX-License-Identifier: GPL-3.0-or-later  */

#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#define RSEQ_TEST_NO_DEFAULTS
#include "rseq-test.h"

RSEQ_TEST_DEFINE_PERCPU_ADDV (percpu_addv)

#define SOAK_WORKERS 8
#define SOAK_MAIN SOAK_WORKERS
#define SOAK_DISRUPTER (SOAK_WORKERS + 1)
#define SOAK_THREADS (SOAK_WORKERS + 2)
#define SOAK_EARLIER 8

struct soak_thread
{
  pid_t tid;
  struct rseq *rs;
  long adds;
  long aborts;
  long signals;
  /* The CPU set the program last gave the thread, one bit per CPU below
     64, the one it gave before (0 for none), the last SOAK_EARLIER it
     gave before this one (a ring, CHANGES of them so far), and whether
     the disrupter is changing it right now (the driver then does not
     compare it).  */
  volatile unsigned long mask;
  volatile unsigned long prev_mask;
  volatile unsigned long earlier[SOAK_EARLIER];
  volatile unsigned long changes;
  volatile int moving;
};

struct soak_thread soak_threads[SOAK_THREADS];
struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
volatile int soak_done;
/* Always 0: the false condition of a breakpoint inside the section.  */
volatile int soak_never;
/* When not 0, only the worker in slot soak_quiet - 1 adds; the others
   wait, outside their sections, until the driver sets it back to 0.
   They sleep while they wait: a thread blocked in the kernel gives GDB
   no event to handle, one that spins gives it one per instruction while
   a software watchpoint single-steps it.  */
volatile int soak_quiet;
long soak_signals_sent;
long soak_migrations;

static volatile int ready;
static __thread struct soak_thread *self;

static unsigned long
mask_of (const cpu_set_t *set)
{
  unsigned long mask = 0;
  int cpu;

  for (cpu = 0; cpu < 64; cpu++)
    if (CPU_ISSET (cpu, set))
      mask |= 1UL << cpu;
  return mask;
}

static void
set_of (unsigned long mask, cpu_set_t *set)
{
  int cpu;

  CPU_ZERO (set);
  for (cpu = 0; cpu < 64; cpu++)
    if (mask & (1UL << cpu))
      CPU_SET (cpu, set);
}

static void
register_self (struct soak_thread *t)
{
  cpu_set_t set;

  self = t;
  t->tid = syscall (SYS_gettid);
  t->rs = rseq_test_abi ();
  if (sched_getaffinity (0, sizeof set, &set) == 0)
    t->mask = mask_of (&set);
}

static void
on_signal (int sig)
{
  (void) sig;
  if (self)
    self->signals++;
}

/* The CPU the section is to add on, read by a call of its own: the
   user's CFLAGS (-O2 by default) come after the Makefile's -O0 and
   would inline rseq_test_cpu into the section's line.  A signal that
   reaches a thread "next" has just stepped into an inlined function
   is delivered by a single-step into its handler, where GDB (13, 16
   and 18 alike) ends the "next", with or without gdb-rseq: not what
   the soak is about.  A real call is stepped over like any other.  */
__attribute__ ((noinline)) static int
soak_cpu (void)
{
  return rseq_test_cpu ();
}

void soak_loop (struct soak_thread *t);
void soak_ready (void);
int soak_report (long sum, long adds);

/* Wait while the driver lets another worker cross alone.  A call of its
   own, so that the section's line starts where every pass of the loop
   goes: written inline, -O0 put the line's one line-table address on
   a jump that only the last pass, the one that ends the program, runs,
   and the driver's breakpoint on the line never stopped a thread.  */
__attribute__ ((noinline)) static void
soak_wait_turn (struct soak_thread *t)
{
  while (soak_quiet && soak_quiet != t - soak_threads + 1 && !soak_done)
    usleep (1000);
}

/* The loop the driver steps through.  The section's call and its retry
   are one line, so "next" over it returns once the add committed.  */
__attribute__ ((noinline)) void
soak_loop (struct soak_thread *t)
{
  while (!soak_done)
    {
      soak_wait_turn (t);
      while (percpu_addv (counters, 1, soak_cpu ()) != 0) t->aborts++; /* soak: cs line */
      t->adds++;		/* soak: after line */
      if ((t->adds & 15) == 0)
	sched_yield ();
    }
}

static void *
worker (void *arg)
{
  register_self (arg);
  __atomic_add_fetch (&ready, 1, __ATOMIC_SEQ_CST);
  soak_loop (arg);
  return NULL;
}

/* Signal each worker in turn and, with two CPUs, pin it to one, then to
   the other, then give it all the CPUs the process started with.  */
static void *
disrupt (void *arg)
{
  unsigned long all = soak_threads[SOAK_MAIN].mask, one = 0, two = 0;
  unsigned long n = 0;

  (void) arg;
  register_self (&soak_threads[SOAK_DISRUPTER]);
  one = all & -all;
  two = (all & ~one) & -(all & ~one);
  while (!soak_done)
    {
      struct soak_thread *t = &soak_threads[n % SOAK_WORKERS];

      if (syscall (SYS_tgkill, getpid (), t->tid, SIGUSR1) == 0)
	soak_signals_sent++;
      if (two != 0)
	{
	  unsigned long want = (n / SOAK_WORKERS) % 3 == 0 ? one
			       : (n / SOAK_WORKERS) % 3 == 1 ? two : all;
	  cpu_set_t set;

	  set_of (want, &set);
	  t->moving = 1;
	  if (sched_setaffinity (t->tid, sizeof set, &set) == 0)
	    {
	      t->earlier[t->changes % SOAK_EARLIER] = t->mask;
	      t->changes++;
	      t->prev_mask = t->mask;
	      t->mask = want;
	      soak_migrations++;
	    }
	  t->moving = 0;
	}
      n++;
      usleep (500);
    }
  return NULL;
}

/* Where the driver starts (every thread registered) and ends.  */
__attribute__ ((noinline)) void
soak_ready (void)
{
  __asm__ volatile ("" ::: "memory");
}

__attribute__ ((noinline)) int
soak_report (long sum, long adds)
{
  __asm__ volatile ("" ::: "memory");
  return sum == adds;
}

/* With an argument, the program runs that many seconds by itself (to
   check it outside GDB).  */
int
main (int argc, char **argv)
{
  pthread_t threads[SOAK_WORKERS], disrupter;
  long adds = 0, aborts = 0, signals = 0, sum;
  int i;

  rseq_test_require ();
  register_self (&soak_threads[SOAK_MAIN]);
  signal (SIGUSR1, on_signal);
  for (i = 0; i < SOAK_WORKERS; i++)
    if (pthread_create (&threads[i], NULL, worker, &soak_threads[i]) != 0)
      {
	perror ("pthread_create");
	return 2;
      }
  while (ready < SOAK_WORKERS)
    sched_yield ();
  if (pthread_create (&disrupter, NULL, disrupt, NULL) != 0)
    {
      perror ("pthread_create");
      return 2;
    }
  while (soak_threads[SOAK_DISRUPTER].tid == 0)
    sched_yield ();
  soak_ready ();
  if (argc > 1)
    {
      sleep (atoi (argv[1]));
      soak_done = 1;
    }

  for (i = 0; i < SOAK_WORKERS; i++)
    pthread_join (threads[i], NULL);
  pthread_join (disrupter, NULL);
  for (i = 0; i < SOAK_WORKERS; i++)
    {
      adds += soak_threads[i].adds;
      aborts += soak_threads[i].aborts;
      signals += soak_threads[i].signals;
    }
  sum = (long) rseq_test_sum (counters);
  printf ("soak-percpu: sum=%ld adds=%ld", sum, adds);
  for (i = 0; i < SOAK_WORKERS; i++)
    printf ("%c%ld", i ? '+' : ' ', soak_threads[i].adds);
  printf (" aborts=%ld signals=%ld/%ld migrations=%ld lost=%ld\n",
	  aborts, signals, soak_signals_sent, soak_migrations, adds - sum);
  return soak_report (sum, adds) ? 0 : 1;
}
