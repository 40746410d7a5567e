/* Load a library with rseq critical sections (argv[1]) with dlopen, use
   it, unload it.  The program has one c.s. of its own.  */

#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>
#define RSEQ_TEST_NO_DEFAULTS
#include "rseq-test.h"

RSEQ_TEST_DEFINE_PERCPU_ADDV (main_addv)

static struct rseq_test_counter counters[RSEQ_TEST_MAX_CPUS];

void __attribute__ ((noinline))
after_dlopen (void)
{
  __asm__ volatile ("" ::: "memory");
}

void __attribute__ ((noinline))
after_dlclose (void)
{
  __asm__ volatile ("" ::: "memory");
}

int
main (int argc, char **argv)
{
  void *handle;
  int (*lib_add) (struct rseq_test_counter *);

  alarm (60);
  rseq_test_require ();
  if (argc < 2)
    return 2;
  while (main_addv (counters, 1, rseq_test_cpu ()) != 0)
    continue;

  handle = dlopen (argv[1], RTLD_NOW);
  if (handle == NULL)
    {
      fprintf (stderr, "%s\n", dlerror ());
      return 1;
    }
  lib_add = (int (*) (struct rseq_test_counter *)) dlsym (handle, "lib_add");
  if (lib_add == NULL || lib_add (counters) != 0)
    return 1;
  after_dlopen ();

  dlclose (handle);
  after_dlclose ();
  return 0;
}
