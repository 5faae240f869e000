/* ms_fuzz_driver.c - main() for the fuzz harnesses when they are not linked with libFuzzer.
 *
 *   fuzz_<target> FILE|DIR ...   replay every file (directories: every regular file in
 *                                them), one after another in one process; exit 0 when all
 *                                inputs ran (a finding crashes or aborts the process).
 *   fuzz_<target>                (built by afl-clang-fast) AFL++ persistent mode: inputs
 *                                come from AFL's shared memory, 10000 per fork.
 */
#include "ms_fuzz.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

static int replay_file(const char *path)
{
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "ms_fuzz: cannot open %s\n", path);
    return 1;
  }
  uint8_t *buf = NULL;
  size_t   n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? 2 * cap : 4096;
      buf = (uint8_t *)realloc(buf, cap);
      if (!buf) abort();
    }
    size_t r = fread(buf + n, 1, cap - n, f);
    if (!r) break;
    n += r;
  }
  fclose(f);
  /* Hand over an exact-size copy so that ASan sees reads past the end of the input. */
  uint8_t *in = (uint8_t *)malloc(n ? n : 1);
  if (!in) abort();
  if (n) memcpy(in, buf, n);
  free(buf);
  LLVMFuzzerTestOneInput(in, n);
  free(in);
  return 0;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int replay(const char *path, int *count)
{
  struct stat st;
  if (stat(path, &st)) {
    fprintf(stderr, "ms_fuzz: no such file or directory: %s\n", path);
    return 1;
  }
  if (!S_ISDIR(st.st_mode)) {
    (*count)++;
    return replay_file(path);
  }
  DIR *d = opendir(path);
  if (!d) return 1;
  char         **names = NULL;
  size_t         n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue; /* ., .., README-like dot files */
    names        = (char **)realloc(names, (n + 1) * sizeof *names);
    names[n++]   = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmp_names); /* same order on every machine */
  int bad = 0;
  for (size_t i = 0; i < n; i++) {
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", path, names[i]);
    if (!stat(p, &st) && S_ISREG(st.st_mode)) {
      (*count)++;
      bad |= replay_file(p);
    }
    free(names[i]);
  }
  free(names);
  return bad;
}

int main(int argc, char **argv)
{
  LLVMFuzzerInitialize(&argc, &argv);
#ifdef __AFL_FUZZ_TESTCASE_LEN
  if (argc < 2) {
    __AFL_INIT();
    unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(10000)) {
      size_t n = (size_t)__AFL_FUZZ_TESTCASE_LEN;
      uint8_t *in = (uint8_t *)malloc(n ? n : 1);
      memcpy(in, buf, n);
      LLVMFuzzerTestOneInput(in, n);
      free(in);
    }
    return PetscFinalize() ? 1 : 0;
  }
#endif
  int bad = 0, count = 0;
  for (int i = 1; i < argc; i++) bad |= replay(argv[i], &count);
  printf("ms_fuzz: %d input(s) replayed from %d path(s)%s\n", count, argc - 1, bad ? ", some unreadable" : "");
  if (PetscFinalize()) return 1;
  return bad || !count;
}
