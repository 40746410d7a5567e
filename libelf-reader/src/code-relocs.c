/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* code-relocs.c: the relocations of an ET_REL file's code.

   In a relocatable file a branch out of a c.s. may be left to the linker:
   its bytes then say nothing of its target, and taking them at their
   word would report an exit that is not there.  The relocations of the
   code sections are read once per derivation, sorted, then looked up for
   each branch, by the decoder.  */
#include "derive.h"

#include <stdlib.h>

/* The relocations of an ET_REL file's code sections.  */
int
rd_load_coderels(struct deriver *d)
{
	struct reader *r = d->r;
	size_t cap = 0;

	for (size_t i = 1; i < r->nsecs; i++) {
		const struct sec *s = &r->secs[i];
		bool rela = s->shdr.sh_type == SHT_RELA;
		Elf_Data *data, *symd = NULL;
		size_t n, entsize, strndx = 0;

		if (s->scn == NULL || (s->shdr.sh_type != SHT_REL && !rela)
		    || s->shdr.sh_info == 0 || s->shdr.sh_info >= r->nsecs
		    || !(r->secs[s->shdr.sh_info].shdr.sh_flags & SHF_EXECINSTR))
			continue;
		data = elf_getdata(s->scn, NULL);
		entsize = gelf_fsize(r->elf, rela ? ELF_T_RELA : ELF_T_REL, 1,
				     EV_CURRENT);
		if (data == NULL || entsize == 0)
			continue;
		if (s->shdr.sh_link != 0 && s->shdr.sh_link < r->nsecs
		    && r->secs[s->shdr.sh_link].scn != NULL) {
			symd = elf_getdata(r->secs[s->shdr.sh_link].scn, NULL);
			strndx = r->secs[s->shdr.sh_link].shdr.sh_link;
		}
		n = data->d_size / entsize;
		if (rd_grow((void **) &d->coderels, &cap, d->ncoderels + n,
			 sizeof *d->coderels) < 0)
			return -1;
		for (size_t k = 0; k < n; k++) {
			struct coderel *cr = &d->coderels[d->ncoderels];
			GElf_Rela rl;
			GElf_Rel rn;
			GElf_Sym sym;

			if (rela ? gelf_getrela(data, k, &rl) == NULL
			    : gelf_getrel(data, k, &rn) == NULL)
				break;
			if (!rela)
				rl.r_offset = rn.r_offset, rl.r_info = rn.r_info;
			cr->at.shndx = s->shdr.sh_info;
			cr->at.addr = rl.r_offset;
			cr->sym = NULL;
			if (symd != NULL
			    && gelf_getsym(symd, GELF_R_SYM(rl.r_info), &sym) != NULL) {
				if (GELF_ST_TYPE(sym.st_info) == STT_SECTION
				    && sym.st_shndx < r->nsecs)
					cr->sym = r->secs[sym.st_shndx].name;
				else
					cr->sym = elf_strptr(r->elf, strndx,
							     sym.st_name);
			}
			if (cr->sym == NULL || cr->sym[0] == '\0')
				cr->sym = "a symbol";
			d->ncoderels++;
		}
	}
	if (d->ncoderels > 1)
		qsort(d->coderels, d->ncoderels, sizeof *d->coderels,
		      rd_cmp_secaddr);
	return 0;
}

/* 1 + the index of a relocation in [FROM, TO) of the section being
   decoded, or 0.  */
uint32_t
rd_find_coderel(const struct decoder *d, uint64_t from, uint64_t to)
{
	size_t lo = 0, hi = d->ncoderels;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct coderel *cr = &d->coderels[mid];

		if (cr->at.shndx < d->shndx
		    || (cr->at.shndx == d->shndx && cr->at.addr < from))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->ncoderels && d->coderels[lo].at.shndx == d->shndx
	    && d->coderels[lo].at.addr < to)
		return lo + 1;
	return 0;
}

