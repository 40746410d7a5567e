/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tables.c: the critical sections and their declared exits.

   Descriptors come from __rseq_cs_ptr_array when the file has it (one u64
   pointer per descriptor), else from __rseq_cs walked with a 32-byte
   stride, skipping the all-zero padding slots, else from the pre-2019
   __rseq_table.  Exits come from the (start_ip, exit_ip) pairs of
   __rseq_exit_point_array.  */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23	/* Linux 5.14 */
#endif

/* Map the pages of a new array of SIZE bytes at P, about to be written
   through, in one system call rather than a page fault each.  The c.s.
   and the exits of a large file take megabytes, and a page fault, on a
   virtual machine above all, costs more than writing its page.  Smaller
   arrays come from pages malloc already has.  A kernel without
   MADV_POPULATE_WRITE leaves the pages to fault.  */
static void
populate(void *p, size_t size)
{
	static long page;
	uintptr_t from, to;

	if (size < 256 * 1024)
		return;
	if (page == 0)
		page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		return;
	from = ((uintptr_t) p + page - 1) & ~((uintptr_t) page - 1);
	to = ((uintptr_t) p + size) & ~((uintptr_t) page - 1);
	if (to > from)
		madvise((void *) from, to - from, MADV_POPULATE_WRITE);
}

/* Read the struct rseq_cs at word WI of V.  Its first 64-bit word holds
   the u32 version then the u32 flags, in memory order.  */
static void
read_descriptor(struct reader *r, const struct view *v, size_t wi,
		struct cs_int *c)
{
	uint64_t w0 = v->w[wi];
	uint64_t limit = r->h->elfclass == 32 ? UINT32_MAX : UINT64_MAX;

	memset(c, 0, sizeof *c);
	c->pub.version = r->h->big_endian ? w0 >> 32 : (uint32_t) w0;
	c->pub.flags = r->h->big_endian ? (uint32_t) w0 : w0 >> 32;
	c->pub.start_ip = v->w[wi + 1];
	c->post_commit_offset = v->w[wi + 2];
	c->pub.abort_ip = v->w[wi + 3];
	c->pub.descriptor = v->addr + (uint64_t) wi * 8;
	c->pub.has_descriptor = 1;
	if (v->wsec != NULL) {
		c->start_sec = v->wsec[wi + 1];
		c->abort_sec = v->wsec[wi + 3];
	}
	/* A range that wraps is kept empty, so that nothing is "inside" it;
	   validate.c reports it.  */
	if (c->pub.start_ip <= limit
	    && c->post_commit_offset <= limit - c->pub.start_ip) {
		c->pub.post_commit_ip = c->pub.start_ip + c->post_commit_offset;
		c->range_ok = c->post_commit_offset != 0;
	} else {
		c->pub.post_commit_ip = c->pub.start_ip;
	}
}

/* The view holding a descriptor pointer's target.  */
static const struct view *
descriptor_view(struct reader *r, uint64_t p, uint32_t psec, uint64_t *off)
{
	static const enum rs homes[] = { RS_CS, RS_LEGACY };

	for (size_t i = 0; i < sizeof homes / sizeof homes[0]; i++) {
		const struct view *v = &r->views[homes[i]];

		if (v->w == NULL)
			continue;
		if (r->h->type == ET_REL ? psec != v->shndx
		    : p < v->addr || p - v->addr >= (uint64_t) v->nw * 8)
			continue;
		*off = p - v->addr;
		return v;
	}
	return NULL;
}

static int
walk_ptr_array(struct reader *r, struct cs_int *out, size_t *n)
{
	const struct view *pa = &r->views[RS_PTR_ARRAY];
	const char *name = r->secs[pa->shndx].name;

	for (size_t i = 0; i < pa->nw; i++) {
		uint64_t p = pa->w[i], off;
		const struct view *v;

		if (p == 0 && (pa->wsec == NULL || pa->wsec[i] == 0)) {
			rd_diag(r->h, RSEQELF_WARNING, true, pa->addr + i * 8,
				"%s entry %zu is a null pointer", name, i);
			continue;
		}
		v = descriptor_view(r, p, pa->wsec ? pa->wsec[i] : 0, &off);
		if (v == NULL) {
			rd_diag(r->h, RSEQELF_WARNING, true, pa->addr + i * 8,
				"%s entry %zu points to 0x%llx, outside __rseq_cs",
				name, i, (unsigned long long) p);
			continue;
		}
		if (off % 8 != 0 || off / 8 + 4 > v->nw) {
			rd_diag(r->h, RSEQELF_WARNING, true, p,
				"%s entry %zu: the descriptor at 0x%llx is %s",
				name, i, (unsigned long long) p,
				off % 8 ? "misaligned" : "cut short by the end of its section");
			continue;
		}
		read_descriptor(r, v, off / 8, &out[(*n)++]);
	}
	return 0;
}

static void
walk_stride(struct reader *r, const struct view *v, struct cs_int *out,
	    size_t *n)
{
	for (size_t wi = 0; wi + 4 <= v->nw; wi += RSEQ_CS_SIZE / 8) {
		if ((v->w[wi] | v->w[wi + 1] | v->w[wi + 2] | v->w[wi + 3]) == 0)
			continue;
		read_descriptor(r, v, wi, &out[(*n)++]);
	}
}

static int
cmp_cs(const void *a, const void *b)
{
	const struct cs_int *x = a, *y = b;

	if (x->pub.start_ip != y->pub.start_ip)
		return x->pub.start_ip < y->pub.start_ip ? -1 : 1;
	if (x->start_sec != y->start_sec)
		return x->start_sec < y->start_sec ? -1 : 1;
	return x->pub.descriptor < y->pub.descriptor ? -1
		: x->pub.descriptor > y->pub.descriptor;
}

/* The first c.s. starting at (IP, SEC), or H->ncs.  Exit tables are
   mostly in c.s. order: HINT, where the previous search ended, and the
   c.s. after it are tried first.  */
static size_t
find_cs(const rseqelf *h, uint64_t ip, uint32_t sec, size_t hint)
{
	size_t lo = 0, hi = h->ncs;

	for (size_t k = hint; k < h->ncs && k <= hint + 1; k++)
		if (h->cs[k].pub.start_ip == ip && h->cs[k].start_sec == sec
		    && (k == 0 || h->cs[k - 1].pub.start_ip != ip
			|| h->cs[k - 1].start_sec != sec))
			return k;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cs_int *c = &h->cs[mid];

		if (c->pub.start_ip < ip
		    || (c->pub.start_ip == ip && c->start_sec < sec))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->ncs && h->cs[lo].pub.start_ip == ip
	    && h->cs[lo].start_sec == sec)
		return lo;
	return h->ncs;
}

int
rd_add_exit(struct reader *r, size_t cs, uint64_t ip,
	    enum rseqelf_exit_kind kind)
{
	if (r->nex == r->excap) {
		size_t cap = r->excap ? r->excap * 2 : 64;
		struct exit_tmp *n = realloc(r->ex, cap * sizeof *n);

		if (n == NULL)
			return -1;
		r->ex = n;
		r->excap = cap;
	}
	r->ex[r->nex++] = (struct exit_tmp) { ip, (uint32_t) cs, kind, false };
	return 0;
}

static int
cmp_exit(const void *a, const void *b)
{
	const struct exit_tmp *x = a, *y = b;

	if (x->cs != y->cs)
		return x->cs < y->cs ? -1 : 1;
	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return (int) x->kind - (int) y->kind;
}

/* Tables are mostly written in address order already: sorting is then a
   check.  */
static void
sort_exits(struct exit_tmp *ex, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (cmp_exit(&ex[i - 1], &ex[i]) > 0) {
			qsort(ex, n, sizeof *ex, cmp_exit);
			return;
		}
}

static void
sort_cs(struct cs_int *cs, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (cmp_cs(&cs[i - 1], &cs[i]) > 0) {
			qsort(cs, n, sizeof *cs, cmp_cs);
			return;
		}
}

static int
read_exits(struct reader *r)
{
	const struct view *ev = &r->views[RS_EXITS];
	rseqelf *h = r->h;
	const char *name;
	size_t hint = 0;

	if (ev->w == NULL)
		return 0;
	name = r->secs[ev->shndx].name;
	if (ev->nw % 2 != 0)
		rd_diag(h, RSEQELF_WARNING, false, 0,
			"%s ends with half an entry", name);
	/* Room for every entry, in one piece.  */
	if (ev->nw / 2 > r->excap) {
		struct exit_tmp *n = realloc(r->ex, ev->nw / 2 * sizeof *n);

		if (n == NULL)
			return -1;
		r->ex = n;
		r->excap = ev->nw / 2;
		populate(r->ex, r->excap * sizeof *r->ex);
	}
	for (size_t i = 0; i + 1 < ev->nw; i += 2) {
		uint64_t start = ev->w[i], ip = ev->w[i + 1];
		uint32_t ssec = ev->wsec ? ev->wsec[i] : 0;
		uint32_t esec = ev->wsec ? ev->wsec[i + 1] : 0;
		size_t k = find_cs(h, start, ssec, hint);

		if (start == 0 && ip == 0 && ssec == 0)
			continue;	/* padding */
		if (k == h->ncs) {
			rd_diag(h, RSEQELF_WARNING, true, ip,
				"%s entry %zu names start_ip 0x%llx, which is not a critical section",
				name, i / 2, (unsigned long long) start);
			continue;
		}
		hint = k;
		for (; k < h->ncs && h->cs[k].pub.start_ip == start
		       && h->cs[k].start_sec == ssec; k++) {
			const struct cs_int *c = &h->cs[k];

			/* post_commit_ip and abort_ip are exits by definition. */
			if ((ip == c->pub.post_commit_ip && esec == c->start_sec)
			    || (ip == c->pub.abort_ip && esec == c->abort_sec))
				continue;
			if (esec == c->start_sec && ip >= c->pub.start_ip
			    && ip < c->pub.post_commit_ip) {
				rd_diag(h, RSEQELF_WARNING, true, ip,
					"declared exit 0x%llx lies inside the critical section [0x%llx, 0x%llx): ignored",
					(unsigned long long) ip,
					(unsigned long long) c->pub.start_ip,
					(unsigned long long) c->pub.post_commit_ip);
				continue;
			}
			if (rd_add_exit(r, k, ip, RSEQELF_EXIT_DECLARED) < 0)
				return -1;
		}
	}
	sort_exits(r->ex, r->nex);
	return 0;
}

int
rd_read_tables(struct reader *r)
{
	rseqelf *h = r->h;
	const struct view *v = NULL;
	size_t cap = 0;

	if (r->views[RS_PTR_ARRAY].w != NULL) {
		h->table = RSEQELF_TABLE_PTR_ARRAY;
		cap = r->views[RS_PTR_ARRAY].nw;
	} else if (r->views[RS_CS].w != NULL) {
		h->table = RSEQELF_TABLE_CS;
		v = &r->views[RS_CS];
	} else if (r->views[RS_LEGACY].w != NULL) {
		h->table = RSEQELF_TABLE_LEGACY;
		v = &r->views[RS_LEGACY];
	} else {
		if (r->views[RS_EXITS].w != NULL)
			rd_diag(h, RSEQELF_WARNING, false, 0,
				"%s is present but there is no table of critical sections",
				r->secs[r->views[RS_EXITS].shndx].name);
		return 0;
	}
	if (v != NULL)
		cap = v->nw / (RSEQ_CS_SIZE / 8);
	if (cap == 0)
		return 0;
	/* Exits name their c.s. by a 32-bit index.  4G c.s. would take
	   hundreds of gigabytes here anyway.  */
	if (cap > UINT32_MAX)
		return -1;
	h->cs = calloc(cap, sizeof *h->cs);
	if (h->cs == NULL)
		return -1;
	populate(h->cs, cap * sizeof *h->cs);
	if (v == NULL)
		walk_ptr_array(r, h->cs, &h->ncs);
	else
		walk_stride(r, v, h->cs, &h->ncs);
	sort_cs(h->cs, h->ncs);
	return read_exits(r);
}

/* The exit last handed over, which a second at its address repeats.  */
struct last_exit {
	bool any;
	uint32_t cs;
	uint64_t ip;
};

static void
add_to_handle(rseqelf *h, const struct exit_tmp *e, struct last_exit *last)
{
	struct rseqelf_cs *c = &h->cs[e->cs].pub;

	/* One entry per address: DECLARED sorts first and wins.  */
	if (last->any && last->cs == e->cs && last->ip == e->ip)
		return;
	*last = (struct last_exit) { true, e->cs, e->ip };
	if (c->nexits == 0)
		c->exits = &h->exits[h->nexits];
	h->exits[h->nexits++] = (struct rseqelf_exit) { e->ip, e->kind };
	c->nexits++;
}

_Static_assert(sizeof (struct rseqelf_exit) <= sizeof (struct exit_tmp),
	       "a handle's exit fits in the place of a temporary one");

/* Hand the exits over to the handle when all are declared, as in any
   file whose exit table is complete: they are written over the
   temporary ones rather than into megabytes of new memory.  Each
   temporary exit is copied out before its place can be written, since
   the handle's exits never outnumber them.  */
static void
declared_to_handle(struct reader *r)
{
	rseqelf *h = r->h;
	struct last_exit last = { 0 };
	struct exit_tmp *ex;

	/* Down to the exits there are: realloc moves them whole if at
	   all, and failing to shrink only keeps memory.  */
	ex = realloc(r->ex, r->nex * sizeof *ex);
	if (ex == NULL)
		ex = r->ex;
	r->ex = NULL;
	r->excap = 0;
	h->exits = (struct rseqelf_exit *) (void *) ex;
	for (size_t i = 0; i < r->nex; i++) {
		struct exit_tmp e;

		/* memcpy: the place is read as one type, then written as
		   another.  */
		memcpy(&e, (const char *) ex + i * sizeof e, sizeof e);
		add_to_handle(h, &e, &last);
	}
}

/* Hand the exits over to the handle, sorted by c.s. then address.
   r->ex holds the declared exits, sorted, then the derived ones: sort
   those and merge the two runs.  */
int
rd_merge_exits(struct reader *r, size_t ndeclared)
{
	const struct exit_tmp *a, *ae, *b, *be;
	struct last_exit last = { 0 };
	rseqelf *h = r->h;

	/* Before any arithmetic on r->ex: it is NULL when there are no
	   exits, and NULL + 0 is undefined too.  */
	if (r->nex == 0)
		return 0;
	if (r->nex == ndeclared) {
		declared_to_handle(r);
		return 0;
	}
	a = r->ex;
	ae = b = r->ex + ndeclared;
	be = r->ex + r->nex;
	sort_exits(r->ex + ndeclared, r->nex - ndeclared);
	h->exits = malloc(r->nex * sizeof *h->exits);
	if (h->exits == NULL)
		return -1;
	populate(h->exits, r->nex * sizeof *h->exits);
	while (a < ae || b < be) {
		if (b == be || (a < ae && cmp_exit(a, b) <= 0))
			add_to_handle(h, a++, &last);
		else
			add_to_handle(h, b++, &last);
	}
	return 0;
}
