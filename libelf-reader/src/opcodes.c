/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* opcodes.c: the glue to libopcodes.

   Which bfd architecture each ELF machine is, the one lock every
   disassembly with static state takes, and the printer callbacks that
   gather an instruction's text, the addresses it prints and how far it
   read, into a struct insn rather than a stream.  Kept apart from
   derive.c so that what depends on libopcodes' interface (and its
   versions: the styled printer of binutils 2.39) is in one place.  */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifdef HAVE_OPCODES
#include "derive.h"
#endif

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

const struct arch_map *
rd_arch_map(unsigned em)
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
	const struct arch_map *am = rd_arch_map(h->machine);

	/* A libopcodes built without the target returns no disassembler.  */
	return am != NULL && get_disassembler(h, am) != NULL;
}

/* Append N bytes of STR to the text of IN, as many as fit.  */
static void
insn_append(struct insn *in, const char *str, size_t n)
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

	insn_append(in, str, strnlen(str, room < max ? room : max));
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
size_t
rd_format_addr(bfd_vma addr, char buf[19])
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
	size_t pos = in->len, n = rd_format_addr(addr, hex);

	if (!in->has_addr) {
		in->has_addr = true;
		in->addr = addr;
	}
	insn_append(in, hex, n);
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

void
rd_opcodes_lock(void)
{
	pthread_mutex_lock(&opcodes_lock);
}

void
rd_opcodes_unlock(void)
{
	pthread_mutex_unlock(&opcodes_lock);
}

/* Set W up to disassemble the code of H, its printer callbacks writing
   into W->in.  Returns -1 when libopcodes has no disassembler for the
   machine.  */
int
rd_dis_init(struct decoder *w, const rseqelf *h, const struct arch_map *am)
{
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
	return 0;
}

#endif /* HAVE_OPCODES */
