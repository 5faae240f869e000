/* ms_screen_impl.h - private to ml/screen: the per-rank screening state (records, top-K
 * heap, Pareto front, histogram, counts), its merge on rank 0 and its checkpoint file. */
#ifndef MS_SCREEN_IMPL_H
#define MS_SCREEN_IMPL_H

#include "ms_screen.h"

/* A candidate kept in the heap or the front: fixed header followed by the n_columns source
 * values (rec_bytes in all), so a set of records is one byte block (MPI, checkpoints). */
typedef struct {
  int64_t index;
  double  key, key2, score, pred, std, pred2, std2, distance;
  int32_t in_domain, pad;
  char    id[MS_SCREEN_ID_LEN];
} ms_screen_rec;

#define MS_REC_X(r) ((double *)((char *)(r) + sizeof(ms_screen_rec)))

typedef struct {
  size_t    rec_bytes;
  int64_t   n_columns;
  PetscBool pareto;
  int64_t   top_k;
  /* top-K: min-heap on "better" (root = worst kept); Pareto: the running front */
  char     *recs;
  int64_t   n_recs, cap;
  /* streamed statistics */
  int       hist_bins;
  double    hist_lo, hist_hi;
  int64_t  *hist;        /* hist_bins + 2 */
  int64_t   n_scored, n_passed, n_out;
} ms_screen_state;

static inline ms_screen_rec *ms_screen_state_rec(const ms_screen_state *s, char *base, int64_t i)
{
  return (ms_screen_rec *)(base + (size_t)i * s->rec_bytes);
}

/* a ranks before b: larger key, ties to the lower candidate index */
static inline int ms_screen_better(double ka, int64_t ia, double kb, int64_t ib)
{
  return ka > kb || (ka == kb && ia < ib);
}

PetscErrorCode ms_screen_state_init(ms_screen_state *s, int64_t n_columns, PetscBool pareto, int64_t top_k, int hist_bins, double lo,
                                    double hi);
PetscErrorCode ms_screen_state_free(ms_screen_state *s);
void           ms_screen_state_hist_add(ms_screen_state *s, double score);
/* Top-K: offer one record (copied when kept). */
PetscErrorCode ms_screen_state_offer(ms_screen_state *s, const ms_screen_rec *r);
/* Would a record with this key and index enter the top-K? (cheap pre-check) */
PetscBool      ms_screen_state_wants(const ms_screen_state *s, double key, int64_t index);
/* Pareto: add n records (block of rec_bytes each) and reduce to the non-dominated set. */
PetscErrorCode ms_screen_state_front_add(ms_screen_state *s, const char *block, int64_t n);
/* Reduce the non-dominated records of block[0..n) in place (sorted by key desc, key2 desc,
   index); *m = how many remain. */
PetscErrorCode ms_screen_front_reduce(size_t rec_bytes, char *block, int64_t n, int64_t *m);
/* Collective: everything to rank 0 (others reset to empty). */
PetscErrorCode ms_screen_state_merge(MPI_Comm comm, ms_screen_state *s);
/* Rank 0: records in output order (top-K best first; front by key desc). */
PetscErrorCode ms_screen_state_sort(ms_screen_state *s);

/* Checkpoint file (rank 0 only). */
PetscErrorCode ms_screen_ckpt_write(const char *path, uint64_t hash, int64_t n_total, int64_t chunk, int64_t next_chunk,
                                    const ms_screen_state *s);
/* Reads into s (rank 0 only). On a bad or foreign file returns 0 and sets msg (non-empty). */
PetscErrorCode ms_screen_ckpt_read(const char *path, uint64_t hash, int64_t n_total, int64_t chunk, ms_screen_state *s, int64_t *next_chunk,
                                   char *msg, size_t msg_len);
uint64_t ms_screen_fnv1a(uint64_t h, const void *p, size_t n);

#endif
