/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* diag.c: the findings a handle carries, and the names printed for enums.  */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>

/* Record a finding.  Running out of memory here must not fail the open:
   the finding is dropped and one last note says so.  */
void
rd_diag(rseqelf *h, enum rseqelf_severity sev, bool has_ip, uint64_t ip,
	const char *fmt, ...)
{
	struct rseqelf_diag *d;
	char *msg;
	va_list ap;
	int n;

	if (h->diag_oom)
		return;
	if (h->ndiags == h->diags_cap) {
		size_t cap = h->diags_cap ? h->diags_cap * 2 : 16;
		struct rseqelf_diag *nd = realloc(h->diags, cap * sizeof *nd);

		if (nd == NULL) {
			h->diag_oom = true;
			return;
		}
		h->diags = nd;
		h->diags_cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		h->diag_oom = true;
		return;
	}
	d = &h->diags[h->ndiags++];
	d->severity = sev;
	d->has_ip = has_ip;
	d->ip = has_ip ? ip : 0;
	d->message = msg;
}

void
rd_diags_free(rseqelf *h)
{
	for (size_t i = 0; i < h->ndiags; i++)
		free((char *) h->diags[i].message);
	free(h->diags);
	h->diags = NULL;
	h->ndiags = h->diags_cap = 0;
}

size_t
rseqelf_diag_count(const rseqelf *h)
{
	return h->ndiags;
}

const struct rseqelf_diag *
rseqelf_diag_at(const rseqelf *h, size_t i)
{
	return i < h->ndiags ? &h->diags[i] : NULL;
}

const char *
rseqelf_severity_name(enum rseqelf_severity s)
{
	switch (s) {
	case RSEQELF_NOTE:
		return "note";
	case RSEQELF_WARNING:
		return "warning";
	case RSEQELF_ERROR:
		return "error";
	}
	return "unknown";
}

const char *
rseqelf_exit_kind_name(enum rseqelf_exit_kind k)
{
	switch (k) {
	case RSEQELF_EXIT_DECLARED:
		return "declared";
	case RSEQELF_EXIT_DERIVED:
		return "derived";
	}
	return "unknown";
}
