/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The system calls _gdb_rseq exposes (gdb-rseq-sys.c).  Include after
   Python.h.  */
#ifndef GDB_RSEQ_SYS_H
#define GDB_RSEQ_SYS_H

PyObject *gdb_rseq_py_rseq_configuration (PyObject *self, PyObject *args);
PyObject *gdb_rseq_py_sched_getaffinity (PyObject *self, PyObject *args);
PyObject *gdb_rseq_py_sched_setaffinity (PyObject *self, PyObject *args);
PyObject *gdb_rseq_py_sched_replaceaffinity (PyObject *self, PyObject *args);
PyObject *gdb_rseq_py_thread_pc (PyObject *self, PyObject *args);
PyObject *gdb_rseq_py_set_thread_pc (PyObject *self, PyObject *args);
PyObject *gdb_rseq_py_thread_stop_signal (PyObject *self, PyObject *args);

extern const char gdb_rseq_rseq_configuration_doc[];
extern const char gdb_rseq_sched_getaffinity_doc[];
extern const char gdb_rseq_sched_setaffinity_doc[];
extern const char gdb_rseq_sched_replaceaffinity_doc[];
extern const char gdb_rseq_thread_pc_doc[];
extern const char gdb_rseq_set_thread_pc_doc[];
extern const char gdb_rseq_thread_stop_signal_doc[];

#endif /* GDB_RSEQ_SYS_H */
