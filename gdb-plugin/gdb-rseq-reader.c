/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * _gdb_rseq_reader: hands librseqelf's tables to the Python that GDB
 * embeds.  _gdb_rseq imports it the first time one of its names is asked
 * for (see gdb-rseq-module.c), so the types keep _gdb_rseq's name.
 *
 * Built against the limited API so one module file serves every Python 3
 * from 3.7 on: GDB is often rebuilt against a newer Python than the one the
 * extension was packaged with.  The result objects are small immutable
 * records (heap types from PyType_FromSpec; PyStructSequence_NewType is not
 * usable before Python 3.10).  A file's critical sections are a sequence
 * that owns the reader's handle and builds each record on demand.
 */
#include <config.h>

#define Py_LIMITED_API 0x03070000
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "rseqelf.h"

/* ------------------------------------------------------------------ */
/* Immutable records with named, read-only fields.  */

struct record {
	PyObject_HEAD
	Py_ssize_t nfields;	/* the limited API hides tp_basicsize */
	PyObject *field[1];	/* really NFIELDS of them */
};

struct record_desc {
	const char *name;		/* "_gdb_rseq.CriticalSection" */
	const char *doc;
	const char *const *fields;	/* NULL-terminated */
	PyTypeObject *type;		/* filled at module init */
	Py_ssize_t nfields;
};

static void
record_dealloc (PyObject *self)
{
	PyTypeObject *tp = Py_TYPE (self);
	struct record *r = (struct record *) self;
	freefunc tp_free = (freefunc) PyType_GetSlot (tp, Py_tp_free);

	for (Py_ssize_t i = 0; i < r->nfields; i++)
		Py_XDECREF (r->field[i]);
	tp_free (self);
	/* PyType_GenericAlloc took a reference to the heap type.  */
	Py_DECREF (tp);
}

/* NAME(field=repr, ...), so a table prints readably at the GDB prompt.  */
static PyObject *
record_repr (PyObject *self)
{
	PyObject *fields = PyObject_GetAttrString ((PyObject *) Py_TYPE (self),
						   "_fields");
	PyObject *parts = NULL, *sep = NULL, *body = NULL, *res = NULL;
	PyObject *name;

	if (fields == NULL)
		return NULL;
	name = PyObject_GetAttrString ((PyObject *) Py_TYPE (self),
				       "__name__");
	if (name == NULL)
		goto out;
	parts = PyList_New (0);
	if (parts == NULL)
		goto out;
	for (Py_ssize_t i = 0; i < PyTuple_Size (fields); i++) {
		PyObject *key = PyTuple_GetItem (fields, i);
		PyObject *val = PyObject_GetAttr (self, key);
		PyObject *item;

		if (val == NULL)
			goto out;
		item = PyUnicode_FromFormat ("%U=%R", key, val);
		Py_DECREF (val);
		if (item == NULL || PyList_Append (parts, item) < 0) {
			Py_XDECREF (item);
			goto out;
		}
		Py_DECREF (item);
	}
	sep = PyUnicode_FromString (", ");
	if (sep == NULL)
		goto out;
	body = PyUnicode_Join (sep, parts);
	if (body == NULL)
		goto out;
	res = PyUnicode_FromFormat ("%U(%U)", name, body);
out:
	Py_XDECREF (body);
	Py_XDECREF (sep);
	Py_XDECREF (parts);
	Py_XDECREF (name);
	Py_DECREF (fields);
	return res;
}

static int
record_type_init (PyObject *module, struct record_desc *d)
{
	PyMemberDef *members;
	PyObject *names = NULL;
	Py_ssize_t n = 0;
	int ret = -1;

	while (d->fields[n] != NULL)
		n++;
	d->nfields = n;

	members = PyMem_Calloc (n + 1, sizeof *members);
	if (members == NULL) {
		PyErr_NoMemory ();
		return -1;
	}
	for (Py_ssize_t i = 0; i < n; i++) {
		members[i].name = (char *) d->fields[i];
		members[i].type = T_OBJECT_EX;
		members[i].offset = offsetof (struct record, field)
				    + i * sizeof (PyObject *);
		members[i].flags = READONLY;
	}

	PyType_Slot slots[] = {
		{ Py_tp_dealloc, (void *) record_dealloc },
		{ Py_tp_repr, (void *) record_repr },
		{ Py_tp_doc, (void *) d->doc },
		{ Py_tp_members, members },
		{ 0, NULL },
	};
	PyType_Spec spec = {
		.name = d->name,
		.basicsize = (int) (offsetof (struct record, field)
				    + n * sizeof (PyObject *)),
		.itemsize = 0,
		.flags = Py_TPFLAGS_DEFAULT,
		.slots = slots,
	};
	/* The member table is copied into the type's own descriptors.  */
	d->type = (PyTypeObject *) PyType_FromSpec (&spec);
	PyMem_Free (members);
	if (d->type == NULL)
		return -1;

	names = PyTuple_New (n);
	if (names == NULL)
		goto out;
	for (Py_ssize_t i = 0; i < n; i++) {
		PyObject *s = PyUnicode_FromString (d->fields[i]);
		if (s == NULL)
			goto out;
		PyTuple_SetItem (names, i, s);
	}
	if (PyObject_SetAttrString ((PyObject *) d->type, "_fields", names) < 0)
		goto out;
	Py_INCREF (d->type);
	if (PyModule_AddObject (module, strrchr (d->name, '.') + 1,
				(PyObject *) d->type) < 0) {
		Py_DECREF (d->type);
		goto out;
	}
	ret = 0;
out:
	Py_XDECREF (names);
	return ret;
}

/* Build a record from N new references; steals them, even on failure.  */
static PyObject *
record_new (struct record_desc *d, PyObject **vals)
{
	allocfunc alloc = (allocfunc) PyType_GetSlot (d->type, Py_tp_alloc);
	struct record *r = NULL;
	Py_ssize_t i;

	for (i = 0; i < d->nfields; i++)
		if (vals[i] == NULL)
			goto fail;
	r = (struct record *) alloc (d->type, 0);
	if (r == NULL)
		goto fail;
	r->nfields = d->nfields;
	for (i = 0; i < d->nfields; i++)
		r->field[i] = vals[i];
	return (PyObject *) r;
fail:
	for (i = 0; i < d->nfields; i++)
		Py_XDECREF (vals[i]);
	return NULL;
}

static const char *const tables_fields[] = {
	"name", "machine", "machine_name", "elf_class", "big_endian",
	"elf_type", "table", "sections", "diagnostics", "derived",
	"reference_section", NULL
};
static struct record_desc tables_desc = {
	"_gdb_rseq.Tables",
	"The rseq tables of one ELF file, as read by librseqelf.\n\n"
	"`sections' is a CriticalSections sequence.  Addresses are the\n"
	"file's own (unrelocated) addresses.  `machine' is\n"
	"the EM_* number, `elf_class' 32 or 64, `elf_type' the ET_* number,\n"
	"`table' the section the critical sections came from (None when the\n"
	"file has none), `derived' whether exits were derived by disassembly,\n"
	"`reference_section' a (name, address) pair of the section to measure\n"
	"the load bias by (.text, else the first allocated section with an\n"
	"address), None when the file has none.",
	tables_fields, NULL, 0,
};

static const char *const cs_fields[] = {
	"start_ip", "post_commit_ip", "abort_ip", "descriptor", "signature",
	"flags", "version", "exits", "has_call", "has_syscall", NULL
};
static struct record_desc cs_desc = {
	"_gdb_rseq.CriticalSection",
	"One rseq critical section of a file.\n\n"
	"`exits' is a tuple of (ip, kind) pairs sorted by ip, kind being\n"
	"\"declared\" or \"derived\"; post_commit_ip and abort_ip are implicit\n"
	"exits and are not listed.  `descriptor' and `signature' are None\n"
	"when the file does not say.",
	cs_fields, NULL, 0,
};

static const char *const diag_fields[] = {
	"severity", "ip", "msg", NULL
};
static struct record_desc diag_desc = {
	"_gdb_rseq.Diagnostic",
	"A finding of the reader: severity (\"note\", \"warning\", \"error\"),\n"
	"the address it concerns or None, and the message.",
	diag_fields, NULL, 0,
};

/* Interned once: a file may have 100k exits.  */
static PyObject *kind_declared, *kind_derived;

static PyObject *
table_name (enum rseqelf_table t)
{
	switch (t) {
	case RSEQELF_TABLE_PTR_ARRAY:
		return PyUnicode_FromString ("__rseq_cs_ptr_array");
	case RSEQELF_TABLE_CS:
		return PyUnicode_FromString ("__rseq_cs");
	case RSEQELF_TABLE_LEGACY:
		return PyUnicode_FromString ("__rseq_table");
	case RSEQELF_TABLE_NONE:
		break;
	}
	Py_RETURN_NONE;
}

static PyObject *
opt_u64 (int present, uint64_t v)
{
	if (present)
		return PyLong_FromUnsignedLongLong (v);
	Py_RETURN_NONE;
}

static PyObject *
cs_to_python (const struct rseqelf_cs *cs)
{
	PyObject *exits = PyTuple_New ((Py_ssize_t) cs->nexits);
	PyObject *v[10];

	if (exits == NULL)
		return NULL;
	for (size_t i = 0; i < cs->nexits; i++) {
		PyObject *kind = cs->exits[i].kind == RSEQELF_EXIT_DERIVED
				 ? kind_derived : kind_declared;
		PyObject *pair = Py_BuildValue ("(KO)",
			(unsigned long long) cs->exits[i].ip, kind);
		if (pair == NULL) {
			Py_DECREF (exits);
			return NULL;
		}
		PyTuple_SetItem (exits, (Py_ssize_t) i, pair);
	}
	v[0] = PyLong_FromUnsignedLongLong (cs->start_ip);
	v[1] = PyLong_FromUnsignedLongLong (cs->post_commit_ip);
	v[2] = PyLong_FromUnsignedLongLong (cs->abort_ip);
	v[3] = opt_u64 (cs->has_descriptor, cs->descriptor);
	v[4] = opt_u64 (cs->has_signature, cs->signature);
	v[5] = PyLong_FromUnsignedLong (cs->flags);
	v[6] = PyLong_FromUnsignedLong (cs->version);
	v[7] = exits;
	v[8] = PyBool_FromLong (cs->has_call);
	v[9] = PyBool_FromLong (cs->has_syscall);
	return record_new (&cs_desc, v);
}

static PyObject *
diag_to_python (const struct rseqelf_diag *d)
{
	PyObject *v[3];

	v[0] = PyUnicode_FromString (rseqelf_severity_name (d->severity));
	v[1] = opt_u64 (d->has_ip, d->ip);
	v[2] = PyUnicode_DecodeFSDefault (d->message ? d->message : "");
	return record_new (&diag_desc, v);
}

/* ------------------------------------------------------------------ */
/* The critical sections of a file, as a sequence that builds each record
   when asked for it: a file may have 100k of them and GDB only ever looks
   at a few.  Lookups by address bisect the reader's own sorted array, so
   loading a file costs the reader's time and no Python object per c.s.
   The sequence owns the reader's handle.  */

struct cs_list {
	PyObject_HEAD
	rseqelf *h;
	/* The longest c.s.: how far back from an address a c.s. that holds
	   it may start, when ranges overlap (duplicated descriptors).  */
	uint64_t max_len;
};

static PyTypeObject *cs_list_type;

static void
cs_list_dealloc (PyObject *self)
{
	PyTypeObject *tp = Py_TYPE (self);
	freefunc tp_free = (freefunc) PyType_GetSlot (tp, Py_tp_free);

	rseqelf_close (((struct cs_list *) self)->h);
	tp_free (self);
	Py_DECREF (tp);
}

static Py_ssize_t
cs_list_len (PyObject *self)
{
	return (Py_ssize_t) rseqelf_cs_count (((struct cs_list *) self)->h);
}

static PyObject *
cs_list_item (PyObject *self, Py_ssize_t i)
{
	const rseqelf *h = ((struct cs_list *) self)->h;

	if (i < 0 || (size_t) i >= rseqelf_cs_count (h)) {
		PyErr_SetString (PyExc_IndexError,
				 "critical section index out of range");
		return NULL;
	}
	return cs_to_python (rseqelf_cs_at (h, (size_t) i));
}

/* ARG as a 64-bit address in *ADDR: 0 when it is one, -1 when it is below
   0 and 1 when above 2**64-1 (callers relocate addresses by a bias, and a
   run-time address minus a bias can fall outside), -2 on error.  */
static int
arg_address (PyObject *arg, uint64_t *addr)
{
	int overflow;
	long long v;

	if (!PyLong_Check (arg)) {
		PyErr_SetString (PyExc_TypeError, "address must be an int");
		return -2;
	}
	v = PyLong_AsLongLongAndOverflow (arg, &overflow);
	if (v == -1 && PyErr_Occurred ())
		return -2;
	if (overflow < 0 || (overflow == 0 && v < 0))
		return -1;
	if (overflow == 0) {
		*addr = (uint64_t) v;
		return 0;
	}
	/* Above 2**63-1.  */
	*addr = PyLong_AsUnsignedLongLong (arg);
	if (*addr == (uint64_t) -1 && PyErr_Occurred ()) {
		if (!PyErr_ExceptionMatches (PyExc_OverflowError))
			return -2;
		PyErr_Clear ();
		return 1;
	}
	return 0;
}

/* The number of c.s. starting below ADDR.  */
static size_t
lower_bound (const rseqelf *h, uint64_t addr)
{
	size_t lo = 0, hi = rseqelf_cs_count (h);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rseqelf_cs_at (h, mid)->start_ip < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static PyObject *
cs_list_bisect (PyObject *self, PyObject *arg)
{
	const rseqelf *h = ((struct cs_list *) self)->h;
	uint64_t addr = 0;

	switch (arg_address (arg, &addr)) {
	case -2:
		return NULL;
	case -1:
		return PyLong_FromLong (0);
	case 1:
		return PyLong_FromSize_t (rseqelf_cs_count (h));
	}
	return PyLong_FromSize_t (lower_bound (h, addr));
}

static PyObject *
cs_list_find (PyObject *self, PyObject *arg)
{
	const struct cs_list *l = (const struct cs_list *) self;
	uint64_t addr = 0;
	size_t i;

	switch (arg_address (arg, &addr)) {
	case -2:
		return NULL;
	case -1:
	case 1:
		Py_RETURN_NONE;
	}
	/* The c.s. starting at or below ADDR, the latest first.  */
	i = addr == UINT64_MAX ? rseqelf_cs_count (l->h)
			       : lower_bound (l->h, addr + 1);
	while (i-- > 0) {
		const struct rseqelf_cs *cs = rseqelf_cs_at (l->h, i);

		if (addr - cs->start_ip >= l->max_len)
			break;
		if (addr < cs->post_commit_ip)
			return PyLong_FromSize_t (i);
	}
	Py_RETURN_NONE;
}

static PyMethodDef cs_list_methods[] = {
	{ "find", cs_list_find, METH_O,
	  "find(addr) -> index of the c.s. whose [start_ip, post_commit_ip)\n"
	  "holds file address ADDR (the one starting latest, when several\n"
	  "do), or None." },
	{ "bisect", cs_list_bisect, METH_O,
	  "bisect(addr) -> the number of c.s. starting below file address\n"
	  "ADDR: the index of the first one starting at or above it." },
	{ NULL, NULL, 0, NULL },
};

static int
cs_list_type_init (PyObject *module)
{
	PyType_Slot slots[] = {
		{ Py_tp_dealloc, (void *) cs_list_dealloc },
		{ Py_sq_length, (void *) cs_list_len },
		{ Py_sq_item, (void *) cs_list_item },
		{ Py_tp_methods, cs_list_methods },
		{ Py_tp_doc, (void *)
		  "The critical sections of a file, sorted by start_ip; each\n"
		  "item is a CriticalSection built when it is asked for." },
		{ 0, NULL },
	};
	PyType_Spec spec = {
		.name = "_gdb_rseq.CriticalSections",
		.basicsize = (int) sizeof (struct cs_list),
		.itemsize = 0,
		.flags = Py_TPFLAGS_DEFAULT,
		.slots = slots,
	};

	cs_list_type = (PyTypeObject *) PyType_FromSpec (&spec);
	if (cs_list_type == NULL)
		return -1;
	Py_INCREF (cs_list_type);
	if (PyModule_AddObject (module, "CriticalSections",
				(PyObject *) cs_list_type) < 0) {
		Py_DECREF (cs_list_type);
		return -1;
	}
	return 0;
}

/* Takes over H: it is closed when the result (or, on failure, this
   function) lets go of it.  */
static PyObject *
tables_to_python (rseqelf *h, int derive)
{
	size_t ndiag = rseqelf_diag_count (h);
	allocfunc alloc = (allocfunc) PyType_GetSlot (cs_list_type,
						      Py_tp_alloc);
	struct cs_list *sections = (struct cs_list *) alloc (cs_list_type, 0);
	PyObject *diags = NULL;
	PyObject *v[11];
	const char *ref_name;
	uint64_t ref_addr;

	if (sections == NULL) {
		rseqelf_close (h);
		return NULL;
	}
	sections->h = h;
	sections->max_len = 0;
	for (size_t i = 0; i < rseqelf_cs_count (h); i++) {
		const struct rseqelf_cs *cs = rseqelf_cs_at (h, i);

		if (cs->post_commit_ip > cs->start_ip
		    && cs->post_commit_ip - cs->start_ip > sections->max_len)
			sections->max_len = cs->post_commit_ip - cs->start_ip;
	}
	diags = PyList_New ((Py_ssize_t) ndiag);
	if (diags == NULL)
		goto fail;
	for (size_t i = 0; i < ndiag; i++) {
		PyObject *o = diag_to_python (rseqelf_diag_at (h, i));
		if (o == NULL)
			goto fail;
		PyList_SetItem (diags, (Py_ssize_t) i, o);
	}
	v[0] = PyUnicode_DecodeFSDefault (rseqelf_name (h));
	v[1] = PyLong_FromUnsignedLong (rseqelf_machine (h));
	v[2] = PyUnicode_FromString (rseqelf_machine_name (h));
	v[3] = PyLong_FromLong (rseqelf_class (h));
	v[4] = PyBool_FromLong (rseqelf_big_endian (h));
	v[5] = PyLong_FromUnsignedLong (rseqelf_type (h));
	v[6] = table_name (rseqelf_table (h));
	v[7] = (PyObject *) sections;
	v[8] = diags;
	v[9] = PyBool_FromLong (derive && rseqelf_can_derive_for (h));
	if (rseqelf_reference_section (h, &ref_name, &ref_addr) == 0) {
		v[10] = Py_BuildValue ("(NK)", PyUnicode_DecodeFSDefault (ref_name),
				       (unsigned long long) ref_addr);
	} else {
		Py_INCREF (Py_None);
		v[10] = Py_None;
	}
	return record_new (&tables_desc, v);
fail:
	Py_DECREF (sections);
	Py_XDECREF (diags);
	return NULL;
}

/* A file that is not there or not readable is an OSError; one that is
   there but is not an ELF file librseqelf can use is a ValueError.  Both
   carry the reader's "FILE: reason" text.  */
static void
set_open_error (const struct rseqelf_error *err)
{
	int code = err->code;

	if (code == 0 || code == EINVAL || code == ENOEXEC || code == EILSEQ
	    || code == EBADMSG || code == ERANGE || code == EOVERFLOW) {
		PyErr_SetString (PyExc_ValueError, err->message);
		return;
	}
	PyObject *e = Py_BuildValue ("(is)", code, err->message);
	if (e != NULL) {
		PyErr_SetObject (PyExc_OSError, e);
		Py_DECREF (e);
	}
}

static PyObject *
finish_open (rseqelf *h, const struct rseqelf_error *err, int derive)
{
	if (h == NULL) {
		set_open_error (err);
		return NULL;
	}
	return tables_to_python (h, derive);
}

PyDoc_STRVAR (read_file_doc,
"read_file(path, derive=True) -> Tables\n\n"
"Read the rseq tables of the ELF file at PATH.  With DERIVE false, exits\n"
"are not derived by disassembly.  Raises OSError when the file cannot be\n"
"read and ValueError when it is not a usable ELF file; the message is\n"
"\"PATH: reason\".  A file without rseq sections has no sections.");

static PyObject *
py_read_file (PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "path", "derive", NULL };
	PyObject *path_obj = NULL;
	int derive = 1;
	struct rseqelf_error err;
	rseqelf *h;
	PyObject *res;

	(void) self;
	if (!PyArg_ParseTupleAndKeywords (args, kw, "O&|p:read_file", kwlist,
					  PyUnicode_FSConverter, &path_obj,
					  &derive))
		return NULL;
	memset (&err, 0, sizeof err);
	const char *path = PyBytes_AsString (path_obj);
	if (path == NULL) {
		Py_DECREF (path_obj);
		return NULL;
	}
	Py_BEGIN_ALLOW_THREADS
	h = rseqelf_open (path, derive ? 0 : RSEQELF_NO_DERIVE, &err);
	Py_END_ALLOW_THREADS
	res = finish_open (h, &err, derive);
	Py_DECREF (path_obj);
	return res;
}

PyDoc_STRVAR (read_bytes_doc,
"read_bytes(data, name, derive=True) -> Tables\n\n"
"Same as read_file for an ELF image held in DATA (bytes or bytearray);\n"
"NAME is used in messages.");

static PyObject *
py_read_bytes (PyObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "data", "name", "derive", NULL };
	PyObject *data;
	const char *name;
	int derive = 1;
	char *buf;
	Py_ssize_t size;
	struct rseqelf_error err;
	rseqelf *h;

	(void) self;
	if (!PyArg_ParseTupleAndKeywords (args, kw, "Os|p:read_bytes", kwlist,
					  &data, &name, &derive))
		return NULL;
	if (PyBytes_Check (data)) {
		if (PyBytes_AsStringAndSize (data, &buf, &size) < 0)
			return NULL;
	} else if (PyByteArray_Check (data)) {
		buf = PyByteArray_AsString (data);
		size = PyByteArray_Size (data);
	} else {
		PyErr_SetString (PyExc_TypeError,
				 "read_bytes: DATA must be bytes or bytearray");
		return NULL;
	}
	memset (&err, 0, sizeof err);
	/* The handle copies what it needs: DATA may go once we return.  */
	h = rseqelf_open_mem (buf, (size_t) size, name,
			      derive ? 0 : RSEQELF_NO_DERIVE, &err);
	return finish_open (h, &err, derive);
}

PyDoc_STRVAR (can_derive_doc,
"can_derive() -> bool\n\n"
"Whether this build of librseqelf derives exits by disassembly.");

static PyObject *
py_can_derive (PyObject *self, PyObject *unused)
{
	(void) self;
	(void) unused;
	return PyBool_FromLong (rseqelf_can_derive ());
}

static PyMethodDef methods[] = {
	{ "read_file", (PyCFunction) (void (*) (void)) py_read_file,
	  METH_VARARGS | METH_KEYWORDS, read_file_doc },
	{ "read_bytes", (PyCFunction) (void (*) (void)) py_read_bytes,
	  METH_VARARGS | METH_KEYWORDS, read_bytes_doc },
	{ "can_derive", py_can_derive, METH_NOARGS, can_derive_doc },
	{ NULL, NULL, 0, NULL },
};

PyDoc_STRVAR (module_doc,
"librseqelf's rseq tables for gdb-rseq.  Use them through _gdb_rseq,\n"
"which loads this module when first asked for one of its names.");

static struct PyModuleDef moduledef = {
	PyModuleDef_HEAD_INIT,
	"_gdb_rseq_reader",
	module_doc,
	-1,
	methods,
	NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__gdb_rseq_reader (void);

PyMODINIT_FUNC
PyInit__gdb_rseq_reader (void)
{
	PyObject *m = PyModule_Create (&moduledef);

	if (m == NULL)
		return NULL;
	kind_declared = PyUnicode_InternFromString (
		rseqelf_exit_kind_name (RSEQELF_EXIT_DECLARED));
	kind_derived = PyUnicode_InternFromString (
		rseqelf_exit_kind_name (RSEQELF_EXIT_DERIVED));
	if (kind_declared == NULL || kind_derived == NULL
	    || record_type_init (m, &tables_desc) < 0
	    || record_type_init (m, &cs_desc) < 0
	    || record_type_init (m, &diag_desc) < 0
	    || cs_list_type_init (m) < 0
	    || PyModule_AddStringConstant (m, "__version__",
					   PACKAGE_VERSION) < 0) {
		Py_DECREF (m);
		return NULL;
	}
	return m;
}
