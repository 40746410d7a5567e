/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rseqelf.h: read the Linux restartable-sequence (rseq) tables of an ELF file.
 *
 * A handle holds every critical section (c.s.) described by the file's
 * __rseq_cs_ptr_array, else __rseq_cs, else the legacy __rseq_table, with the
 * exit points declared in __rseq_exit_point_array (or __rseq_exit_point) and,
 * where libopcodes is available, the exit points derived by disassembling
 * each c.s.  Addresses are in the file's own (unrelocated) address space; for
 * ET_REL files they are section offsets.
 *
 * There is no global state: handles may be used from several threads as long
 * as each handle is used by one thread at a time.
 */
#ifndef RSEQELF_H
#define RSEQELF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rseqelf rseqelf;

/* How an exit point is known.  An exit found both ways is DECLARED. */
enum rseqelf_exit_kind {
	RSEQELF_EXIT_DECLARED = 1,	/* listed in the exit-point table */
	RSEQELF_EXIT_DERIVED = 2,	/* found by disassembly */
};

struct rseqelf_exit {
	uint64_t ip;
	enum rseqelf_exit_kind kind;
};

/* Where the critical sections were read from. */
enum rseqelf_table {
	RSEQELF_TABLE_NONE = 0,		/* no rseq sections */
	RSEQELF_TABLE_PTR_ARRAY,	/* __rseq_cs_ptr_array */
	RSEQELF_TABLE_CS,		/* __rseq_cs, walked with a 32-byte stride */
	RSEQELF_TABLE_LEGACY,		/* __rseq_table */
};

struct rseqelf_cs {
	uint64_t start_ip;
	uint64_t post_commit_ip;	/* start_ip + post_commit_offset */
	uint64_t abort_ip;
	uint64_t descriptor;		/* address of the struct rseq_cs */
	uint32_t version;
	uint32_t flags;
	uint32_t signature;		/* the 32-bit word just before abort_ip */
	unsigned has_descriptor : 1;
	unsigned has_signature : 1;	/* 0 when abort_ip-4 is not in the file */
	unsigned has_call : 1;		/* a call instruction lies inside the range */
	unsigned has_syscall : 1;	/* a system call lies inside the range */
	size_t nexits;			/* exits other than post_commit_ip and abort_ip */
	const struct rseqelf_exit *exits;	/* sorted by ip, no duplicates */
};

enum rseqelf_severity {
	RSEQELF_NOTE = 0,
	RSEQELF_WARNING,
	RSEQELF_ERROR,
};

struct rseqelf_diag {
	enum rseqelf_severity severity;
	unsigned has_ip : 1;
	uint64_t ip;
	const char *message;
};

/* Why an open failed: "FILE: reason", NUL-terminated. */
struct rseqelf_error {
	int code;			/* an errno value */
	char message[512];
};

/* Flags for the open functions. */
#define RSEQELF_NO_DERIVE	0x1u	/* do not disassemble for exits */

/* Open the ELF file at PATH.  Returns NULL and fills ERR (when not NULL) if
   the file cannot be read or is not a valid ELF file.  A valid file with no
   rseq sections opens fine and has no critical sections. */
rseqelf *rseqelf_open(const char *path, unsigned flags,
		      struct rseqelf_error *err);

/* Same for an image already in memory.  NAME is used in messages.  The
   buffer is not retained after the call returns. */
rseqelf *rseqelf_open_mem(const void *buf, size_t size, const char *name,
			  unsigned flags, struct rseqelf_error *err);

void rseqelf_close(rseqelf *h);

/* The file. */
const char *rseqelf_name(const rseqelf *h);
unsigned rseqelf_machine(const rseqelf *h);		/* EM_* */
const char *rseqelf_machine_name(const rseqelf *h);	/* "x86-64", "aarch64", ... */
int rseqelf_class(const rseqelf *h);			/* 32 or 64 */
int rseqelf_big_endian(const rseqelf *h);		/* 1 big, 0 little */
unsigned rseqelf_type(const rseqelf *h);		/* ET_EXEC, ET_DYN, ET_REL */
enum rseqelf_table rseqelf_table(const rseqelf *h);

/* A section to measure the load bias by, for debuggers, which place
   sections rather than segments: .text when the file has an allocated
   section of that name, else the first allocated section (in header order)
   with a nonzero address.  Sets *NAME (valid until close) and *ADDR to its
   name and sh_addr (either may be NULL) and returns 0; returns -1 when the
   file has no such section. */
int rseqelf_reference_section(const rseqelf *h, const char **name,
			      uint64_t *addr);

/* Critical sections, sorted by start_ip.  Pointers stay valid until close. */
size_t rseqelf_cs_count(const rseqelf *h);
const struct rseqelf_cs *rseqelf_cs_at(const rseqelf *h, size_t i);

/* Findings, in the order they were made. */
size_t rseqelf_diag_count(const rseqelf *h);
const struct rseqelf_diag *rseqelf_diag_at(const rseqelf *h, size_t i);

/* Whether this build derives exits by disassembly (libopcodes), and whether
   it can for the machine of H. */
int rseqelf_can_derive(void);
int rseqelf_can_derive_for(const rseqelf *h);

const char *rseqelf_severity_name(enum rseqelf_severity s);	/* "error", ... */
const char *rseqelf_exit_kind_name(enum rseqelf_exit_kind k);	/* "declared", ... */

#ifdef __cplusplus
}
#endif

#endif /* RSEQELF_H */
