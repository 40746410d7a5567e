/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* arm-modes.c: which instruction set each piece of ARM code is in.

   ARM files mix A32 and Thumb code, and libopcodes cannot tell them apart
   without bfd's symbols, which the reader does not use: the mode of each
   c.s. comes from the file's mapping symbols ($a, $t, $d), or from bit 0
   of its function symbols when stripped.  Read once per derivation, then
   only looked up, by the decoder.  */
#include "derive.h"

#include <stdlib.h>

/* Add the ARM mode markers of symbol table S: its mapping symbols, or,
   when FUNCS, its functions (bit 0 of a Thumb function's value is set).  */
static int
add_arm_maps(struct deriver *d, const struct sec *s, bool funcs)
{
	struct reader *r = d->r;
	size_t n, symsize, cap;
	Elf_Data *data;

	data = elf_getdata(s->scn, NULL);
	symsize = gelf_fsize(r->elf, ELF_T_SYM, 1, EV_CURRENT);
	if (data == NULL || symsize == 0)
		return 0;
	n = data->d_size / symsize;
	cap = d->narmmaps;
	if (rd_grow((void **) &d->armmaps, &cap, d->narmmaps + n + 1,
		 sizeof *d->armmaps) < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		GElf_Sym sym;
		const char *name;
		bool mapping;

		if (gelf_getsym(data, k, &sym) == NULL)
			break;
		if (sym.st_shndx == SHN_UNDEF || sym.st_shndx >= SHN_LORESERVE)
			continue;
		if (funcs) {
			if (GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			d->armmaps[d->narmmaps++] = (struct armmap) {
				{ sym.st_shndx, sym.st_value & ~1ull },
				sym.st_value & 1 ? 't' : 'a' };
			continue;
		}
		if (GELF_ST_TYPE(sym.st_info) != STT_NOTYPE)
			continue;
		name = elf_strptr(r->elf, s->shdr.sh_link, sym.st_name);
		mapping = name != NULL && name[0] == '$'
			&& (name[1] == 'a' || name[1] == 't' || name[1] == 'd')
			&& (name[2] == '\0' || name[2] == '.');
		if (mapping)
			d->armmaps[d->narmmaps++] = (struct armmap) {
				{ sym.st_shndx, sym.st_value }, name[1] };
	}
	return 0;
}

/* ARM code mixes A32 and Thumb, and libopcodes cannot tell them apart
   without bfd's symbols.  The mapping symbols of .symtab say which is
   which; stripped files keep at best function symbols, whose bit 0 marks
   Thumb; with neither the code is taken as A32, and a note says so.  */
int
rd_load_arm_maps(struct deriver *d)
{
	struct reader *r = d->r;
	const char *how = NULL;

	for (size_t i = 1; i < r->nsecs; i++)
		if (r->secs[i].scn != NULL && r->secs[i].shdr.sh_type == SHT_SYMTAB
		    && add_arm_maps(d, &r->secs[i], false) < 0)
			return -1;
	for (int pass = 0; pass < 2 && d->narmmaps == 0; pass++) {
		unsigned type = pass == 0 ? SHT_SYMTAB : SHT_DYNSYM;

		for (size_t i = 1; i < r->nsecs; i++)
			if (r->secs[i].scn != NULL && r->secs[i].shdr.sh_type == type
			    && add_arm_maps(d, &r->secs[i], true) < 0)
				return -1;
		how = "the function symbols";
	}
	if (d->narmmaps > 1)
		qsort(d->armmaps, d->narmmaps, sizeof *d->armmaps,
		      rd_cmp_secaddr);
	if (d->narmmaps == 0)
		rd_diag(r->h, RSEQELF_NOTE, false, 0,
			"no ARM mapping or function symbols: critical sections are disassembled as A32 code");
	else if (how != NULL)
		rd_diag(r->h, RSEQELF_NOTE, false, 0,
			"no ARM mapping symbols ($a, $t): the instruction set of each critical section is taken from %s",
			how);
	return 0;
}

/* The mapping symbol in force at ADDR of section SHNDX: 'a', 't' or 0.  */
char
rd_arm_mode(const struct deriver *d, uint32_t shndx, uint64_t addr)
{
	size_t lo = 0, hi = d->narmmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct armmap *m = &d->armmaps[mid];

		if (m->at.shndx < shndx
		    || (m->at.shndx == shndx && m->at.addr <= addr))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || d->armmaps[lo - 1].at.shndx != shndx)
		return 0;
	return d->armmaps[lo - 1].kind;
}
