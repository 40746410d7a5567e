/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* derive.c: exit points found by disassembling each critical section.

   Every branch inside [start_ip, post_commit_ip) whose target lies outside
   it is an exit, whether or not the exit table lists it (tcmalloc has no
   exit table at all).  Calls leave the range too, so their targets are
   exits as well, with a warning.  Returns and indirect branches have no
   address to report: they get a note.

   libopcodes decodes; what costs time on a large file is calling it
   once per instruction, since it prints every operand.  So decodings are
   reused: by body (identical c.s. bytes), and on x86 by instruction
   bytes and by instruction shape (bytes without displacement and
   immediate), each kept only when libopcodes' own decoding says it may
   be.  The caches have fixed sizes.  x86 c.s. are decoded on several
   threads when there are many; findings and exits are then made in c.s.
   order on the calling thread, so that the result never depends on the
   split.  */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_OPCODES
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <dis-asm.h>
#endif

#define ULL(x) ((unsigned long long) (x))

int
rseqelf_can_derive(void)
{
#ifdef HAVE_OPCODES
	return 1;
#else
	return 0;
#endif
}

#ifndef HAVE_OPCODES

int
rd_machine_can_derive(const rseqelf *h)
{
	(void) h;
	return 0;
}

int
rd_derive(struct reader *r, size_t ndeclared)
{
	(void) r;
	(void) ndeclared;
	return 0;
}

#else /* HAVE_OPCODES */

struct arch_map {
	unsigned em;
	enum bfd_architecture arch;
	unsigned long mach32;
	unsigned long mach64;
};

static const struct arch_map arch_maps[] = {
	{ EM_X86_64, bfd_arch_i386, bfd_mach_x64_32, bfd_mach_x86_64 },
	{ EM_386, bfd_arch_i386, bfd_mach_i386_i386, bfd_mach_i386_i386 },
	{ EM_AARCH64, bfd_arch_aarch64, bfd_mach_aarch64_ilp32, bfd_mach_aarch64 },
	{ EM_ARM, bfd_arch_arm, bfd_mach_arm_unknown, bfd_mach_arm_unknown },
	{ EM_PPC64, bfd_arch_powerpc, bfd_mach_ppc64, bfd_mach_ppc64 },
	{ EM_S390, bfd_arch_s390, bfd_mach_s390_31, bfd_mach_s390_64 },
	{ EM_RISCV, bfd_arch_riscv, bfd_mach_riscv32, bfd_mach_riscv64 },
};

/* libopcodes keeps static tables that some targets build lazily, and
   parts of bfd are not reentrant: one disassembly at a time, whatever the
   handle.  */
static pthread_mutex_t opcodes_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct arch_map *
arch_map(unsigned em)
{
	for (size_t i = 0; i < sizeof arch_maps / sizeof arch_maps[0]; i++)
		if (arch_maps[i].em == em)
			return &arch_maps[i];
	return NULL;
}

static disassembler_ftype
get_disassembler(const rseqelf *h, const struct arch_map *am)
{
	disassembler_ftype f;

	pthread_mutex_lock(&opcodes_lock);
	f = disassembler(am->arch, h->big_endian,
			 h->elfclass == 64 ? am->mach64 : am->mach32, NULL);
	pthread_mutex_unlock(&opcodes_lock);
	return f;
}

int
rd_machine_can_derive(const rseqelf *h)
{
	const struct arch_map *am = arch_map(h->machine);

	/* A libopcodes built without the target returns no disassembler.  */
	return am != NULL && get_disassembler(h, am) != NULL;
}

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

static void
append_mem(struct insn *in, const char *str, size_t n)
{
	size_t room = sizeof in->text - 1 - in->len;

	if (n > room)
		n = room;
	memcpy(in->text + in->len, str, n);
	in->len += n;
	in->text[in->len] = '\0';
}

static void
append_str(struct insn *in, const char *str, size_t max)
{
	size_t room = sizeof in->text - 1 - in->len;

	append_mem(in, str, strnlen(str, room < max ? room : max));
}

/* Every c.s. instruction goes through here several times: the "%s" and
   "%.*s" the disassemblers mostly use are copied without vsnprintf, which
   would otherwise take most of the time of a large file.  */
static void
append(struct insn *in, const char *fmt, va_list ap)
{
	int n;

	if (in->len >= sizeof in->text - 1)
		return;
	if (fmt[0] == '%' && fmt[1] == 's' && fmt[2] == '\0') {
		append_str(in, va_arg(ap, const char *), SIZE_MAX);
		return;
	}
	if (fmt[0] == '%' && fmt[1] == '.' && fmt[2] == '*' && fmt[3] == 's'
	    && fmt[4] == '\0') {
		int prec = va_arg(ap, int);
		const char *str = va_arg(ap, const char *);

		append_str(in, str, prec < 0 ? SIZE_MAX : (size_t) prec);
		return;
	}
	n = vsnprintf(in->text + in->len, sizeof in->text - in->len, fmt, ap);
	if (n > 0)
		in->len += (size_t) n < sizeof in->text - in->len
			? (size_t) n : sizeof in->text - 1 - in->len;
}

static int
print_plain(void *stream, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	append(stream, fmt, ap);
	va_end(ap);
	return 0;
}

#ifdef HAVE_OPCODES_STYLED
static int
print_styled(void *stream, enum disassembler_style style, const char *fmt,
	     ...)
{
	va_list ap;

	/* Comments (e.g. x86's "# 0x..." after rip-relative operands) say
	   nothing about the control flow.  */
	if (style == dis_style_comment_start)
		return 0;
	va_start(ap, fmt);
	append(stream, fmt, ap);
	va_end(ap);
	return 0;
}
#endif

/* Hexadecimal without printf: "0x" and the digits of ADDR, in BUF.  */
static size_t
format_addr(bfd_vma addr, char buf[19])
{
	char tmp[16];
	size_t n = 0, len;

	do
		tmp[n++] = "0123456789abcdef"[addr & 0xf];
	while ((addr >>= 4) != 0);
	buf[0] = '0';
	buf[1] = 'x';
	for (len = 2; n > 0; len++)
		buf[len] = tmp[--n];
	return len;
}

static void
print_address(bfd_vma addr, struct disassemble_info *info)
{
	struct insn *in = info->stream;
	char hex[19];
	size_t pos = in->len, n = format_addr(addr, hex);

	if (!in->has_addr) {
		in->has_addr = true;
		in->addr = addr;
	}
	append_mem(in, hex, n);
	if (in->nspans < MAX_SPANS && in->len - pos == n)
		in->spans[in->nspans++] = (struct span) {
			(uint8_t) pos, (uint8_t) n, (int64_t) (addr - in->pc) };
	else
		in->nspans = MAX_SPANS + 1;
}

/* buffer_read_memory, noting how far the disassembler read: a decoding
   that read past the instruction it returned (x86's "(bad)" after
   looking at a ModRM byte, fwait peeking at the next opcode) depends on
   more than the instruction's bytes.  */
static int
read_memory(bfd_vma addr, bfd_byte *buf, unsigned int len,
	    struct disassemble_info *info)
{
	struct insn *in = info->stream;
	int status = buffer_read_memory(addr, buf, len, info);

	if (status == 0 && addr + len > in->fetched)
		in->fetched = addr + len;
	return status;
}

static void
memory_error(int status, bfd_vma addr, struct disassemble_info *info)
{
	struct insn *in = info->stream;

	(void) status;
	(void) addr;
	in->mem_error = true;
}

/* One decoded instruction that changes the flow, with its branch target
   relative to its own address so that a decoding can be reused for the
   same bytes elsewhere.  */
struct dinsn {
	uint64_t off;		/* from start_ip */
	int64_t rel;		/* target - address, when has_target */
	uint32_t text;		/* offset in the text pool, for diagnostics */
	uint32_t reloc;		/* 1 + index in coderels, 0 if none */
	uint8_t flow;		/* enum flow */
	bool has_target;
};

/* In an ET_REL file, a relocation in the code: a branch it patches goes
   where the linker decides, not where its bytes say.  */
struct coderel {
	uint32_t shndx;
	uint64_t off;
	const char *sym;	/* libelf's string, valid while open */
};

/* Decodings of c.s. bodies, by their bytes.  Files made of many copies of
   a few inline functions (librseq's, generated ones) decode each body
   once; libopcodes' printing is what a large file's time goes to.  */
struct body {
	uint64_t hash;
	const unsigned char *bytes;	/* in the section image */
	uint64_t size;
	size_t first;		/* in insns[] */
	size_t n;
	bool truncated;		/* decoding stopped early, at STOP */
	uint64_t stop;		/* from start_ip */
	bool thumb;		/* decoded as Thumb code (arm) */
};

/* An ARM mapping symbol: $a starts A32 code, $t Thumb code, $d data.  */
struct armmap {
	uint32_t shndx;
	uint64_t addr;
	char kind;
};

/* x86 decodings by instruction bytes.  Bodies that differ (in an
   immediate, say) still share most of their instructions, and libopcodes
   spends thousands of machine instructions decoding and printing each
   one, a look-up here a few dozen.  Only for x86, whose decoding of an
   instruction depends on its bytes alone, the pc changing nothing but the
   addresses printed: ARM's IT blocks, RISC-V's auipc pairs and PowerPC's
   absolute branches make the others depend on where they are or on what
   came before.  */
#define ICACHE_BITS 11		/* 2k slots, 112 kB */
#define ICACHE_TEXT_MAX (1u << 20)	/* then the cache starts afresh */
#define ICACHE_SPANS 2

/* One decoding, at the slot its bytes hash to: a newer decoding evicts
   it.  Offsets from the pc are 32-bit, as x86 branch displacements are:
   a decoding that prints anything farther is not kept.  */
struct icache_ent {
	uint8_t bytes[15];
	uint8_t len;		/* 0: an empty slot */
	uint8_t flow;		/* enum flow, after the insn_type fallback */
	uint8_t insn_type;	/* enum dis_insn_type */
	uint8_t nspans;
	bool indirect;
	bool info_valid;
	bool has_addr;
	bool has_target;
	uint8_t span_pos[ICACHE_SPANS], span_len[ICACHE_SPANS];
	uint16_t textlen;
	uint32_t text;		/* in icache.text, when flow != FLOW_NONE */
	int32_t addr_rel;	/* in.addr - pc */
	int32_t target_rel;	/* info.target - pc, when info.target != 0 */
	int32_t span_rel[ICACHE_SPANS];
};

struct icache {
	struct icache_ent *ents;
	/* Bit L of lens[B]: an entry of L bytes may start with byte B, so a
	   look-up tries only the lengths that can match.  */
	uint16_t lens[256];
	char *text;
	size_t ntext, text_cap;
	uint64_t addr_max;	/* UINT32_MAX for 32-bit files */
};

/* An x86 instruction shape that decodes as falling through.  */
#define SHAPE_BITS 11

struct shape_ent {
	unsigned char key[15];
	uint8_t len;		/* 0: an empty slot */
};

/* The state of one decoding thread.  libopcodes' disassemblers keep
   their state in disassemble_info, except those that do not (see
   can_split): each worker has its own, and its own caches.  */
struct worker {
	struct reader *r;
	disassembler_ftype print;
	struct disassemble_info info;
	struct insn in;
	size_t buffer_sec;
	const struct coderel *coderels;	/* the deriver's */
	size_t ncoderels;
	uint32_t shndx;		/* the section being decoded */

	struct dinsn *insns;
	size_t ninsns, insns_cap;
	char *text;
	size_t ntext, text_cap;
	struct body *bodies;	/* BODY_BITS slots, NULL until used */

	bool use_icache;
	struct icache ic;
	bool mode64;		/* x86-64 code, x32 included */
	struct shape_ent *shapes;	/* SHAPE_BITS slots, NULL until used */

	struct deriver *d;
	size_t from, to;	/* the c.s. it decodes */
	int ret;
	pthread_t thread;
};

/* How c.s. K decoded: insns[FIRST, FIRST + N) of worker WORKER.  A
   million c.s. have one each: it is kept small.  */
struct csdec {
	const struct sec *sec;	/* the code, NULL when not decoded */
	uint64_t stop;		/* from start_ip, when truncated */
	uint32_t first, n;	/* decode() keeps insns[] under 4G entries */
	uint8_t worker;
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

	struct csdec *dec;	/* one per c.s. */
	struct worker *workers;
	size_t nworkers;
};

/* Whether the c.s. being judged declares IP.  Its declared exits are
   r->ex[d->decl, d->decl_end): the c.s. are judged in order.  */
static bool
is_declared(const struct deriver *d, uint64_t ip)
{
	size_t lo = d->decl, hi = d->decl_end;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->r->ex[mid].ip < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < d->decl_end && d->r->ex[lo].ip == ip;
}

/* Declared exits of c.s. K that no branch of it targets: stale table
   entries, or branches through registers.  The derived exits of K are
   r->ex[FIRST..nex).  */
static void
check_unreached(struct deriver *d, size_t k, size_t first)
{
	const struct reader *r = d->r;
	const struct rseqelf_cs *c = &r->h->cs[k].pub;

	for (size_t lo = d->decl; lo < d->decl_end; lo++) {
		uint64_t ip = r->ex[lo].ip;
		bool reached = false;

		for (size_t i = first; i < r->nex && !reached; i++)
			reached = r->ex[i].ip == ip;
		if (!reached)
			rd_diag(r->h, RSEQELF_NOTE, true, ip,
				"declared exit 0x%llx is not the target of any branch in the critical section [0x%llx, 0x%llx)",
				ULL(ip), ULL(c->start_ip), ULL(c->post_commit_ip));
	}
}

static int
grow(void **p, size_t *cap, size_t need, size_t size)
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

/* Keep the text of an instruction a diagnostic may quote.  The addresses
   print_address wrote are kept as a marker byte each, their offsets from
   the pc after the text, so that a decoding reused at another pc (an
   identical body, a decoding by instruction bytes) quotes the addresses
   of that pc.  Returns 1 when the text could not be kept that way and is
   for this pc only, -1 when out of memory.  */
#define ADDR_MARK '\x01'

static int
keep_text(struct worker *d, const struct insn *in, uint32_t *where)
{
	const char *t = in->text;
	size_t n = strlen(t), skip = 0, k = 0;
	bool marks = in->nspans <= MAX_SPANS;
	size_t nspans = marks ? in->nspans : 0;

	while (t[skip] == ' ' || t[skip] == '\t')
		skip++;
	if (grow((void **) &d->text, &d->text_cap,
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
insn_text(const struct worker *w, uint32_t off, uint64_t pc, char *buf,
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
		n += format_addr(pc + (uint64_t) rel, buf + n);
	}
	buf[n] = '\0';
	return buf;
}

static uint64_t
hash_bytes(const unsigned char *p, uint64_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	for (uint64_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ n;
}

/* The slot of a body with hash HASH: one per hash, a newer body evicts
   the older.  A table that grows with the file cost more in page faults
   than it saved once every body differs.  */
#define BODY_BITS 10

static struct body *
body_slot(struct worker *d, uint64_t hash)
{
	if (d->bodies == NULL)
		return NULL;
	return &d->bodies[(hash ^ hash >> 29) & ((1u << BODY_BITS) - 1)];
}

static bool
same_body(const struct body *b, const struct body *key)
{
	return b->bytes != NULL && b->hash == key->hash && b->size == key->size
		&& b->thumb == key->thumb
		&& memcmp(b->bytes, key->bytes, key->size) == 0;
}

/* Keep body NB for reuse.  Failing to (for lack of memory) only costs
   speed.  */
static void
add_body(struct worker *d, const struct body *nb)
{
	struct body *b;

	if (d->bodies == NULL)
		d->bodies = calloc((size_t) 1 << BODY_BITS, sizeof *d->bodies);
	b = body_slot(d, nb->hash);
	if (b != NULL)
		*b = *nb;
}

static int
cmp_coderel(const void *a, const void *b)
{
	const struct coderel *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The relocations of an ET_REL file's code sections.  */
static int
load_coderels(struct deriver *d)
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
		if (grow((void **) &d->coderels, &cap, d->ncoderels + n,
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
			cr->shndx = s->shdr.sh_info;
			cr->off = rl.r_offset;
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
		      cmp_coderel);
	return 0;
}

/* 1 + the index of a relocation in [FROM, TO) of the section being
   decoded, or 0.  */
static uint32_t
find_coderel(const struct worker *d, uint64_t from, uint64_t to)
{
	size_t lo = 0, hi = d->ncoderels;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct coderel *cr = &d->coderels[mid];

		if (cr->shndx < d->shndx || (cr->shndx == d->shndx && cr->off < from))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < d->ncoderels && d->coderels[lo].shndx == d->shndx
	    && d->coderels[lo].off < to)
		return lo + 1;
	return 0;
}

static uint64_t
icache_hash(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static struct icache_ent *
icache_slot(struct icache *ic, uint64_t hash)
{
	return &ic->ents[(hash ^ hash >> 29) & ((1u << ICACHE_BITS) - 1)];
}

/* The entry for the instruction at P, with AVAIL bytes readable there.  At
   most one length can match: an x86 instruction is never the start of a
   longer one.  */
static const struct icache_ent *
icache_find(struct icache *ic, const unsigned char *p, size_t avail)
{
	uint16_t lens;
	uint64_t h = 0xcbf29ce484222325ull;

	if (ic->ents == NULL || avail == 0)
		return NULL;
	lens = ic->lens[p[0]];
	for (size_t len = 1; len <= 15 && len <= avail && (lens >> len) != 0;
	     len++) {
		h = (h ^ p[len - 1]) * 0x100000001b3ull;
		if (lens & (1u << len)) {
			const struct icache_ent *e = icache_slot(ic, h);

			if (e->len == len && memcmp(e->bytes, p, len) == 0)
				return e;
		}
	}
	return NULL;
}

static bool
fits_rel(int64_t rel)
{
	return rel >= INT32_MIN && rel <= INT32_MAX;
}

/* Keep the decoding just made of the LEN bytes at P.  Failing to (for
   lack of memory) only costs speed.  */
static void
icache_add(struct worker *d, const unsigned char *p, size_t len,
	   struct classified cl)
{
	struct icache *ic = &d->ic;
	const struct insn *in = &d->in;
	int64_t addr_rel = (int64_t) (in->addr - in->pc);
	int64_t target_rel = (int64_t) (d->info.target - in->pc);
	struct icache_ent *e;

	if (len > 15 || in->nspans > ICACHE_SPANS
	    || in->len >= sizeof in->text - 1
	    || (in->has_addr && !fits_rel(addr_rel))
	    || (d->info.target != 0 && !fits_rel(target_rel)))
		return;
	for (size_t k = 0; k < in->nspans; k++)
		if (!fits_rel(in->spans[k].rel))
			return;
	if (ic->ents == NULL) {
		ic->ents = calloc((size_t) 1 << ICACHE_BITS, sizeof *ic->ents);
		if (ic->ents == NULL)
			return;
	}
	if (cl.flow != FLOW_NONE) {
		/* Evicted entries leave their text behind: start afresh
		   once it adds up.  */
		if (ic->ntext + in->len > ICACHE_TEXT_MAX) {
			memset(ic->ents, 0, sizeof *ic->ents << ICACHE_BITS);
			memset(ic->lens, 0, sizeof ic->lens);
			ic->ntext = 0;
		}
		if (grow((void **) &ic->text, &ic->text_cap, ic->ntext + in->len,
			 1) < 0)
			return;
	}
	e = icache_slot(ic, icache_hash(p, len));
	if (cl.flow != FLOW_NONE) {
		memcpy(ic->text + ic->ntext, in->text, in->len);
		e->text = ic->ntext;
		e->textlen = in->len;
		ic->ntext += in->len;
	}
	memcpy(e->bytes, p, len);
	e->len = len;
	e->flow = cl.flow;
	e->indirect = cl.indirect;
	e->info_valid = d->info.insn_info_valid;
	e->insn_type = d->info.insn_type;
	e->has_addr = in->has_addr;
	e->addr_rel = in->has_addr ? (int32_t) addr_rel : 0;
	e->has_target = d->info.target != 0;
	e->target_rel = e->has_target ? (int32_t) target_rel : 0;
	e->nspans = in->nspans;
	for (size_t k = 0; k < in->nspans; k++) {
		e->span_pos[k] = in->spans[k].pos;
		e->span_len[k] = in->spans[k].len;
		e->span_rel[k] = (int32_t) in->spans[k].rel;
	}
	ic->lens[p[0]] |= 1u << len;
}

/* Whether E replayed at PC prints and fills in addresses that fit the
   file's address space, as libopcodes' would.  */
static bool
icache_fits(const struct icache *ic, const struct icache_ent *e, bfd_vma pc)
{
	if (ic->addr_max == UINT64_MAX)
		return true;
	if (e->has_addr && pc + (bfd_vma) (int64_t) e->addr_rel > ic->addr_max)
		return false;
	if (e->has_target && pc + (bfd_vma) (int64_t) e->target_rel > ic->addr_max)
		return false;
	for (size_t k = 0; k < e->nspans; k++)
		if (pc + (bfd_vma) (int64_t) e->span_rel[k] > ic->addr_max)
			return false;
	return true;
}

/* Put in d->in and d->info what decoding E at PC prints and fills in.  */
static void
icache_replay(struct worker *d, const struct icache_ent *e, bfd_vma pc)
{
	struct insn *in = &d->in;
	const char *t = d->ic.text + e->text;
	size_t from = 0;

	in->has_addr = e->has_addr;
	in->addr = pc + (bfd_vma) (int64_t) e->addr_rel;
	d->info.insn_info_valid = e->info_valid;
	d->info.insn_type = e->insn_type;
	d->info.target = e->has_target ? pc + (bfd_vma) (int64_t) e->target_rel : 0;
	if (e->flow == FLOW_NONE)
		return;
	/* The text, with the addresses of this pc.  */
	for (size_t k = 0; k < e->nspans; k++) {
		char hex[19];
		size_t n = format_addr(pc + (bfd_vma) (int64_t) e->span_rel[k], hex);

		append_mem(in, t + from, e->span_pos[k] - from);
		in->spans[k] = (struct span) { (uint8_t) in->len, (uint8_t) n,
					       e->span_rel[k] };
		append_mem(in, hex, n);
		from = e->span_pos[k] + e->span_len[k];
	}
	in->nspans = e->nspans;
	append_mem(in, t + from, e->textlen - from);
}

/* The shape of an x86 instruction: its length, and its bytes with the
   displacement and the immediate zeroed.  Neither of those decides the
   length of an instruction or what it does to the flow, so instructions
   of one shape that libopcodes found to fall through all do, whatever
   their immediates (bodies that differ only in a constant decode once).
   libopcodes stays the decoder: a shape is only kept after it decoded an
   instruction of that shape to the same length, and only for a
   fall-through one.  The tables cover the one-byte and 0F opcode maps;
   anything else ('?': VEX, EVEX, XOP, 3DNow!, 0F 38, 0F 3A, moves to
   control registers (ModRM without memory forms), fwait (which
   libopcodes merges with the x87 instruction after it), opcodes invalid
   in the mode, far pointers) has no shape and goes to libopcodes every
   time.

   One letter per opcode: '.' no operand bytes, 'm' ModRM, 'b' imm8,
   'z' imm16/32, 'w' imm16, 'v' imm16/32/64 (mov to register), 'o' a
   memory offset, 'e' imm16 + imm8 (enter), 'M' ModRM + imm8, 'Z' ModRM +
   imm16/32, 'g'/'G' ModRM + imm8/imm16/32 when ModRM.reg is 0 or 1 (test,
   group 3), '8' ModRM when ModRM.reg is 0 (pop; XOP otherwise), 'p' a
   prefix, 'r' REX in 64-bit mode (inc/dec otherwise), 'x' the 0F
   escape.  */
static const char x86_map1[] =
	"mmmmbz..mmmmbz.x" "mmmmbz..mmmmbz.." "mmmmbzp.mmmmbzp." "mmmmbzp.mmmmbzp."
	"rrrrrrrrrrrrrrrr" "................" "..?mppppzZbM...." "bbbbbbbbbbbbbbbb"
	"MZMMmmmmmmmmmmm8" "..........??...." "oooo....bz......" "bbbbbbbbvvvvvvvv"
	"MMw.??MZe.w..b.." "mmmmbb..mmmmmmmm" "bbbbbbbbzz?b...." "p.pp..gG......mm";

static const char x86_map2[] =
	"mmmm?.....?.?m.?" "mmmmmmmmmmmmmmmm" "????????mmmmmmmm" "......?.????????"
	"mmmmmmmmmmmmmmmm" "mmmmmmmmmmmmmmmm" "mmmmmmmmmmmmmmmm" "MMMMmmm.????mmmm"
	"zzzzzzzzzzzzzzzz" "mmmmmmmmmmmmmmmm" "...mMm??...mMmmm" "mmmmmmmm?mMmmmmm"
	"mmMmMMMm........" "mmmmmmmmmmmmmmmm" "mmmmmmmmmmmmmmmm" "mmmmmmmmmmmmmmm?";

/* One-byte opcodes that 64-bit mode does not have, or gives to VEX and
   EVEX: no shape there.  */
static const unsigned char x86_not64[] = {
	0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x27, 0x2f, 0x37, 0x3f,
	0x60, 0x61, 0x82, 0x9a, 0xc4, 0xc5, 0xce, 0xd4, 0xd5, 0xd6, 0xea,
};

static size_t
x86_shape(const unsigned char *p, size_t avail, bool mode64,
	  unsigned char key[15])
{
	bool osize16 = false, asize = false, rexw = false;
	size_t i = 0, disp = 0, imm = 0, n;
	char kind;

	for (;; i++) {
		if (i >= avail || i >= 14)
			return 0;
		switch (p[i]) {
		case 0x66:
			osize16 = true;
			rexw = false;
			continue;
		case 0x67:
			asize = true;
			rexw = false;
			continue;
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64:
		case 0x65: case 0xf0: case 0xf2: case 0xf3:
			rexw = false;
			continue;
		}
		if (mode64 && (p[i] & 0xf0) == 0x40) {
			/* REX counts only right before the opcode.  */
			rexw = (p[i] & 8) != 0;
			continue;
		}
		break;
	}
	/* 16-bit addressing has ModRM forms of its own.  */
	if (asize && !mode64)
		return 0;
	if (p[i] == 0x0f) {
		if (++i >= avail)
			return 0;
		kind = x86_map2[p[i]];
	} else {
		kind = x86_map1[p[i]];
		if (kind == 'r')
			kind = '.';	/* inc/dec: REX was taken above */
		if (mode64 && memchr(x86_not64, p[i], sizeof x86_not64) != NULL)
			return 0;
	}
	if (rexw)
		osize16 = false;	/* REX.W wins over 0x66 */
	i++;			/* the opcode */
	switch (kind) {
	case '.':
		break;
	case 'b':
		imm = 1;
		break;
	case 'z':
		imm = osize16 ? 2 : 4;
		break;
	case 'w':
		imm = 2;
		break;
	case 'v':
		imm = rexw ? 8 : osize16 ? 2 : 4;
		break;
	case 'o':
		imm = mode64 ? (asize ? 4 : 8) : 4;
		break;
	case 'e':
		imm = 3;
		break;
	case 'm': case 'M': case 'Z': case 'g': case 'G': case '8': {
		unsigned mod, rm, reg;

		if (i >= avail)
			return 0;
		mod = p[i] >> 6;
		reg = (p[i] >> 3) & 7;
		rm = p[i] & 7;
		if (kind == '8' && reg != 0)
			return 0;
		i++;
		if (mod != 3 && rm == 4) {
			if (i >= avail)
				return 0;
			if (mod == 0 && (p[i] & 7) == 5)
				disp = 4;
			i++;
		}
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || (mod == 0 && rm == 5))
			disp = 4;
		if (kind == 'M' || (kind == 'g' && reg < 2))
			imm = 1;
		else if (kind == 'Z' || (kind == 'G' && reg < 2))
			imm = osize16 ? 2 : 4;
		break;
	}
	default:		/* '?', 'p', 'x' */
		return 0;
	}
	n = i + disp + imm;
	if (n > 15 || n > avail)
		return 0;
	memcpy(key, p, i);
	memset(key + i, 0, 15 - i);
	return n;
}

static struct shape_ent *
shape_slot(struct worker *d, const unsigned char key[15], size_t len)
{
	uint64_t h = icache_hash(key, 15) ^ len;

	return &d->shapes[(h ^ h >> 29) & ((1u << SHAPE_BITS) - 1)];
}

/* Decode the instruction at PC: its length, or 0 or less when it cannot
   be decoded; what it does to the flow in *CL.  */
static int
decode_insn(struct worker *d, bfd_vma pc, struct classified *cl)
{
	unsigned em = d->r->h->machine;
	const unsigned char *p = NULL;
	unsigned char key[15];
	size_t avail = 0, shape_len = 0;
	int len;

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
	if (d->use_icache && pc >= d->info.buffer_vma
	    && pc - d->info.buffer_vma < d->info.buffer_length) {
		const struct icache_ent *e;

		p = d->info.buffer + (pc - d->info.buffer_vma);
		avail = d->info.buffer_length - (pc - d->info.buffer_vma);
		e = icache_find(&d->ic, p, avail);
		if (e != NULL && icache_fits(&d->ic, e, pc)) {
			icache_replay(d, e, pc);
			*cl = (struct classified) { e->flow, e->indirect };
			return e->len;
		}
		shape_len = x86_shape(p, avail, d->mode64, key);
		if (shape_len != 0 && d->shapes != NULL) {
			const struct shape_ent *se = shape_slot(d, key, shape_len);

			if (se->len == shape_len
			    && memcmp(se->key, key, sizeof key) == 0) {
				*cl = (struct classified) { FLOW_NONE, false };
				return shape_len;
			}
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
	/* Far jumps and calls name an absolute address: their decodings are
	   for this pc only.  Every other address x86 prints or fills in is
	   relative to the pc.  */
	if (p != NULL && (size_t) len <= avail
	    && d->in.fetched == pc + (bfd_vma) len) {
		const char *t = d->in.text + strspn(d->in.text, " \t");
		struct shape_ent *se;

		/* A fall-through instruction with a shape goes in the shape
		   table only: the other table would fill with immediates
		   never seen again.  */
		if (cl->flow == FLOW_NONE && shape_len == (size_t) len) {
			if (d->shapes == NULL)
				d->shapes = calloc((size_t) 1 << SHAPE_BITS,
						   sizeof *d->shapes);
			if (d->shapes != NULL) {
				se = shape_slot(d, key, shape_len);
				memcpy(se->key, key, sizeof key);
				se->len = shape_len;
				return len;
			}
		}
		if (cl->flow == FLOW_NONE || t[0] != 'l'
		    || (strncmp(t, "ljmp", 4) != 0 && strncmp(t, "lcall", 5) != 0))
			icache_add(d, p, len, *cl);
	}
	return len;
}

/* Decode [START, END) into insns[B->first...].  A body is worth keeping
   for reuse only if its decoding depends on nothing but its bytes: every
   instruction inside the range, no absolute branch.  */
static int
decode(struct worker *d, uint64_t start, uint64_t end, struct body *b,
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
		    || grow((void **) &d->insns, &d->insns_cap, d->ninsns + 1,
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
		switch (keep_text(d, &d->in, &di->text)) {
		case -1:
			return -1;
		case 1:
			*reusable = false;
			break;
		}
		di->reloc = 0;
		if (di->has_target && d->ncoderels != 0) {
			di->reloc = find_coderel(d, pc, pc + len);
			if (di->reloc != 0) {
				di->has_target = false;
				*reusable = false;
			}
		}
		/* x86's far jumps and calls name an absolute address.  */
		if (di->has_target && d->text[di->text] == 'l'
		    && (strncmp(d->text + di->text, "ljmp", 4) == 0
			|| strncmp(d->text + di->text, "lcall", 5) == 0))
			*reusable = false;
		d->ninsns++;
		b->n++;
		pc += len;
		if (pc > end)
			*reusable = false;	/* read bytes past the range */
	}
	return 0;
}

static int
cmp_armmap(const void *a, const void *b)
{
	const struct armmap *x = a, *y = b;

	if (x->shndx != y->shndx)
		return x->shndx < y->shndx ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

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
	if (grow((void **) &d->armmaps, &cap, d->narmmaps + n + 1,
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
				sym.st_shndx, sym.st_value & ~1ull,
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
				sym.st_shndx, sym.st_value, name[1] };
	}
	return 0;
}

/* ARM code mixes A32 and Thumb, and libopcodes cannot tell them apart
   without bfd's symbols.  The mapping symbols of .symtab say which is
   which; stripped files keep at best function symbols, whose bit 0 marks
   Thumb; with neither the code is taken as A32, and a note says so.  */
static int
load_arm_maps(struct deriver *d)
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
		qsort(d->armmaps, d->narmmaps, sizeof *d->armmaps, cmp_armmap);
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
static char
arm_mode(const struct deriver *d, uint32_t shndx, uint64_t addr)
{
	size_t lo = 0, hi = d->narmmaps;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct armmap *m = &d->armmaps[mid];

		if (m->shndx < shndx || (m->shndx == shndx && m->addr <= addr))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || d->armmaps[lo - 1].shndx != shndx)
		return 0;
	return d->armmaps[lo - 1].kind;
}

/* Decode c.s. K, or find the decoding of identical bytes.  Runs in
   worker threads: it reads the reader and the deriver, writes only W and
   d->dec[K].  Returns -1 only when out of memory.  */
static int
decode_cs(struct worker *w, size_t k)
{
	struct deriver *d = w->d;
	const rseqelf *h = w->r->h;
	const struct cs_int *c = &h->cs[k];
	struct csdec *dec = &d->dec[k];
	uint64_t start = c->pub.start_ip, end = c->pub.post_commit_ip;
	const struct sec *s = dec->sec;
	const unsigned char *bytes;
	struct body *b, nb;
	uint64_t base;

	if (s == NULL)
		return 0;
	base = h->type == ET_REL ? 0 : s->shdr.sh_addr;
	bytes = s->bytes + (start - base);
	nb.hash = hash_bytes(bytes, end - start);
	nb.bytes = bytes;
	nb.size = end - start;
	nb.thumb = h->machine == EM_ARM && arm_mode(d, c->code_sec, start) == 't';
	b = body_slot(w, nb.hash);
	if (b == NULL || !same_body(b, &nb)) {
		bool reusable;

		/* arm-dis keeps the mode in a static, set from the options
		   on its next call: set it for every body.  */
		if (h->machine == EM_ARM)
			w->info.disassembler_options = nb.thumb ? "force-thumb"
				: "no-force-thumb";

		if (w->buffer_sec != c->code_sec) {
			w->buffer_sec = c->code_sec;
			w->info.buffer = (bfd_byte *) s->bytes;
			w->info.buffer_vma = base;
			w->info.buffer_length = s->nbytes;
			w->info.section = NULL;
		}
		w->shndx = c->code_sec;
		if (decode(w, start, end, &nb, &reusable) < 0)
			return -1;
		if (reusable)
			add_body(w, &nb);
		b = &nb;
	}
	dec->first = b->first;
	dec->n = b->n;
	dec->truncated = b->truncated;
	dec->stop = b->stop;
	dec->worker = w - d->workers;
	return 0;
}

/* Judge the branches of c.s. K, decoded: derived exits and findings, in
   c.s. order whatever thread decoded it.  Returns -1 only when out of
   memory.  */
static int
judge_cs(struct deriver *d, size_t k)
{
	struct reader *r = d->r;
	rseqelf *h = r->h;
	struct cs_int *c = &h->cs[k];
	const struct csdec *dec = &d->dec[k];
	const struct worker *w = &d->workers[dec->worker];
	uint64_t start = c->pub.start_ip, end = c->pub.post_commit_ip;
	size_t first_derived = r->nex;

	if (dec->sec == NULL)
		return 0;
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
#define TEXT insn_text(w, di->text, pc, buf, sizeof buf)

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
			if (d->has_table && !is_declared(d, target))
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
		check_unreached(d, k, first_derived);
	}
	return 0;
}

static int
worker_init(struct worker *w, struct deriver *d)
{
	const struct arch_map *am = d->am;
	const rseqelf *h = d->r->h;

	w->d = d;
	w->r = d->r;
	w->buffer_sec = SIZE_MAX;
	w->print = disassembler(am->arch, h->big_endian,
				h->elfclass == 64 ? am->mach64 : am->mach32, NULL);
	if (w->print == NULL)
		return -1;
#ifdef HAVE_OPCODES_STYLED
	init_disassemble_info(&w->info, &w->in, print_plain, print_styled);
#else
	init_disassemble_info(&w->info, &w->in, print_plain);
#endif
	w->info.arch = am->arch;
	w->info.mach = h->elfclass == 64 ? am->mach64 : am->mach32;
	w->info.endian = h->big_endian ? BFD_ENDIAN_BIG : BFD_ENDIAN_LITTLE;
	w->info.endian_code = w->info.endian;
	w->info.read_memory_func = read_memory;
	w->info.memory_error_func = memory_error;
	w->info.print_address_func = print_address;
	disassemble_init_for_target(&w->info);
	w->use_icache = h->machine == EM_X86_64 || h->machine == EM_386;
	w->ic.addr_max = h->elfclass == 32 ? UINT32_MAX : UINT64_MAX;
	w->mode64 = h->machine == EM_X86_64;
	return 0;
}

static void
worker_free(struct worker *w)
{
	if (w->print != NULL)
		disassemble_free_target(&w->info);
	free(w->insns);
	free(w->text);
	free(w->bodies);
	free(w->ic.ents);
	free(w->ic.text);
	free(w->shapes);
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	const struct cs_int *cs = w->r->h->cs;

	w->ret = 0;
	for (size_t k = w->from; k < w->to && w->ret == 0; k++)
		if (cs[k].range_ok)
			w->ret = decode_cs(w, k);
	return NULL;
}

/* Below this many c.s., a thread costs more than it saves.  */
#define CS_PER_THREAD 4096
#define MAX_THREADS 8

/* How many threads may decode the c.s. of H at once.  The x86
   disassembler keeps its state in disassemble_info since binutils 2.39
   ("x86: replace global scratch buffer"), the release that brought the
   styled printer this file tests for; others (arm-dis's mode and IT
   state, riscv-dis's pc-relative pairs) keep static state: one thread,
   under the lock.  */
static size_t
can_split(const rseqelf *h)
{
#ifdef HAVE_OPCODES_STYLED
	cpu_set_t set;
	long ncpu = -1;
	size_t n;

	if (h->machine != EM_X86_64 && h->machine != EM_386)
		return 1;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		ncpu = CPU_COUNT(&set);
	if (ncpu < 1)
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	n = h->ncs / CS_PER_THREAD;
	if (ncpu < 1 || n < 2)
		return 1;
	if (n > (size_t) ncpu)
		n = ncpu;
	return n > MAX_THREADS ? MAX_THREADS : n;
#else
	(void) h;
	return 1;
#endif
}

/* Decode every c.s., in worker threads when the disassembler allows;
   then judge them in order, so that exits and findings come out the same
   whatever the number of threads.  */
static int
derive_all(struct deriver *d)
{
	struct reader *r = d->r;
	rseqelf *h = r->h;
	size_t n = d->nworkers, started = 0;
	int ret = 0;

	/* Sections load lazily through libelf, which is not thread-safe:
	   load them here.  validate.c found each c.s.'s section, or said why
	   there is none.  */
	for (size_t k = 0; k < h->ncs; k++)
		if (h->cs[k].range_ok)
			d->dec[k].sec = k > 0 && h->cs[k].code_sec == h->cs[k - 1].code_sec
				&& d->dec[k - 1].sec != NULL ? d->dec[k - 1].sec
				: rd_sec_bytes(r, h->cs[k].code_sec);
	for (size_t i = 0; i < n; i++) {
		d->workers[i].from = h->ncs * i / n;
		d->workers[i].to = h->ncs * (i + 1) / n;
		d->workers[i].coderels = d->coderels;
		d->workers[i].ncoderels = d->ncoderels;
	}
	/* The calling thread decodes the first chunk itself.  The others
	   start with every signal blocked: a signal for the process (GDB's
	   SIGINT and SIGCHLD) must reach the threads that expect it, not
	   these.  */
	if (n > 1) {
		sigset_t all, old;

		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (size_t i = 1; i < n; i++, started++)
			if (pthread_create(&d->workers[i].thread, NULL, worker_run,
					   &d->workers[i]) != 0)
				break;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	worker_run(&d->workers[0]);
	for (size_t i = 1; i <= started; i++)
		pthread_join(d->workers[i].thread, NULL);
	/* A thread that could not start: decode its chunk here.  */
	for (size_t i = started + 1; i < n; i++)
		worker_run(&d->workers[i]);
	for (size_t i = 0; i < n; i++)
		if (d->workers[i].ret < 0)
			return -1;
	for (size_t k = 0; k < h->ncs && ret == 0; k++)
		if (h->cs[k].range_ok)
			ret = judge_cs(d, k);
	return ret;
}

int
rd_derive(struct reader *r, size_t ndeclared)
{
	rseqelf *h = r->h;
	const struct arch_map *am = arch_map(h->machine);
	struct deriver d = { .r = r, .am = am, .ndeclared = ndeclared };
	bool locked;
	int ret = 0;

	if (am == NULL)
		return 0;
	d.has_table = r->views[RS_EXITS].shndx != 0;
	d.table_name = d.has_table ? r->secs[r->views[RS_EXITS].shndx].name : "";
	d.nworkers = can_split(h);
	/* Disassemblers with static state take the lock, whatever the
	   handle.  */
	locked = d.nworkers == 1;
	if (locked)
		pthread_mutex_lock(&opcodes_lock);
	d.workers = calloc(d.nworkers, sizeof *d.workers);
	d.dec = calloc(h->ncs ? h->ncs : 1, sizeof *d.dec);
	if (d.workers == NULL || d.dec == NULL) {
		ret = -1;
		goto out;
	}
	for (size_t i = 0; i < d.nworkers; i++)
		if (worker_init(&d.workers[i], &d) < 0)
			goto out;	/* no disassembler for the machine */
	if ((h->machine == EM_ARM && load_arm_maps(&d) < 0)
	    || (h->type == ET_REL && load_coderels(&d) < 0)) {
		ret = -1;
		goto out;
	}
	ret = derive_all(&d);
out:
	for (size_t i = 0; d.workers != NULL && i < d.nworkers; i++)
		worker_free(&d.workers[i]);
	if (locked)
		pthread_mutex_unlock(&opcodes_lock);
	free(d.workers);
	free(d.dec);
	free(d.armmaps);
	free(d.coderels);
	return ret;
}

#endif /* HAVE_OPCODES */
