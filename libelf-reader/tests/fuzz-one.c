/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-one.c: the judge of one untrusted image (see fuzz-one.h).
 *
 * Beyond "no crash and no sanitizer report", a read must keep what
 * rseqelf.h promises, since a debugger trusts it without checking: an
 * error names the file and says why; a handle has a known class, byte
 * order and type, c.s. sorted by start_ip, exits sorted and unique that
 * are never post_commit_ip or abort_ip, and a message for every finding.
 * Every string and array the handle returns is read through, so that
 * AddressSanitizer sees any that points at freed or foreign memory.
 */
#include <elf.h>
#include <string.h>

#include "rseqelf.h"
#include "fuzz-one.h"

/* Some use of a string, so that reading it is not optimized away.  */
static size_t sink;

static int
bad_string (const char *s)
{
	if (s == NULL || *s == '\0')
		return 1;
	sink += strlen (s);
	return 0;
}

#define BAD(...) \
	(fprintf (report, "%s: %s: ", name, what), \
	 fprintf (report, __VA_ARGS__), fputc ('\n', report), bad = 1)

static int
judge_error (const struct rseqelf_error *err, const char *name,
	     const char *what, FILE *report)
{
	size_t len = strlen (name);
	int bad = 0;

	if (memchr (err->message, '\0', sizeof err->message) == NULL)
		BAD ("error message not NUL-terminated");
	else if (strncmp (err->message, name, len) != 0
		 || strncmp (err->message + len, ": ", 2) != 0
		 || err->message[len + 2] == '\0')
		BAD ("error message \"%s\" is not \"%s: REASON\"",
		     err->message, name);
	if (err->code <= 0)
		BAD ("error code %d is not an errno value", err->code);
	return bad;
}

static int
judge_cs (const rseqelf *h, const struct rseqelf_cs *c, size_t i,
	  const char *name, const char *what, FILE *report)
{
	int bad = 0;

	if (c == NULL)
		return BAD ("rseqelf_cs_at (%zu) is NULL below the count", i);
	if (i > 0 && c->start_ip < rseqelf_cs_at (h, i - 1)->start_ip)
		BAD ("c.s. %zu not sorted by start_ip", i);
	if (c->nexits > 0 && c->exits == NULL)
		BAD ("c.s. %zu: %zu exits at NULL", i, c->nexits);
	for (size_t j = 0; j < c->nexits; j++) {
		const struct rseqelf_exit *e = &c->exits[j];

		if (j > 0 && e->ip <= c->exits[j - 1].ip)
			BAD ("c.s. %zu: exits not sorted and unique", i);
		if (bad_string (rseqelf_exit_kind_name (e->kind)))
			BAD ("c.s. %zu: exit kind %d has no name", i,
			     (int) e->kind);
		/* In ET_REL files addresses are offsets into sections, and
		   an exit may share its value with one of another section.  */
		if (rseqelf_type (h) != ET_REL
		    && (e->ip == c->post_commit_ip || e->ip == c->abort_ip))
			BAD ("c.s. %zu: exit %#llx repeats post_commit_ip or "
			     "abort_ip", i, (unsigned long long) e->ip);
	}
	return bad;
}

int
fuzz_one (const unsigned char *data, size_t size, const char *name,
	  const char *what, FILE *report)
{
	struct rseqelf_error err;
	const char *ref_name = NULL;
	uint64_t ref_addr;
	rseqelf *h;
	size_t n;
	int bad = 0;

	memset (&err, 0, sizeof err);
	h = rseqelf_open_mem (data, size, name, 0, &err);
	if (h == NULL)
		return judge_error (&err, name, what, report);

	if (strcmp (rseqelf_name (h), name) != 0)
		BAD ("rseqelf_name is \"%s\"", rseqelf_name (h));
	if (bad_string (rseqelf_machine_name (h)))
		BAD ("machine %u has no name", rseqelf_machine (h));
	if (rseqelf_class (h) != 32 && rseqelf_class (h) != 64)
		BAD ("class %d", rseqelf_class (h));
	if (rseqelf_big_endian (h) != 0 && rseqelf_big_endian (h) != 1)
		BAD ("big_endian %d", rseqelf_big_endian (h));
	if (rseqelf_type (h) != ET_REL && rseqelf_type (h) != ET_EXEC
	    && rseqelf_type (h) != ET_DYN)
		BAD ("type %u was accepted", rseqelf_type (h));
	switch (rseqelf_reference_section (h, &ref_name, &ref_addr)) {
	case 0:
		/* A damaged sh_name may well name "".  */
		if (ref_name == NULL)
			BAD ("reference section without a name");
		sink += strlen (ref_name);
		break;
	case -1:
		break;
	default:
		BAD ("rseqelf_reference_section returned neither 0 nor -1");
	}
	if (rseqelf_can_derive_for (h) && !rseqelf_can_derive ())
		BAD ("derives for its machine in a build that cannot derive");

	n = rseqelf_cs_count (h);
	if (rseqelf_table (h) == RSEQELF_TABLE_NONE && n != 0)
		BAD ("%zu c.s. from no table", n);
	else if (rseqelf_table (h) > RSEQELF_TABLE_LEGACY)
		BAD ("table %d", (int) rseqelf_table (h));
	for (size_t i = 0; i < n; i++)
		bad |= judge_cs (h, rseqelf_cs_at (h, i), i, name, what, report);
	if (rseqelf_cs_at (h, n) != NULL)
		BAD ("rseqelf_cs_at (count) is not NULL");

	n = rseqelf_diag_count (h);
	for (size_t i = 0; i < n; i++) {
		const struct rseqelf_diag *d = rseqelf_diag_at (h, i);

		if (d == NULL) {
			BAD ("rseqelf_diag_at (%zu) is NULL below the count", i);
			continue;
		}
		if (bad_string (d->message))
			BAD ("diagnostic %zu has no message", i);
		if (bad_string (rseqelf_severity_name (d->severity)))
			BAD ("diagnostic %zu: severity %d has no name", i,
			     (int) d->severity);
	}
	if (rseqelf_diag_at (h, n) != NULL)
		BAD ("rseqelf_diag_at (count) is not NULL");
	rseqelf_close (h);
	return bad;
}
