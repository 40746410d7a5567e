/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* classify.c: what an instruction does to the control flow, from the text
   libopcodes prints for it.  The disassemblers' insn_type is filled in by
   few targets (not x86), so the mnemonic decides; insn_type is only a
   fallback.  */
#include "internal.h"

#include <string.h>

/* Whether the N characters at P are one of the prefixes x86 prints before
   the mnemonic ("lock", "rex.W", ...).  Every instruction of every c.s.
   goes through here: a switch on the first letter, not a list of
   strcmp calls.  */
static bool
is_prefix(const char *p, size_t n)
{
#define IS(s) (n == sizeof s - 1 && memcmp(p, s, n) == 0)
	switch (p[0]) {
	case 'a':
		return IS("addr16") || IS("addr32");
	case 'b':
		return IS("bnd");
	case 'c':
		return IS("cs");
	case 'd':
		return IS("ds") || IS("data16") || IS("data32");
	case 'l':
		return IS("lock");
	case 'n':
		return IS("notrack");
	case 'r':
		return IS("rep") || IS("repz") || IS("repnz") || IS("repe")
			|| IS("repne") || IS("rex") || IS("rex.W");
	case '{':
		return IS("{disp32}");
	}
	return false;
#undef IS
}

static size_t
token_len(const char *p)
{
	size_t n = 0;

	while (p[n] != '\0' && p[n] != ' ' && p[n] != '\t')
		n++;
	return n;
}

/* The mnemonic of TEXT, skipping the prefixes x86 prints before it.  */
static const char *
mnemonic(const char *text, char *buf, size_t size, const char **operands)
{
	const char *p = text;

	for (;;) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		n = token_len(p);
		if (n == 0 || !is_prefix(p, n) || p[n] == '\0') {
			*operands = p + n;
			if (n >= size)
				n = size - 1;
			memcpy(buf, p, n);
			buf[n] = '\0';
			return buf;
		}
		p += n;
	}
}

static bool
starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool
is_one_of(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static struct classified
classify_x86(const char *m, const char *ops)
{
	bool ind;

	/* Most instructions do not change the flow: only these letters
	   start one that does.  */
	if (strchr("jlxcris", m[0]) == NULL || m[0] == '\0')
		return (struct classified) { FLOW_NONE, false };
	ind = strchr(ops, '*') != NULL;
	if (strcmp(m, "jmp") == 0 || strcmp(m, "jmpq") == 0
	    || strcmp(m, "jmpl") == 0 || strcmp(m, "ljmp") == 0)
		return (struct classified) { FLOW_JUMP, ind };
	if (m[0] == 'j' || starts(m, "loop") || strcmp(m, "xbegin") == 0)
		return (struct classified) { FLOW_COND, false };
	if (starts(m, "call") || strcmp(m, "lcall") == 0)
		return (struct classified) { FLOW_CALL, ind };
	if (starts(m, "ret") || starts(m, "lret") || starts(m, "iret"))
		return (struct classified) { FLOW_RETURN, true };
	if (strcmp(m, "syscall") == 0 || strcmp(m, "sysenter") == 0
	    || strcmp(m, "int") == 0)
		return (struct classified) { FLOW_SYSCALL, false };
	return (struct classified) { FLOW_NONE, false };
}

static struct classified
classify_aarch64(const char *m)
{
	static const char *const cond[] = { "cbz", "cbnz", "tbz", "tbnz", NULL };

	if (m[0] == '\0' || strchr("bctres", m[0]) == NULL)
		return (struct classified) { FLOW_NONE, false };
	if (strcmp(m, "b") == 0)
		return (struct classified) { FLOW_JUMP, false };
	if (starts(m, "b.") || starts(m, "bc.") || is_one_of(m, cond))
		return (struct classified) { FLOW_COND, false };
	if (strcmp(m, "bl") == 0)
		return (struct classified) { FLOW_CALL, false };
	if (starts(m, "blr"))
		return (struct classified) { FLOW_CALL, true };
	if (starts(m, "ret") || strcmp(m, "eret") == 0)
		return (struct classified) { FLOW_RETURN, true };
	if (starts(m, "br"))
		return (struct classified) { FLOW_JUMP, true };
	if (strcmp(m, "svc") == 0)
		return (struct classified) { FLOW_SYSCALL, false };
	return (struct classified) { FLOW_NONE, false };
}

static bool
arm_cond(const char *s)
{
	static const char *const conds[] = {
		"eq", "ne", "cs", "hs", "cc", "lo", "mi", "pl", "vs", "vc",
		"hi", "ls", "ge", "lt", "gt", "le", "al", NULL
	};
	return is_one_of(s, conds);
}

static struct classified
classify_arm(char *m, const char *ops)
{
	size_t n = strlen(m);

	if (m[0] == '\0' || strchr("bcpls", m[0]) == NULL)
		return (struct classified) { FLOW_NONE, false };
	/* Thumb-2 width qualifiers.  */
	if (n > 2 && (strcmp(m + n - 2, ".n") == 0 || strcmp(m + n - 2, ".w") == 0))
		m[n -= 2] = '\0';
	if (strcmp(m, "b") == 0)
		return (struct classified) { FLOW_JUMP, false };
	if (strcmp(m, "cbz") == 0 || strcmp(m, "cbnz") == 0
	    || (m[0] == 'b' && arm_cond(m + 1)))
		return (struct classified) { FLOW_COND, false };
	if (strcmp(m, "bl") == 0 || (starts(m, "bl") && arm_cond(m + 2)))
		return (struct classified) { FLOW_CALL, false };
	if (starts(m, "blx"))
		return (struct classified) { FLOW_CALL, strchr(ops, 'r') != NULL
					     && strstr(ops, "0x") == NULL };
	if (starts(m, "bx"))
		return (struct classified) { FLOW_RETURN, true };
	if ((starts(m, "pop") || starts(m, "ldm")) && strstr(ops, "pc") != NULL)
		return (struct classified) { FLOW_RETURN, true };
	if (starts(m, "svc") || starts(m, "swi"))
		return (struct classified) { FLOW_SYSCALL, false };
	return (struct classified) { FLOW_NONE, false };
}

static struct classified
classify_ppc(char *m)
{
	size_t n = strlen(m);

	/* Static branch prediction hints.  */
	if (n > 1 && (m[n - 1] == '+' || m[n - 1] == '-'))
		m[--n] = '\0';
	if (strcmp(m, "sc") == 0 || strcmp(m, "scv") == 0)
		return (struct classified) { FLOW_SYSCALL, false };
	if (m[0] != 'b')
		return (struct classified) { FLOW_NONE, false };
	if (strcmp(m, "b") == 0 || strcmp(m, "ba") == 0)
		return (struct classified) { FLOW_JUMP, false };
	if (strcmp(m, "bl") == 0 || strcmp(m, "bla") == 0)
		return (struct classified) { FLOW_CALL, false };
	if (strcmp(m, "blr") == 0)
		return (struct classified) { FLOW_RETURN, true };
	if (n >= 4 && (strcmp(m + n - 4, "ctrl") == 0 || strcmp(m + n - 3, "lrl") == 0))
		return (struct classified) { FLOW_CALL, true };
	if (strcmp(m, "bctr") == 0)
		return (struct classified) { FLOW_JUMP, true };
	if ((n >= 3 && strcmp(m + n - 3, "ctr") == 0)
	    || (n >= 2 && strcmp(m + n - 2, "lr") == 0))
		return (struct classified) { FLOW_RETURN, true };
	/* bne, beq, bdnz, bc, bt, bf, ... and their "l" (call) forms.  */
	if (n >= 3 && m[n - 1] == 'l' && strcmp(m, "bl") != 0)
		return (struct classified) { FLOW_CALL, false };
	return (struct classified) { FLOW_COND, false };
}

static struct classified
classify_s390(const char *m)
{
	static const char *const calls[] = { "brasl", "bras", "basr", "bas", NULL };
	static const char *const ind[] = { "br", "bcr", "b", "bc", NULL };
	static const char *const cond[] = {
		"brc", "brcl", "brct", "brctg", "brcth", "brxh", "brxle",
		"brxhg", "brxlg", NULL
	};
	size_t n;

	if (m[0] == '\0' || strchr("jbcs", m[0]) == NULL)
		return (struct classified) { FLOW_NONE, false };
	n = strlen(m);
	if (strcmp(m, "j") == 0 || strcmp(m, "jg") == 0)
		return (struct classified) { FLOW_JUMP, false };
	if (is_one_of(m, calls))
		return (struct classified) { FLOW_CALL, strcmp(m, "basr") == 0
					     || strcmp(m, "bas") == 0 };
	if (strcmp(m, "br") == 0)
		return (struct classified) { FLOW_RETURN, true };
	if (is_one_of(m, ind))
		return (struct classified) { FLOW_JUMP, true };
	if (m[0] == 'j' || is_one_of(m, cond)
	    /* compare and branch: crj, cgij, clrjh, ... */
	    || (m[0] == 'c' && n > 2 && strchr(m, 'j') != NULL))
		return (struct classified) { FLOW_COND, false };
	if (strcmp(m, "svc") == 0)
		return (struct classified) { FLOW_SYSCALL, false };
	return (struct classified) { FLOW_NONE, false };
}

static struct classified
classify_riscv(const char *m, const char *ops)
{
	if (m[0] == '\0' || strchr("jrbe", m[0]) == NULL)
		return (struct classified) { FLOW_NONE, false };
	if (strcmp(m, "j") == 0)
		return (struct classified) { FLOW_JUMP, false };
	if (strcmp(m, "jal") == 0)
		return (struct classified) { FLOW_CALL, false };
	if (strcmp(m, "ret") == 0)
		return (struct classified) { FLOW_RETURN, true };
	if (strcmp(m, "jr") == 0)
		return (struct classified) { FLOW_JUMP, true };
	/* "jalr REG" links through ra; "jalr zero,..." is a plain jump.  */
	if (strcmp(m, "jalr") == 0)
		return (struct classified) {
			starts(ops + strspn(ops, " \t"), "zero") ? FLOW_JUMP
			: FLOW_CALL, true };
	if (m[0] == 'b' && strlen(m) >= 3)
		return (struct classified) { FLOW_COND, false };
	if (strcmp(m, "ecall") == 0)
		return (struct classified) { FLOW_SYSCALL, false };
	return (struct classified) { FLOW_NONE, false };
}

struct classified
rd_classify(unsigned em, const char *text)
{
	const char *ops;
	char m[32];

	mnemonic(text, m, sizeof m, &ops);
	switch (em) {
	case EM_X86_64:
	case EM_386:
		return classify_x86(m, ops);
	case EM_AARCH64:
		return classify_aarch64(m);
	case EM_ARM:
		return classify_arm(m, ops);
	case EM_PPC64:
		return classify_ppc(m);
	case EM_S390:
		return classify_s390(m);
	case EM_RISCV:
		return classify_riscv(m, ops);
	}
	return (struct classified) { FLOW_NONE, false };
}
