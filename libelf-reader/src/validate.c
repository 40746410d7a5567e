/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* validate.c: the abort signatures and the checks on each descriptor.

   The severities follow the kernel: what makes it reject the descriptor
   (and kill the thread with SIGSEGV) is an error; what is suspicious but
   runs is a warning.  */
#include "internal.h"

#include <stdlib.h>

#define ULL(x) ((unsigned long long) (x))

/* The u32 just before abort_ip, in the file's byte order.  */
static void
read_signature(struct reader *r, struct cs_int *c)
{
	const struct sec *s;
	uint64_t off;
	uint32_t sig;

	if (c->pub.abort_ip < 4)
		return;
	if (r->h->type == ET_REL) {
		s = rd_sec_bytes(r, c->abort_sec);
		off = c->pub.abort_ip - 4;
		if (s == NULL || off > s->nbytes || s->nbytes - off < 4)
			return;
	} else {
		s = rd_sec_by_addr(r, c->pub.abort_ip - 4, 4);
		if (s == NULL)
			return;
		off = c->pub.abort_ip - 4 - s->shdr.sh_addr;
		if (off > s->nbytes || s->nbytes - off < 4)
			return;
	}
	if (rd_xlate(r, &sig, s->bytes + off, 4, ELF_T_WORD) < 0)
		return;
	c->pub.signature = sig;
	c->pub.has_signature = 1;
}

/* Every c.s. of a process registers with one signature: the one most of
   the file's sections use is taken as intended, the others are flagged.
   Boyer-Moore's vote finds a strict majority in one pass, if there is
   one.  */
static void
check_signatures(struct reader *r)
{
	rseqelf *h = r->h;
	uint32_t cand = 0;
	size_t n = 0, votes = 0, best_n = 0;

	for (size_t i = 0; i < h->ncs; i++) {
		struct cs_int *c = &h->cs[i];

		read_signature(r, c);
		if (!c->pub.has_signature) {
			rd_diag(h, RSEQELF_WARNING, true, c->pub.abort_ip,
				"no signature: the 4 bytes before abort_ip 0x%llx are not in the file",
				ULL(c->pub.abort_ip));
			continue;
		}
		n++;
		if (votes == 0)
			cand = c->pub.signature;
		votes += c->pub.signature == cand ? 1 : -1;
	}
	for (size_t i = 0; i < h->ncs; i++)
		best_n += h->cs[i].pub.has_signature
			&& h->cs[i].pub.signature == cand;
	if (best_n == n)
		return;
	for (size_t i = 0; i < h->ncs; i++) {
		const struct rseqelf_cs *c = &h->cs[i].pub;

		if (!c->has_signature)
			continue;
		if (2 * best_n <= n)
			rd_diag(h, RSEQELF_WARNING, true, c->abort_ip,
				"signature 0x%08x before abort_ip: the critical sections of this file disagree on their signature, and none has a majority",
				c->signature);
		else if (c->signature != cand)
			rd_diag(h, RSEQELF_WARNING, true, c->abort_ip,
				"signature 0x%08x before abort_ip differs from 0x%08x, used by %zu of the %zu signed critical sections",
				c->signature, cand, best_n, n);
	}
}

/* The code of a c.s. must lie in one executable section: anything else
   is a table pointing at the wrong place.  Disassembly reads from that
   section.  */
static void
check_code(struct reader *r, struct cs_int *c)
{
	const struct rseqelf_cs *p = &c->pub;
	rseqelf *h = r->h;
	const struct sec *s;

	if (h->type == ET_REL) {
		if (c->start_sec == 0)
			return;
		s = rd_sec_bytes(r, c->start_sec);
		if (s == NULL)
			return;
		if (p->post_commit_ip > s->nbytes) {
			rd_diag(h, RSEQELF_ERROR, true, p->start_ip,
				"critical section [0x%llx, 0x%llx) extends past the end of %s (0x%zx bytes)",
				ULL(p->start_ip), ULL(p->post_commit_ip), s->name,
				s->nbytes);
			return;
		}
	} else {
		s = rd_sec_by_addr(r, p->start_ip, p->post_commit_ip - p->start_ip);
		if (s == NULL) {
			rd_diag(h, RSEQELF_WARNING, true, p->start_ip,
				"critical section [0x%llx, 0x%llx) is not inside one section of the file",
				ULL(p->start_ip), ULL(p->post_commit_ip));
			return;
		}
	}
	if (!(s->shdr.sh_flags & SHF_EXECINSTR))
		rd_diag(h, RSEQELF_WARNING, true, p->start_ip,
			"critical section [0x%llx, 0x%llx) lies in %s, which is not executable",
			ULL(p->start_ip), ULL(p->post_commit_ip), s->name);
	c->code_sec = s - r->secs;
}

static void
check_descriptor(struct reader *r, struct cs_int *c)
{
	const struct rseqelf_cs *p = &c->pub;
	uint64_t limit = r->h->elfclass == 32 ? UINT32_MAX : UINT64_MAX;
	rseqelf *h = r->h;

	if (p->version != 0)
		rd_diag(h, RSEQELF_ERROR, true, p->start_ip,
			"descriptor version %u is not 0: the kernel rejects it",
			p->version);
	if (p->flags & RSEQ_CS_DEPRECATED_FLAGS)
		rd_diag(h, RSEQELF_ERROR, true, p->start_ip,
			"deprecated flags 0x%x (RSEQ_CS_FLAG_NO_RESTART_ON_*) are set: since Linux 6.0 the process is killed",
			p->flags & RSEQ_CS_DEPRECATED_FLAGS);
	if (p->flags & ~RSEQ_CS_DEPRECATED_FLAGS)
		rd_diag(h, RSEQELF_WARNING, true, p->start_ip,
			"unknown flags 0x%x", p->flags & ~RSEQ_CS_DEPRECATED_FLAGS);
	if (p->start_ip == 0 && c->start_sec == 0)
		rd_diag(h, RSEQELF_WARNING, true, 0,
			"start_ip is 0: the descriptor at 0x%llx was not relocated",
			ULL(p->descriptor));
	if (p->start_ip > limit || p->abort_ip > limit)
		rd_diag(h, RSEQELF_ERROR, true, p->start_ip,
			"start_ip 0x%llx or abort_ip 0x%llx does not fit the 32-bit address space",
			ULL(p->start_ip), ULL(p->abort_ip));
	if (c->post_commit_offset == 0)
		rd_diag(h, RSEQELF_WARNING, true, p->start_ip,
			"post_commit_offset is 0: the critical section is empty");
	else if (!c->range_ok)
		rd_diag(h, RSEQELF_ERROR, true, p->start_ip,
			"start_ip 0x%llx + post_commit_offset 0x%llx overflows",
			ULL(p->start_ip), ULL(c->post_commit_offset));
	else if (p->abort_ip >= p->start_ip && p->abort_ip < p->post_commit_ip
		 && c->abort_sec == c->start_sec)
		rd_diag(h, RSEQELF_ERROR, true, p->abort_ip,
			"abort_ip 0x%llx lies inside the critical section [0x%llx, 0x%llx): the kernel rejects it",
			ULL(p->abort_ip), ULL(p->start_ip), ULL(p->post_commit_ip));
	if (c->range_ok)
		check_code(r, c);
}

static int
cmp_by_sec_start(const void *a, const void *b, void *arg)
{
	const struct cs_int *cs = arg;
	const struct cs_int *x = &cs[*(const size_t *) a];
	const struct cs_int *y = &cs[*(const size_t *) b];

	if (x->start_sec != y->start_sec)
		return x->start_sec < y->start_sec ? -1 : 1;
	if (x->pub.start_ip != y->pub.start_ip)
		return x->pub.start_ip < y->pub.start_ip ? -1 : 1;
	return *(const size_t *) a < *(const size_t *) b ? -1 : 1;
}

/* One sweep in start order: each range is compared with the one reaching
   furthest among those before it.  */
static void
check_overlaps(struct reader *r)
{
	rseqelf *h = r->h;
	size_t *idx, prev = SIZE_MAX;

	idx = malloc((h->ncs ? h->ncs : 1) * sizeof *idx);
	if (idx == NULL) {
		h->diag_oom = true;
		return;
	}
	for (size_t i = 0; i < h->ncs; i++)
		idx[i] = i;
	/* cs[] is in start order already, except across the sections of an
	   ET_REL file.  */
	if (h->type == ET_REL)
		qsort_r(idx, h->ncs, sizeof *idx, cmp_by_sec_start, h->cs);
	for (size_t k = 0; k < h->ncs; k++) {
		const struct cs_int *c = &h->cs[idx[k]], *p;

		if (!c->range_ok)
			continue;
		if (prev == SIZE_MAX || h->cs[prev].start_sec != c->start_sec) {
			prev = idx[k];
			continue;
		}
		p = &h->cs[prev];
		if (c->pub.start_ip == p->pub.start_ip
		    && c->pub.post_commit_ip == p->pub.post_commit_ip)
			rd_diag(h, RSEQELF_WARNING, true, c->pub.start_ip,
				c->pub.descriptor == p->pub.descriptor
				? "critical section [0x%llx, 0x%llx) is listed twice"
				: "critical section [0x%llx, 0x%llx) has two descriptors",
				ULL(c->pub.start_ip), ULL(c->pub.post_commit_ip));
		else if (c->pub.start_ip < p->pub.post_commit_ip)
			rd_diag(h, RSEQELF_WARNING, true, c->pub.start_ip,
				"critical section [0x%llx, 0x%llx) overlaps [0x%llx, 0x%llx)",
				ULL(c->pub.start_ip), ULL(c->pub.post_commit_ip),
				ULL(p->pub.start_ip), ULL(p->pub.post_commit_ip));
		if (c->pub.post_commit_ip > p->pub.post_commit_ip)
			prev = idx[k];
	}
	free(idx);
}

void
rd_validate(struct reader *r)
{
	for (size_t i = 0; i < r->h->ncs; i++)
		check_descriptor(r, &r->h->cs[i]);
	check_signatures(r);
	check_overlaps(r);
}
