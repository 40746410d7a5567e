/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* open.c: opening a file or a memory image, the handle and its accessors.  */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Relocation numbers from the psABIs (and <elf.h>).  */
static const struct rseqelf_machine machines[] = {
	{ .em = EM_X86_64, .name32 = "x32", .name64 = "x86-64",
	  .r_relative = 8,		/* R_X86_64_RELATIVE */
	  .r_abs64 = 1,			/* R_X86_64_64 */
	  .r_abs32 = 10, .r_abs32_alt = 11 },	/* R_X86_64_32, _32S */
	{ .em = EM_386, .name32 = "i386", .name64 = "i386",
	  .r_relative = 8,		/* R_386_RELATIVE */
	  .r_abs32 = 1 },		/* R_386_32 */
	{ .em = EM_AARCH64, .name32 = "aarch64-ilp32", .name64 = "aarch64",
	  .r_relative = 1027,		/* R_AARCH64_RELATIVE */
	  .r_abs64 = 257,		/* R_AARCH64_ABS64 */
	  .r_abs32 = 258 },		/* R_AARCH64_ABS32 */
	{ .em = EM_ARM, .name32 = "arm", .name64 = "arm",
	  .r_relative = 23,		/* R_ARM_RELATIVE */
	  .r_abs32 = 2 },		/* R_ARM_ABS32 */
	{ .em = EM_PPC64, .name32 = "ppc64", .name64 = "ppc64",
	  .r_relative = 22,		/* R_PPC64_RELATIVE */
	  .r_abs64 = 38, .r_abs64_alt = 43,	/* R_PPC64_ADDR64, _UADDR64 */
	  .r_abs32 = 1, .r_abs32_alt = 24 },	/* R_PPC64_ADDR32, _UADDR32 */
	{ .em = EM_S390, .name32 = "s390", .name64 = "s390x",
	  .r_relative = 12,		/* R_390_RELATIVE */
	  .r_abs64 = 22,		/* R_390_64 */
	  .r_abs32 = 4 },		/* R_390_32 */
	{ .em = EM_RISCV, .name32 = "riscv32", .name64 = "riscv64",
	  .r_relative = 3,		/* R_RISCV_RELATIVE */
	  .r_abs64 = 2, .r_abs32 = 1,	/* R_RISCV_64, R_RISCV_32 */
	  .r_add64 = 36, .r_sub64 = 40,	/* R_RISCV_ADD64, R_RISCV_SUB64 */
	  .r_add32 = 35, .r_sub32 = 39 },	/* R_RISCV_ADD32, R_RISCV_SUB32 */
};

const struct rseqelf_machine *
rd_machine(unsigned em)
{
	for (size_t i = 0; i < sizeof machines / sizeof machines[0]; i++)
		if (machines[i].em == em)
			return &machines[i];
	return NULL;
}

const char *
rd_rs_name(enum rs which)
{
	static const char *const names[RS_COUNT] = {
		[RS_PTR_ARRAY] = "__rseq_cs_ptr_array",
		[RS_CS] = "__rseq_cs",
		[RS_LEGACY] = "__rseq_table",
		[RS_EXITS] = "__rseq_exit_point_array",
	};
	return names[which];
}

/* elf_version sets libelf's one piece of process state; do it once,
   whichever thread opens first.  */
static pthread_once_t libelf_once = PTHREAD_ONCE_INIT;

static void
libelf_init(void)
{
	elf_version(EV_CURRENT);
}

static void
set_error(struct rseqelf_error *err, const char *name, int code,
	  const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

static void
set_error(struct rseqelf_error *err, const char *name, int code,
	  const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL)
		return;
	err->code = code;
	n = snprintf(err->message, sizeof err->message, "%s: ", name);
	if (n < 0 || (size_t) n >= sizeof err->message)
		return;
	va_start(ap, fmt);
	vsnprintf(err->message + n, sizeof err->message - n, fmt, ap);
	va_end(ap);
}

/* libelf accepts a file cut short after its ELF header (it then sees no
   sections): a header table that does not fit is a truncated file.  */
static int
check_tables(const GElf_Ehdr *eh, size_t size, const char *name,
	     struct rseqelf_error *err)
{
	bool is64 = eh->e_ident[EI_CLASS] == ELFCLASS64;
	size_t shsz = is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	size_t phsz = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	/* e_shnum 0 with e_shoff set: the count is in section 0.  */
	uint64_t shnum = eh->e_shnum ? eh->e_shnum : 1;

	if (eh->e_shoff != 0) {
		if (eh->e_shentsize != shsz) {
			set_error(err, name, ENOEXEC,
				  "section header entries of %u bytes, expected %zu",
				  eh->e_shentsize, shsz);
			return -1;
		}
		if (eh->e_shoff > size || (size - eh->e_shoff) / shsz < shnum) {
			set_error(err, name, ENOEXEC,
				  "truncated file: the section header table at offset 0x%llx lies past its end (%zu bytes)",
				  (unsigned long long) eh->e_shoff, size);
			return -1;
		}
	}
	if (eh->e_phoff != 0 && eh->e_phnum != 0
	    && (eh->e_phentsize != phsz || eh->e_phoff > size
		|| (size - eh->e_phoff) / phsz < eh->e_phnum)) {
		set_error(err, name, ENOEXEC,
			  "truncated file or bad ELF header: the program header table at offset 0x%llx does not fit in the file (%zu bytes)",
			  (unsigned long long) eh->e_phoff, size);
		return -1;
	}
	return 0;
}

void
rseqelf_close(rseqelf *h)
{
	if (h == NULL)
		return;
	rd_diags_free(h);
	free(h->exits);
	free(h->cs);
	free(h->ref_name);
	free(h->name);
	free(h);
}

static void
reader_free(struct reader *r)
{
	rd_views_free(r);
	free(r->ex);
	free(r->by_addr);
	free(r->secs);
	if (r->elf != NULL)
		elf_end(r->elf);
}

/* Everything is read here, while the image is at hand; the handle keeps
   only the results.  */
static rseqelf *
open_image(const void *buf, size_t size, const char *name, unsigned flags,
	   struct rseqelf_error *err)
{
	struct reader r = { 0 };
	size_t ndeclared;
	GElf_Ehdr eh;
	rseqelf *h;
	int cls;

	pthread_once(&libelf_once, libelf_init);

	h = calloc(1, sizeof *h);
	if (h == NULL || (h->name = strdup(name)) == NULL) {
		free(h);
		set_error(err, name, ENOMEM, "%s", strerror(ENOMEM));
		return NULL;
	}
	h->flags = flags;
	r.h = h;
	r.image_size = size;

	/* libelf takes a non-const image but only reads it when opened with
	   ELF_C_READ_MEMORY; translated data gets buffers of its own.  */
	r.elf = elf_memory((char *) buf, size);
	if (r.elf == NULL) {
		set_error(err, name, EINVAL, "%s", elf_errmsg(-1));
		goto fail;
	}
	if (elf_kind(r.elf) == ELF_K_AR) {
		set_error(err, name, ENOEXEC,
			  "an ar archive, not an ELF file: read its members");
		goto fail;
	}
	if (elf_kind(r.elf) != ELF_K_ELF) {
		set_error(err, name, ENOEXEC, "not an ELF file");
		goto fail;
	}
	if (gelf_getehdr(r.elf, &eh) == NULL) {
		set_error(err, name, ENOEXEC, "invalid ELF header: %s",
			  elf_errmsg(-1));
		goto fail;
	}
	cls = gelf_getclass(r.elf);
	if (cls != ELFCLASS32 && cls != ELFCLASS64) {
		set_error(err, name, ENOEXEC, "unknown ELF class %d", cls);
		goto fail;
	}
	h->elfclass = cls == ELFCLASS64 ? 64 : 32;
	switch (eh.e_ident[EI_DATA]) {
	case ELFDATA2LSB:
		h->big_endian = 0;
		break;
	case ELFDATA2MSB:
		h->big_endian = 1;
		break;
	default:
		set_error(err, name, ENOEXEC, "unknown ELF data encoding %u",
			  eh.e_ident[EI_DATA]);
		goto fail;
	}
	if (check_tables(&eh, size, name, err) < 0)
		goto fail;
	h->type = eh.e_type;
	if (h->type != ET_EXEC && h->type != ET_DYN && h->type != ET_REL) {
		set_error(err, name, ENOEXEC,
			  "ELF type %u is not an executable, shared object or relocatable file",
			  h->type);
		goto fail;
	}
	h->machine = eh.e_machine;
	h->mach = rd_machine(h->machine);
	h->derive_ok = rd_machine_can_derive(h);

	if (rd_scan_sections(&r, err) < 0)
		goto fail;
	if (rd_load_views(&r) < 0 || rd_read_tables(&r) < 0)
		goto oom;
	rd_validate(&r);
	ndeclared = r.nex;
	if (h->ncs > 0 && !(flags & RSEQELF_NO_DERIVE)) {
		if (!h->derive_ok)
			rd_diag(h, RSEQELF_NOTE, false, 0,
				"derived exits unavailable for %s: only declared exits are known",
				rseqelf_machine_name(h));
		else if (rd_derive(&r, ndeclared) < 0)
			goto oom;
	}
	if (rd_merge_exits(&r, ndeclared) < 0)
		goto oom;
	if (h->diag_oom) {
		h->diag_oom = false;
		rd_diag(h, RSEQELF_ERROR, false, 0,
			"out of memory: some diagnostics were dropped");
	}
	reader_free(&r);
	return h;

oom:
	set_error(err, name, ENOMEM, "%s", strerror(ENOMEM));
fail:
	reader_free(&r);
	rseqelf_close(h);
	return NULL;
}

rseqelf *
rseqelf_open_mem(const void *buf, size_t size, const char *name,
		 unsigned flags, struct rseqelf_error *err)
{
	if (name == NULL)
		name = "<memory>";
	if (buf == NULL && size != 0) {
		set_error(err, name, EINVAL, "no buffer");
		return NULL;
	}
	return open_image(size ? buf : "", size, name, flags, err);
}

rseqelf *
rseqelf_open(const char *path, unsigned flags, struct rseqelf_error *err)
{
	struct stat st;
	rseqelf *h;
	void *map;
	int fd;

	if (path == NULL) {
		set_error(err, "(null)", EINVAL, "no file name");
		return NULL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		set_error(err, path, errno, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0) {
		set_error(err, path, errno, "%s", strerror(errno));
		close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		set_error(err, path, S_ISDIR(st.st_mode) ? EISDIR : EINVAL,
			  "not a regular file");
		close(fd);
		return NULL;
	}
	if (st.st_size == 0) {
		close(fd);
		set_error(err, path, ENOEXEC, "not an ELF file (empty)");
		return NULL;
	}
	if ((uint64_t) st.st_size > SIZE_MAX) {
		close(fd);
		set_error(err, path, EFBIG, "%s", strerror(EFBIG));
		return NULL;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		set_error(err, path, errno, "%s", strerror(errno));
		return NULL;
	}
	h = open_image(map, st.st_size, path, flags, err);
	munmap(map, st.st_size);
	return h;
}

const char *
rseqelf_name(const rseqelf *h)
{
	return h->name;
}

unsigned
rseqelf_machine(const rseqelf *h)
{
	return h->machine;
}

const char *
rseqelf_machine_name(const rseqelf *h)
{
	if (h->mach == NULL)
		return "unknown";
	if (h->machine == EM_PPC64 && !h->big_endian)
		return "ppc64le";
	return h->elfclass == 64 ? h->mach->name64 : h->mach->name32;
}

int
rseqelf_class(const rseqelf *h)
{
	return h->elfclass;
}

int
rseqelf_big_endian(const rseqelf *h)
{
	return h->big_endian;
}

unsigned
rseqelf_type(const rseqelf *h)
{
	return h->type;
}

enum rseqelf_table
rseqelf_table(const rseqelf *h)
{
	return h->table;
}

size_t
rseqelf_cs_count(const rseqelf *h)
{
	return h->ncs;
}

const struct rseqelf_cs *
rseqelf_cs_at(const rseqelf *h, size_t i)
{
	return i < h->ncs ? &h->cs[i].pub : NULL;
}

int
rseqelf_can_derive_for(const rseqelf *h)
{
	return h->derive_ok;
}
