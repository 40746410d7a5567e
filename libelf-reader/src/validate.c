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
	/* In the file's byte order, assembled by hand: libelf's translation
	   costs a call per c.s.  */
	{
		const unsigned char *b = s->bytes + off;

		sig = r->h->big_endian
			? (uint32_t) b[0] << 24 | (uint32_t) b[1] << 16
			  | (uint32_t) b[2] << 8 | b[3]
			: (uint32_t) b[3] << 24 | (uint32_t) b[2] << 16
			  | (uint32_t) b[1] << 8 | b[0];
	}
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

/* e_machine numbers <elf.h> may predate.  */
#ifndef EM_NANOMIPS
#define EM_NANOMIPS	249
#endif
#ifndef EM_LOONGARCH
#define EM_LOONGARCH	258
#endif

/* The signatures Linux's rseq selftests and librseq put before abort_ip on
   the machine of H, as the u32 the thread registers (the file's byte
   order): up to 2 values, 0 when the machine has no usual value.  */
static size_t
usual_signatures(const rseqelf *h, uint32_t sig[2])
{
	bool be = h->big_endian;

	switch (h->machine) {
	case EM_X86_64:
	case EM_386:
		sig[0] = 0x53053053;
		return 1;
	case EM_AARCH64:
		/* BRK #0x45e0; code is little-endian even on big-endian
		   aarch64, so the data value is byte-swapped there.  */
		sig[0] = be ? 0x00bc28d4 : 0xd428bc00;
		return 1;
	case EM_ARM:
		/* udf #24035 written as data, byte-swapped for BE8 code;
		   older librseq wrote it with .inst, which in Thumb
		   code lays out the two halfwords the other way round.  */
		sig[0] = be ? 0xf3def5e7 : 0xe7f5def3;
		sig[1] = be ? 0xf5e7f3de : 0xdef3e7f5;
		return 2;
	case EM_PPC:
	case EM_PPC64:
		sig[0] = 0x0fe5000b;
		return 1;
	case EM_S390:
		sig[0] = 0xb2ff0fff;
		return 1;
	case EM_RISCV:
		sig[0] = 0xf1401073;
		return 1;
	case EM_LOONGARCH:
		sig[0] = 0x002a0010;
		return 1;
	case EM_MIPS:
		/* break 0x350 in MIPS, then in microMIPS, whose 16-bit
		   halfwords swap with the byte order.  */
		sig[0] = 0x0350000d;
		sig[1] = be ? 0x0000d407 : 0xd4070000;
		return 2;
	case EM_NANOMIPS:
		sig[0] = be ? 0x00100350 : 0x03500010;
		return 1;
	}
	return 0;
}

/* A signature other than the machine's usual one is legal (the thread
   registers whatever value its program chose, and the values before
   Linux 5.2 were different), but a thread registered with the usual value
   gets SIGSEGV when such a c.s. aborts: the first thing to check when a
   restart crashes.  One note per distinct value, at the first c.s. using
   it, so that a file built with an old value does not get one per c.s.  */
static void
check_usual_signature(struct reader *r)
{
	enum { MAX_NOTED = 16 };
	struct unusual {
		uint32_t sig;
		size_t first, count;
	} seen[MAX_NOTED];
	rseqelf *h = r->h;
	uint32_t usual[2];
	size_t nusual = usual_signatures(h, usual), nseen = 0, others = 0;

	if (nusual == 0)
		return;
	for (size_t i = 0; i < h->ncs; i++) {
		const struct rseqelf_cs *c = &h->cs[i].pub;
		size_t k;

		if (!c->has_signature)
			continue;
		for (k = 0; k < nusual && c->signature != usual[k]; k++)
			;
		if (k < nusual)
			continue;
		for (k = 0; k < nseen && seen[k].sig != c->signature; k++)
			;
		if (k < nseen)
			seen[k].count++;
		else if (nseen < MAX_NOTED)
			seen[nseen++] = (struct unusual) { c->signature, i, 1 };
		else
			others++;
	}
	for (size_t k = 0; k < nseen; k++) {
		const struct rseqelf_cs *c = &h->cs[seen[k].first].pub;

		rd_diag(h, RSEQELF_NOTE, true, c->abort_ip,
			"signature 0x%08x before abort_ip (%zu critical section%s) is not the usual %s value 0x%08x: legal, but a thread registered with the usual value gets SIGSEGV when it aborts",
			seen[k].sig, seen[k].count,
			seen[k].count == 1 ? "" : "s",
			rseqelf_machine_name(h), usual[0]);
	}
	if (others > 0)
		rd_diag(h, RSEQELF_NOTE, false, 0,
			"%zu more critical sections have other unusual signatures",
			others);
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
	size_t *idx = NULL, prev = SIZE_MAX;

	/* cs[] is in start order already, except across the sections of an
	   ET_REL file: only those need an index sorted by section, which
	   spares a linked file an array of ncs words.  */
	if (h->type == ET_REL) {
		idx = malloc((h->ncs ? h->ncs : 1) * sizeof *idx);
		if (idx == NULL) {
			h->diag_oom = true;
			return;
		}
		for (size_t i = 0; i < h->ncs; i++)
			idx[i] = i;
		qsort_r(idx, h->ncs, sizeof *idx, cmp_by_sec_start, h->cs);
	}
#define IDX(k) (idx != NULL ? idx[k] : (k))
	for (size_t k = 0; k < h->ncs; k++) {
		const struct cs_int *c = &h->cs[IDX(k)], *p;

		if (!c->range_ok)
			continue;
		if (prev == SIZE_MAX || h->cs[prev].start_sec != c->start_sec) {
			prev = IDX(k);
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
			prev = IDX(k);
	}
#undef IDX
	free(idx);
}

void
rd_validate(struct reader *r)
{
	for (size_t i = 0; i < r->h->ncs; i++)
		check_descriptor(r, &r->h->cs[i]);
	check_signatures(r);
	check_usual_signature(r);
	check_overlaps(r);
}
