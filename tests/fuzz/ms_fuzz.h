/* ms_fuzz.h - shared pieces of the fuzz harnesses in tests/fuzz.
 *
 * Every harness defines LLVMFuzzerTestOneInput(data, size): one input in, the reader under
 * test run on it, 0 back. Errors the reader reports through PETSc are the expected outcome
 * for malformed input and are swallowed; a crash, a sanitizer report, a hang or an abort
 * is a finding. The same object links into
 *   - a libFuzzer executable (MATSCREEN_FUZZ=ON, clang -fsanitize=fuzzer), and
 *   - ms_fuzz_driver.c otherwise: replay of corpus files and directories (CTest), or an
 *     AFL++ persistent-mode loop when compiled by afl-clang-fast.
 * PETSc and MPI are initialised once per process (LLVMFuzzerInitialize), never per input.
 */
#ifndef MS_FUZZ_H
#define MS_FUZZ_H

#include <petscsys.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Write data to this process's scratch file ending in `suffix` (".csv", ".tif", ".h5") in a
 * private directory on tmpfs; returns its path (owned by the harness, valid until the next
 * call with the same suffix). Aborts when the file cannot be written (not a finding). */
const char *ms_fuzz_file(const char *suffix, const uint8_t *data, size_t size);

#endif
