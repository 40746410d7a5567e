/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* derive.h: what the files that derive exits with libopcodes share.

   derive.c drives the decoding and judges each c.s.; opcodes.c is the
   glue to libopcodes; decode-cache.c keeps decodings for reuse;
   arm-modes.c and code-relocs.c answer the two questions about where an
   instruction sits (which ARM instruction set, which relocation).  They
   meet in struct decoder, the decoding state, and struct deriver, one
   per derivation, which holds its decoder.  Only built with libopcodes.  */
#ifndef RSEQELF_DERIVE_H
#define RSEQELF_DERIVE_H

#include "internal.h"

#include <dis-asm.h>

/* opcodes.c: a machine as libopcodes names it.  */
struct arch_map;

/* Where print_address wrote an address into the text, so that a decoding
   replayed at another pc can print the address of that pc.  */
#define MAX_SPANS 4

struct span {
	uint8_t pos, len;
	int64_t rel;		/* the address printed - pc */
};

/* What the printer callbacks gather about one instruction.  */
struct insn {
	char text[160];
	size_t len;
	bool has_addr;
	bfd_vma addr;		/* the first address printed */
	bool mem_error;
	bfd_vma pc;
	bfd_vma fetched;	/* the end of the bytes libopcodes read */
	uint8_t nspans;		/* MAX_SPANS + 1: too many to replay */
	struct span spans[MAX_SPANS];
};

#define NO_TEXT UINT32_MAX

/* One decoded instruction that changes the flow, with its branch target
   relative to its own address so that a decoding can be reused for the
   same bytes elsewhere.  */
struct dinsn {
	uint64_t off;		/* from start_ip */
	int64_t rel;		/* target - address, when has_target */
	uint32_t text;		/* offset in the text pool, or NO_TEXT */
	uint32_t reloc;		/* 1 + index in coderels, 0 if none */
	uint8_t flow;		/* enum flow */
	bool has_target;
};

/* A place in the code, by which the ARM modes and the code relocations
   are sorted and looked up: each starts with one.  ADDR is an offset
   into the section in ET_REL files.  */
struct secaddr {
	uint32_t shndx;
	uint64_t addr;
};

/* In an ET_REL file, a relocation in the code: a branch it patches goes
   where the linker decides, not where its bytes say.  */
struct coderel {
	struct secaddr at;
	const char *sym;	/* libelf's string, valid while open */
};

/* Decodings of c.s. bodies, by their bytes.  Files made of many copies of
   a few inline functions (librseq's, generated ones) decode each body
   once; libopcodes' printing is what a large file's time goes to.  */
struct body {
	uint64_t hash;
	const unsigned char *bytes;	/* in the section image */
	uint64_t size;
	size_t first;		/* in the decoder's insns[] */
	size_t n;
	bool truncated;		/* decoding stopped early, at STOP */
	uint64_t stop;		/* from start_ip */
	bool thumb;		/* decoded as Thumb code (arm) */
};

/* An ARM mapping symbol: $a starts A32 code, $t Thumb code, $d data.  */
struct armmap {
	struct secaddr at;
	char kind;
};

/* x86 decodings by instruction bytes.  Bodies that differ (in an
   immediate, say) still share most of their instructions, and libopcodes
   spends thousands of machine instructions decoding and printing each
   one, a look-up here a few dozen.  Only for x86, whose decoding of an
   instruction depends on its bytes alone, the pc changing nothing but the
   addresses printed: ARM's IT blocks, RISC-V's auipc pairs and PowerPC's
   absolute branches make the others depend on where they are or on what
   came before.  The text is not kept: see struct decoder's
   quote_again.  */

/* One decoding, at the slot its bytes hash to: a newer decoding evicts
   it.  Offsets from the pc are 32-bit, as x86 branch displacements are:
   a decoding with a target farther away is not kept.  */
struct icache_ent {
	uint8_t bytes[15];
	uint8_t len;		/* 0: an empty slot */
	uint8_t flow;		/* enum flow, after the insn_type fallback */
	uint8_t insn_type;	/* enum dis_insn_type */
	bool indirect;
	bool info_valid;
	bool has_addr;
	bool has_target;
	int32_t addr_rel;	/* in.addr - pc */
	int32_t target_rel;	/* info.target - pc, when info.target != 0 */
};

struct icache {
	struct icache_ent *ents;
	/* Bit L of lens[B]: an entry of L bytes may start with byte B, so a
	   look-up tries only the lengths that can match.  */
	uint16_t lens[256];
	uint64_t addr_max;	/* UINT32_MAX for 32-bit files */
};

/* An x86 instruction shape that decodes as falling through.  */
struct shape_ent {
	unsigned char key[15];
	uint8_t len;		/* 0: an empty slot */
};

/* The decoding state: libopcodes' disassemble_info, what its printer
   callbacks gather, the decoded instructions and the caches.  */
struct decoder {
	struct reader *r;
	disassembler_ftype print;
	struct disassemble_info info;
	struct insn in;
	size_t buffer_sec;
	const struct coderel *coderels;	/* the deriver's */
	size_t ncoderels;
	uint32_t shndx;		/* the section being decoded */

	/* The decodings of the bodies kept for reuse, then, up to the next
	   rd_body_begin, that of the last body decoded.  */
	struct dinsn *insns;
	size_t ninsns, insns_cap;
	char *text;
	size_t ntext, text_cap;
	size_t kept_insns, kept_text;	/* the end of the kept decodings */
	struct body *bodies;	/* decode-cache.c; NULL until used */

	bool use_icache;
	struct icache ic;
	/* x86: the text of an instruction is not kept, and the caches do not
	   replay it.  The few a diagnostic quotes are disassembled again at
	   their own pc, which decodes them as it did the first time.  */
	bool quote_again;
	bool mode64;		/* x86-64 code, x32 included */
	struct shape_ent *shapes;	/* decode-cache.c; NULL until used */

	struct deriver *d;
};

/* How a c.s. decoded: insns[FIRST, FIRST + N) of the decoder.  */
struct csdec {
	uint64_t stop;		/* from start_ip, when truncated */
	uint32_t first, n;	/* decode() keeps insns[] under 4G entries */
	bool truncated;
};

struct deriver {
	struct reader *r;
	const struct arch_map *am;
	size_t ndeclared;
	/* The declared exits of the c.s. being judged: r->ex[decl, decl_end).  */
	size_t decl, decl_end;
	bool has_table;
	const char *table_name;

	struct armmap *armmaps;	/* sorted by section and address */
	size_t narmmaps;

	struct coderel *coderels;	/* sorted by section and offset */
	size_t ncoderels;

	struct decoder decoder;
};

/* derive.c */
int rd_grow(void **p, size_t *cap, size_t need, size_t size);
int rd_cmp_secaddr(const void *a, const void *b);

/* opcodes.c */
const struct arch_map *rd_arch_map(unsigned em);
void rd_opcodes_lock(void);
void rd_opcodes_unlock(void);
int rd_dis_init(struct decoder *w, const rseqelf *h, const struct arch_map *am);
size_t rd_format_addr(bfd_vma addr, char buf[19]);

/* decode-cache.c */
uint64_t rd_body_hash(const unsigned char *p, uint64_t n);
const struct body *rd_body_find(const struct decoder *w, const struct body *key);
void rd_body_begin(struct decoder *w);
void rd_body_add(struct decoder *w, const struct body *nb);
const struct icache_ent *rd_icache_find(struct icache *ic,
					const unsigned char *p, size_t avail,
					bfd_vma pc);
void rd_icache_replay(struct decoder *w, const struct icache_ent *e,
		      bfd_vma pc);
void rd_icache_add(struct decoder *w, const unsigned char *p, size_t len,
		   struct classified cl);
size_t rd_x86_shape(const unsigned char *p, size_t avail, bool mode64,
		    unsigned char key[15]);
bool rd_shape_find(const struct decoder *w, const unsigned char key[15],
		   size_t len);
bool rd_shape_add(struct decoder *w, const unsigned char key[15], size_t len);
void rd_caches_free(struct decoder *w);

/* Whether the instruction cache may hold an instruction whose first byte
   is B.  Fall-through instructions are mostly never there (the shape
   table has them): this tells them so without a call.  */
static inline bool
rd_icache_may_hold(const struct icache *ic, unsigned char b)
{
	return ic->lens[b] != 0;
}

/* arm-modes.c */
int rd_load_arm_maps(struct deriver *d);
char rd_arm_mode(const struct deriver *d, uint32_t shndx, uint64_t addr);

/* code-relocs.c */
int rd_load_coderels(struct deriver *d);
uint32_t rd_find_coderel(const struct decoder *w, uint64_t from, uint64_t to);

#endif /* RSEQELF_DERIVE_H */
