/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-test: valid fixtures, damaged in targeted and random ways, must give
 * a clean error or a successful read through rseqelf_open_mem, never a
 * crash, a sanitizer report, a hang, a runaway allocation or a handle that
 * breaks a promise of rseqelf.h (fuzz_one judges each read).
 *
 * Usage: fuzz-test [--write=DIR] [--every=N] FIXTURE...
 *        fuzz-test --replay INPUT...
 *
 * --replay reads each INPUT as it is, with the same judge and limits: the
 * inputs that libFuzzer campaigns ("make fuzz", rseqelf-fuzzer.c) found
 * breaking the reader, replayed by every "make check" in ordinary builds.
 *
 * The damage, for each fixture: truncation at every offset of the first
 * 512 bytes, at every section and header-table boundary (and next to it)
 * and at a spread of other offsets; every field of every section header,
 * and the ELF header's table fields, set to hostile values (0, all ones,
 * past the end of the file, huge sizes and entry sizes, bogus counts and
 * indexes); every word of the rseq sections set to addresses inside,
 * outside and just beside the image; relocation and RELR entries pointing
 * anywhere, with huge symbol indexes and unknown types; the dynamic
 * entries that locate relocations made bogus; and random byte changes
 * (fixed seed, so a failure reproduces).
 *
 * Cases run in batches in forked children, so a crash is caught and
 * pinned to its case by re-running the batch one case per child.  A child
 * has a time limit, and its peak resident memory is checked; outside
 * AddressSanitizer builds its address space is capped too, so a huge
 * allocation fails instead of swapping.  --write=DIR also writes every
 * Nth damaged image (default 25) to DIR for the command-line run in
 * fuzz.sh.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rseqelf.h"
#include "fuzz-one.h"

#if defined(__SANITIZE_ADDRESS__)
# define UNDER_ASAN 1
#elif defined(__has_feature)
# if __has_feature(address_sanitizer)
#  define UNDER_ASAN 1
# endif
#endif
#ifndef UNDER_ASAN
# define UNDER_ASAN 0
#endif

#define MAX_PATCHES 8
#define BATCH 100
#define CHILD_SECONDS 30
#define AS_LIMIT (1ul << 30)		/* address-space cap outside ASan */
#define RSS_LIMIT_KB (768ul << 10)	/* peak resident set of a child */

struct patch {
	size_t off;
	unsigned size;			/* 1, 2, 4 or 8 bytes */
	uint64_t value;			/* written in the image's byte order */
};

struct fcase {
	char what[112];
	size_t trunc;			/* image length, SIZE_MAX: unchanged */
	unsigned npatches;
	struct patch p[MAX_PATCHES];
};

struct image {
	const char *name;
	unsigned char *b;
	size_t n;
	int is64, be;
};

static struct fcase *cases;
static size_t ncases, cases_cap;
static int failures;

static void
oom (void)
{
	fprintf (stderr, "fuzz-test: out of memory\n");
	exit (2);
}

static struct fcase *
new_case (const char *fmt, ...)
{
	struct fcase *c;
	va_list ap;

	if (ncases == cases_cap) {
		cases_cap = cases_cap ? 2 * cases_cap : 1024;
		cases = realloc (cases, cases_cap * sizeof *cases);
		if (cases == NULL)
			oom ();
	}
	c = &cases[ncases++];
	memset (c, 0, sizeof *c);
	c->trunc = SIZE_MAX;
	va_start (ap, fmt);
	vsnprintf (c->what, sizeof c->what, fmt, ap);
	va_end (ap);
	return c;
}

static void
add_patch (struct fcase *c, size_t off, unsigned size, uint64_t value)
{
	if (c->npatches < MAX_PATCHES)
		c->p[c->npatches++] = (struct patch) { off, size, value };
}

static uint64_t
get (const struct image *im, size_t off, unsigned size)
{
	uint64_t v = 0;
	unsigned i;

	if (off > im->n || im->n - off < size)
		return 0;
	for (i = 0; i < size; i++) {
		unsigned k = im->be ? i : size - 1 - i;

		v = v << 8 | im->b[off + k];
	}
	return v;
}

static void
put (unsigned char *b, size_t n, int be, size_t off, unsigned size,
     uint64_t v)
{
	unsigned i;

	if (off > n || n - off < size)
		return;
	for (i = 0; i < size; i++) {
		unsigned k = be ? size - 1 - i : i;

		b[off + k] = (unsigned char) (v >> (8 * i));
	}
}

/* Deterministic xorshift, so a reported case number reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng (void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The raw layout of the image, read without libelf so that damage can be
   aimed at precise fields. */
struct layout {
	uint64_t shoff, phoff;
	unsigned shnum, shentsize, shstrndx, phnum, phentsize;
};

struct shdr {
	uint32_t name, type, link, info;
	uint64_t flags, addr, offset, size, addralign, entsize;
	size_t at;			/* where the header itself is */
	char sname[64];
};

/* Field offsets and sizes of Elf32_Shdr / Elf64_Shdr, in header order. */
static const char *const sh_field_names[10] = {
	"sh_name", "sh_type", "sh_flags", "sh_addr", "sh_offset", "sh_size",
	"sh_link", "sh_info", "sh_addralign", "sh_entsize"
};
static const unsigned sh64_off[10] = { 0, 4, 8, 16, 24, 32, 40, 44, 48, 56 };
static const unsigned sh64_size[10] = { 4, 4, 8, 8, 8, 8, 4, 4, 8, 8 };
static const unsigned sh32_off[10] = { 0, 4, 8, 12, 16, 20, 24, 28, 32, 36 };
static const unsigned sh32_size[10] = { 4, 4, 4, 4, 4, 4, 4, 4, 4, 4 };

static int
read_layout (const struct image *im, struct layout *l)
{
	if (im->n < 52 || memcmp (im->b, "\177ELF", 4) != 0)
		return -1;
	if (im->is64) {
		l->phoff = get (im, 32, 8);
		l->shoff = get (im, 40, 8);
		l->phentsize = get (im, 54, 2);
		l->phnum = get (im, 56, 2);
		l->shentsize = get (im, 58, 2);
		l->shnum = get (im, 60, 2);
		l->shstrndx = get (im, 62, 2);
	} else {
		l->phoff = get (im, 28, 4);
		l->shoff = get (im, 32, 4);
		l->phentsize = get (im, 42, 2);
		l->phnum = get (im, 44, 2);
		l->shentsize = get (im, 46, 2);
		l->shnum = get (im, 48, 2);
		l->shstrndx = get (im, 50, 2);
	}
	return 0;
}

static void
read_shdr (const struct image *im, const struct layout *l, unsigned i,
	   struct shdr *s)
{
	const unsigned *off = im->is64 ? sh64_off : sh32_off;
	const unsigned *sz = im->is64 ? sh64_size : sh32_size;
	size_t at = l->shoff + (size_t) i * l->shentsize;

	s->at = at;
	s->name = get (im, at + off[0], sz[0]);
	s->type = get (im, at + off[1], sz[1]);
	s->flags = get (im, at + off[2], sz[2]);
	s->addr = get (im, at + off[3], sz[3]);
	s->offset = get (im, at + off[4], sz[4]);
	s->size = get (im, at + off[5], sz[5]);
	s->link = get (im, at + off[6], sz[6]);
	s->info = get (im, at + off[7], sz[7]);
	s->addralign = get (im, at + off[8], sz[8]);
	s->entsize = get (im, at + off[9], sz[9]);
	s->sname[0] = '\0';
}

static void
name_sections (const struct image *im, const struct layout *l,
	       struct shdr *sh)
{
	const struct shdr *str;
	unsigned i;

	if (l->shstrndx >= l->shnum)
		return;
	str = &sh[l->shstrndx];
	for (i = 0; i < l->shnum; i++) {
		uint64_t at = str->offset + sh[i].name;
		size_t k;

		if (sh[i].name >= str->size || at >= im->n)
			continue;
		for (k = 0; k + 1 < sizeof sh[i].sname && at + k < im->n
		     && im->b[at + k] != '\0'; k++)
			sh[i].sname[k] = (char) im->b[at + k];
		sh[i].sname[k] = '\0';
	}
}

static void
gen_truncations (const struct image *im, const struct layout *l,
		 const struct shdr *sh)
{
	size_t off, step;
	unsigned i;

#define TRUNC(o, ...) do {						\
		if ((o) < im->n) {					\
			struct fcase *c_ = new_case (__VA_ARGS__);	\
			c_->trunc = (o);				\
		}							\
	} while (0)
	for (off = 0; off < 512 && off < im->n; off++)
		TRUNC (off, "truncated to %zu bytes", off);
	for (i = 0; i < l->shnum; i++) {
		size_t ends[3] = { sh[i].offset, sh[i].offset + sh[i].size,
				   sh[i].at + l->shentsize };
		int k;

		for (k = 0; k < 3; k++)
			if (ends[k] >= 512) {
				TRUNC (ends[k] - 1, "truncated to %zu bytes (section %u %s)",
				       ends[k] - 1, i, sh[i].sname);
				TRUNC (ends[k], "truncated to %zu bytes (section %u %s)",
				       ends[k], i, sh[i].sname);
			}
	}
	step = im->n / 97 + 1;
	for (off = 512; off < im->n; off += step)
		TRUNC (off, "truncated to %zu bytes", off);
#undef TRUNC
}

static void
gen_header_fields (const struct image *im, const struct layout *l)
{
	/* The ELF header fields that locate and size the tables. */
	struct { const char *name; unsigned off64, off32, size64, size32; } f[] = {
		{ "e_phoff", 32, 28, 8, 4 }, { "e_shoff", 40, 32, 8, 4 },
		{ "e_phentsize", 54, 42, 2, 2 }, { "e_phnum", 56, 44, 2, 2 },
		{ "e_shentsize", 58, 46, 2, 2 }, { "e_shnum", 60, 48, 2, 2 },
		{ "e_shstrndx", 62, 50, 2, 2 }, { "e_type", 16, 16, 2, 2 },
		{ "e_machine", 18, 18, 2, 2 },
	};
	uint64_t values[] = { 0, 1, 2, 3, 0xff, 0xffff, 0xfffe, 0xffffffff,
			      UINT64_MAX, im->n, im->n - 1, im->n + 1,
			      (uint64_t) l->shnum + 1, (uint64_t) l->shnum - 1,
			      l->shoff + 1, 1ull << 40 };
	size_t i, k;

	for (i = 0; i < sizeof f / sizeof f[0]; i++)
		for (k = 0; k < sizeof values / sizeof values[0]; k++) {
			struct fcase *c = new_case ("%s = %#llx", f[i].name,
						    (unsigned long long) values[k]);

			add_patch (c, im->is64 ? f[i].off64 : f[i].off32,
				   im->is64 ? f[i].size64 : f[i].size32,
				   values[k]);
		}
	/* EI_CLASS and EI_DATA contradicting the rest of the header. */
	for (k = 0; k < 4; k++) {
		struct fcase *c = new_case ("e_ident[EI_CLASS] = %zu", k);

		add_patch (c, 4, 1, k);
		c = new_case ("e_ident[EI_DATA] = %zu", k);
		add_patch (c, 5, 1, k);
	}
}

static void
gen_section_fields (const struct image *im, const struct layout *l,
		    const struct shdr *sh)
{
	const unsigned *off = im->is64 ? sh64_off : sh32_off;
	const unsigned *sz = im->is64 ? sh64_size : sh32_size;
	unsigned i, f, k;

	for (i = 0; i < l->shnum; i++)
		for (f = 0; f < 10; f++) {
			uint64_t cur = get (im, sh[i].at + off[f], sz[f]);
			uint64_t values[] = {
				0, 1, 7, UINT64_MAX, 0x7fffffff, im->n,
				im->n + 1, cur + 1, cur - 1, 1ull << 40,
				(uint64_t) l->shnum, 0xffff,
				/* section types that change how it is read */
				f == 1 ? 8 /* NOBITS */ : cur * 2,
				f == 1 ? 4 /* RELA */ : cur ^ 0x80,
				f == 1 ? 9 /* REL */ : cur + im->n,
				f == 1 ? 19 /* RELR */ : cur + 8,
			};

			for (k = 0; k < sizeof values / sizeof values[0]; k++) {
				struct fcase *c;

				if (values[k] == cur)
					continue;
				c = new_case ("section %u %s: %s = %#llx", i,
					      sh[i].sname, sh_field_names[f],
					      (unsigned long long) values[k]);
				add_patch (c, sh[i].at + off[f], sz[f], values[k]);
			}
		}
	/* Both sh_offset and sh_size past the end, and offset + size
	   wrapping around. */
	for (i = 1; i < l->shnum; i++) {
		struct fcase *c = new_case ("section %u %s: offset and size past EOF",
					    i, sh[i].sname);

		add_patch (c, sh[i].at + off[4], sz[4], im->n + 16);
		add_patch (c, sh[i].at + off[5], sz[5], im->n);
		c = new_case ("section %u %s: offset + size wraps", i, sh[i].sname);
		add_patch (c, sh[i].at + off[4], sz[4], im->is64 ? UINT64_MAX - 7 : 0xfffffff8);
		add_patch (c, sh[i].at + off[5], sz[5], 64);
	}
}

static int
is_rseq_section (const char *name)
{
	return strncmp (name, "__rseq", 6) == 0;
}

/* A spread of addresses: zero, all ones, the start, middle and end of each
   rseq section, unaligned and just outside it. */
static void
gen_rseq_words (const struct image *im, const struct layout *l,
		const struct shdr *sh)
{
	unsigned i, j, k;
	unsigned w = 8;

	for (i = 0; i < l->shnum; i++) {
		size_t nw;

		if (!is_rseq_section (sh[i].sname) || sh[i].type == 8)
			continue;
		nw = sh[i].size / w;
		for (j = 0; j < nw && j < 48; j++) {
			uint64_t values[] = {
				0, UINT64_MAX, 1, 0x100000000ull,
				0x8000000000000000ull, sh[i].addr,
				sh[i].addr + 3, sh[i].addr + sh[i].size,
				sh[i].addr + sh[i].size - 4, sh[i].addr - 32,
				get (im, sh[i].offset + j * w, w) + 1,
				get (im, sh[i].offset + j * w, w) + 0xfffff,
				0xfffffffffffff000ull, 32,
			};

			for (k = 0; k < sizeof values / sizeof values[0]; k++) {
				struct fcase *c = new_case ("%s word %u = %#llx",
							    sh[i].sname, j,
							    (unsigned long long) values[k]);

				add_patch (c, sh[i].offset + j * w, w, values[k]);
			}
		}
	}
}

/* Relocation entries (REL, RELA, RELR) aimed anywhere. */
static void
gen_relocs (const struct image *im, const struct layout *l,
	    const struct shdr *sh)
{
	unsigned i, j, k, ws = im->is64 ? 8 : 4;

	for (i = 0; i < l->shnum; i++) {
		unsigned ent;

		if (sh[i].type == 4)
			ent = 3 * ws;
		else if (sh[i].type == 9)
			ent = 2 * ws;
		else if (sh[i].type == 19)
			ent = ws;
		else
			continue;
		for (j = 0; j < sh[i].size / ent && j < 24; j++) {
			size_t at = sh[i].offset + (size_t) j * ent;
			uint64_t offs[] = { 0, UINT64_MAX, im->n, 1ull << 40,
					    get (im, at, ws) + 1,
					    get (im, at, ws) - 8 };
			uint64_t infos[] = { UINT64_MAX, 0xffffff00, 0x7fffffffffull << 32,
					     (uint64_t) rng () };

			for (k = 0; k < sizeof offs / sizeof offs[0]; k++) {
				struct fcase *c = new_case ("%s entry %u: offset = %#llx",
							    sh[i].sname, j,
							    (unsigned long long) offs[k]);

				add_patch (c, at, ws, offs[k]);
			}
			if (sh[i].type == 19) {
				/* A RELR bitmap word: every bit set. */
				struct fcase *c = new_case ("%s entry %u: all-ones bitmap",
							    sh[i].sname, j);

				add_patch (c, at, ws, UINT64_MAX);
				continue;
			}
			for (k = 0; k < sizeof infos / sizeof infos[0]; k++) {
				struct fcase *c = new_case ("%s entry %u: info = %#llx",
							    sh[i].sname, j,
							    (unsigned long long) infos[k]);

				add_patch (c, at + ws, ws, infos[k]);
			}
			if (sh[i].type == 4) {
				struct fcase *c = new_case ("%s entry %u: addend = -1",
							    sh[i].sname, j);

				add_patch (c, at + 2 * ws, ws, UINT64_MAX);
			}
		}
	}
}

/* Dynamic entries that locate relocations: DT_RELA(SZ), DT_REL(SZ),
   DT_RELR(SZ/ENT), DT_RELAENT. */
static void
gen_dynamic (const struct image *im, const struct layout *l,
	     const struct shdr *sh)
{
	unsigned i, j, k, ws = im->is64 ? 8 : 4;

	for (i = 0; i < l->shnum; i++) {
		if (sh[i].type != 6)	/* SHT_DYNAMIC */
			continue;
		for (j = 0; j < sh[i].size / (2 * ws) && j < 64; j++) {
			size_t at = sh[i].offset + (size_t) j * 2 * ws;
			uint64_t tag = get (im, at, ws);
			uint64_t values[] = { 0, 1, UINT64_MAX, im->n, 1ull << 40 };

			if (!(tag == 7 || tag == 8 || tag == 9 || tag == 17
			      || tag == 18 || tag == 19 || tag == 35 || tag == 36
			      || tag == 37))
				continue;
			for (k = 0; k < sizeof values / sizeof values[0]; k++) {
				struct fcase *c = new_case ("dynamic tag %llu = %#llx",
							    (unsigned long long) tag,
							    (unsigned long long) values[k]);

				add_patch (c, at + ws, ws, values[k]);
			}
		}
	}
}

static void
gen_random (const struct image *im, unsigned count)
{
	unsigned i, j;

	for (i = 0; i < count; i++) {
		struct fcase *c = new_case ("random bytes #%u", i);
		unsigned n = 1 + rng () % MAX_PATCHES;

		for (j = 0; j < n; j++)
			add_patch (c, rng () % im->n, 1, rng () & 0xff);
	}
}

/* The damaged bytes of case C, in a fresh allocation of exactly its size
   (so that AddressSanitizer sees any read past the end). */
static unsigned char *
apply (const struct image *im, const struct fcase *c, size_t *size)
{
	size_t n = c->trunc < im->n ? c->trunc : im->n;
	unsigned char *b = malloc (n ? n : 1);
	unsigned i;

	if (b == NULL)
		oom ();
	memcpy (b, im->b, n);
	for (i = 0; i < c->npatches; i++)
		put (b, n, im->be, c->p[i].off, c->p[i].size, c->p[i].value);
	*size = n;
	return b;
}

/* Read case C; returns 0 when the library behaved, else says why. */
static int
run_case (const struct image *im, const struct fcase *c)
{
	unsigned char *b;
	size_t n;
	int bad;

	b = apply (im, c, &n);
	bad = fuzz_one (b, n, im->name, c->what, stderr);
	free (b);
	return bad;
}

static void
limit_child (void)
{
	struct rlimit rl;

	alarm (CHILD_SECONDS);
	if (!UNDER_ASAN) {
		rl.rlim_cur = rl.rlim_max = AS_LIMIT;
		setrlimit (RLIMIT_AS, &rl);
	}
	/* No core files for expected-to-be-caught crashes. */
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit (RLIMIT_CORE, &rl);
}

/* Run cases [FIRST, FIRST + N) in one child.  Returns 0 if it exited 0
   within the limits, else prints why and returns 1. */
static int
run_batch (const struct image *im, size_t first, size_t n, int quiet)
{
	struct rusage ru;
	pid_t pid;
	int status;
	size_t i;

	fflush (NULL);
	pid = fork ();
	if (pid < 0) {
		perror ("fuzz-test: fork");
		exit (2);
	}
	if (pid == 0) {
		int bad = 0;

		limit_child ();
		for (i = first; i < first + n; i++)
			bad |= run_case (im, &cases[i]);
		/* exit, not _exit: LeakSanitizer checks at exit. */
		exit (bad ? 1 : 0);
	}
	if (wait4 (pid, &status, 0, &ru) < 0) {
		perror ("fuzz-test: wait4");
		exit (2);
	}
	if (WIFEXITED (status) && WEXITSTATUS (status) == 0
	    && (unsigned long) ru.ru_maxrss <= RSS_LIMIT_KB)
		return 0;
	if (!quiet) {
		if (WIFSIGNALED (status))
			fprintf (stderr, "%s: %s: killed by signal %d (%s)\n",
				 im->name, cases[first].what, WTERMSIG (status),
				 strsignal (WTERMSIG (status)));
		else if (WIFEXITED (status) && WEXITSTATUS (status) != 0)
			fprintf (stderr, "%s: %s: exit status %d\n", im->name,
				 cases[first].what, WEXITSTATUS (status));
		else
			fprintf (stderr, "%s: %s: peak memory %ld KiB\n",
				 im->name, cases[first].what, ru.ru_maxrss);
	}
	return 1;
}

static int
write_image (const char *dir, const struct image *im, size_t idx,
	     const char *base)
{
	char path[4096];
	unsigned char *b;
	size_t n;
	FILE *f;

	snprintf (path, sizeof path, "%s/%s.%05zu", dir, base, idx);
	b = apply (im, &cases[idx], &n);
	f = fopen (path, "wb");
	if (f == NULL || fwrite (b, 1, n, f) != n || fclose (f) != 0) {
		fprintf (stderr, "fuzz-test: %s: %s\n", path, strerror (errno));
		free (b);
		return -1;
	}
	free (b);
	return 0;
}

/* Read the file at PATH into IM.  */
static int
load_image (const char *path, struct image *im)
{
	FILE *f = fopen (path, "rb");
	long len;

	*im = (struct image) { path, NULL, 0, 0, 0 };
	if (f == NULL || fseek (f, 0, SEEK_END) != 0 || (len = ftell (f)) < 0
	    || fseek (f, 0, SEEK_SET) != 0) {
		fprintf (stderr, "fuzz-test: %s: cannot read\n", path);
		return -1;
	}
	im->n = (size_t) len;
	im->b = malloc (im->n ? im->n : 1);
	if (im->b == NULL || fread (im->b, 1, im->n, f) != im->n) {
		fprintf (stderr, "fuzz-test: %s: cannot read\n", path);
		return -1;
	}
	fclose (f);
	return 0;
}

/* An input saved by a fuzzing campaign, read as it is, with the limits of
   a damaged fixture.  */
static int
replay_file (const char *path)
{
	struct image im;
	int fails;

	if (load_image (path, &im) < 0)
		return -1;
	ncases = 0;
	new_case ("saved input");
	fails = run_batch (&im, 0, 1, 0);
	printf ("%s %s: replayed\n", fails ? "FAIL" : "ok", path);
	free (im.b);
	return fails;
}

static int
fuzz_file (const char *path, const char *write_dir, size_t every)
{
	struct image im;
	struct layout l;
	struct shdr *sh;
	size_t first, fails = 0, i;
	unsigned k;

	if (load_image (path, &im) < 0)
		return -1;
	im.is64 = im.n > 4 && im.b[4] == 2;
	im.be = im.n > 5 && im.b[5] == 2;
	if (read_layout (&im, &l) < 0 || l.shoff + (uint64_t) l.shnum * l.shentsize > im.n
	    || l.shentsize != (im.is64 ? 64u : 40u)) {
		fprintf (stderr, "fuzz-test: %s: not a well-formed ELF fixture\n",
			 path);
		return -1;
	}
	sh = calloc (l.shnum ? l.shnum : 1, sizeof *sh);
	if (sh == NULL)
		oom ();
	for (k = 0; k < l.shnum; k++)
		read_shdr (&im, &l, k, &sh[k]);
	name_sections (&im, &l, sh);

	ncases = 0;
	new_case ("undamaged");
	gen_truncations (&im, &l, sh);
	gen_header_fields (&im, &l);
	gen_section_fields (&im, &l, sh);
	gen_rseq_words (&im, &l, sh);
	gen_relocs (&im, &l, sh);
	gen_dynamic (&im, &l, sh);
	gen_random (&im, 400);

	for (first = 0; first < ncases; first += BATCH) {
		size_t n = ncases - first < BATCH ? ncases - first : BATCH;

		if (run_batch (&im, first, n, 1) == 0)
			continue;
		/* Pin the failure to its cases. */
		for (i = first; i < first + n; i++)
			if (run_batch (&im, i, 1, 0) != 0) {
				fails++;
				if (fails == 20) {
					fprintf (stderr, "%s: more failures not shown\n",
						 path);
					break;
				}
			}
	}
	if (write_dir != NULL) {
		const char *base = strrchr (path, '/');

		base = base ? base + 1 : path;
		for (i = 0; i < ncases; i += every)
			if (write_image (write_dir, &im, i, base) < 0)
				return -1;
	}
	printf ("%s %s: %zu damaged images%s\n", fails ? "FAIL" : "ok", path,
		ncases, fails ? ", failures above" : "");
	free (sh);
	free (im.b);
	return fails ? 1 : 0;
}

int
main (int argc, char **argv)
{
	const char *write_dir = NULL;
	size_t every = 25;
	int i, r, replay = 0;

	for (i = 1; i < argc && strncmp (argv[i], "--", 2) == 0; i++) {
		if (strncmp (argv[i], "--write=", 8) == 0)
			write_dir = argv[i] + 8;
		else if (strncmp (argv[i], "--every=", 8) == 0)
			every = strtoul (argv[i] + 8, NULL, 10);
		else if (strcmp (argv[i], "--replay") == 0)
			replay = 1;
		else {
			fprintf (stderr, "fuzz-test: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (i == argc || every == 0) {
		fprintf (stderr, "usage: fuzz-test [--write=DIR] [--every=N] FIXTURE...\n"
			 "       fuzz-test --replay INPUT...\n");
		return 2;
	}
	for (; i < argc; i++) {
		r = replay ? replay_file (argv[i])
			: fuzz_file (argv[i], write_dir, every);
		if (r < 0)
			return 2;
		failures += r;
	}
	free (cases);
	return failures ? 1 : 0;
}
