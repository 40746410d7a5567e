/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rseqelf-fuzzer: the libFuzzer target of librseqelf, built by "make fuzz"
 * with clang's -fsanitize=fuzzer,address,undefined.  Each input is an ELF
 * image as rseqelf_open_mem would be given it, judged by fuzz_one, so a
 * broken promise of rseqelf.h stops the campaign like a crash does.
 * fuzz-test --replay feeds the saved regressions to the same fuzz_one in
 * ordinary builds.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz-one.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
	if (fuzz_one (data, size, "fuzz-input", "libFuzzer", stderr) != 0)
		abort ();
	return 0;
}
