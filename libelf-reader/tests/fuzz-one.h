/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-one.h: one untrusted image through librseqelf, for fuzz-test (its
   damaged fixtures and the saved regressions) and the libFuzzer harness,
   so that every input is judged the same way whoever made it.  */
#ifndef FUZZ_ONE_H
#define FUZZ_ONE_H

#include <stddef.h>
#include <stdio.h>

/* Open SIZE bytes at DATA as file NAME and walk everything the handle
   returns.  Returns 0 when the library behaved (a clean error, or a
   handle whose contents keep the promises of rseqelf.h), else 1 after
   saying why on REPORT, each line starting with NAME and WHAT.  */
int fuzz_one (const unsigned char *data, size_t size, const char *name,
	      const char *what, FILE *report);

#endif /* FUZZ_ONE_H */
