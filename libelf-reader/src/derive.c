/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* derive.c: exit points found by disassembling each critical section.

   Every branch inside [start_ip, post_commit_ip) whose target lies outside
   it is an exit, whether or not the exit table lists it (tcmalloc has no
   exit table at all).  Calls leave the range too, so their targets are
   exits as well, with a warning.  Returns and indirect branches have no
   address to report: they get a note.

   This file is the driver: it decodes each c.s. into the instructions
   that change the flow (decode-cache.c spares libopcodes, reached through
   opcodes.c, what it already decoded), and judges it, one c.s. after another.
   All of it runs on the calling thread: decoding on worker threads was
   measured to gain nothing on a 100k-c.s. file, and a library that GDB
   loads should not start threads in GDB's process.  */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_OPCODES
#include "derive.h"
#endif

#define ULL(x) ((unsigned long long) (x))

#ifndef HAVE_OPCODES

int
rd_derive(struct reader *r, size_t ndeclared)
{
	(void) r;
	(void) ndeclared;
	return 0;
}

#else /* HAVE_OPCODES */

/* Whether the c.s. being judged declares IP; its declared exits at IP
   are then marked reached.  They are r->ex[d->decl, d->decl_end): the
   c.s. are judged in order.  */
static bool
reach_declared(struct deriver *d, uint64_t ip)
{
	struct exit_tmp *ex = d->r->ex;
	size_t lo = d->decl, hi = d->decl_end;
	bool declared = false;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ex[mid].ip < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < d->decl_end && ex[lo].ip == ip; lo++)
		declared = ex[lo].reached = true;
	return declared;
}

/* Declared exits of c.s. K that no branch of it targets: stale table
   entries, or branches through registers.  */
static void
check_unreached(struct deriver *d, size_t k)
{
	const struct reader *r = d->r;
	const struct rseqelf_cs *c = &r->h->cs[k].pub;

	for (size_t lo = d->decl; lo < d->decl_end; lo++) {
		uint64_t ip = r->ex[lo].ip;

		if (!r->ex[lo].reached)
			rd_diag(r->h, RSEQELF_NOTE, true, ip,
				"declared exit 0x%llx is not the target of any branch in the critical section [0x%llx, 0x%llx)",
				ULL(ip), ULL(c->start_ip), ULL(c->post_commit_ip));
	}
}

/* Room for NEED elements of SIZE bytes in *P, of capacity *CAP:
   doubling, so that appending one at a time stays linear.  */
int
rd_grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 64;
	void *np;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap * size);
	if (np == NULL)
		return -1;
	*p = np;
	*cap = ncap;
	return 0;
}

/* qsort's order of anything that starts with a struct secaddr.  */
int
rd_cmp_secaddr(const void *a, const void *b)
{
	const struct secaddr *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Keep the text of an instruction a diagnostic may quote.  The addresses
   print_address wrote are kept as a marker byte each, their offsets from
   the pc after the text, so that a decoding reused at another pc (an
   identical body, a decoding by instruction bytes) quotes the addresses
   of that pc.  Returns 1 when the text could not be kept that way and is
   for this pc only, -1 when out of memory.  */
#define ADDR_MARK '\x01'

static int
keep_text(struct decoder *d, const struct insn *in, uint32_t *where)
{
	const char *t = in->text;
	size_t n = strlen(t), skip = 0, k = 0;
	bool marks = in->nspans <= MAX_SPANS;
	size_t nspans = marks ? in->nspans : 0;

	while (t[skip] == ' ' || t[skip] == '\t')
		skip++;
	if (rd_grow((void **) &d->text, &d->text_cap,
		 d->ntext + n - skip + 1 + nspans * 8, 1) < 0)
		return -1;
	*where = d->ntext;
	/* Operand padding would read oddly inside a message.  */
	for (size_t i = skip; i < n; i++) {
		char ch = t[i] == '\t' ? ' ' : t[i];

		if (k < nspans && i == in->spans[k].pos) {
			d->text[d->ntext++] = ADDR_MARK;
			i += in->spans[k].len - 1;
			k++;
			continue;
		}
		if (ch == ' ' && d->ntext > *where && d->text[d->ntext - 1] == ' ')
			continue;
		d->text[d->ntext++] = ch;
	}
	d->text[d->ntext++] = '\0';
	for (k = 0; k < nspans; k++) {
		memcpy(d->text + d->ntext, &in->spans[k].rel, 8);
		d->ntext += 8;
	}
	return marks ? 0 : 1;
}

/* The text kept at W->text + OFF, with the addresses it prints for an
   instruction at PC.  */
static const char *
insn_text(const struct decoder *w, uint32_t off, uint64_t pc, char *buf,
	  size_t size)
{
	const char *t = w->text + off, *rels;
	size_t n = 0, k = 0;

	if (strchr(t, ADDR_MARK) == NULL)
		return t;
	rels = t + strlen(t) + 1;
	for (; *t != '\0' && n + 19 < size; t++) {
		int64_t rel;

		if (*t != ADDR_MARK) {
			buf[n++] = *t;
			continue;
		}
		memcpy(&rel, rels + 8 * k++, 8);
		n += rd_format_addr(pc + (uint64_t) rel, buf + n);
	}
	buf[n] = '\0';
	return buf;
}

/* Clear what the printer callbacks gather, for the instruction at PC.  */
static void
insn_begin(struct decoder *d, bfd_vma pc)
{
	d->in.len = 0;
	d->in.text[0] = '\0';
	d->in.has_addr = false;
	d->in.mem_error = false;
	d->in.pc = pc;
	d->in.fetched = pc;
	d->in.nspans = 0;
	d->info.insn_info_valid = 0;
	d->info.insn_type = dis_noninsn;
	d->info.target = 0;
}

/* Disassemble the instruction at PC again for the text keep_text would
   have kept of it, for a diagnostic to quote.  */
static const char *
quote_again(struct decoder *w, uint64_t pc, char *buf, size_t size)
{
	const char *t;
	size_t n = 0;

	insn_begin(w, pc);
	w->print(pc, &w->info);
	for (t = w->in.text + strspn(w->in.text, " \t"); *t != '\0' && n + 1 < size;
	     t++) {
		char ch = *t == '\t' ? ' ' : *t;

		if (ch == ' ' && n > 0 && buf[n - 1] == ' ')
			continue;
		buf[n++] = ch;
	}
	buf[n] = '\0';
	return buf;
}

/* The text of instruction DI, at PC, for a diagnostic.  */
static const char *
quote(struct decoder *w, const struct dinsn *di, uint64_t pc, char *buf,
      size_t size)
{
	if (di->text == NO_TEXT)
		return quote_again(w, pc, buf, size);
	return insn_text(w, di->text, pc, buf, size);
}

/* Whether the instruction with text T (no leading blanks) is an x86 far
   jump or call: they name an absolute address, so their decodings are
   for this pc only.  */
static bool
far_branch(const char *t)
{
	return t[0] == 'l'
		&& (strncmp(t, "ljmp", 4) == 0 || strncmp(t, "lcall", 5) == 0);
}

/* Decode the instruction at PC: its length, or 0 or less when it cannot
   be decoded; what it does to the flow in *CL.  */
static int
decode_insn(struct decoder *d, bfd_vma pc, struct classified *cl)
{
	unsigned em = d->r->h->machine;
	const unsigned char *p = NULL;
	unsigned char key[15];
	size_t avail = 0, shape_len = 0;
	int len;

	insn_begin(d, pc);
	if (d->use_icache && pc >= d->info.buffer_vma
	    && pc - d->info.buffer_vma < d->info.buffer_length) {
		const struct icache_ent *e;

		p = d->info.buffer + (pc - d->info.buffer_vma);
		avail = d->info.buffer_length - (pc - d->info.buffer_vma);
		e = rd_icache_may_hold(&d->ic, *p)
			? rd_icache_find(&d->ic, p, avail, pc) : NULL;
		if (e != NULL) {
			rd_icache_replay(d, e, pc);
			*cl = (struct classified) { e->flow, e->indirect };
			return e->len;
		}
		shape_len = rd_x86_shape(p, avail, d->mode64, key);
		if (shape_len != 0 && rd_shape_find(d, key, shape_len)) {
			*cl = (struct classified) { FLOW_NONE, false };
			return shape_len;
		}
	}
	len = d->print(pc, &d->info);
	if (len <= 0 || d->in.mem_error)
		return len <= 0 ? len : 0;
	*cl = rd_classify(em, d->in.text);
	if (cl->flow == FLOW_NONE && d->info.insn_info_valid) {
		switch (d->info.insn_type) {
		case dis_branch:
			cl->flow = FLOW_JUMP;
			break;
		case dis_condbranch:
			cl->flow = FLOW_COND;
			break;
		case dis_jsr:
		case dis_condjsr:
			cl->flow = FLOW_CALL;
			break;
		default:
			break;
		}
	}
	/* Every address x86 prints or fills in is relative to the pc,
	   except those of far branches.  */
	if (p != NULL && (size_t) len <= avail
	    && d->in.fetched == pc + (bfd_vma) len) {
		/* A fall-through instruction with a shape goes in the shape
		   table only: the other table would fill with immediates
		   never seen again.  */
		if (cl->flow == FLOW_NONE && shape_len == (size_t) len
		    && rd_shape_add(d, key, shape_len))
			return len;
		if (cl->flow == FLOW_NONE
		    || !far_branch(d->in.text + strspn(d->in.text, " \t")))
			rd_icache_add(d, p, len, *cl);
	}
	return len;
}

/* Decode [START, END) into insns[B->first...].  A body is worth keeping
   for reuse only if its decoding depends on nothing but its bytes: every
   instruction inside the range, no absolute branch.  */
static int
decode(struct decoder *d, uint64_t start, uint64_t end, struct body *b,
       bool *reusable)
{
	unsigned em = d->r->h->machine;

	*reusable = em != EM_PPC64;	/* ba/bla/bca branch to absolute addresses */
	b->first = d->ninsns;
	b->n = 0;
	b->truncated = false;
	for (uint64_t pc = start; pc < end;) {
		struct classified cl = { FLOW_NONE, false };
		struct dinsn *di;
		int len;

		len = decode_insn(d, pc, &cl);
		if (len <= 0 || d->in.mem_error) {
			b->truncated = true;
			b->stop = pc - start;
			*reusable &= !d->in.mem_error;
			return 0;
		}
		if (cl.flow == FLOW_NONE) {
			pc += len;
			continue;
		}
		if (d->ninsns >= UINT32_MAX
		    || rd_grow((void **) &d->insns, &d->insns_cap, d->ninsns + 1,
			    sizeof *d->insns) < 0)
			return -1;
		di = &d->insns[d->ninsns];
		di->off = pc - start;
		di->flow = cl.flow;
		di->has_target = !cl.indirect
			&& (d->in.has_addr || (d->info.insn_info_valid
					       && d->info.target != 0));
		di->rel = (int64_t) ((d->info.insn_info_valid && d->info.target != 0
				      ? d->info.target : d->in.addr) - pc);
		if (d->quote_again) {
			di->text = NO_TEXT;
		} else {
			switch (keep_text(d, &d->in, &di->text)) {
			case -1:
				return -1;
			case 1:
				*reusable = false;
				break;
			}
		}
		di->reloc = 0;
		if (di->has_target && d->ncoderels != 0) {
			di->reloc = rd_find_coderel(d, pc, pc + len);
			if (di->reloc != 0) {
				di->has_target = false;
				*reusable = false;
			}
		}
		/* Far branches are never in the instruction cache: the
		   text of one is the text libopcodes printed.  */
		if (di->has_target
		    && far_branch(d->in.text + strspn(d->in.text, " \t")))
			*reusable = false;
		d->ninsns++;
		b->n++;
		pc += len;
		if (pc > end)
			*reusable = false;	/* read bytes past the range */
	}
	return 0;
}

/* Decode c.s. K, whose code is in S, or find the decoding of identical
   bytes, into *DEC.  It stays valid until the next c.s. is decoded.
   Returns -1 only when out of memory.  */
static int
decode_cs(struct decoder *w, size_t k, const struct sec *s,
	  struct csdec *dec)
{
	struct deriver *d = w->d;
	const rseqelf *h = w->r->h;
	const struct cs_int *c = &h->cs[k];
	uint64_t start = c->pub.start_ip, end = c->pub.post_commit_ip;
	const unsigned char *bytes;
	const struct body *b;
	struct body nb;
	uint64_t base;

	base = h->type == ET_REL ? 0 : s->shdr.sh_addr;
	bytes = s->bytes + (start - base);
	nb.hash = rd_body_hash(bytes, end - start);
	nb.bytes = bytes;
	nb.size = end - start;
	nb.thumb = h->machine == EM_ARM && rd_arm_mode(d, c->code_sec, start) == 't';
	/* Even a body found decoded may be disassembled again, to quote an
	   instruction of it.  */
	if (w->buffer_sec != c->code_sec) {
		w->buffer_sec = c->code_sec;
		w->info.buffer = (bfd_byte *) s->bytes;
		w->info.buffer_vma = base;
		w->info.buffer_length = s->nbytes;
		w->info.section = NULL;
	}
	b = rd_body_find(w, &nb);
	if (b == NULL) {
		bool reusable;

		/* arm-dis keeps the mode in a static, set from the options
		   on its next call: set it for every body.  */
		if (h->machine == EM_ARM)
			w->info.disassembler_options = nb.thumb ? "force-thumb"
				: "no-force-thumb";
		w->shndx = c->code_sec;
		rd_body_begin(w);
		if (decode(w, start, end, &nb, &reusable) < 0)
			return -1;
		if (reusable)
			rd_body_add(w, &nb);
		b = &nb;
	}
	dec->first = b->first;
	dec->n = b->n;
	dec->truncated = b->truncated;
	dec->stop = b->stop;
	return 0;
}

/* Judge the branches of c.s. K, decoded as DEC: derived exits and
   findings.  Called in c.s. order, which is the order of the findings.
   Returns -1 only when out of memory.  */
static int
judge_cs(struct deriver *d, size_t k, const struct csdec *dec)
{
	struct reader *r = d->r;
	rseqelf *h = r->h;
	struct cs_int *c = &h->cs[k];
	struct decoder *w = &d->decoder;
	uint64_t start = c->pub.start_ip, end = c->pub.post_commit_ip;

	while (d->decl < d->ndeclared && r->ex[d->decl].cs < k)
		d->decl++;
	for (d->decl_end = d->decl; d->decl_end < d->ndeclared
	     && r->ex[d->decl_end].cs == k; d->decl_end++)
		;
	for (size_t i = dec->first; i < dec->first + dec->n; i++) {
		const struct dinsn *di = &w->insns[i];
		uint64_t pc = start + di->off;
		uint64_t target = pc + (uint64_t) di->rel;
		char buf[256];
#define TEXT quote(w, di, pc, buf, sizeof buf)

		switch ((enum flow) di->flow) {
		case FLOW_NONE:
			break;
		case FLOW_SYSCALL:
			c->pub.has_syscall = 1;
			rd_diag(h, RSEQELF_WARNING, true, pc,
				"system call inside the critical section [0x%llx, 0x%llx): %s",
				ULL(start), ULL(end), TEXT);
			break;
		case FLOW_RETURN:
			rd_diag(h, RSEQELF_NOTE, true, pc,
				"%s leaves the critical section [0x%llx, 0x%llx) for an address not known from the file",
				TEXT, ULL(start), ULL(end));
			break;
		case FLOW_CALL:
		case FLOW_JUMP:
		case FLOW_COND:
			if (di->flow == FLOW_CALL) {
				c->pub.has_call = 1;
				rd_diag(h, RSEQELF_WARNING, true, pc,
					"call inside the critical section [0x%llx, 0x%llx): %s",
					ULL(start), ULL(end), TEXT);
			}
			if (!di->has_target && di->reloc != 0) {
				rd_diag(h, RSEQELF_NOTE, true, pc,
					"%s: the target is left to a relocation against %s, resolved at link time: not derived",
					TEXT, d->coderels[di->reloc - 1].sym);
				break;
			}
			if (!di->has_target) {
				if (di->flow != FLOW_CALL)
					rd_diag(h, RSEQELF_NOTE, true, pc,
						"indirect branch in the critical section [0x%llx, 0x%llx): %s: its target is not known from the file",
						ULL(start), ULL(end), TEXT);
				break;
			}
			if (target >= start && target < end)
				break;
			if (target == end || (target == c->pub.abort_ip
					      && c->abort_sec == c->start_sec))
				break;
			/* A derived twin of a declared exit would only
			   be dropped when the exits are merged.  */
			if (reach_declared(d, target))
				break;
			if (d->has_table)
				rd_diag(h, RSEQELF_WARNING, true, target,
					"exit 0x%llx, reached by the branch at 0x%llx, is not declared in %s",
					ULL(target), ULL(pc), d->table_name);
			if (rd_add_exit(r, k, target, RSEQELF_EXIT_DERIVED) < 0)
				return -1;
			break;
		}
#undef TEXT
	}
	if (dec->truncated) {
		uint64_t pc = start + dec->stop;

		rd_diag(h, RSEQELF_WARNING, true, pc,
			"cannot decode the instruction at 0x%llx: the rest of [0x%llx, 0x%llx) is not searched for exits",
			ULL(pc), ULL(start), ULL(end));
	} else {
		check_unreached(d, k);
	}
	return 0;
}

static int
decoder_init(struct decoder *w, struct deriver *d)
{
	const struct arch_map *am = d->am;
	const rseqelf *h = d->r->h;

	w->d = d;
	w->r = d->r;
	w->buffer_sec = SIZE_MAX;
	if (rd_dis_init(w, h, am) < 0)
		return -1;
	w->use_icache = h->machine == EM_X86_64 || h->machine == EM_386;
	w->quote_again = w->use_icache;
	w->ic.addr_max = h->elfclass == 32 ? UINT32_MAX : UINT64_MAX;
	w->mode64 = h->machine == EM_X86_64;
	return 0;
}

static void
decoder_free(struct decoder *w)
{
	if (w->print != NULL)
		disassemble_free_target(&w->info);
	free(w->insns);
	free(w->text);
	rd_caches_free(w);
}

/* Decode and judge each c.s. in turn: nothing is kept per c.s., so a
   large file costs no memory that grows with it (each page of it first
   touched is a page fault, dearer than the decoding it holds).  The
   sections are read first, so that a warning about one that cannot be
   read comes before the findings of any c.s.  */
static int
derive_all(struct deriver *d)
{
	struct reader *r = d->r;
	rseqelf *h = r->h;
	struct decoder *w = &d->decoder;
	const struct sec *s = NULL;
	uint32_t s_shndx = 0;
	int ret = 0;

	/* validate.c found each c.s.'s section, or said why there is none.  */
	for (size_t k = 0; k < h->ncs; k++)
		if (h->cs[k].range_ok && (k == 0 || !h->cs[k - 1].range_ok
					  || h->cs[k].code_sec != h->cs[k - 1].code_sec))
			rd_sec_bytes(r, h->cs[k].code_sec);
	w->coderels = d->coderels;
	w->ncoderels = d->ncoderels;
	for (size_t k = 0; k < h->ncs && ret == 0; k++) {
		struct csdec dec;

		if (!h->cs[k].range_ok)
			continue;
		if (s == NULL || s_shndx != h->cs[k].code_sec) {
			s_shndx = h->cs[k].code_sec;
			s = rd_sec_bytes(r, s_shndx);
		}
		if (s == NULL)
			continue;
		ret = decode_cs(w, k, s, &dec);
		if (ret == 0)
			ret = judge_cs(d, k, &dec);
	}
	return ret;
}

int
rd_derive(struct reader *r, size_t ndeclared)
{
	rseqelf *h = r->h;
	const struct arch_map *am = rd_arch_map(h->machine);
	struct deriver d = { .r = r, .am = am, .ndeclared = ndeclared };
	int ret = 0;

	if (am == NULL)
		return 0;
	d.has_table = r->views[RS_EXITS].shndx != 0;
	d.table_name = d.has_table ? r->secs[r->views[RS_EXITS].shndx].name : "";
	/* Some disassemblers keep state in statics (arm-dis's mode and IT
	   state, riscv-dis's pc-relative pairs): one derivation at a time,
	   whatever the handle.  */
	rd_opcodes_lock();
	if (decoder_init(&d.decoder, &d) < 0)
		goto out;	/* no disassembler for the machine */
	if ((h->machine == EM_ARM && rd_load_arm_maps(&d) < 0)
	    || (h->type == ET_REL && rd_load_coderels(&d) < 0)) {
		ret = -1;
		goto out;
	}
	ret = derive_all(&d);
out:
	decoder_free(&d.decoder);
	rd_opcodes_unlock();
	free(d.armmaps);
	free(d.coderels);
	return ret;
}

#endif /* HAVE_OPCODES */
