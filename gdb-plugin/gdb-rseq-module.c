/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * _gdb_rseq: the native helpers of gdb-rseq, for the Python GDB embeds.
 *
 * The system calls (gdb-rseq-sys.c) are defined here.  librseqelf's
 * tables (read_file, read_bytes, can_derive and the record types) live in
 * a second module, _gdb_rseq_reader, that this one imports the first time
 * one of those names is looked up: loading librseqelf maps libelf,
 * libopcodes and libbfd, which costs GDB more at start-up than the whole
 * gdb_rseq package, and a session whose objfiles have no rseq tables
 * never needs it.  To Python they are all attributes of _gdb_rseq.
 *
 * Built against the limited API, like the reader module: one module file
 * serves every Python 3 from 3.7 on.
 */
#include <config.h>

#define Py_LIMITED_API 0x03070000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "gdb-rseq-sys.h"

/* _gdb_rseq_reader once imported.  */
static PyObject *reader;

/* Module __getattr__ (PEP 562): called only for a name the module does
   not define.  */
static PyObject *
py_getattr (PyObject *self, PyObject *name)
{
	PyObject *value;
	int dunder;

	if (!PyUnicode_Check (name)) {
		PyErr_SetString (PyExc_TypeError,
				 "attribute name must be a string");
		return NULL;
	}
	/* Introspection (help, pickle, import machinery) asks for dunder
	   names: no reason to load the reader for those.  */
	dunder = PyUnicode_GetLength (name) >= 2
		 && PyUnicode_ReadChar (name, 0) == '_'
		 && PyUnicode_ReadChar (name, 1) == '_';
	if (!dunder) {
		if (reader == NULL)
			reader = PyImport_ImportModule ("_gdb_rseq_reader");
		if (reader == NULL)
			return NULL;
		value = PyObject_GetAttr (reader, name);
		if (value != NULL) {
			/* Found in the module's dict from now on.  */
			if (PyObject_SetAttr (self, name, value) < 0) {
				Py_DECREF (value);
				return NULL;
			}
			return value;
		}
		if (!PyErr_ExceptionMatches (PyExc_AttributeError))
			return NULL;
		PyErr_Clear ();
	}
	PyErr_Format (PyExc_AttributeError,
		      "module '_gdb_rseq' has no attribute '%U'", name);
	return NULL;
}

static PyMethodDef methods[] = {
	{ "rseq_configuration", gdb_rseq_py_rseq_configuration, METH_VARARGS,
	  gdb_rseq_rseq_configuration_doc },
	{ "sched_getaffinity", gdb_rseq_py_sched_getaffinity, METH_VARARGS,
	  gdb_rseq_sched_getaffinity_doc },
	{ "sched_setaffinity", gdb_rseq_py_sched_setaffinity, METH_VARARGS,
	  gdb_rseq_sched_setaffinity_doc },
	{ "sched_replaceaffinity", gdb_rseq_py_sched_replaceaffinity,
	  METH_VARARGS, gdb_rseq_sched_replaceaffinity_doc },
	{ "thread_pc", gdb_rseq_py_thread_pc, METH_VARARGS,
	  gdb_rseq_thread_pc_doc },
	{ "set_thread_pc", gdb_rseq_py_set_thread_pc, METH_VARARGS,
	  gdb_rseq_set_thread_pc_doc },
	{ "thread_stop_signal", gdb_rseq_py_thread_stop_signal, METH_VARARGS,
	  gdb_rseq_thread_stop_signal_doc },
	{ "__getattr__", py_getattr, METH_O,
	  "Load librseqelf's names from _gdb_rseq_reader when first asked "
	  "for." },
	{ NULL, NULL, 0, NULL },
};

PyDoc_STRVAR (module_doc,
"Native helpers of gdb-rseq: librseqelf's rseq tables (read_file,\n"
"read_bytes, can_derive; loaded on first use) and the system calls\n"
"Python lacks (the ptrace rseq query, a thread's PC and stop signal,\n"
"thread CPU affinity).");

static struct PyModuleDef moduledef = {
	PyModuleDef_HEAD_INIT,
	"_gdb_rseq",
	module_doc,
	-1,
	methods,
	NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__gdb_rseq (void);

PyMODINIT_FUNC
PyInit__gdb_rseq (void)
{
	PyObject *m = PyModule_Create (&moduledef);

	if (m == NULL)
		return NULL;
	if (PyModule_AddStringConstant (m, "__version__", PACKAGE_VERSION) < 0) {
		Py_DECREF (m);
		return NULL;
	}
	return m;
}
