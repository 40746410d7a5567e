/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* internal.h: librseqelf's private types, shared by the files of src/.  */
#ifndef RSEQELF_INTERNAL_H
#define RSEQELF_INTERNAL_H

/* qsort_r, vasprintf.  */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <config.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gelf.h>

#include "rseqelf.h"

#define RSEQ_CS_SIZE	32u	/* sizeof (struct rseq_cs), same on every ABI */

/* The deprecated RSEQ_CS_FLAG_NO_RESTART_ON_{PREEMPT,SIGNAL,MIGRATE}.  */
#define RSEQ_CS_DEPRECATED_FLAGS 0x7u

/* What the reader needs to know about each machine.  A relocation type of
   0 means "none" (R_*_NONE is 0 on every machine, so it never matches a
   real entry).  */
struct rseqelf_machine {
	unsigned em;
	const char *name32;
	const char *name64;
	unsigned r_relative;	/* R_*_RELATIVE */
	unsigned r_abs64;	/* word-sized absolute relocations (S + A) */
	unsigned r_abs64_alt;
	unsigned r_abs32;
	unsigned r_abs32_alt;
	/* Place += S + A and place -= S + A: how RISC-V assemblers, which
	   relax code at link time, leave "post - start" to the linker.  */
	unsigned r_add64;
	unsigned r_sub64;
	unsigned r_add32;
	unsigned r_sub32;
};

/* The internal form of a critical section.  For ET_REL files the
   addresses are offsets into sections: START_SEC and ABORT_SEC say which
   (0 when unknown); for other files they are 0.  */
struct cs_int {
	struct rseqelf_cs pub;
	uint32_t start_sec;
	uint32_t abort_sec;
	uint64_t post_commit_offset;	/* as read, before any check */
	bool range_ok;		/* start < post_commit_ip, nothing wrapped */
	uint32_t code_sec;	/* the section holding the range, 0 if none */
};

struct rseqelf {
	char *name;
	unsigned flags;
	unsigned machine;
	int elfclass;		/* 32 or 64 */
	int big_endian;
	unsigned type;
	const struct rseqelf_machine *mach;	/* NULL when unknown */
	enum rseqelf_table table;
	int derive_ok;		/* rseqelf_can_derive_for */
	char *ref_name;		/* rseqelf_reference_section; NULL: none */
	uint64_t ref_addr;

	struct cs_int *cs;
	size_t ncs;
	struct rseqelf_exit *exits;	/* the pool cs[i].pub.exits point into */
	size_t nexits;

	struct rseqelf_diag *diags;
	size_t ndiags;
	size_t diags_cap;
	bool diag_oom;		/* a diagnostic was dropped for lack of memory */
};

/* One section header, read once.  */
struct sec {
	Elf_Scn *scn;
	const char *name;
	GElf_Shdr shdr;
	/* Untranslated bytes of the section, loaded on first use.  */
	const unsigned char *bytes;
	size_t nbytes;
	int loaded;		/* 0 not yet, 1 ok, -1 failed */
};

/* The rseq sections the reader looks at.  */
enum rs {
	RS_PTR_ARRAY,		/* __rseq_cs_ptr_array */
	RS_CS,			/* __rseq_cs */
	RS_LEGACY,		/* __rseq_table */
	RS_EXITS,		/* __rseq_exit_point_array / __rseq_exit_point */
	RS_COUNT
};

/* An rseq section as an array of 64-bit words in host byte order, with
   relocations applied.  Every rseq table is made of 64-bit words (the u32
   version/flags pair of a descriptor shares one).  When the file's words
   are already in host order and aligned, W points into the file itself
   and a private copy is made only when a relocation changes a word: GNU ld
   writes RELATIVE addends in place too, so a PIE's tables, several
   megabytes for a large program, are usually never copied.  */
struct view {
	size_t shndx;		/* 0: the section is absent */
	uint64_t addr;		/* sh_addr; 0 for ET_REL, whose addresses are offsets */
	const uint64_t *w;
	uint64_t *copy;		/* W once it is a private copy, else NULL */
	size_t nw;
	/* ET_REL only: the section a relocated word points into.  */
	uint32_t *wsec;
};

/* A declared or derived exit before they are merged into the handle.
   16 bytes: a file has about one exit per c.s., and they are
   megabytes of memory for a large one.  */
struct exit_tmp {
	uint64_t ip;
	uint32_t cs;		/* tables.c keeps the c.s. count under 4G */
	uint8_t kind;		/* enum rseqelf_exit_kind */
	bool reached;		/* declared, and a branch of its c.s. targets it */
};

/* The state of one open call; gone once the handle is built.  */
struct reader {
	rseqelf *h;
	Elf *elf;
	struct sec *secs;
	size_t nsecs;
	size_t *by_addr;	/* SHF_ALLOC sections with file bytes, by sh_addr */
	size_t nby_addr;
	/* sections.c: the last look-up's position in by_addr, valid for
	   addresses in [by_addr_from, by_addr_to).  */
	bool by_addr_cached;
	size_t by_addr_lo;
	uint64_t by_addr_from, by_addr_to;
	struct view views[RS_COUNT];
	struct view *last_view;	/* reloc.c: where the last relocation was */
	bool views_disjoint;
	bool views_oom;		/* reloc.c: a private copy could not be made */
	uint64_t image_size;

	struct exit_tmp *ex;
	size_t nex;
	size_t excap;
};

/* diag.c */
void rd_diag(rseqelf *h, enum rseqelf_severity sev, bool has_ip, uint64_t ip,
	     const char *fmt, ...) __attribute__ ((format (printf, 5, 6)));
void rd_diags_free(rseqelf *h);

/* open.c */
const struct rseqelf_machine *rd_machine(unsigned em);
const char *rd_rs_name(enum rs which);

/* sections.c */
int rd_scan_sections(struct reader *r, struct rseqelf_error *err);
const struct sec *rd_sec_bytes(struct reader *r, size_t shndx);
const struct sec *rd_sec_by_addr(struct reader *r, uint64_t addr, uint64_t len);
int rd_xlate(struct reader *r, void *dst, const void *src, size_t size,
	     Elf_Type type);

/* reloc.c */
int rd_load_views(struct reader *r);
void rd_views_free(struct reader *r);

/* tables.c */
int rd_read_tables(struct reader *r);
int rd_add_exit(struct reader *r, size_t cs, uint64_t ip,
		enum rseqelf_exit_kind kind);
int rd_merge_exits(struct reader *r, size_t ndeclared);

/* validate.c */
void rd_validate(struct reader *r);

/* classify.c */
enum flow {
	FLOW_NONE,		/* falls through */
	FLOW_JUMP,		/* branch, direct or indirect */
	FLOW_COND,		/* conditional branch */
	FLOW_CALL,
	FLOW_RETURN,
	FLOW_SYSCALL,
};

struct classified {
	enum flow flow;
	bool indirect;		/* the target is in a register or memory */
};

struct classified rd_classify(unsigned em, const char *text);

/* derive.c */
int rd_derive(struct reader *r, size_t ndeclared);
int rd_machine_can_derive(const rseqelf *h);

#endif /* RSEQELF_INTERNAL_H */
