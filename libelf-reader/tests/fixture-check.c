/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fixture-check: compare what librseqelf reads from a fixture with what the
 * fixture's symbol table says it contains.
 *
 * The expectations come from labels the fixture's author placed (see
 * fixtures/rseq.inc for the naming convention), read here with plain libelf,
 * so a reader bug cannot hide behind its own output.  The signature word is
 * likewise read from the section bytes directly.
 *
 * Usage: fixture-check [OPTION]... FILE
 *   --table=none|ptr_array|cs|legacy  where the c.s. must have been read from
 *   --exits-derived   the link dropped the exit table: expect the P_exit<n>
 *                     labels as derived exits
 *   --no-derive       open with RSEQELF_NO_DERIVE
 *   --diag=SEV:SYM[,SYM]...
 *                     expect a diagnostic of at least severity SEV (note,
 *                     warning, error) whose ip is the value of one of the
 *                     symbols ("*" accepts any ip or none); may be repeated
 *   --allow-findings  do not fail on warnings or errors no --diag expects
 *   --dump            print the reader's result as rseq-readelf --json
 *                     would, for the CLI comparison
 *   --can-derive      only report whether exits can be derived for FILE:
 *                     exit 0 if so, 1 if not
 * With HAVE_OPCODES=yes in the environment (the test harness sets it from
 * configure), exits of the host's own machine must be derivable.
 *
 * Exit status: 0 all expectations met, 1 a mismatch (explained on stderr),
 * 2 usage or an unreadable fixture.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rseqelf.h"

#define MAX_SYMS 4096
#define MAX_CS 256
#define MAX_EXITS 32
#define MAX_DIAG_SPECS 16

struct sym {
	char *name;
	uint64_t value;
	size_t shndx;
};

struct expected_cs {
	char id[64];
	int have_start, have_post, have_abort, have_desc;
	int want_call, want_syscall;
	uint64_t start, post, abort_ip, desc;
	size_t abort_shndx;
	size_t ndecl, nderiv;
	uint64_t decl[MAX_EXITS], deriv[MAX_EXITS];
};

struct diag_spec {
	enum rseqelf_severity min;
	int any_ip;
	size_t nips;
	uint64_t ips[8];
	const char *text;
};

static const char *file;
static Elf *elf;
static GElf_Ehdr ehdr;
static struct sym syms[MAX_SYMS];
static size_t nsyms;
static struct expected_cs exp_cs[MAX_CS];
static size_t nexp;
static int failures;

static void
fail (const char *fmt, ...)
{
	va_list ap;

	fprintf (stderr, "fixture-check: %s: ", file);
	va_start (ap, fmt);
	vfprintf (stderr, fmt, ap);
	va_end (ap);
	fputc ('\n', stderr);
	failures++;
}

static void
fatal (const char *fmt, ...)
{
	va_list ap;

	fprintf (stderr, "fixture-check: %s: ", file ? file : "");
	va_start (ap, fmt);
	vfprintf (stderr, fmt, ap);
	va_end (ap);
	fputc ('\n', stderr);
	exit (2);
}

static void
load_symbols (void)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn (elf, scn)) != NULL) {
		GElf_Shdr shdr;
		Elf_Data *data;
		size_t i, n;

		if (gelf_getshdr (scn, &shdr) == NULL || shdr.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata (scn, NULL);
		if (data == NULL || shdr.sh_entsize == 0)
			fatal ("unreadable symbol table: %s", elf_errmsg (-1));
		n = shdr.sh_size / shdr.sh_entsize;
		for (i = 0; i < n && nsyms < MAX_SYMS; i++) {
			GElf_Sym s;
			const char *name;

			if (gelf_getsym (data, (int) i, &s) == NULL)
				continue;
			name = elf_strptr (elf, shdr.sh_link, s.st_name);
			if (name == NULL || (strncmp (name, "tcs_", 4) != 0
					     && strncmp (name, "xcs_", 4) != 0
					     && strncmp (name, "xexit_", 6) != 0))
				continue;
			syms[nsyms].name = strdup (name);
			syms[nsyms].value = s.st_value;
			syms[nsyms].shndx = s.st_shndx;
			nsyms++;
		}
	}
	if (nsyms == 0)
		fatal ("no tcs_/xcs_ labels in the symbol table (stripped?)");
}

static const struct sym *
find_sym (const char *name)
{
	size_t i;

	for (i = 0; i < nsyms; i++)
		if (strcmp (syms[i].name, name) == 0)
			return &syms[i];
	return NULL;
}

static struct expected_cs *
exp_for (const char *id)
{
	size_t i;

	for (i = 0; i < nexp; i++)
		if (strcmp (exp_cs[i].id, id) == 0)
			return &exp_cs[i];
	if (nexp == MAX_CS)
		fatal ("too many c.s. labels");
	snprintf (exp_cs[nexp].id, sizeof exp_cs[nexp].id, "%s", id);
	return &exp_cs[nexp++];
}

/* Build the expected c.s. from the tcs_<id>_<role> labels. */
static void
build_expected (int exits_derived)
{
	size_t i;

	for (i = 0; i < nsyms; i++) {
		const char *name = syms[i].name, *role;
		char id[64];
		struct expected_cs *e;
		uint64_t v = syms[i].value;

		if (strncmp (name, "tcs_", 4) != 0)
			continue;
		role = strchr (name + 4, '_');
		if (role == NULL || (size_t) (role - name) >= sizeof id)
			continue;
		memcpy (id, name, role - name);
		id[role - name] = '\0';
		role++;
		e = exp_for (id);
		if (strcmp (role, "start") == 0)
			e->have_start = 1, e->start = v;
		else if (strcmp (role, "post") == 0)
			e->have_post = 1, e->post = v;
		else if (strcmp (role, "abort") == 0) {
			e->have_abort = 1;
			e->abort_ip = v;
			e->abort_shndx = syms[i].shndx;
		} else if (strcmp (role, "desc") == 0)
			e->have_desc = 1, e->desc = v;
		else if (strcmp (role, "call") == 0)
			e->want_call = 1;
		else if (strcmp (role, "syscall") == 0)
			e->want_syscall = 1;
		else if (strncmp (role, "exit", 4) == 0 && !exits_derived) {
			if (e->ndecl < MAX_EXITS)
				e->decl[e->ndecl++] = v;
		} else if (strncmp (role, "exit", 4) == 0
			   || strncmp (role, "dexit", 5) == 0) {
			if (e->nderiv < MAX_EXITS)
				e->deriv[e->nderiv++] = v;
		}
	}
	for (i = 0; i < nexp; i++)
		if (!exp_cs[i].have_start || !exp_cs[i].have_post
		    || !exp_cs[i].have_abort)
			fatal ("fixture bug: %s lacks a start, post or abort label",
			       exp_cs[i].id);
}

/* The 32-bit word just before abort_ip, read from the bytes of the section
   that holds the abort label.  Returns 0 when it is not there. */
static int
read_signature (const struct expected_cs *e, uint32_t *sig)
{
	Elf_Scn *scn;
	GElf_Shdr shdr;
	Elf_Data *data;
	uint64_t off;
	const unsigned char *p;

	if (e->abort_shndx == SHN_UNDEF || e->abort_shndx >= SHN_LORESERVE)
		return 0;
	scn = elf_getscn (elf, e->abort_shndx);
	if (scn == NULL || gelf_getshdr (scn, &shdr) == NULL
	    || shdr.sh_type == SHT_NOBITS)
		return 0;
	off = e->abort_ip - (ehdr.e_type == ET_REL ? 0 : shdr.sh_addr);
	if (off < 4 || off > shdr.sh_size)
		return 0;
	data = elf_rawdata (scn, NULL);
	if (data == NULL || data->d_size < off)
		return 0;
	p = (const unsigned char *) data->d_buf + off - 4;
	if (ehdr.e_ident[EI_DATA] == ELFDATA2MSB)
		*sig = (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16
		       | (uint32_t) p[2] << 8 | p[3];
	else
		*sig = (uint32_t) p[3] << 24 | (uint32_t) p[2] << 16
		       | (uint32_t) p[1] << 8 | p[0];
	return 1;
}

/* The value fixtures/arch/ARCH.inc writes before every good abort handler. */
static int
machine_signature (unsigned machine, uint32_t *sig)
{
	switch (machine) {
	case EM_X86_64: case EM_386: *sig = 0x53053053; return 1;
	case EM_AARCH64: *sig = 0xd428bc00; return 1;
	case EM_ARM: *sig = 0xe7f5def3; return 1;
	case EM_PPC64: *sig = 0x0fe5000b; return 1;
	case EM_S390: *sig = 0xb2ff0fff; return 1;
	case EM_RISCV: *sig = 0xf1401073; return 1;
	default: return 0;
	}
}

static int
is_tolerated_start (uint64_t ip)
{
	size_t i;

	for (i = 0; i < nsyms; i++)
		if (strncmp (syms[i].name, "xcs_", 4) == 0
		    && syms[i].value == ip
		    && strlen (syms[i].name) > 6
		    && strcmp (syms[i].name + strlen (syms[i].name) - 6,
			       "_start") == 0)
			return 1;
	return 0;
}

static int
is_tolerated_exit (uint64_t ip)
{
	size_t i;

	for (i = 0; i < nsyms; i++)
		if (strncmp (syms[i].name, "xexit_", 6) == 0
		    && syms[i].value == ip)
			return 1;
	return 0;
}

static int
in_list (uint64_t v, const uint64_t *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return 1;
	return 0;
}

static void
check_exits (const struct expected_cs *e, const struct rseqelf_cs *cs,
	     int derive)
{
	size_t i;

	for (i = 0; i < cs->nexits; i++) {
		const struct rseqelf_exit *x = &cs->exits[i];

		if (i > 0 && x->ip <= cs->exits[i - 1].ip)
			fail ("%s: exits not sorted or duplicated at %#" PRIx64,
			      e->id, x->ip);
		if (x->ip == cs->post_commit_ip || x->ip == cs->abort_ip)
			fail ("%s: exit list holds post-commit/abort ip %#" PRIx64,
			      e->id, x->ip);
		if (x->kind != RSEQELF_EXIT_DECLARED
		    && x->kind != RSEQELF_EXIT_DERIVED)
			fail ("%s: exit %#" PRIx64 " has kind %d", e->id, x->ip,
			      (int) x->kind);
		if (in_list (x->ip, e->decl, e->ndecl)) {
			if (x->kind != RSEQELF_EXIT_DECLARED)
				fail ("%s: exit %#" PRIx64 " is in the exit table "
				      "but reported as %s", e->id, x->ip,
				      rseqelf_exit_kind_name (x->kind));
		} else if (in_list (x->ip, e->deriv, e->nderiv)) {
			if (!derive)
				fail ("%s: exit %#" PRIx64 " reported although "
				      "this handle cannot derive exits", e->id,
				      x->ip);
			else if (x->kind != RSEQELF_EXIT_DERIVED)
				fail ("%s: exit %#" PRIx64 " is in no exit table "
				      "but reported as %s", e->id, x->ip,
				      rseqelf_exit_kind_name (x->kind));
		} else if (!is_tolerated_exit (x->ip))
			fail ("%s: unexpected exit %#" PRIx64 " (%s)", e->id,
			      x->ip, rseqelf_exit_kind_name (x->kind));
	}
	for (i = 0; i < e->ndecl; i++) {
		size_t j;

		for (j = 0; j < cs->nexits; j++)
			if (cs->exits[j].ip == e->decl[i])
				break;
		if (j == cs->nexits)
			fail ("%s: declared exit %#" PRIx64 " missing", e->id,
			      e->decl[i]);
	}
	for (i = 0; derive && i < e->nderiv; i++) {
		size_t j;

		for (j = 0; j < cs->nexits; j++)
			if (cs->exits[j].ip == e->deriv[i])
				break;
		if (j == cs->nexits)
			fail ("%s: derived exit %#" PRIx64 " missing", e->id,
			      e->deriv[i]);
	}
}

static void
check_cs (rseqelf *h, int derive)
{
	size_t n = rseqelf_cs_count (h), i, matched = 0;
	uint32_t msig = 0;
	int have_msig = machine_signature (rseqelf_machine (h), &msig);

	for (i = 0; i < n; i++) {
		const struct rseqelf_cs *cs = rseqelf_cs_at (h, i);
		size_t k;

		if (cs == NULL) {
			fail ("rseqelf_cs_at(%zu) is NULL with count %zu", i, n);
			return;
		}
		if (i > 0 && cs->start_ip < rseqelf_cs_at (h, i - 1)->start_ip)
			fail ("c.s. not sorted by start_ip at index %zu", i);
		for (k = 0; k < nexp; k++)
			if (exp_cs[k].start == cs->start_ip)
				break;
		if (k == nexp) {
			if (!is_tolerated_start (cs->start_ip))
				fail ("unexpected c.s. at %#" PRIx64, cs->start_ip);
			continue;
		}
		matched++;
	}
	if (rseqelf_cs_at (h, n) != NULL)
		fail ("rseqelf_cs_at(count) is not NULL");

	for (i = 0; i < nexp; i++) {
		const struct expected_cs *e = &exp_cs[i];
		const struct rseqelf_cs *cs = NULL;
		size_t j;
		uint32_t sig;

		/* A deliberately duplicated c.s. (an xcs_ label at the same
		   start) may be listed twice: take the entry with our
		   descriptor. */
		for (j = 0; j < n; j++) {
			const struct rseqelf_cs *c = rseqelf_cs_at (h, j);

			if (c->start_ip != e->start)
				continue;
			if (cs == NULL)
				cs = c;
			else if (!is_tolerated_start (e->start))
				fail ("%s: listed twice", e->id);
			else if (e->have_desc && c->descriptor == e->desc)
				cs = c;
		}
		if (cs == NULL) {
			fail ("%s: no c.s. at start_ip %#" PRIx64, e->id, e->start);
			continue;
		}
		if (cs->post_commit_ip != e->post)
			fail ("%s: post_commit_ip %#" PRIx64 ", symbol table says %#"
			      PRIx64, e->id, cs->post_commit_ip, e->post);
		if (cs->abort_ip != e->abort_ip)
			fail ("%s: abort_ip %#" PRIx64 ", symbol table says %#"
			      PRIx64, e->id, cs->abort_ip, e->abort_ip);
		if (e->have_desc && (!cs->has_descriptor || cs->descriptor != e->desc))
			fail ("%s: descriptor %#" PRIx64 " (has %u), symbol table "
			      "says %#" PRIx64, e->id, cs->descriptor,
			      cs->has_descriptor, e->desc);
		if (cs->version != 0 || cs->flags != 0)
			fail ("%s: version %u flags %#x, fixture has 0 and 0",
			      e->id, cs->version, cs->flags);
		if (read_signature (e, &sig)) {
			if (!cs->has_signature)
				fail ("%s: no signature, the file has %#x before "
				      "abort_ip", e->id, sig);
			else if (cs->signature != sig)
				fail ("%s: signature %#x, the file has %#x",
				      e->id, cs->signature, sig);
			else if (have_msig && sig != msig)
				fail ("%s: fixture bug: signature %#x, expected "
				      "%#x", e->id, sig, msig);
		} else
			fail ("fixture bug: %s: cannot read its signature", e->id);
		check_exits (e, cs, derive);
		/* Only disassembly can tell. */
		if (derive && cs->has_call != (unsigned) e->want_call)
			fail ("%s: has_call %u, fixture %s a call", e->id,
			      cs->has_call, e->want_call ? "has" : "has no");
		if (derive && cs->has_syscall != (unsigned) e->want_syscall)
			fail ("%s: has_syscall %u, fixture %s a system call",
			      e->id, cs->has_syscall,
			      e->want_syscall ? "has" : "has no");
	}
	(void) matched;
}

static int
parse_severity (const char *s, size_t len, enum rseqelf_severity *sev)
{
	if (len == 4 && strncmp (s, "note", 4) == 0)
		*sev = RSEQELF_NOTE;
	else if (len == 7 && strncmp (s, "warning", 7) == 0)
		*sev = RSEQELF_WARNING;
	else if (len == 5 && strncmp (s, "error", 5) == 0)
		*sev = RSEQELF_ERROR;
	else
		return 0;
	return 1;
}

static void
parse_diag_spec (const char *arg, struct diag_spec *d)
{
	const char *colon = strchr (arg, ':'), *p;

	memset (d, 0, sizeof *d);
	d->text = arg;
	if (colon == NULL || !parse_severity (arg, colon - arg, &d->min))
		fatal ("bad --diag=%s", arg);
	for (p = colon + 1; *p != '\0';) {
		size_t len = strcspn (p, ",");
		char name[128];
		const struct sym *s;

		if (len >= sizeof name)
			fatal ("bad --diag=%s", arg);
		memcpy (name, p, len);
		name[len] = '\0';
		if (strcmp (name, "*") == 0)
			d->any_ip = 1;
		else if ((s = find_sym (name)) == NULL)
			fatal ("--diag names %s, which is not in the symbol table",
			       name);
		else if (d->nips < sizeof d->ips / sizeof d->ips[0])
			d->ips[d->nips++] = s->value;
		p += len;
		if (*p == ',')
			p++;
	}
}

static void
check_diags (rseqelf *h, const struct diag_spec *specs, size_t nspecs,
	     int allow_findings)
{
	size_t n = rseqelf_diag_count (h), i, k;
	char used[256] = { 0 };

	for (i = 0; i < n; i++) {
		const struct rseqelf_diag *d = rseqelf_diag_at (h, i);

		if (d == NULL) {
			fail ("rseqelf_diag_at(%zu) is NULL with count %zu", i, n);
			return;
		}
		if (d->message == NULL || d->message[0] == '\0')
			fail ("diagnostic %zu has no message", i);
		if (d->severity != RSEQELF_NOTE && d->severity != RSEQELF_WARNING
		    && d->severity != RSEQELF_ERROR)
			fail ("diagnostic %zu has severity %d", i, (int) d->severity);
	}
	for (k = 0; k < nspecs; k++) {
		const struct diag_spec *s = &specs[k];
		int found = 0;

		for (i = 0; i < n && !found; i++) {
			const struct rseqelf_diag *d = rseqelf_diag_at (h, i);

			if (d->severity < s->min)
				continue;
			if (s->any_ip
			    || (d->has_ip && in_list (d->ip, s->ips, s->nips))) {
				found = 1;
				if (i < sizeof used)
					used[i] = 1;
			}
		}
		if (!found)
			fail ("no diagnostic matches --diag=%s", s->text);
	}
	for (i = 0; i < n; i++) {
		const struct rseqelf_diag *d = rseqelf_diag_at (h, i);

		if (i < sizeof used && used[i])
			continue;
		if (d->severity >= RSEQELF_WARNING && !allow_findings)
			fail ("unexpected %s%s%#" PRIx64 ": %s",
			      rseqelf_severity_name (d->severity),
			      d->has_ip ? " at " : "", d->has_ip ? d->ip : 0,
			      d->message ? d->message : "(null)");
	}
}

static void
json_string (const char *s)
{
	putchar ('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char) *s;

		if (c == '"' || c == '\\')
			printf ("\\%c", c);
		else if (c < 0x20)
			printf ("\\u%04x", c);
		else
			putchar (c);
	}
	putchar ('"');
}

/* The reader's result in the shape rseq-readelf --json promises; numbers in
   decimal, as JSON has no hexadecimal. */
static void
dump (rseqelf *h)
{
	size_t i, j;

	printf ("{\"file\": ");
	json_string (rseqelf_name (h));
	printf (", \"machine\": ");
	json_string (rseqelf_machine_name (h));
	printf (", \"class\": %d, \"endianness\": \"%s\", \"critical_sections\": [",
		rseqelf_class (h), rseqelf_big_endian (h) ? "big" : "little");
	for (i = 0; i < rseqelf_cs_count (h); i++) {
		const struct rseqelf_cs *cs = rseqelf_cs_at (h, i);

		printf ("%s{\"start_ip\": %" PRIu64 ", \"post_commit_ip\": %" PRIu64
			", \"abort_ip\": %" PRIu64 ", \"descriptor\": ",
			i ? ", " : "", cs->start_ip, cs->post_commit_ip,
			cs->abort_ip);
		if (cs->has_descriptor)
			printf ("%" PRIu64, cs->descriptor);
		else
			printf ("null");
		printf (", \"signature\": ");
		if (cs->has_signature)
			printf ("%" PRIu32, cs->signature);
		else
			printf ("null");
		printf (", \"flags\": %" PRIu32 ", \"version\": %" PRIu32
			", \"exits\": [", cs->flags, cs->version);
		for (j = 0; j < cs->nexits; j++)
			printf ("%s{\"ip\": %" PRIu64 ", \"kind\": \"%s\"}",
				j ? ", " : "", cs->exits[j].ip,
				rseqelf_exit_kind_name (cs->exits[j].kind));
		printf ("]}");
	}
	printf ("], \"diagnostics\": [");
	for (i = 0; i < rseqelf_diag_count (h); i++) {
		const struct rseqelf_diag *d = rseqelf_diag_at (h, i);

		printf ("%s{\"severity\": \"%s\", \"ip\": ", i ? ", " : "",
			rseqelf_severity_name (d->severity));
		if (d->has_ip)
			printf ("%" PRIu64, d->ip);
		else
			printf ("null");
		printf (", \"message\": ");
		json_string (d->message);
		printf ("}");
	}
	printf ("]}\n");
}

/* Whether libopcodes, when configured in, must disassemble MACHINE: the
   host's own machine always is. */
static int
host_machine (unsigned machine)
{
#if defined(__x86_64__) || defined(__i386__)
	return machine == EM_X86_64 || machine == EM_386;
#elif defined(__aarch64__)
	return machine == EM_AARCH64;
#elif defined(__powerpc64__)
	return machine == EM_PPC64;
#elif defined(__s390x__)
	return machine == EM_S390;
#elif defined(__riscv)
	return machine == EM_RISCV;
#elif defined(__arm__)
	return machine == EM_ARM;
#else
	(void) machine;
	return 0;
#endif
}

static const char *
table_name (enum rseqelf_table t)
{
	switch (t) {
	case RSEQELF_TABLE_NONE: return "none";
	case RSEQELF_TABLE_PTR_ARRAY: return "ptr_array";
	case RSEQELF_TABLE_CS: return "cs";
	case RSEQELF_TABLE_LEGACY: return "legacy";
	}
	return "?";
}

int
main (int argc, char **argv)
{
	struct diag_spec specs[MAX_DIAG_SPECS];
	size_t nspecs = 0;
	const char *want_table = NULL;
	int exits_derived = 0, no_derive = 0, allow_findings = 0, do_dump = 0;
	int can_derive_only = 0, fd, derive;
	struct rseqelf_error err;
	rseqelf *h;
	int i;
	char *diag_args[MAX_DIAG_SPECS];

	for (i = 1; i < argc && strncmp (argv[i], "--", 2) == 0; i++) {
		if (strncmp (argv[i], "--table=", 8) == 0)
			want_table = argv[i] + 8;
		else if (strcmp (argv[i], "--exits-derived") == 0)
			exits_derived = 1;
		else if (strcmp (argv[i], "--no-derive") == 0)
			no_derive = 1;
		else if (strcmp (argv[i], "--allow-findings") == 0)
			allow_findings = 1;
		else if (strcmp (argv[i], "--dump") == 0)
			do_dump = 1;
		else if (strcmp (argv[i], "--can-derive") == 0)
			can_derive_only = 1;
		else if (strncmp (argv[i], "--diag=", 7) == 0
			 && nspecs < MAX_DIAG_SPECS)
			diag_args[nspecs++] = argv[i] + 7;
		else
			fatal ("unknown option %s", argv[i]);
	}
	if (i != argc - 1)
		fatal ("usage: fixture-check [OPTION]... FILE");
	file = argv[i];

	h = rseqelf_open (file, no_derive ? RSEQELF_NO_DERIVE : 0, &err);
	if (h == NULL)
		fatal ("rseqelf_open failed: %s", err.message);
	if (can_derive_only) {
		int r = rseqelf_can_derive_for (h);

		rseqelf_close (h);
		return r ? 0 : 1;
	}
	if (do_dump) {
		dump (h);
		rseqelf_close (h);
		return 0;
	}

	if (elf_version (EV_CURRENT) == EV_NONE)
		fatal ("libelf: %s", elf_errmsg (-1));
	fd = open (file, O_RDONLY);
	if (fd < 0)
		fatal ("%s", strerror (errno));
	elf = elf_begin (fd, ELF_C_READ, NULL);
	if (elf == NULL || gelf_getehdr (elf, &ehdr) == NULL)
		fatal ("libelf: %s", elf_errmsg (-1));
	load_symbols ();
	build_expected (exits_derived);
	for (i = 0; (size_t) i < nspecs; i++)
		parse_diag_spec (diag_args[i], &specs[i]);

	/* The file's identity, against the ELF header. */
	if (strcmp (rseqelf_name (h), file) != 0)
		fail ("rseqelf_name is \"%s\"", rseqelf_name (h));
	if (rseqelf_machine (h) != ehdr.e_machine)
		fail ("machine %u, e_machine %u", rseqelf_machine (h),
		      (unsigned) ehdr.e_machine);
	if (rseqelf_machine_name (h) == NULL || rseqelf_machine_name (h)[0] == 0)
		fail ("no machine name");
	if (rseqelf_class (h) != (ehdr.e_ident[EI_CLASS] == ELFCLASS64 ? 64 : 32))
		fail ("class %d", rseqelf_class (h));
	if (rseqelf_big_endian (h) != (ehdr.e_ident[EI_DATA] == ELFDATA2MSB))
		fail ("big_endian %d", rseqelf_big_endian (h));
	if (rseqelf_type (h) != ehdr.e_type)
		fail ("type %u, e_type %u", rseqelf_type (h),
		      (unsigned) ehdr.e_type);
	if (want_table != NULL && strcmp (table_name (rseqelf_table (h)),
					  want_table) != 0)
		fail ("c.s. read from table \"%s\", expected \"%s\"",
		      table_name (rseqelf_table (h)), want_table);

	derive = !no_derive && rseqelf_can_derive_for (h);
	if (getenv ("HAVE_OPCODES") != NULL
	    && strcmp (getenv ("HAVE_OPCODES"), "yes") == 0
	    && host_machine (rseqelf_machine (h)) && !rseqelf_can_derive_for (h))
		fail ("built with libopcodes, but cannot derive exits for the "
		      "host's machine %s", rseqelf_machine_name (h));
	if (rseqelf_can_derive_for (h) && !rseqelf_can_derive ())
		fail ("can_derive_for without can_derive");
	check_cs (h, derive);
	check_diags (h, specs, nspecs, allow_findings);

	if (failures) {
		fprintf (stderr, "fixture-check: %s: %d mismatches; the reader "
			 "said:\n", file, failures);
		fflush (stdout);
		dup2 (2, 1);
		dump (h);
	}
	rseqelf_close (h);
	elf_end (elf);
	close (fd);
	return failures ? 1 : 0;
}
