/* ms_fuzz_common.c - one-time PETSc/MPI set-up and scratch files for the fuzz harnesses. */
#include "ms_fuzz.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch_dir[256];

/* Under ASan: a file may claim an extent of 2^62 voxels; the reader asks for that much and
   must get NULL back (and report PETSc's out-of-memory error), as from glibc, instead of
   ASan's allocation-size-too-big abort. Options in ASAN_OPTIONS are added to these. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

static void remove_scratch(void)
{
  static const char *const sfx[] = {".csv", ".tif", ".h5", ".txt", NULL};
  char                     p[320];
  for (int i = 0; sfx[i]; i++) {
    snprintf(p, sizeof p, "%s/input%s", scratch_dir, sfx[i]);
    unlink(p);
  }
  rmdir(scratch_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  /* PETSc must not install its own SIGSEGV/SIGFPE handlers: the sanitizers and the fuzzer
     report crashes themselves. Its options are not taken from our argv (libFuzzer's). */
  static char *args[] = {"ms_fuzz", "-no_signal_handler", NULL};
  int          n      = 2;
  char       **a      = args;
  if (PetscInitialize(&n, &a, NULL, NULL)) abort();
  /* Malformed input is expected to fail with a PETSc error; keep the run quiet. */
  if (PetscPushErrorHandler(PetscReturnErrorHandler, NULL)) abort();
  const char *base = getenv("MS_FUZZ_TMPDIR");
  if (!base) base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  snprintf(scratch_dir, sizeof scratch_dir, "%s/ms_fuzz.XXXXXX", base);
  if (!mkdtemp(scratch_dir)) {
    fprintf(stderr, "ms_fuzz: cannot create a scratch directory under %s: %s\n", base, strerror(errno));
    abort();
  }
  atexit(remove_scratch);
  return 0;
}

const char *ms_fuzz_file(const char *suffix, const uint8_t *data, size_t size)
{
  static char path[320];
  snprintf(path, sizeof path, "%s/input%s", scratch_dir, suffix);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) abort();
  for (size_t off = 0; off < size;) {
    ssize_t w = write(fd, data + off, size - off);
    if (w <= 0) abort();
    off += (size_t)w;
  }
  close(fd);
  return path;
}
