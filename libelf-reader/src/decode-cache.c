/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* decode-cache.c: decodings kept for reuse.

   libopcodes decodes; what costs time on a large file is calling it once
   per instruction, since it prints every operand.  Three caches spare
   it: c.s. bodies by their bytes (any machine), x86 instructions by
   their bytes, and x86 instruction shapes (bytes without displacement
   and immediate) that fall through.  Each keeps a decoding only when
   libopcodes' own decoding says it may be reused, and each has a fixed
   size: a table that grew with the file cost more in page faults than it
   saved once every body differed.  They belong to the decoder, which
   one derivation uses at a time: no locking.  */
#include "derive.h"

#include <stdlib.h>
#include <string.h>

#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

/* FNV-1a over N bytes at P.  */
static uint64_t
fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = FNV_OFFSET;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * FNV_PRIME;
	return h;
}

uint64_t
rd_body_hash(const unsigned char *p, uint64_t n)
{
	return fnv1a(p, n) ^ n;
}

/* The slot of a body with hash HASH: one per hash, a newer body evicts
   the older.  A table that grows with the file cost more in page faults
   than it saved once every body differs.  */
#define BODY_BITS 10

static struct body *
body_slot(const struct decoder *d, uint64_t hash)
{
	if (d->bodies == NULL)
		return NULL;
	return &d->bodies[(hash ^ hash >> 29) & ((1u << BODY_BITS) - 1)];
}

/* The decoding kept of a body with the bytes and mode of KEY, or NULL.  */
const struct body *
rd_body_find(const struct decoder *w, const struct body *key)
{
	const struct body *b = body_slot(w, key->hash);

	if (b == NULL || b->bytes == NULL || b->hash != key->hash
	    || b->size != key->size || b->thumb != key->thumb
	    || memcmp(b->bytes, key->bytes, key->size) != 0)
		return NULL;
	return b;
}

/* The decodings the body table points to, in the decoder's insns[] and
   text[], are bounded too: evicted bodies leave theirs behind, and a file
   of bodies that all differ would otherwise grow the two arrays by
   megabytes, a page fault every few bodies.  */
#define BODY_INSNS_MAX (1u << 13)
#define BODY_TEXT_MAX (1u << 18)

/* Make room for decoding a body: drop the decoding of the last body,
   unless the table kept it, and start the table afresh once the kept
   decodings add up.  */
void
rd_body_begin(struct decoder *d)
{
	d->ninsns = d->kept_insns;
	d->ntext = d->kept_text;
	if (d->ninsns <= BODY_INSNS_MAX && d->ntext <= BODY_TEXT_MAX)
		return;
	if (d->bodies != NULL)
		memset(d->bodies, 0, sizeof *d->bodies << BODY_BITS);
	d->ninsns = d->ntext = d->kept_insns = d->kept_text = 0;
}

/* Keep body NB, the last decoded, for reuse.  Failing to (for lack of
   memory) only costs speed.  */
void
rd_body_add(struct decoder *d, const struct body *nb)
{
	struct body *b;

	if (d->bodies == NULL)
		d->bodies = calloc((size_t) 1 << BODY_BITS, sizeof *d->bodies);
	b = body_slot(d, nb->hash);
	if (b == NULL)
		return;
	*b = *nb;
	d->kept_insns = d->ninsns;
	d->kept_text = d->ntext;
}

/* x86 decodings by instruction bytes: see struct icache.  */
#define ICACHE_BITS 11		/* 2k slots, 112 kB */

static struct icache_ent *
icache_slot(struct icache *ic, uint64_t hash)
{
	return &ic->ents[(hash ^ hash >> 29) & ((1u << ICACHE_BITS) - 1)];
}

/* Whether E replayed at PC fills in addresses that fit the file's
   address space, as libopcodes would.  */
static bool
icache_fits(const struct icache *ic, const struct icache_ent *e, bfd_vma pc)
{
	if (ic->addr_max == UINT64_MAX)
		return true;
	if (e->has_addr && pc + (bfd_vma) (int64_t) e->addr_rel > ic->addr_max)
		return false;
	if (e->has_target && pc + (bfd_vma) (int64_t) e->target_rel > ic->addr_max)
		return false;
	return true;
}

/* The entry for the instruction at P, with AVAIL bytes readable there.  At
   most one length can match: an x86 instruction is never the start of a
   longer one.  */
static const struct icache_ent *
icache_lookup(struct icache *ic, const unsigned char *p, size_t avail)
{
	uint16_t lens;
	uint64_t h = FNV_OFFSET;

	if (ic->ents == NULL || avail == 0)
		return NULL;
	lens = ic->lens[p[0]];
	for (size_t len = 1; len <= 15 && len <= avail && (lens >> len) != 0;
	     len++) {
		h = (h ^ p[len - 1]) * FNV_PRIME;
		if (lens & (1u << len)) {
			const struct icache_ent *e = icache_slot(ic, h);

			if (e->len == len && memcmp(e->bytes, p, len) == 0)
				return e;
		}
	}
	return NULL;
}

/* The entry for the instruction at PC, whose bytes are at P with AVAIL
   readable, if it can be replayed there.  */
const struct icache_ent *
rd_icache_find(struct icache *ic, const unsigned char *p, size_t avail,
	       bfd_vma pc)
{
	const struct icache_ent *e = icache_lookup(ic, p, avail);

	return e != NULL && icache_fits(ic, e, pc) ? e : NULL;
}

static bool
fits_rel(int64_t rel)
{
	return rel >= INT32_MIN && rel <= INT32_MAX;
}

/* Keep the decoding just made of the LEN bytes at P.  Failing to (for
   lack of memory) only costs speed.  */
void
rd_icache_add(struct decoder *d, const unsigned char *p, size_t len,
	   struct classified cl)
{
	struct icache *ic = &d->ic;
	const struct insn *in = &d->in;
	int64_t addr_rel = (int64_t) (in->addr - in->pc);
	int64_t target_rel = (int64_t) (d->info.target - in->pc);
	struct icache_ent *e;

	if (len > 15 || in->len >= sizeof in->text - 1
	    || (in->has_addr && !fits_rel(addr_rel))
	    || (d->info.target != 0 && !fits_rel(target_rel)))
		return;
	if (ic->ents == NULL) {
		ic->ents = calloc((size_t) 1 << ICACHE_BITS, sizeof *ic->ents);
		if (ic->ents == NULL)
			return;
	}
	e = icache_slot(ic, fnv1a(p, len));
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
	ic->lens[p[0]] |= 1u << len;
}

/* Put in d->in and d->info what decoding E at PC fills in, all but the
   text.  */
void
rd_icache_replay(struct decoder *d, const struct icache_ent *e, bfd_vma pc)
{
	struct insn *in = &d->in;

	in->has_addr = e->has_addr;
	in->addr = pc + (bfd_vma) (int64_t) e->addr_rel;
	d->info.insn_info_valid = e->info_valid;
	d->info.insn_type = e->insn_type;
	d->info.target = e->has_target ? pc + (bfd_vma) (int64_t) e->target_rel : 0;
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
   EVEX: no shape there.  A bit per opcode: every instruction of a c.s.
   is looked up.  */
#define NOT64(op) ((uint64_t) 1 << ((op) & 63))
static const uint64_t x86_not64[4] = {
	NOT64(0x06) | NOT64(0x07) | NOT64(0x0e) | NOT64(0x16) | NOT64(0x17)
	| NOT64(0x1e) | NOT64(0x1f) | NOT64(0x27) | NOT64(0x2f) | NOT64(0x37)
	| NOT64(0x3f),
	NOT64(0x60) | NOT64(0x61),
	NOT64(0x82) | NOT64(0x9a),
	NOT64(0xc4) | NOT64(0xc5) | NOT64(0xce) | NOT64(0xd4) | NOT64(0xd5)
	| NOT64(0xd6) | NOT64(0xea),
};
#undef NOT64

size_t
rd_x86_shape(const unsigned char *p, size_t avail, bool mode64,
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
		if (mode64 && (x86_not64[p[i] >> 6] >> (p[i] & 63) & 1) != 0)
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
	memset(key, 0, 15);
	memcpy(key, p, i);
	return n;
}

/* x86 shapes that fall through, one per slot.  */
#define SHAPE_BITS 11

/* The slot of shape KEY of length LEN.  Two multiplications over the
   key as words rather than FNV-1a's fifteen: every fall-through
   instruction is looked up here.  */
static struct shape_ent *
shape_slot(const struct decoder *d, const unsigned char key[15], size_t len)
{
	uint64_t a, b, h;

	memcpy(&a, key, 8);
	memcpy(&b, key + 7, 8);
	h = ((a ^ len) * 0x9e3779b97f4a7c15ull ^ b) * 0xff51afd7ed558ccdull;
	return &d->shapes[h >> (64 - SHAPE_BITS)];
}

/* Whether an instruction of shape KEY and length LEN was found to fall
   through.  */
bool
rd_shape_find(const struct decoder *w, const unsigned char key[15], size_t len)
{
	const struct shape_ent *se;

	if (w->shapes == NULL)
		return false;
	se = shape_slot(w, key, len);
	return se->len == len && memcmp(se->key, key, 15) == 0;
}

/* Keep shape KEY of length LEN as falling through.  Returns false when
   the table could not be made.  */
bool
rd_shape_add(struct decoder *w, const unsigned char key[15], size_t len)
{
	struct shape_ent *se;

	if (w->shapes == NULL)
		w->shapes = calloc((size_t) 1 << SHAPE_BITS, sizeof *w->shapes);
	if (w->shapes == NULL)
		return false;
	se = shape_slot(w, key, len);
	memcpy(se->key, key, 15);
	se->len = len;
	return true;
}

void
rd_caches_free(struct decoder *w)
{
	free(w->bodies);
	free(w->ic.ents);
	free(w->shapes);
}
