/* A signal GDB stops for, then delivers at the next step: the step ends
   in the handler.  Copyright (C) 2026 The gdb-rseq authors.
   SPDX-License-Identifier: GPL-3.0-or-later  */

#include <signal.h>
#include <unistd.h>

static volatile sig_atomic_t caught;

static void handler (int sig) { caught = sig; }	/* handler line */

int
main (void)
{
  signal (SIGUSR1, handler);
  kill (getpid (), SIGUSR1);
  return caught == SIGUSR1 ? 0 : 1;	/* after kill */
}
