/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The system calls gdb-rseq needs and Python's os module lacks: the ptrace
 * query for a thread's rseq registration, a traced thread's PC and the
 * signal it stopped with, and CPU affinity of another thread with CPU
 * numbers beyond what a fixed cpu_set_t holds.
 */
#define _GNU_SOURCE 1
#include <config.h>

#define Py_LIMITED_API 0x03070000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/user.h>
#include <stddef.h>
#if defined __aarch64__
# include <elf.h>
# include <sys/uio.h>
#endif

#include "gdb-rseq-sys.h"

/* Linux 5.13; glibc's <sys/ptrace.h> does not name it before 2.35 and
   <linux/ptrace.h> clashes with it, so the request and its result are
   spelled out here (include/uapi/linux/ptrace.h).  */
#define GDB_RSEQ_PTRACE_GET_RSEQ_CONFIGURATION 0x420f

struct gdb_rseq_ptrace_rseq_configuration {
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size;
	uint32_t signature;
	uint32_t flags;
	uint32_t pad;
};

const char gdb_rseq_rseq_configuration_doc[] =
"rseq_configuration(tid) -> (rseq_abi_pointer, rseq_abi_size, signature, flags)\n\n"
"Ask the kernel (PTRACE_GET_RSEQ_CONFIGURATION) where thread TID registered\n"
"its struct rseq.  Works only for a thread this process traces and is\n"
"stopped (GDB's native inferiors).  rseq_abi_pointer is 0 when the thread\n"
"has not registered.  Raises OSError (ESRCH when not traced or not\n"
"stopped, EIO on kernels before 5.13).";

PyObject *
gdb_rseq_py_rseq_configuration (PyObject *self, PyObject *args)
{
	struct gdb_rseq_ptrace_rseq_configuration conf;
	long tid;
	long n;

	(void) self;
	if (!PyArg_ParseTuple (args, "l:rseq_configuration", &tid))
		return NULL;
	memset (&conf, 0, sizeof conf);
	errno = 0;
	n = ptrace ((enum __ptrace_request) GDB_RSEQ_PTRACE_GET_RSEQ_CONFIGURATION,
		    (pid_t) tid, (void *) sizeof conf, &conf);
	if (n < 0)
		return PyErr_SetFromErrno (PyExc_OSError);
	/* The kernel returns how much it filled; an older, shorter layout
	   would leave the tail zero, which reads as "no flags".  */
	return Py_BuildValue ("(KIkk)",
			      (unsigned long long) conf.rseq_abi_pointer,
			      (unsigned int) conf.rseq_abi_size,
			      (unsigned long) conf.signature,
			      (unsigned long) conf.flags);
}

const char gdb_rseq_thread_pc_doc[] =
"thread_pc(tid) -> the program counter of stopped thread TID, or None\n\n"
"Read with ptrace from the kernel, for a thread this process traces\n"
"(GDB's native inferiors).  None where this build cannot read it (not\n"
"x86-64 or arm64, or an AArch32 thread).  Raises OSError when the thread\n"
"is not traced or not stopped.";

#if defined __aarch64__
/* arm64 has no PTRACE_PEEKUSER for registers: the general registers come
   as one NT_PRSTATUS register set.  An AArch32 tracee's set is shorter
   (the compat layout); false then, as for a failed request.  */
static int
aarch64_get_regs (pid_t tid, struct user_regs_struct *regs)
{
	struct iovec iov = { regs, sizeof *regs };

	if (ptrace (PTRACE_GETREGSET, tid, (void *) NT_PRSTATUS, &iov) == -1)
		return -1;
	if (iov.iov_len != sizeof *regs) {
		errno = 0;
		return -1;
	}
	return 0;
}
#endif

/* Called from Breakpoint.stop () after every instruction of a "stepi N":
   evaluating $pc there makes GDB build and select frame #0 (unwinder
   sniffers, a CFI lookup), which costs a sixth of a step; the register
   itself is one system call away.  A 64-bit tracer reads the 64-bit
   layout for 32-bit tracees too.  */
PyObject *
gdb_rseq_py_thread_pc (PyObject *self, PyObject *args)
{
	long tid;

	(void) self;
	if (!PyArg_ParseTuple (args, "l:thread_pc", &tid))
		return NULL;
#if defined __x86_64__
	long v;

	errno = 0;
	v = ptrace (PTRACE_PEEKUSER, (pid_t) tid,
		    (void *) offsetof (struct user, regs.rip), NULL);
	if (v == -1 && errno != 0)
		return PyErr_SetFromErrno (PyExc_OSError);
	return PyLong_FromUnsignedLong ((unsigned long) v);
#elif defined __aarch64__
	struct user_regs_struct regs;

	if (aarch64_get_regs ((pid_t) tid, &regs) == -1) {
		if (errno == 0)
			Py_RETURN_NONE;
		return PyErr_SetFromErrno (PyExc_OSError);
	}
	return PyLong_FromUnsignedLongLong ((unsigned long long) regs.pc);
#else
	Py_RETURN_NONE;
#endif
}

const char gdb_rseq_thread_stop_signal_doc[] =
"thread_stop_signal(tid) -> the number of the signal that stopped TID\n\n"
"Read with ptrace (PTRACE_GETSIGINFO) for a stopped thread this process\n"
"traces: SIGTRAP after a single-step or a breakpoint.  Raises OSError\n"
"when the thread is not traced or not stopped, or stopped with no\n"
"signal (EINVAL: a group stop).";

/* An instruction step that does not listen to GDB's stop event learns
   from the kernel whether its stop came with a signal: GDB 16 and later
   build each event with MI-style details, which costs a tenth of a
   step.  */
PyObject *
gdb_rseq_py_thread_stop_signal (PyObject *self, PyObject *args)
{
	long tid;
	siginfo_t si;

	(void) self;
	if (!PyArg_ParseTuple (args, "l:thread_stop_signal", &tid))
		return NULL;
	if (ptrace (PTRACE_GETSIGINFO, (pid_t) tid, NULL, &si) == -1)
		return PyErr_SetFromErrno (PyExc_OSError);
	return PyLong_FromLong (si.si_signo);
}

const char gdb_rseq_set_thread_pc_doc[] =
"set_thread_pc(tid, pc) -> True, or None where this build cannot\n\n"
"Set the program counter of stopped thread TID, traced by this process,\n"
"with ptrace, behind GDB's back.  Raises OSError when the thread is not\n"
"traced or not stopped.";

/* For gdb.events.cont only: GDB is in the middle of proceed (), whose
   register cache a register write through GDB would free (value_assign
   notifies target_changed, and the regcache observer of that drops every
   thread's cache).  GDB reads nothing from the stale cache but the PC it
   already decided how to resume from, and drops the cache when it
   resumes the thread.  */
PyObject *
gdb_rseq_py_set_thread_pc (PyObject *self, PyObject *args)
{
	long tid;
	unsigned long pc;

	(void) self;
	if (!PyArg_ParseTuple (args, "lk:set_thread_pc", &tid, &pc))
		return NULL;
#if defined __x86_64__
	if (ptrace (PTRACE_POKEUSER, (pid_t) tid,
		    (void *) offsetof (struct user, regs.rip),
		    (void *) pc) == -1)
		return PyErr_SetFromErrno (PyExc_OSError);
	Py_RETURN_TRUE;
#elif defined __aarch64__
	struct user_regs_struct regs;
	struct iovec iov = { &regs, sizeof regs };

	if (aarch64_get_regs ((pid_t) tid, &regs) == -1) {
		if (errno == 0)
			Py_RETURN_NONE;
		return PyErr_SetFromErrno (PyExc_OSError);
	}
	regs.pc = pc;
	if (ptrace (PTRACE_SETREGSET, (pid_t) tid, (void *) NT_PRSTATUS,
		    &iov) == -1)
		return PyErr_SetFromErrno (PyExc_OSError);
	Py_RETURN_TRUE;
#else
	(void) tid;
	(void) pc;
	Py_RETURN_NONE;
#endif
}

/* Room for NCPUS CPUs in a dynamically sized set.  */
struct cpuset {
	cpu_set_t *set;
	size_t size;
	int ncpus;
};

static int
cpuset_alloc (struct cpuset *s, int ncpus)
{
	s->set = CPU_ALLOC (ncpus);
	if (s->set == NULL) {
		PyErr_NoMemory ();
		return -1;
	}
	s->ncpus = ncpus;
	s->size = CPU_ALLOC_SIZE (ncpus);
	CPU_ZERO_S (s->size, s->set);
	return 0;
}

/* Thread TID's CPU set into S (freed by the caller on success).  */
static int
cpuset_get (long tid, struct cpuset *s)
{
	int ncpus = CPU_SETSIZE;

	/* The kernel refuses a set smaller than its own nr_cpu_ids with
	   EINVAL: grow until it fits.  */
	for (;;) {
		if (cpuset_alloc (s, ncpus) < 0)
			return -1;
		if (sched_getaffinity ((pid_t) tid, s->size, s->set) == 0)
			return 0;
		CPU_FREE (s->set);
		if (errno != EINVAL || ncpus >= (1 << 20)) {
			PyErr_SetFromErrno (PyExc_OSError);
			return -1;
		}
		ncpus *= 2;
	}
}

/* The CPU numbers of the iterable CPUS into S (freed by the caller on
   success).  FN names the function in errors.  */
static int
cpuset_from_iterable (PyObject *cpus, struct cpuset *s, const char *fn)
{
	PyObject *it, *item, *list;
	long max = -1;
	Py_ssize_t i, n;

	it = PyObject_GetIter (cpus);
	if (it == NULL)
		return -1;
	list = PyList_New (0);
	while (list != NULL && (item = PyIter_Next (it)) != NULL) {
		long cpu = PyLong_AsLong (item);
		int bad = (cpu == -1 && PyErr_Occurred ()) || PyList_Append (list, item) < 0;
		Py_DECREF (item);
		if (bad) {
			Py_CLEAR (list);
			break;
		}
		if (cpu < 0 || cpu >= (1L << 20)) {
			PyErr_Format (PyExc_ValueError, "%s: CPU %ld out of range",
				      fn, cpu);
			Py_CLEAR (list);
			break;
		}
		if (cpu > max)
			max = cpu;
	}
	Py_DECREF (it);
	if (list == NULL || PyErr_Occurred ()) {
		Py_XDECREF (list);
		return -1;
	}
	n = PyList_Size (list);
	if (n == 0) {
		Py_DECREF (list);
		PyErr_Format (PyExc_ValueError, "%s: empty CPU set", fn);
		return -1;
	}
	if (cpuset_alloc (s, (int) max + 1) < 0) {
		Py_DECREF (list);
		return -1;
	}
	for (i = 0; i < n; i++)
		CPU_SET_S ((size_t) PyLong_AsLong (PyList_GetItem (list, i)),
			   s->size, s->set);
	Py_DECREF (list);
	return 0;
}

static PyObject *
cpuset_to_python (const struct cpuset *s)
{
	PyObject *res = PySet_New (NULL);

	for (int cpu = 0; res != NULL && cpu < s->ncpus; cpu++) {
		if (!CPU_ISSET_S (cpu, s->size, s->set))
			continue;
		PyObject *n = PyLong_FromLong (cpu);
		if (n == NULL || PySet_Add (res, n) < 0) {
			Py_XDECREF (n);
			Py_CLEAR (res);
		} else
			Py_DECREF (n);
	}
	return res;
}

/* Whether A and B, possibly of different sizes, hold the same CPUs.  */
static int
cpuset_same (const struct cpuset *a, const struct cpuset *b)
{
	int ncpus = a->ncpus > b->ncpus ? a->ncpus : b->ncpus;

	for (int cpu = 0; cpu < ncpus; cpu++)
		if ((cpu < a->ncpus && CPU_ISSET_S (cpu, a->size, a->set))
		    != (cpu < b->ncpus && CPU_ISSET_S (cpu, b->size, b->set)))
			return 0;
	return 1;
}

const char gdb_rseq_sched_getaffinity_doc[] =
"sched_getaffinity(tid) -> set of CPU numbers thread TID may run on.";

PyObject *
gdb_rseq_py_sched_getaffinity (PyObject *self, PyObject *args)
{
	struct cpuset s;
	PyObject *res;
	long tid;

	(void) self;
	if (!PyArg_ParseTuple (args, "l:sched_getaffinity", &tid))
		return NULL;
	if (cpuset_get (tid, &s) < 0)
		return NULL;
	res = cpuset_to_python (&s);
	CPU_FREE (s.set);
	return res;
}

const char gdb_rseq_sched_setaffinity_doc[] =
"sched_setaffinity(tid, cpus)\n\n"
"Let thread TID run only on the CPU numbers in the iterable CPUS.";

PyObject *
gdb_rseq_py_sched_setaffinity (PyObject *self, PyObject *args)
{
	struct cpuset s;
	PyObject *cpus;
	long tid;

	(void) self;
	if (!PyArg_ParseTuple (args, "lO:sched_setaffinity", &tid, &cpus))
		return NULL;
	if (cpuset_from_iterable (cpus, &s, "sched_setaffinity") < 0)
		return NULL;
	if (sched_setaffinity ((pid_t) tid, s.size, s.set) < 0) {
		CPU_FREE (s.set);
		return PyErr_SetFromErrno (PyExc_OSError);
	}
	CPU_FREE (s.set);
	Py_RETURN_NONE;
}

const char gdb_rseq_sched_replaceaffinity_doc[] =
"sched_replaceaffinity(tid, expected, cpus) -> set\n\n"
"Let thread TID run only on the CPU numbers in CPUS if it may run on\n"
"exactly those in EXPECTED now; return the set it had.  The program may\n"
"move its threads itself, and a change it makes between a debugger's\n"
"read and write is undone by the write: made back to back here, they\n"
"leave it a window of two system calls, not of the Python in between.";

PyObject *
gdb_rseq_py_sched_replaceaffinity (PyObject *self, PyObject *args)
{
	struct cpuset want, expected, found;
	PyObject *pexpected, *pcpus, *res = NULL;
	long tid;

	(void) self;
	if (!PyArg_ParseTuple (args, "lOO:sched_replaceaffinity", &tid,
			       &pexpected, &pcpus))
		return NULL;
	if (cpuset_from_iterable (pcpus, &want, "sched_replaceaffinity") < 0)
		return NULL;
	if (cpuset_from_iterable (pexpected, &expected,
				  "sched_replaceaffinity") < 0)
		goto free_want;
	if (cpuset_get (tid, &found) < 0)
		goto free_expected;
	if (cpuset_same (&found, &expected)
	    && sched_setaffinity ((pid_t) tid, want.size, want.set) < 0)
		PyErr_SetFromErrno (PyExc_OSError);
	else
		res = cpuset_to_python (&found);
	CPU_FREE (found.set);
free_expected:
	CPU_FREE (expected.set);
free_want:
	CPU_FREE (want.set);
	return res;
}
