/* ms_screen_ckpt.c - the screen's checkpoint file (rank 0 writes and reads it).
 *
 * Layout (native byte order; a checkpoint is resumed on the machine type that wrote it):
 *   header  ckpt_header below
 *   hist    (hist_bins + 2) int64
 *   records n_records x rec_bytes (ms_screen_rec + the source row)
 *   sum     uint64 FNV-1a of every byte above
 * Written to PATH.tmp, fsync'ed and renamed, so PATH is always a complete file: a kill -9 in
 * the middle of a write leaves the previous checkpoint. A truncated or altered file fails the
 * checksum and is refused with a message, never half-read.
 */
#include "ms_screen_impl.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
  char     magic[8];     /* "MSSCRCK1" */
  uint32_t version, rec_bytes;
  uint64_t hash;         /* of the screen's definition */
  int64_t  n_total, chunk, next_chunk;
  int64_t  n_scored, n_passed, n_out, n_records;
  int64_t  hist_bins, pareto, top_k;
  double   hist_lo, hist_hi;
} ckpt_header;

uint64_t ms_screen_fnv1a(uint64_t h, const void *p, size_t n)
{
  const unsigned char *c = p;
  if (!h) h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) {
    h ^= c[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static int write_all(int fd, const void *p, size_t n, uint64_t *h)
{
  const char *c = p;
  *h = ms_screen_fnv1a(*h, p, n);
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

PetscErrorCode ms_screen_ckpt_write(const char *path, uint64_t hash, int64_t n_total, int64_t chunk, int64_t next_chunk,
                                    const ms_screen_state *s)
{
  char        tmp[PETSC_MAX_PATH_LEN + 8];
  ckpt_header h;
  uint64_t    sum = 0;
  int         fd, bad = 0;

  PetscFunctionBegin;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, "MSSCRCK1", 8);
  h.version    = 1;
  h.rec_bytes  = (uint32_t)s->rec_bytes;
  h.hash       = hash;
  h.n_total    = n_total;
  h.chunk      = chunk;
  h.next_chunk = next_chunk;
  h.n_scored   = s->n_scored;
  h.n_passed   = s->n_passed;
  h.n_out      = s->n_out;
  h.n_records  = s->n_recs;
  h.hist_bins  = s->hist_bins;
  h.pareto     = s->pareto;
  h.top_k      = s->top_k;
  h.hist_lo    = s->hist_lo;
  h.hist_hi    = s->hist_hi;
  PetscCall(PetscSNPrintf(tmp, sizeof tmp, "%s.tmp", path));
  fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  PetscCheck(fd >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot create checkpoint %s: %s", tmp, strerror(errno));
  bad |= write_all(fd, &h, sizeof h, &sum);
  bad |= write_all(fd, s->hist, (size_t)(s->hist_bins + 2) * sizeof(int64_t), &sum);
  bad |= write_all(fd, s->recs, (size_t)s->n_recs * s->rec_bytes, &sum);
  uint64_t final = sum, dummy = 0;
  bad |= write_all(fd, &final, sizeof final, &dummy);
  bad |= fsync(fd);
  bad |= close(fd);
  if (bad || rename(tmp, path)) {
    unlink(tmp);
    SETERRQ(PETSC_COMM_SELF, MS_ERR_FILE, "cannot write checkpoint %s: %s (disk full?)", path, strerror(errno));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_ckpt_read(const char *path, uint64_t hash, int64_t n_total, int64_t chunk, ms_screen_state *s, int64_t *next_chunk,
                                   char *msg, size_t msg_len)
{
  FILE       *f;
  long        len;
  char       *buf;
  ckpt_header h;

  PetscFunctionBegin;
  msg[0] = 0;
  f      = fopen(path, "rb");
  if (!f) {
    PetscCall(PetscSNPrintf(msg, msg_len, "cannot open checkpoint %s: %s", path, strerror(errno)));
    PetscFunctionReturn(0);
  }
  fseek(f, 0, SEEK_END);
  len = ftell(f);
  fseek(f, 0, SEEK_SET);
  if (len < (long)(sizeof h + 8)) {
    fclose(f);
    PetscCall(PetscSNPrintf(msg, msg_len, "checkpoint %s is truncated (%ld bytes); remove it to start afresh", path, len));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1(len, &buf));
  size_t got = fread(buf, 1, (size_t)len, f);
  fclose(f);
  memcpy(&h, buf, sizeof h);
  uint64_t stored;
  memcpy(&stored, buf + len - 8, 8);
  size_t want = sizeof h + (size_t)(h.hist_bins + 2) * 8 + (size_t)h.n_records * h.rec_bytes + 8;
  if (got != (size_t)len || memcmp(h.magic, "MSSCRCK1", 8) || h.version != 1)
    PetscCall(PetscSNPrintf(msg, msg_len, "%s is not a matscreen screen checkpoint (version 1)", path));
  else if (h.hist_bins < 0 || h.n_records < 0 || want != (size_t)len || ms_screen_fnv1a(0, buf, (size_t)len - 8) != stored)
    PetscCall(PetscSNPrintf(msg, msg_len, "checkpoint %s is damaged (size or checksum mismatch); remove it to start afresh", path));
  else if (h.hash != hash || h.n_total != n_total || h.chunk != chunk || h.rec_bytes != s->rec_bytes || h.hist_bins != s->hist_bins ||
           h.pareto != s->pareto || h.top_k != s->top_k)
    PetscCall(PetscSNPrintf(msg, msg_len,
                            "checkpoint %s belongs to a different screen (candidates, models or options such as -top, -rank, -filter, "
                            "-chunk differ); run the original command to finish it, or remove the checkpoint to start afresh",
                            path));
  if (!msg[0]) {
    const char *p = buf + sizeof h;
    PetscCall(PetscArraycpy(s->hist, (const int64_t *)p, h.hist_bins + 2));
    p += (h.hist_bins + 2) * 8;
    s->n_recs = 0;
    if (s->pareto) PetscCall(ms_screen_state_front_add(s, p, h.n_records));
    else
      for (int64_t i = 0; i < h.n_records; i++) PetscCall(ms_screen_state_offer(s, (const ms_screen_rec *)(p + (size_t)i * h.rec_bytes)));
    s->n_scored = h.n_scored;
    s->n_passed = h.n_passed;
    s->n_out    = h.n_out;
    *next_chunk = h.next_chunk;
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}
