/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* reloc.c: the rseq sections as words, with relocations applied.

   GNU ld writes link-time addresses into the tables of a PIE or DSO and
   adds R_*_RELATIVE relocations; lld leaves RELA targets zero and keeps the
   value only as the addend.  Applying RELATIVE relocations with a load base
   of 0 gives the file's own address space either way.  In ET_REL files
   the tables hold nothing until the absolute relocations against their
   sections are applied; the result is a symbol's offset in its section.  */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define SHT_RELR_ 19		/* SHT_RELR, which older <elf.h> lack */

/* Addresses are reported unrelocated: the load base is 0.  It is kept
   explicit so a RELATIVE relocation reads like its psABI definition,
   B + A.  */
static const uint64_t load_base = 0;

/* 32-bit relocations patch half of a 64-bit table word: the half at
   offset +0 of the word is its low half on little-endian targets, the high
   half on big-endian ones.  */
static bool
is_low_half(const rseqelf *h, uint64_t off)
{
	return ((off & 4) == 0) != (h->big_endian != 0);
}

static bool
check_place(struct reader *r, const struct view *v, uint64_t off,
	    unsigned size)
{
	/* SIZE is 4 or 8: a mask, not a division per relocation.  */
	if ((off & (size - 1)) != 0) {
		rd_diag(r->h, RSEQELF_WARNING, true, v->addr + off,
			"misaligned %u-byte relocation in %s ignored", size,
			r->secs[v->shndx].name);
		return false;
	}
	/* Relocations on the ragged tail of a section of odd size fall
	   outside the words the tables are read from.  */
	return off / 8 < v->nw;
}

static uint64_t
get_place(const struct reader *r, const struct view *v, uint64_t off,
	  unsigned size)
{
	uint64_t w = v->w[off / 8];

	if (size == 8)
		return w;
	return is_low_half(r->h, off) ? (uint32_t) w : w >> 32;
}

/* The first write to V that changes a word: from here on V is a private
   copy.  Kept out of line so put_place, called once per relocation,
   stays small enough to inline.  */
static __attribute__ ((noinline, cold)) void
own_view(struct reader *r, struct view *v)
{
	v->copy = malloc(v->nw * sizeof *v->copy);
	if (v->copy == NULL) {
		r->views_oom = true;
		return;
	}
	memcpy(v->copy, v->w, v->nw * sizeof *v->copy);
	v->w = v->copy;
}

static inline void
put_place(struct reader *r, struct view *v, uint64_t off,
	  unsigned size, uint64_t val)
{
	uint64_t w = v->w[off / 8], nw;

	if (size == 8)
		nw = val;
	else if (is_low_half(r->h, off))
		nw = (w & 0xffffffff00000000ull) | (uint32_t) val;
	else
		nw = (w & 0xffffffffull) | ((uint64_t) (uint32_t) val << 32);
	if (nw == w)
		return;
	if (v->copy == NULL) {
		own_view(r, v);
		if (v->copy == NULL)
			return;
	}
	v->copy[off / 8] = nw;
}

/* The first view containing address ADDR (ET_EXEC/ET_DYN), or NULL.
   Linkers sort dynamic relocations by address, so when no two views
   overlap (only a malformed file has them overlap), the view of the
   previous relocation is tried first.  */
static struct view *
view_at(struct reader *r, uint64_t addr, uint64_t *off)
{
	struct view *last = r->last_view;

	if (last != NULL && addr >= last->addr
	    && addr - last->addr < (uint64_t) last->nw * 8) {
		*off = addr - last->addr;
		return last;
	}
	for (int i = 0; i < RS_COUNT; i++) {
		struct view *v = &r->views[i];

		if (v->w != NULL && addr >= v->addr
		    && addr - v->addr < (uint64_t) v->nw * 8) {
			*off = addr - v->addr;
			if (r->views_disjoint)
				r->last_view = v;
			return v;
		}
	}
	return NULL;
}

/* A RELATIVE relocation at ADDR.  REL and RELR keep the addend in place,
   RELA in the entry.  */
static void
apply_relative(struct reader *r, uint64_t addr, bool has_addend,
	       int64_t addend)
{
	unsigned size = r->h->elfclass / 8;
	struct view *v;
	uint64_t off;

	v = view_at(r, addr, &off);
	if (v == NULL || !check_place(r, v, off, size))
		return;
	if (!has_addend)
		addend = get_place(r, v, off, size);
	put_place(r, v, off, size, load_base + addend);
}

/* The dynamic relocations of a PIE or DSO: a million c.s. bring several
   million, so the entries libelf translated are read in place rather
   than one gelf_getrela call each.  memcpy, because libelf may hand out
   a misaligned buffer when it maps a file in place.  */
static void
apply_dyn_section(struct reader *r, const struct sec *s)
{
	bool rela = s->shdr.sh_type == SHT_RELA;
	unsigned relative = r->h->mach->r_relative;
	bool is64 = r->h->elfclass == 64;
	const unsigned char *p;
	struct view *v;
	size_t n, size;
	Elf_Data *d;

	d = elf_getdata(s->scn, NULL);
	if (d == NULL || d->d_type != (rela ? ELF_T_RELA : ELF_T_REL)) {
		rd_diag(r->h, RSEQELF_ERROR, false, 0,
			"cannot read relocation section %s: %s", s->name,
			d == NULL ? elf_errmsg(-1) : "unexpected data type");
		return;
	}
	if (is64)
		size = rela ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel);
	else
		size = rela ? sizeof(Elf32_Rela) : sizeof(Elf32_Rel);
	n = d->d_size / size;
	p = d->d_buf;
	for (size_t i = 0; i < n; i++, p += size) {
		uint64_t offset, type;
		int64_t addend = 0;

		if (is64) {
			Elf64_Rela e;

			/* Constant sizes: a copy of SIZE bytes is a byte loop.  */
			if (rela)
				memcpy(&e, p, sizeof(Elf64_Rela));
			else
				memcpy(&e, p, sizeof(Elf64_Rel));
			offset = e.r_offset;
			type = ELF64_R_TYPE(e.r_info);
			if (rela)
				addend = e.r_addend;
		} else {
			Elf32_Rela e;

			if (rela)
				memcpy(&e, p, sizeof(Elf32_Rela));
			else
				memcpy(&e, p, sizeof(Elf32_Rel));
			offset = e.r_offset;
			type = ELF32_R_TYPE(e.r_info);
			if (rela)
				addend = e.r_addend;
		}
		if (type != relative)
			continue;
		/* What apply_relative does for a 64-bit RELA entry whose place
		   is in the view of the previous one, inline: a PIE's tables
		   bring hundreds of thousands of these, nearly all alike.  */
		v = r->last_view;
		if (is64 && rela && v != NULL && (offset & 7) == 0
		    && offset - v->addr < (uint64_t) v->nw * 8)
			put_place(r, v, offset - v->addr, 8,
				  load_base + (uint64_t) addend);
		else
			apply_relative(r, offset, rela, addend);
	}
}

/* DT_RELR (SHT_RELR): a word-sized address, then bitmaps of the words
   after it, each bitmap word marked by its low bit.  libelf may not know
   the section type, so the raw words are translated here.  */
static void
apply_relr_section(struct reader *r, const struct sec *s)
{
	unsigned wsize = r->h->elfclass / 8;
	unsigned nbits = wsize * 8 - 1;
	const unsigned char *p;
	uint64_t where = 0;
	size_t n;

	if (rd_sec_bytes(r, s - r->secs) == NULL)
		return;
	p = s->bytes;
	n = s->nbytes / wsize;
	for (size_t i = 0; i < n; i++) {
		uint64_t e;

		if (wsize == 8) {
			if (rd_xlate(r, &e, p + i * 8, 8, ELF_T_XWORD) < 0)
				return;
		} else {
			uint32_t e32;

			if (rd_xlate(r, &e32, p + i * 4, 4, ELF_T_WORD) < 0)
				return;
			e = e32;
		}
		if ((e & 1) == 0) {
			apply_relative(r, e, false, 0);
			where = e + wsize;
			continue;
		}
		for (unsigned b = 0; b < nbits; b++)
			if ((e >> (b + 1)) & 1)
				apply_relative(r, where + (uint64_t) b * wsize,
					       false, 0);
		where += (uint64_t) nbits * wsize;
	}
}

/* The section an ET_REL symbol is defined in, 0 when none.  */
static uint32_t
symbol_section(const GElf_Sym *sym)
{
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE)
		return 0;
	return sym->st_shndx;
}

/* The relocations of an ET_REL file against the table in V.  */
static void
apply_rel_section(struct reader *r, const struct sec *s, struct view *v)
{
	const struct rseqelf_machine *m = r->h->mach;
	bool rela = s->shdr.sh_type == SHT_RELA;
	const char *tname = r->secs[v->shndx].name;
	Elf_Data *d, *symd = NULL;
	size_t entsize, n;

	if (s->shdr.sh_link != 0 && s->shdr.sh_link < r->nsecs
	    && r->secs[s->shdr.sh_link].scn != NULL)
		symd = elf_getdata(r->secs[s->shdr.sh_link].scn, NULL);
	d = elf_getdata(s->scn, NULL);
	if (d == NULL || symd == NULL) {
		rd_diag(r->h, RSEQELF_ERROR, false, 0,
			"cannot read relocation section %s or its symbols: %s",
			s->name, elf_errmsg(-1));
		return;
	}
	entsize = gelf_fsize(r->elf, rela ? ELF_T_RELA : ELF_T_REL, 1,
			     EV_CURRENT);
	if (entsize == 0)
		return;
	n = d->d_size / entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Rela rl;
		GElf_Sym sym;
		unsigned type, size;
		uint64_t off, val;
		int sign;

		if (rela) {
			if (gelf_getrela(d, i, &rl) == NULL)
				break;
		} else {
			GElf_Rel rn;

			if (gelf_getrel(d, i, &rn) == NULL)
				break;
			rl.r_offset = rn.r_offset;
			rl.r_info = rn.r_info;
			rl.r_addend = 0;
		}
		off = rl.r_offset;
		type = GELF_R_TYPE(rl.r_info);
		if (type == 0)
			continue;
		sign = 0;
		if (type == m->r_abs64 || (m->r_abs64_alt && type == m->r_abs64_alt))
			size = 8;
		else if (type == m->r_abs32
			 || (m->r_abs32_alt && type == m->r_abs32_alt))
			size = 4;
		else if (m->r_add64 && (type == m->r_add64 || type == m->r_sub64)) {
			size = 8;
			sign = type == m->r_add64 ? 1 : -1;
		} else if (m->r_add32 && (type == m->r_add32 || type == m->r_sub32)) {
			size = 4;
			sign = type == m->r_add32 ? 1 : -1;
		} else {
			rd_diag(r->h, RSEQELF_WARNING, true, off,
				"relocation type %u in %s against %s is not an absolute address: ignored",
				type, s->name, tname);
			continue;
		}
		if (off >= (uint64_t) v->nw * 8 || !check_place(r, v, off, size))
			continue;
		if (gelf_getsym(symd, GELF_R_SYM(rl.r_info), &sym) == NULL) {
			rd_diag(r->h, RSEQELF_WARNING, true, off,
				"relocation in %s names symbol %zu, which does not exist",
				s->name, (size_t) GELF_R_SYM(rl.r_info));
			continue;
		}
		if (sym.st_shndx == SHN_UNDEF) {
			rd_diag(r->h, RSEQELF_WARNING, true, off,
				"relocation in %s refers to an undefined symbol",
				s->name);
			continue;
		}
		val = sym.st_value + (rela ? (uint64_t) rl.r_addend
				      : get_place(r, v, off, size));
		if (sign != 0) {
			/* A difference of addresses is not an address: the
			   word keeps no section.  */
			uint64_t place = get_place(r, v, off, size);

			put_place(r, v, off, size,
				  sign > 0 ? place + val : place - val);
			continue;
		}
		put_place(r, v, off, size, val);
		v->wsec[off / 8] = symbol_section(&sym);
	}
}

static int
load_view(struct reader *r, enum rs which)
{
	struct view *v = &r->views[which];
	const struct sec *s = rd_sec_bytes(r, v->shndx);

	/* A missing or unreadable section reads as an empty table.  */
	if (s == NULL)
		return 0;
	if (s->nbytes % 8 != 0)
		rd_diag(r->h, RSEQELF_WARNING, false, 0,
			"size of %s (%zu bytes) is not a multiple of 8: the last %zu bytes are ignored",
			s->name, s->nbytes, s->nbytes % 8);
	v->addr = r->h->type == ET_REL ? 0 : s->shdr.sh_addr;
	v->nw = s->nbytes / 8;
	if (v->nw == 0)
		return 0;
	if ((r->h->big_endian != 0) == (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
	    && (uintptr_t) s->bytes % _Alignof(uint64_t) == 0) {
		v->w = (const uint64_t *) s->bytes;
	} else {
		v->copy = malloc(v->nw * sizeof *v->copy);
		if (v->copy == NULL)
			return -1;
		if (rd_xlate(r, v->copy, s->bytes, v->nw * 8, ELF_T_XWORD) < 0) {
			rd_diag(r->h, RSEQELF_ERROR, false, 0,
				"cannot translate %s: %s", s->name,
				elf_errmsg(-1));
			free(v->copy);
			v->copy = NULL;
			v->nw = 0;
			return 0;
		}
		v->w = v->copy;
	}
	if (r->h->type == ET_REL) {
		v->wsec = calloc(v->nw, sizeof *v->wsec);
		if (v->wsec == NULL)
			return -1;
	}
	return 0;
}

int
rd_load_views(struct reader *r)
{
	rseqelf *h = r->h;
	bool any = false;

	for (int i = 0; i < RS_COUNT; i++) {
		if (load_view(r, i) < 0)
			return -1;
		any |= r->views[i].w != NULL;
	}
	if (!any)
		return 0;
	r->views_disjoint = true;
	for (int i = 0; i < RS_COUNT; i++)
		for (int k = i + 1; k < RS_COUNT; k++) {
			const struct view *a = &r->views[i], *b = &r->views[k];

			if (a->w != NULL && b->w != NULL
			    && a->addr < b->addr + (uint64_t) b->nw * 8
			    && b->addr < a->addr + (uint64_t) a->nw * 8)
				r->views_disjoint = false;
		}

	for (size_t i = 1; i < r->nsecs; i++) {
		const struct sec *s = &r->secs[i];
		unsigned t = s->shdr.sh_type;

		if (s->scn == NULL
		    || (t != SHT_REL && t != SHT_RELA && t != SHT_RELR_))
			continue;
		if (h->mach == NULL) {
			rd_diag(h, RSEQELF_WARNING, false, 0,
				"relocations not applied: machine %u is not supported",
				h->machine);
			return 0;
		}
		if (h->type == ET_REL) {
			/* Only the relocations of the tables themselves.  */
			for (int k = 0; k < RS_COUNT; k++)
				if (r->views[k].w != NULL
				    && r->views[k].shndx == s->shdr.sh_info
				    && t != SHT_RELR_)
					apply_rel_section(r, s, &r->views[k]);
			continue;
		}
		/* Dynamic relocations only: --emit-relocs leaves static ones,
		   already applied, in non-allocated sections.  */
		if (!(s->shdr.sh_flags & SHF_ALLOC))
			continue;
		if (t == SHT_RELR_)
			apply_relr_section(r, s);
		else
			apply_dyn_section(r, s);
	}
	return r->views_oom ? -1 : 0;
}

void
rd_views_free(struct reader *r)
{
	for (int i = 0; i < RS_COUNT; i++) {
		free(r->views[i].copy);
		free(r->views[i].wsec);
		r->views[i].w = NULL;
		r->views[i].copy = NULL;
		r->views[i].wsec = NULL;
	}
}
