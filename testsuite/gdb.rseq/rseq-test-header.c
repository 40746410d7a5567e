/* Exercise rseq-test.h without a debugger: the critical sections commit
   exactly once per call, abort when signalled, and are described by the
   tables gdb-rseq reads.  Prints one line per check; rseq-test-header.exp
   matches them.  */

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "rseq-test.h"

#define NTHREADS 4
#define ITERATIONS 1000000

static struct rseq_test_counter add_counters[RSEQ_TEST_MAX_CPUS];
static struct rseq_test_counter retry_counters[RSEQ_TEST_MAX_CPUS];
static struct rseq_test_counter cmp_counters[RSEQ_TEST_MAX_CPUS];
static struct rseq_test_counter spin_counters[RSEQ_TEST_MAX_CPUS];

static long add_aborts[NTHREADS];
static long retry_aborts[NTHREADS];

static void *
adder (void *arg)
{
  long id = (long) arg;
  long i;

  for (i = 0; i < ITERATIONS; i++)
    {
      while (percpu_addv (add_counters, 1, rseq_test_cpu ()) != 0)
	add_aborts[id]++;
      retry_aborts[id] += percpu_addv_retry (retry_counters, 1);
    }
  return NULL;
}

static volatile sig_atomic_t signalled;
static volatile int spinner_ready;

static void
on_signal (int sig)
{
  (void) sig;
  signalled = 1;
}

/* Spin "forever" inside the c.s. until a signal arrives: the only way out
   is an abort.  */
static void *
spinner (void *arg)
{
  long *aborts = arg;

  spinner_ready = 1;
  while (!signalled)
    if (percpu_addv_spin (spin_counters, 1, rseq_test_cpu (),
			  ~0UL >> 1) != 0)
      ++*aborts;
  return NULL;
}

/* Linker-provided bounds of the sections named like C identifiers.  */
extern const uint64_t __start___rseq_cs_ptr_array[];
extern const uint64_t __stop___rseq_cs_ptr_array[];
extern const uint64_t __start___rseq_exit_point_array[];
extern const uint64_t __stop___rseq_exit_point_array[];

static void
check_tables (void)
{
  const uint64_t *p;
  int n = 0, valid = 0, exits = 0, exits_valid = 0;

  for (p = __start___rseq_cs_ptr_array; p < __stop___rseq_cs_ptr_array; p++)
    {
      const struct rseq_cs *cs = (const struct rseq_cs *) (uintptr_t) *p;
      uint32_t sig;

      n++;
      if ((uintptr_t) cs % 32 != 0 || cs->version != 0 || cs->flags != 0
	  || cs->post_commit_offset == 0 || cs->post_commit_offset > 256
	  || (cs->abort_ip >= cs->start_ip
	      && cs->abort_ip < cs->start_ip + cs->post_commit_offset))
	continue;
      memcpy (&sig, (const char *) (uintptr_t) cs->abort_ip - 4, 4);
      if (sig == RSEQ_SIG)
	valid++;
    }
  printf ("tables: descriptors=%d valid=%d\n", n, valid);

  for (p = __start___rseq_exit_point_array;
       p + 1 < __stop___rseq_exit_point_array; p += 2)
    {
      exits++;
      /* The one declared exit is percpu_cmpstore's "not equal" branch,
	 outside its c.s.  */
      const uint64_t *q;
      for (q = __start___rseq_cs_ptr_array; q < __stop___rseq_cs_ptr_array;
	   q++)
	{
	  const struct rseq_cs *cs = (const struct rseq_cs *) (uintptr_t) *q;
	  if (cs->start_ip == p[0]
	      && (p[1] < cs->start_ip
		  || p[1] >= cs->start_ip + cs->post_commit_offset))
	    exits_valid++;
	}
    }
  printf ("tables: exits=%d valid=%d\n", exits, exits_valid);
}

int
main (void)
{
  pthread_t threads[NTHREADS], spin_thread;
  long aborts = 0, retries = 0, spin_aborts = 0;
  int cpu, r1, r2;
  long i;

  alarm (30);
  rseq_test_require ();
  check_tables ();

  for (i = 0; i < NTHREADS; i++)
    pthread_create (&threads[i], NULL, adder, (void *) i);
  for (i = 0; i < NTHREADS; i++)
    {
      pthread_join (threads[i], NULL);
      aborts += add_aborts[i];
      retries += retry_aborts[i];
    }
  printf ("addv: sum=%ld aborts=%ld\n",
	  (long) rseq_test_sum (add_counters), aborts);
  printf ("retry: sum=%ld aborts=%ld\n",
	  (long) rseq_test_sum (retry_counters), retries);

  /* Not on this CPU: the c.s. must leave through the abort handler.  */
  cpu = rseq_test_cpu ();
  printf ("wrong cpu: %d\n", percpu_addv (add_counters, 1, cpu + 1));

  do
    {
      cpu = rseq_test_cpu ();
      r1 = percpu_cmpstore (cmp_counters, 0, 5, cpu);
    }
  while (r1 < 0);
  do
    {
      cpu = rseq_test_cpu ();
      r2 = percpu_cmpstore (cmp_counters, 0, 7, cpu);
    }
  while (r2 < 0);
  printf ("cmpstore: equal=%d not-equal=%d sum=%ld\n", r1, r2,
	  (long) rseq_test_sum (cmp_counters));

  signal (SIGUSR1, on_signal);
  pthread_create (&spin_thread, NULL, spinner, &spin_aborts);
  while (!spinner_ready)
    usleep (1000);
  usleep (20000);
  pthread_kill (spin_thread, SIGUSR1);
  pthread_join (spin_thread, NULL);
  printf ("signal: aborted=%s committed=%ld\n", spin_aborts > 0 ? "yes" : "no",
	  (long) rseq_test_sum (spin_counters));
  return 0;
}
