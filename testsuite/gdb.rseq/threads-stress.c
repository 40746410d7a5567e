/* Threads that hammer the same per-CPU counters while the main thread is
   stepped, and (with "disrupt") a helper that forces real aborts of the
   main thread's sections: signals and migrations between CPUs.

   Usage: threads-stress [WORKERS [STEPPED [disrupt]]]  (4, 300).

   Each thread counts the updates it committed; the program checks that
   the per-CPU counters hold exactly their sum, so any update lost to a
   section that ran unprotected shows as a wrong total.  */

#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "rseq-test.h"

#define MAX_WORKERS 16

struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];
static volatile int done;
static volatile int workers_ready;
static long worker_updates[MAX_WORKERS];
static long stepped = 300;
static volatile long main_aborts;
static volatile long signals_seen;
static pid_t main_tid;

static void
on_signal (int sig)
{
  (void) sig;
  signals_seen++;
}

static void *
worker (void *arg)
{
  long *mine = arg;

  __atomic_add_fetch (&workers_ready, 1, __ATOMIC_SEQ_CST);
  while (!done)
    if (percpu_addv (counters, 1, rseq_test_cpu ()) == 0)
      (*mine)++;
  return NULL;
}

/* Signal the main thread and move it between CPUs until it is done.  */
static void *
disrupt (void *arg)
{
  long ncpus = sysconf (_SC_NPROCESSORS_ONLN);
  long n = 0;

  (void) arg;
  while (!done)
    {
      cpu_set_t set;

      syscall (SYS_tgkill, getpid (), main_tid, SIGUSR1);
      if (ncpus > 1)
	{
	  CPU_ZERO (&set);
	  CPU_SET (n++ % ncpus, &set);
	  sched_setaffinity (main_tid, sizeof set, &set);
	}
      usleep (1000);
    }
  return NULL;
}

/* The main thread's updates: the tests step through this loop.  */
__attribute__ ((noinline)) long
stepped_updates (void)
{
  long i;

  for (i = 0; i < stepped; i++)	/* stepped loop */
    while (percpu_addv (counters, 1, rseq_test_cpu ()) != 0) main_aborts++;
  return i;			/* after stepped loop */
}

int
main (int argc, char **argv)
{
  pthread_t threads[MAX_WORKERS], helper;
  int workers = argc > 1 ? atoi (argv[1]) : 4;
  int disrupting = argc > 3 && strcmp (argv[3], "disrupt") == 0;
  long mine, expected, total;
  int i;

  if (argc > 2)
    stepped = atol (argv[2]);
  if (workers < 0 || workers > MAX_WORKERS || stepped < 0)
    {
      fprintf (stderr, "usage: %s [WORKERS (0-%d) [STEPPED [disrupt]]]\n",
	       argv[0], MAX_WORKERS);
      return 2;
    }

  rseq_test_require ();
  main_tid = syscall (SYS_gettid);
  signal (SIGUSR1, on_signal);
  for (i = 0; i < workers; i++)
    pthread_create (&threads[i], NULL, worker, &worker_updates[i]);
  while (workers_ready < workers)
    sched_yield ();
  if (disrupting)
    pthread_create (&helper, NULL, disrupt, NULL);

  mine = stepped_updates ();	/* start stepping */

  done = 1;
  expected = mine;
  for (i = 0; i < workers; i++)
    {
      pthread_join (threads[i], NULL);
      expected += worker_updates[i];
    }
  if (disrupting)
    pthread_join (helper, NULL);
  total = (long) rseq_test_sum (counters);
  printf ("total=%ld expected=%ld exact=%s aborts=%ld signals=%ld\n",
	  total, expected, total == expected ? "yes" : "no", main_aborts,
	  signals_seen);
  return total == expected ? 0 : 1;
}
