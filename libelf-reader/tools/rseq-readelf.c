/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rseq-readelf: display the restartable-sequence tables of ELF files.  */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rseqelf.h"

#define PROGRAM "rseq-readelf"

static const struct option long_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "check", no_argument, NULL, 'c' },
	{ "no-derive", no_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
usage(FILE *out)
{
	fprintf(out,
"Usage: " PROGRAM " [OPTION]... FILE...\n"
"Display the Linux restartable-sequence (rseq) critical sections of ELF files.\n"
"\n"
"Critical sections are read from __rseq_cs_ptr_array, else __rseq_cs, else the\n"
"legacy __rseq_table, after applying the file's relative relocations (or, in\n"
"relocatable files, the relocations of those sections).  Their exits are read\n"
"from __rseq_exit_point_array and, unless --no-derive is given, derived by\n"
"disassembling each critical section: every branch leaving the range is an\n"
"exit.  Addresses are those of the file, not of a running process; in\n"
"relocatable files they are offsets into their sections.\n"
"\n"
"Options:\n"
"  -j, --json       print one JSON object per file (a JSON array when several\n"
"                   FILEs are given) instead of tables\n"
"  -c, --check      exit with status 1 when a file has an error or a warning\n"
"  -n, --no-derive  do not disassemble: list only the declared exits\n"
"  -h, --help       display this help and exit\n"
"  -V, --version    display version information and exit\n"
"\n"
"The findings checked include descriptor versions and deprecated flags,\n"
"empty, wrapping, duplicate and overlapping ranges, abort_ip inside its range,\n"
"missing or disagreeing abort signatures, declared exits that are inside the\n"
"range or name an unknown critical section, and derived exits the exit table\n"
"does not declare.  A signature other than the machine's usual one gets a\n"
"note, which --check does not count.\n"
"\n"
"JSON output, per file:\n"
"  {\"file\", \"machine\", \"class\": 32|64, \"endianness\": \"little\"|\"big\",\n"
"   \"critical_sections\": [{\"start_ip\", \"post_commit_ip\", \"abort_ip\",\n"
"      \"descriptor\": int|null, \"signature\": int|null, \"flags\", \"version\",\n"
"      \"exits\": [{\"ip\", \"kind\": \"declared\"|\"derived\"}]}],\n"
"   \"diagnostics\": [{\"severity\": \"error\"|\"warning\"|\"note\",\n"
"      \"ip\": int|null, \"message\"}]}\n"
"\"exits\" leaves out post_commit_ip and abort_ip, which are always exits.\n"
"\n"
"Exit status:\n"
"  0  every FILE was read (and, with --check, has no error or warning)\n"
"  1  with --check, a FILE has an error or a warning\n"
"  2  a FILE could not be read or is not a valid ELF file (the others are\n"
"     still processed)\n"
"\n"
"Exits are derived with libopcodes%s.\n",
		rseqelf_can_derive() ? "" : ", which this build lacks");
}

static const char *
table_name(enum rseqelf_table t)
{
	switch (t) {
	case RSEQELF_TABLE_PTR_ARRAY:
		return "__rseq_cs_ptr_array";
	case RSEQELF_TABLE_CS:
		return "__rseq_cs";
	case RSEQELF_TABLE_LEGACY:
		return "__rseq_table";
	case RSEQELF_TABLE_NONE:
		break;
	}
	return "no table";
}

static bool
has_findings(const rseqelf *h)
{
	for (size_t i = 0; i < rseqelf_diag_count(h); i++)
		if (rseqelf_diag_at(h, i)->severity >= RSEQELF_WARNING)
			return true;
	return false;
}

static void
print_diags(const rseqelf *h, FILE *out)
{
	for (size_t i = 0; i < rseqelf_diag_count(h); i++) {
		const struct rseqelf_diag *d = rseqelf_diag_at(h, i);

		if (d->has_ip)
			fprintf(out, "%s: 0x%" PRIx64 ": %s\n",
				rseqelf_severity_name(d->severity), d->ip,
				d->message);
		else
			fprintf(out, "%s: %s\n",
				rseqelf_severity_name(d->severity), d->message);
	}
}

static void
print_table(const rseqelf *h, FILE *out)
{
	size_t n = rseqelf_cs_count(h);
	int w = rseqelf_class(h) == 64 ? 16 : 8;
	/* Wide enough for "Post-commit" too.  */
	int cw = w + 2 > 11 ? w + 2 : 11;

	if (n == 0) {
		fprintf(out, "There are no critical sections in '%s'.\n",
			rseqelf_name(h));
		print_diags(h, out);
		return;
	}
	fprintf(out, "Critical sections in '%s' (%zu %s, from %s):\n",
		rseqelf_name(h), n, n == 1 ? "entry" : "entries",
		table_name(rseqelf_table(h)));
	fprintf(out, "  %-*s %-*s %-*s %-10s %s\n", cw, "Start", cw,
		"Post-commit", cw, "Abort", "Signature", "Exits");
	for (size_t i = 0; i < n; i++) {
		const struct rseqelf_cs *c = rseqelf_cs_at(h, i);

		fprintf(out, "  0x%0*" PRIx64 "%*s 0x%0*" PRIx64 "%*s 0x%0*" PRIx64
			"%*s", w, c->start_ip, cw - w - 2, "", w,
			c->post_commit_ip, cw - w - 2, "", w, c->abort_ip,
			cw - w - 2, "");
		if (c->has_signature)
			fprintf(out, " 0x%08" PRIx32, c->signature);
		else
			fprintf(out, " %-10s", "-");
		if (c->nexits == 0)
			fputs(" -", out);
		for (size_t k = 0; k < c->nexits; k++)
			fprintf(out, "%s0x%" PRIx64 " (%s)", k ? ", " : " ",
				c->exits[k].ip,
				rseqelf_exit_kind_name(c->exits[k].kind));
		fputc('\n', out);
	}
	print_diags(h, out);
}

/* JSON for a million critical sections is tens of megabytes: it goes
   through a buffer of its own, numbers formatted without printf.  */
struct out {
	FILE *f;
	size_t len;
	char buf[1 << 16];
};

static void
out_flush(struct out *o)
{
	fwrite(o->buf, 1, o->len, o->f);
	o->len = 0;
}

static void
out_mem(const char *p, size_t n, struct out *o)
{
	if (n > sizeof o->buf - o->len) {
		out_flush(o);
		if (n > sizeof o->buf) {
			fwrite(p, 1, n, o->f);
			return;
		}
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void
out_char(char c, struct out *o)
{
	if (o->len == sizeof o->buf)
		out_flush(o);
	o->buf[o->len++] = c;
}

static void
out_str(const char *str, struct out *o)
{
	out_mem(str, strlen(str), o);
}

/* \u00XX for a control character or a stray byte.  */
static void
out_u00(unsigned char c, struct out *o)
{
	char esc[7] = { '\\', 'u', '0', '0', "0123456789abcdef"[c >> 4],
			"0123456789abcdef"[c & 0xf], 0 };

	out_mem(esc, 6, o);
}

static const char digit_pairs[] =
	"00010203040506070809101112131415161718192021222324"
	"25262728293031323334353637383940414243444546474849"
	"50515253545556575859606162636465666768697071727374"
	"75767778798081828384858687888990919293949596979899";

/* The N decimal digits of V, ending at END.  32-bit arithmetic: file
   addresses mostly fit, and its division by 100 is cheaper.  */
static inline void
fmt_u32(char *end, uint32_t v)
{
	while (v >= 100) {
		end -= 2;
		memcpy(end, digit_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10)
		memcpy(end - 2, digit_pairs + 2 * v, 2);
	else
		end[-1] = '0' + v;
}

/* The decimal digits of V at P; returns the end.  Two digits at a time,
   written in place once their count is known: a million c.s. print some
   ten million numbers.  */
static inline char *
fmt_u64(char *p, uint64_t v)
{
	static const uint64_t pow10[20] = {
		1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
		10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
		100000000000ull, 1000000000000ull, 10000000000000ull,
		100000000000000ull, 1000000000000000ull, 10000000000000000ull,
		100000000000000000ull, 1000000000000000000ull,
		10000000000000000000ull,
	};
	/* The digit count from the bit length: bits * log10(2) is the
	   count or one short of it, which one comparison settles.  */
	unsigned t = ((64 - __builtin_clzll(v | 1)) * 1233) >> 12;
	size_t n = t + (v >= pow10[t]);
	char *end;

	n += n == 0;
	end = p + n;
	p = end;
	while (v > UINT32_MAX) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	fmt_u32(p, (uint32_t) v);
	return end;
}

static void
put_u64(uint64_t v, struct out *o)
{
	if (sizeof o->buf - o->len < 20)
		out_flush(o);
	o->len = fmt_u64(o->buf + o->len, v) - o->buf;
}

static void
put_field(const char *name, uint64_t v, struct out *o)
{
	out_str(name, o);
	put_u64(v, o);
}

/* A string literal at P, without strlen or a call to memcpy.  */
#define LIT(p, s) (memcpy((p), (s), sizeof (s) - 1), (p) + sizeof (s) - 1)

/* Room for N more bytes in O's buffer (N is a few hundred at most).  */
static char *
out_reserve(struct out *o, size_t n)
{
	if (n > sizeof o->buf - o->len)
		out_flush(o);
	return o->buf + o->len;
}

/* The longest JSON of one c.s. without its exits, and of one exit.  */
#define CS_JSON_MAX 320
#define EXIT_JSON_MAX 64

static void
json_cs(const struct rseqelf_cs *c, bool first, struct out *o)
{
	char *p;

	p = out_reserve(o, CS_JSON_MAX);
	p = first ? LIT(p, "\n  {\"start_ip\": ") : LIT(p, ",\n  {\"start_ip\": ");
	p = fmt_u64(p, c->start_ip);
	p = LIT(p, ", \"post_commit_ip\": ");
	p = fmt_u64(p, c->post_commit_ip);
	p = LIT(p, ", \"abort_ip\": ");
	p = fmt_u64(p, c->abort_ip);
	if (c->has_descriptor) {
		p = LIT(p, ", \"descriptor\": ");
		p = fmt_u64(p, c->descriptor);
	} else {
		p = LIT(p, ", \"descriptor\": null");
	}
	if (c->has_signature) {
		p = LIT(p, ", \"signature\": ");
		p = fmt_u64(p, c->signature);
	} else {
		p = LIT(p, ", \"signature\": null");
	}
	p = LIT(p, ", \"flags\": ");
	p = fmt_u64(p, c->flags);
	p = LIT(p, ", \"version\": ");
	p = fmt_u64(p, c->version);
	p = LIT(p, ", \"exits\": [");
	o->len = p - o->buf;
	for (size_t k = 0; k < c->nexits; k++) {
		p = out_reserve(o, EXIT_JSON_MAX);
		p = k ? LIT(p, ", {\"ip\": ") : LIT(p, "{\"ip\": ");
		p = fmt_u64(p, c->exits[k].ip);
		p = c->exits[k].kind == RSEQELF_EXIT_DECLARED
			? LIT(p, ", \"kind\": \"declared\"}")
			: LIT(p, ", \"kind\": \"derived\"}");
		o->len = p - o->buf;
	}
	out_mem("]}", 2, o);
}

/* The length of the well-formed UTF-8 sequence at P, or 0.  */
static size_t
utf8_len(const unsigned char *p)
{
	size_t n;
	uint32_t cp;

	if (*p >= 0xc2 && *p <= 0xdf)
		n = 2, cp = *p & 0x1f;
	else if (*p >= 0xe0 && *p <= 0xef)
		n = 3, cp = *p & 0x0f;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4, cp = *p & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond Unicode.  */
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
	    || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

static void
json_string(const char *s, struct out *out)
{
	out_char('"', out);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		switch (*p) {
		case '"':
			out_str("\\\"", out);
			break;
		case '\\':
			out_str("\\\\", out);
			break;
		case '\n':
			out_str("\\n", out);
			break;
		case '\t':
			out_str("\\t", out);
			break;
		case '\r':
			out_str("\\r", out);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				out_u00(*p, out);
			} else if (*p < 0x80) {
				out_char(*p, out);
			} else {
				/* File names need not be UTF-8, JSON must be:
				   a byte that does not start a valid sequence
				   is written as the code point of the same
				   value.  */
				size_t n = utf8_len(p);

				if (n == 0)
					out_u00(*p, out);
				else
					out_mem((const char *) p, n, out);
				if (n > 1)
					p += n - 1;
			}
		}
	}
	out_char('"', out);
}

static void
print_json(const rseqelf *h, struct out *out)
{
	size_t n = rseqelf_cs_count(h);

	out_str("{\"file\": ", out);
	json_string(rseqelf_name(h), out);
	out_str(", \"machine\": ", out);
	json_string(rseqelf_machine_name(h), out);
	put_field(", \"class\": ", rseqelf_class(h), out);
	out_str(rseqelf_big_endian(h) ? ", \"endianness\": \"big\",\n"
	    : ", \"endianness\": \"little\",\n", out);
	out_str(" \"critical_sections\": [", out);
	for (size_t i = 0; i < n; i++)
		json_cs(rseqelf_cs_at(h, i), i == 0, out);
	out_str(n ? "\n ],\n \"diagnostics\": [" : "],\n \"diagnostics\": [", out);
	for (size_t i = 0; i < rseqelf_diag_count(h); i++) {
		const struct rseqelf_diag *d = rseqelf_diag_at(h, i);

		out_str(i ? ",\n  {\"severity\": \"" : "\n  {\"severity\": \"", out);
		out_str(rseqelf_severity_name(d->severity), out);
		if (d->has_ip)
			put_field("\", \"ip\": ", d->ip, out);
		else
			out_str("\", \"ip\": null", out);
		out_str(", \"message\": ", out);
		json_string(d->message, out);
		out_char('}', out);
	}
	out_str(rseqelf_diag_count(h) ? "\n ]}" : "]}", out);
}

int
main(int argc, char **argv)
{
	static struct out jout;
	bool json = false, check = false;
	unsigned flags = 0;
	int status = 0, opt, nfiles, printed = 0;

	while ((opt = getopt_long(argc, argv, "jcnhV", long_options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'c':
			check = true;
			break;
		case 'n':
			flags |= RSEQELF_NO_DERIVE;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf(PROGRAM " (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		default:
			fprintf(stderr, "Try '" PROGRAM " --help' for more information.\n");
			return 2;
		}
	}
	nfiles = argc - optind;
	if (nfiles == 0) {
		fprintf(stderr, PROGRAM ": no input file\n");
		fprintf(stderr, "Try '" PROGRAM " --help' for more information.\n");
		return 2;
	}
	jout.f = stdout;

	if (json && nfiles > 1)
		fputc('[', stdout);
	for (int i = optind; i < argc; i++) {
		struct rseqelf_error err;
		rseqelf *h = rseqelf_open(argv[i], flags, &err);

		if (h == NULL) {
			/* Keep stdout and stderr in their order on a tty.  */
			fflush(stdout);
			fprintf(stderr, PROGRAM ": %s\n", err.message);
			status = 2;
			continue;
		}
		if (json) {
			if (nfiles > 1)
				fputs(printed ? ",\n" : "\n", stdout);
			print_json(h, &jout);
			out_flush(&jout);
			if (nfiles == 1)
				fputc('\n', stdout);
		} else {
			if (printed)
				fputc('\n', stdout);
			print_table(h, stdout);
		}
		printed++;
		if (check && has_findings(h) && status == 0)
			status = 1;
		rseqelf_close(h);
	}
	if (json && nfiles > 1)
		fputs("\n]\n", stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROGRAM ": write error: %s\n", strerror(errno));
		return 2;
	}
	return status;
}
