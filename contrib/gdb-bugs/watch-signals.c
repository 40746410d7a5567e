/* watch-signals.c -- a program without rseq for watch-signals.py: GDB's
   own failures under a software watchpoint, shown with stock GDB.

   Eight workers add to their counters; each waits in usleep while
   "quiet" names another one.  A ninth thread signals a worker (SIGUSR1,
   handled) and moves it to the other CPU, every 500 us.

   Copyright (C) 2026 The gdb-rseq authors.
   SPDX-License-Identifier: GPL-3.0-or-later  */

#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WORKERS 8

struct worker
{
  volatile long adds;
  volatile pid_t tid;
};

struct worker workers[WORKERS];
volatile int quiet;
static __thread volatile long signals;

static void
on_signal (int sig)
{
  (void) sig;
  signals++;
}

__attribute__ ((noinline)) void
wait_turn (struct worker *w)
{
  while (quiet && quiet != w - workers + 1)
    usleep (1000);
}

static void *
work (void *arg)
{
  struct worker *w = arg;

  w->tid = syscall (SYS_gettid);
  for (;;)
    {
      wait_turn (w);
      w->adds++; /* add line */
    }
  return NULL;
}

static void *
disrupt (void *arg)
{
  int i = 0;

  (void) arg;
  for (;;)
    {
      struct worker *w = &workers[i++ % WORKERS];
      cpu_set_t set;

      syscall (SYS_tgkill, getpid (), w->tid, SIGUSR1);
      CPU_ZERO (&set);
      CPU_SET (i % 2, &set);
      sched_setaffinity (w->tid, sizeof set, &set);
      usleep (500);
    }
  return NULL;
}

/* Where the driver starts: every worker runs.  */
__attribute__ ((noinline)) void
ready (void)
{
  __asm__ volatile ("" ::: "memory");
}

int
main (void)
{
  pthread_t th[WORKERS + 1];
  int i;

  signal (SIGUSR1, on_signal);
  for (i = 0; i < WORKERS; i++)
    pthread_create (&th[i], NULL, work, &workers[i]);
  for (i = 0; i < WORKERS; i++)
    while (!workers[i].tid)
      usleep (100);
  pthread_create (&th[WORKERS], NULL, disrupt, NULL);
  ready ();
  for (i = 0; i <= WORKERS; i++)
    pthread_join (th[i], NULL);
  return 0;
}
