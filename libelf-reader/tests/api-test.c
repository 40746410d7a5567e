/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * api-test: the library's promises that do not depend on a fixture's
 * contents.  Usage: api-test FIXTURE [TEXT_ADDR], where FIXTURE has critical
 * sections.
 *
 * - rseqelf_open_mem on a file's bytes gives what rseqelf_open gives, and
 *   does not keep the buffer (it is overwritten and freed before the handle
 *   is read; AddressSanitizer builds catch a use after free);
 * - failed opens return NULL with an errno code and a message starting
 *   "NAME: ", and do not need an error struct;
 * - rseqelf_close (NULL) is harmless;
 * - a valid ELF file without rseq sections opens with no c.s.;
 * - several threads, each with its own handles, read identical results;
 * - with TEXT_ADDR (hex, from readelf -S), the reference section is .text
 *   at that address.
 * Prints "ok"/"FAIL" per check; exit 0 when all pass.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rseqelf.h"

static int failures, passes;

static void
result (int ok, const char *fmt, ...)
{
	va_list ap;

	printf ("%s ", ok ? "ok" : "FAIL");
	va_start (ap, fmt);
	vprintf (fmt, ap);
	va_end (ap);
	putchar ('\n');
	if (ok)
		passes++;
	else
		failures++;
}

static unsigned char *
slurp (const char *path, size_t *size)
{
	FILE *f = fopen (path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (n == cap) {
			unsigned char *nb;

			cap = cap ? 2 * cap : 65536;
			nb = realloc (buf, cap);
			if (nb == NULL)
				break;
			buf = nb;
		}
		size_t r = fread (buf + n, 1, cap - n, f);

		if (r == 0)
			break;
		n += r;
	}
	fclose (f);
	*size = n;
	return buf;
}

/* Everything a handle reports, as one string, so two handles compare with
   strcmp and a mismatch shows both.  The name is left out on purpose. */
static char *
describe (const rseqelf *h)
{
	size_t cap = 4096, len = 0, i, j;
	char *s = malloc (cap);

#define ADD(...) do {							\
		int n_;							\
		for (;;) {						\
			n_ = snprintf (s + len, cap - len, __VA_ARGS__); \
			if (n_ >= 0 && (size_t) n_ < cap - len)		\
				break;					\
			cap *= 2;					\
			s = realloc (s, cap);				\
			if (s == NULL)					\
				abort ();				\
		}							\
		len += n_;						\
	} while (0)

	if (s == NULL)
		abort ();
	s[0] = '\0';
	ADD ("machine %u %s class %d be %d type %u table %d derive %d\n",
	     rseqelf_machine (h), rseqelf_machine_name (h), rseqelf_class (h),
	     rseqelf_big_endian (h), rseqelf_type (h), (int) rseqelf_table (h),
	     rseqelf_can_derive_for (h));
	for (i = 0; i < rseqelf_cs_count (h); i++) {
		const struct rseqelf_cs *c = rseqelf_cs_at (h, i);

		ADD ("cs %llx %llx %llx desc %d:%llx v%u f%u sig %d:%x call %d sys %d",
		     (unsigned long long) c->start_ip,
		     (unsigned long long) c->post_commit_ip,
		     (unsigned long long) c->abort_ip, c->has_descriptor,
		     (unsigned long long) c->descriptor, c->version, c->flags,
		     c->has_signature, c->signature, c->has_call, c->has_syscall);
		for (j = 0; j < c->nexits; j++)
			ADD (" exit %llx %s", (unsigned long long) c->exits[j].ip,
			     rseqelf_exit_kind_name (c->exits[j].kind));
		ADD ("\n");
	}
	for (i = 0; i < rseqelf_diag_count (h); i++) {
		const struct rseqelf_diag *d = rseqelf_diag_at (h, i);

		ADD ("%s %d:%llx %s\n", rseqelf_severity_name (d->severity),
		     d->has_ip, (unsigned long long) d->ip, d->message);
	}
#undef ADD
	return s;
}

static int
starts_with (const char *s, const char *prefix)
{
	return strncmp (s, prefix, strlen (prefix)) == 0;
}

/* A failed open: NULL, a code, "NAME: reason". */
static void
expect_open_error (rseqelf *h, const struct rseqelf_error *err,
		   const char *name, const char *what)
{
	char prefix[600];

	snprintf (prefix, sizeof prefix, "%s: ", name);
	result (h == NULL, "%s: open fails", what);
	if (h != NULL) {
		rseqelf_close (h);
		return;
	}
	result (err->code != 0, "%s: error code set (%d)", what, err->code);
	result (starts_with (err->message, prefix)
		&& strlen (err->message) > strlen (prefix),
		"%s: message \"%s\" starts with \"%s\" and gives a reason",
		what, err->message, prefix);
}

static const char *fixture;
static const char *reference;
static const unsigned char *fixture_bytes;
static size_t fixture_size;

#define THREADS 8
#define ROUNDS 25

static void *
reader_thread (void *arg)
{
	long bad = 0;
	int i;

	(void) arg;
	for (i = 0; i < ROUNDS; i++) {
		struct rseqelf_error err;
		rseqelf *h = i % 2
			? rseqelf_open (fixture, 0, &err)
			: rseqelf_open_mem (fixture_bytes, fixture_size, fixture,
					    0, &err);
		char *d;

		if (h == NULL) {
			bad++;
			continue;
		}
		d = describe (h);
		if (strcmp (d, reference) != 0)
			bad++;
		free (d);
		rseqelf_close (h);
	}
	return (void *) bad;
}

int
main (int argc, char **argv)
{
	struct rseqelf_error err;
	rseqelf *h, *hm;
	unsigned char *bytes, *copy;
	size_t size;
	char *d_file, *d_mem;
	pthread_t tid[THREADS];
	long bad = 0;
	int i;

	if (argc != 2 && argc != 3) {
		fprintf (stderr, "usage: api-test FIXTURE [TEXT_ADDR]\n");
		return 2;
	}
	fixture = argv[1];
	bytes = slurp (fixture, &size);
	if (bytes == NULL) {
		fprintf (stderr, "api-test: %s: %s\n", fixture, strerror (errno));
		return 2;
	}

	/* open and open_mem agree; the buffer is not kept. */
	h = rseqelf_open (fixture, 0, &err);
	result (h != NULL, "open %s%s%s", fixture, h ? "" : ": ",
		h ? "" : err.message);
	if (h == NULL)
		return 1;
	result (rseqelf_cs_count (h) > 0, "fixture has c.s.");
	result (strcmp (rseqelf_name (h), fixture) == 0, "name is the path");
	if (argc == 3) {
		const char *ref_name = NULL;
		uint64_t ref_addr = 0;
		int rc = rseqelf_reference_section (h, &ref_name, &ref_addr);

		result (rc == 0 && strcmp (ref_name, ".text") == 0
			&& ref_addr == strtoull (argv[2], NULL, 16),
			"reference section %s at %#llx, readelf says .text at %s",
			rc == 0 ? ref_name : "(none)",
			(unsigned long long) ref_addr, argv[2]);
	}
	copy = malloc (size);
	memcpy (copy, bytes, size);
	hm = rseqelf_open_mem (copy, size, fixture, 0, &err);
	memset (copy, 0xa5, size);
	free (copy);
	result (hm != NULL, "open_mem%s%s", hm ? "" : ": ", hm ? "" : err.message);
	if (hm == NULL)
		return 1;
	{
		rseqelf *hn = rseqelf_open_mem (bytes, size, "in-memory copy",
						0, &err);

		result (hn != NULL
			&& strcmp (rseqelf_name (hn), "in-memory copy") == 0,
			"open_mem name is the given name");
		rseqelf_close (hn);
	}
	d_file = describe (h);
	d_mem = describe (hm);
	result (strcmp (d_file, d_mem) == 0, "open_mem equals open");
	if (strcmp (d_file, d_mem) != 0)
		printf ("open:\n%sopen_mem:\n%s", d_file, d_mem);
	rseqelf_close (hm);
	rseqelf_close (h);
	free (d_mem);

	/* Same for --no-derive: a different, and still equal, result. */
	hm = rseqelf_open_mem (bytes, size, "no-derive", RSEQELF_NO_DERIVE, &err);
	{
		rseqelf *hf = rseqelf_open (fixture, RSEQELF_NO_DERIVE, &err);
		char *a = hm ? describe (hm) : NULL, *b = hf ? describe (hf) : NULL;

		result (a && b && strcmp (a, b) == 0,
			"open_mem equals open with RSEQELF_NO_DERIVE");
		free (a);
		free (b);
		rseqelf_close (hf);
		rseqelf_close (hm);
	}

	/* Failed opens. */
	h = rseqelf_open ("/nonexistent/rseq-fixture", 0, &err);
	expect_open_error (h, &err, "/nonexistent/rseq-fixture", "missing file");
	if (h == NULL)
		result (err.code == ENOENT, "missing file: ENOENT (%d)", err.code);
	result (rseqelf_open ("/nonexistent/rseq-fixture", 0, NULL) == NULL,
		"missing file with no error struct");
	h = rseqelf_open_mem ("not an ELF file", 15, "text-buffer", 0, &err);
	expect_open_error (h, &err, "text-buffer", "non-ELF buffer");
	h = rseqelf_open_mem (bytes, 0, "empty-buffer", 0, &err);
	expect_open_error (h, &err, "empty-buffer", "empty buffer");
	/* The section headers lie past the end: not "a file without rseq
	   sections" but a damaged one. */
	h = rseqelf_open_mem (bytes, bytes[4] == 2 ? 64 : 52, "header-only", 0,
			      &err);
	expect_open_error (h, &err, "header-only", "ELF header only");
	result (rseqelf_open_mem ("junk", 4, "junk", 0, NULL) == NULL,
		"bad buffer with no error struct");
	h = rseqelf_open (".", 0, &err);
	expect_open_error (h, &err, ".", "a directory");

	rseqelf_close (NULL);
	result (1, "close (NULL)");

	/* A valid ELF file with no rseq sections: this test program. */
	h = rseqelf_open ("/proc/self/exe", 0, &err);
	result (h != NULL, "open a file without rseq sections%s%s",
		h ? "" : ": ", h ? "" : err.message);
	if (h != NULL) {
		size_t k, serious = 0;

		for (k = 0; k < rseqelf_diag_count (h); k++)
			if (rseqelf_diag_at (h, k)->severity >= RSEQELF_WARNING)
				serious++;
		result (rseqelf_cs_count (h) == 0
			&& rseqelf_table (h) == RSEQELF_TABLE_NONE
			&& rseqelf_cs_at (h, 0) == NULL && serious == 0,
			"no rseq sections: no c.s., table none, no findings");
		rseqelf_close (h);
	}

	/* Names of the enums. */
	result (strcmp (rseqelf_severity_name (RSEQELF_NOTE), "note") == 0
		&& strcmp (rseqelf_severity_name (RSEQELF_WARNING), "warning") == 0
		&& strcmp (rseqelf_severity_name (RSEQELF_ERROR), "error") == 0,
		"severity names");
	result (strcmp (rseqelf_exit_kind_name (RSEQELF_EXIT_DECLARED), "declared") == 0
		&& strcmp (rseqelf_exit_kind_name (RSEQELF_EXIT_DERIVED), "derived") == 0,
		"exit kind names");

	/* Concurrent readers, each with its own handles. */
	reference = d_file;
	fixture_bytes = bytes;
	fixture_size = size;
	for (i = 0; i < THREADS; i++)
		if (pthread_create (&tid[i], NULL, reader_thread, NULL) != 0) {
			result (0, "pthread_create");
			return 1;
		}
	for (i = 0; i < THREADS; i++) {
		void *r;

		pthread_join (tid[i], &r);
		bad += (long) r;
	}
	result (bad == 0, "%d threads x %d opens give identical results (%ld differ)",
		THREADS, ROUNDS, bad);

	free (d_file);
	free (bytes);
	printf ("# api-test: %d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}
