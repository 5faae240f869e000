/* kill_at_write.c - LD_PRELOAD shim for crash-consistency tests: the process kills itself
 * with SIGKILL just before its K-th write to a file whose path contains MS_KILL_PATH.
 *
 *   MS_KILL_PATH=labels.h5 MS_KILL_AT_WRITE=K LD_PRELOAD=libms_kill_at_write.so matscreen label ...
 *
 * Every write system call is a point where a crash can leave the file: killing before each
 * one in turn (K = 1, 2, ...) visits every state the file can be left in by a kill -9 or a
 * node failure. The shim sits below HDF5 and MPI-IO, so HDF5's own metadata flushes at
 * H5Fclose are covered too. MS_KILL_COUNT_FILE, if set, receives the number of matching
 * writes at exit (to learn how many K there are).
 *
 * MS_STOP_AT_RENAME=S stops the process (SIGSTOP) right after its first successful rename()
 * onto a path containing S: a test then knows the program is mid-run with a committed
 * checkpoint, with no timing window, and sends its kill -9 or SIGTERM before a SIGCONT. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long count = 0;

static int matches(int fd)
{
  static const char *want = NULL;
  static int         init = 0;
  if (!init) {
    want = getenv("MS_KILL_PATH");
    init = 1;
  }
  if (!want || !want[0]) return 0;
  char link[64], target[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return 0;
  target[n] = 0;
  return strstr(target, want) != NULL;
}

static void before_write(int fd)
{
  if (!matches(fd)) return;
  count++;
  const char *k = getenv("MS_KILL_AT_WRITE");
  if (k && atol(k) == count) raise(SIGKILL);
}

/* after the rename: the new file is complete and visible, the program has not gone on */
static void after_rename(const char *newpath)
{
  static int stopped = 0;
  const char *want   = getenv("MS_STOP_AT_RENAME");
  if (stopped || !want || !want[0] || !strstr(newpath, want)) return;
  stopped = 1;
  raise(SIGSTOP);
}

__attribute__((destructor)) static void report(void)
{
  const char *f = getenv("MS_KILL_COUNT_FILE");
  if (!f || !count) return;
  FILE *o = fopen(f, "a");
  if (o) {
    fprintf(o, "%ld\n", count);
    fclose(o);
  }
}

#define REAL(name, ret, ...) \
  static ret (*real)(__VA_ARGS__); \
  if (!real) real = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

ssize_t write(int fd, const void *buf, size_t n)
{
  REAL("write", ssize_t, int, const void *, size_t);
  before_write(fd);
  return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
  REAL("pwrite", ssize_t, int, const void *, size_t, off_t);
  before_write(fd);
  return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
  REAL("pwrite64", ssize_t, int, const void *, size_t, off_t);
  before_write(fd);
  return real(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
  REAL("writev", ssize_t, int, const struct iovec *, int);
  before_write(fd);
  return real(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
  REAL("pwritev", ssize_t, int, const struct iovec *, int, off_t);
  before_write(fd);
  return real(fd, iov, cnt, off);
}

ssize_t pwritev64(int fd, const struct iovec *iov, int cnt, off_t off)
{
  REAL("pwritev64", ssize_t, int, const struct iovec *, int, off_t);
  before_write(fd);
  return real(fd, iov, cnt, off);
}

int ftruncate(int fd, off_t len)
{
  REAL("ftruncate", int, int, off_t);
  before_write(fd);
  return real(fd, len);
}

int ftruncate64(int fd, off_t len)
{
  REAL("ftruncate64", int, int, off_t);
  before_write(fd);
  return real(fd, len);
}

int rename(const char *oldpath, const char *newpath)
{
  REAL("rename", int, const char *, const char *);
  int r = real(oldpath, newpath);
  if (r == 0) after_rename(newpath);
  return r;
}
