/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sections.c: one pass over the section headers, finding the rseq tables,
   indexing the allocated sections by address and choosing the section a
   debugger measures the load bias by.  */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
which_rs(const char *name)
{
	if (strcmp(name, "__rseq_cs_ptr_array") == 0)
		return RS_PTR_ARRAY;
	if (strcmp(name, "__rseq_cs") == 0)
		return RS_CS;
	if (strcmp(name, "__rseq_table") == 0)
		return RS_LEGACY;
	/* The project's design card spells it without "_array".  */
	if (strcmp(name, "__rseq_exit_point_array") == 0
	    || strcmp(name, "__rseq_exit_point") == 0)
		return RS_EXITS;
	return -1;
}

static int
cmp_by_addr(const void *a, const void *b, void *arg)
{
	const struct sec *secs = arg;
	uint64_t x = secs[*(const size_t *) a].shdr.sh_addr;
	uint64_t y = secs[*(const size_t *) b].shdr.sh_addr;

	return x < y ? -1 : x > y;
}

int
rd_scan_sections(struct reader *r, struct rseqelf_error *err)
{
	rseqelf *h = r->h;
	size_t shnum, shstrndx, min_shdr;
	Elf_Scn *scn = NULL;
	size_t ref = 0;		/* rseqelf_reference_section's choice */
	bool ref_is_text = false;

	if (elf_getshdrnum(r->elf, &shnum) < 0) {
		if (err) {
			err->code = ENOEXEC;
			snprintf(err->message, sizeof err->message,
				 "%s: cannot read the section headers: %s",
				 h->name, elf_errmsg(-1));
		}
		return -1;
	}
	if (shnum == 0) {
		rd_diag(h, RSEQELF_NOTE, false, 0,
			"no section headers: rseq tables cannot be found");
		return 0;
	}
	/* Every count is bounded by the file: a header claiming more sections
	   than could fit is corrupt, whatever libelf made of it.  */
	min_shdr = h->elfclass == 64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	if (shnum > r->image_size / min_shdr) {
		if (err) {
			err->code = ENOEXEC;
			snprintf(err->message, sizeof err->message,
				 "%s: %zu section headers do not fit in the file",
				 h->name, shnum);
		}
		return -1;
	}
	if (elf_getshdrstrndx(r->elf, &shstrndx) < 0) {
		if (err) {
			err->code = ENOEXEC;
			snprintf(err->message, sizeof err->message,
				 "%s: cannot find the section name table: %s",
				 h->name, elf_errmsg(-1));
		}
		return -1;
	}
	r->secs = calloc(shnum, sizeof *r->secs);
	r->by_addr = calloc(shnum, sizeof *r->by_addr);
	if (r->secs == NULL || r->by_addr == NULL)
		goto oom;
	r->nsecs = shnum;

	while ((scn = elf_nextscn(r->elf, scn)) != NULL) {
		size_t idx = elf_ndxscn(scn);
		struct sec *s;
		const char *name;
		int rs;

		if (idx >= shnum)
			continue;
		s = &r->secs[idx];
		if (gelf_getshdr(scn, &s->shdr) == NULL) {
			if (err) {
				err->code = ENOEXEC;
				snprintf(err->message, sizeof err->message,
					 "%s: invalid section header %zu: %s",
					 h->name, idx, elf_errmsg(-1));
			}
			return -1;
		}
		s->scn = scn;
		name = elf_strptr(r->elf, shstrndx, s->shdr.sh_name);
		if (name == NULL) {
			rd_diag(h, RSEQELF_WARNING, false, 0,
				"section %zu has an invalid name offset %u",
				idx, (unsigned) s->shdr.sh_name);
			name = "";
		}
		s->name = name;
		if ((s->shdr.sh_flags & SHF_ALLOC) && !ref_is_text) {
			if (strcmp(name, ".text") == 0) {
				ref = idx;
				ref_is_text = true;
			} else if (ref == 0 && s->shdr.sh_addr != 0) {
				ref = idx;
			}
		}
		if ((s->shdr.sh_flags & SHF_ALLOC) && s->shdr.sh_type != SHT_NOBITS
		    && s->shdr.sh_size > 0 && h->type != ET_REL)
			r->by_addr[r->nby_addr++] = idx;

		rs = which_rs(name);
		if (rs < 0)
			continue;
		if (r->views[rs].shndx != 0) {
			rd_diag(h, RSEQELF_WARNING, false, 0,
				"more than one %s section: only section %zu is read",
				name, r->views[rs].shndx);
			continue;
		}
		r->views[rs].shndx = idx;
	}
	qsort_r(r->by_addr, r->nby_addr, sizeof *r->by_addr, cmp_by_addr,
		r->secs);
	if (ref != 0) {
		h->ref_name = strdup(r->secs[ref].name);
		if (h->ref_name == NULL)
			goto oom;
		h->ref_addr = r->secs[ref].shdr.sh_addr;
	}
	return 0;

oom:
	if (err) {
		err->code = ENOMEM;
		snprintf(err->message, sizeof err->message, "%s: %s", h->name,
			 strerror(ENOMEM));
	}
	return -1;
}

int
rseqelf_reference_section(const rseqelf *h, const char **name, uint64_t *addr)
{
	if (h->ref_name == NULL)
		return -1;
	if (name != NULL)
		*name = h->ref_name;
	if (addr != NULL)
		*addr = h->ref_addr;
	return 0;
}

/* The untranslated bytes of section SHNDX, or NULL (with a diagnostic the
   first time) when the section has none or they lie outside the file.  */
const struct sec *
rd_sec_bytes(struct reader *r, size_t shndx)
{
	struct sec *s;
	Elf_Data *d;

	if (shndx == 0 || shndx >= r->nsecs || r->secs[shndx].scn == NULL)
		return NULL;
	s = &r->secs[shndx];
	if (s->loaded == 0) {
		s->loaded = -1;
		if (s->shdr.sh_type == SHT_NOBITS) {
			rd_diag(r->h, RSEQELF_WARNING, false, 0,
				"section %s has no contents in the file (SHT_NOBITS)",
				s->name);
			return NULL;
		}
		if (s->shdr.sh_flags & SHF_COMPRESSED) {
			rd_diag(r->h, RSEQELF_WARNING, false, 0,
				"section %s is compressed: not read", s->name);
			return NULL;
		}
		d = elf_rawdata(s->scn, NULL);
		if (d == NULL) {
			rd_diag(r->h, RSEQELF_ERROR, false, 0,
				"cannot read section %s: %s", s->name,
				elf_errmsg(-1));
			return NULL;
		}
		if (d->d_size != 0 && d->d_buf == NULL)
			return NULL;
		s->bytes = d->d_buf;
		s->nbytes = d->d_size;
		s->loaded = 1;
	}
	return s->loaded > 0 ? s : NULL;
}

/* The allocated section holding [ADDR, ADDR + LEN) in an ET_EXEC or ET_DYN
   file, or NULL.  */
const struct sec *
rd_sec_by_addr(struct reader *r, uint64_t addr, uint64_t len)
{
	size_t lo = 0, hi = r->nby_addr;

	/* The last section starting at or below ADDR.  Callers go through
	   the c.s. in address order: the answer for the previous address
	   holds until the next section's start.  */
	if (r->by_addr_cached && addr >= r->by_addr_from && addr < r->by_addr_to) {
		lo = r->by_addr_lo;
	} else {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (r->secs[r->by_addr[mid]].shdr.sh_addr <= addr)
				lo = mid + 1;
			else
				hi = mid;
		}
		r->by_addr_cached = true;
		r->by_addr_lo = lo;
		r->by_addr_from = lo > 0 ? r->secs[r->by_addr[lo - 1]].shdr.sh_addr : 0;
		r->by_addr_to = lo < r->nby_addr ? r->secs[r->by_addr[lo]].shdr.sh_addr
			: UINT64_MAX;
	}
	/* Sections may nest (.tdata in a segment, odd linker scripts): look
	   back a little for one that really contains the range.  */
	for (size_t i = lo, tries = 0; i-- > 0 && tries < 4; tries++) {
		const struct sec *s = &r->secs[r->by_addr[i]];
		uint64_t off = addr - s->shdr.sh_addr;

		if (off <= s->shdr.sh_size && len <= s->shdr.sh_size - off)
			return rd_sec_bytes(r, r->by_addr[i]);
	}
	return NULL;
}

int
rd_xlate(struct reader *r, void *dst, const void *src, size_t size,
	 Elf_Type type)
{
	Elf_Data d = {
		.d_buf = dst, .d_type = type, .d_size = size,
		.d_version = EV_CURRENT,
	};
	Elf_Data s = {
		.d_buf = (void *) src, .d_type = type, .d_size = size,
		.d_version = EV_CURRENT,
	};

	return gelf_xlatetom(r->elf, &d, &s, r->h->big_endian ? ELFDATA2MSB
			     : ELFDATA2LSB) == NULL ? -1 : 0;
}
