/* ms_screen_state.c - what a screen keeps while streaming: the K best records (a binary
 * min-heap whose root is the worst kept, so a candidate is compared once with the root), or
 * the running Pareto front; the score histogram and counts. Merging is exact (top-K of a
 * union, front of a union, integer sums), so the merged state is the same for any split of
 * the candidates over ranks and over checkpoints. */
#include "ms_screen_impl.h"
#include <math.h>
#include <string.h>

PetscErrorCode ms_screen_state_init(ms_screen_state *s, int64_t n_columns, PetscBool pareto, int64_t top_k, int hist_bins, double lo, double hi)
{
  PetscFunctionBegin;
  memset(s, 0, sizeof *s);
  s->rec_bytes = sizeof(ms_screen_rec) + (size_t)n_columns * sizeof(double);
  s->n_columns = n_columns;
  s->pareto    = pareto;
  s->top_k     = top_k;
  s->hist_bins = hist_bins;
  s->hist_lo   = lo;
  s->hist_hi   = hi;
  PetscCall(PetscCalloc1(hist_bins + 2, &s->hist));
  s->cap = pareto ? 1024 : top_k;
  PetscCall(PetscMalloc1(s->cap * s->rec_bytes + 1, &s->recs));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_state_free(ms_screen_state *s)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(s->recs));
  PetscCall(PetscFree(s->hist));
  PetscFunctionReturn(0);
}

void ms_screen_state_hist_add(ms_screen_state *s, double score)
{
  int b;
  if (!s->hist_bins) return;
  if (score < s->hist_lo) b = 0;
  else if (score >= s->hist_hi) b = s->hist_bins + (score == s->hist_hi ? 0 : 1); /* hi itself in the last bin */
  else b = 1 + PetscMin(s->hist_bins - 1, (int)((score - s->hist_lo) / (s->hist_hi - s->hist_lo) * s->hist_bins));
  s->hist[b]++;
}

#define REC(i) ms_screen_state_rec(s, s->recs, (i))

static void rec_swap(ms_screen_state *s, int64_t a, int64_t b, char *tmp)
{
  memcpy(tmp, REC(a), s->rec_bytes);
  memcpy(REC(a), REC(b), s->rec_bytes);
  memcpy(REC(b), tmp, s->rec_bytes);
}

/* heap order: parent is worse than (not better than) its children */
static inline int worse(ms_screen_state *s, int64_t a, int64_t b)
{
  return ms_screen_better(REC(b)->key, REC(b)->index, REC(a)->key, REC(a)->index);
}

PetscBool ms_screen_state_wants(const ms_screen_state *s, double key, int64_t index)
{
  if (s->top_k <= 0) return PETSC_FALSE;
  if (s->n_recs < s->top_k) return PETSC_TRUE;
  const ms_screen_rec *root = ms_screen_state_rec(s, s->recs, 0);
  return ms_screen_better(key, index, root->key, root->index) ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode ms_screen_state_offer(ms_screen_state *s, const ms_screen_rec *r)
{
  char    tmp[sizeof(ms_screen_rec) + 8 * 512], *t = tmp;
  int64_t i;

  PetscFunctionBegin;
  if (!ms_screen_state_wants(s, r->key, r->index)) PetscFunctionReturn(0);
  if (s->rec_bytes > sizeof tmp) PetscCall(PetscMalloc1(s->rec_bytes, &t));
  if (s->n_recs < s->top_k) {
    i = s->n_recs++;
    memcpy(REC(i), r, s->rec_bytes);
    while (i > 0 && worse(s, i, (i - 1) / 2)) { /* sift up: the worse goes to the root */
      rec_swap(s, i, (i - 1) / 2, t);
      i = (i - 1) / 2;
    }
  } else {
    memcpy(REC(0), r, s->rec_bytes);
    i = 0;
    for (;;) {
      int64_t l = 2 * i + 1, rr = l + 1, w = i;
      if (l < s->n_recs && worse(s, l, w)) w = l;
      if (rr < s->n_recs && worse(s, rr, w)) w = rr;
      if (w == i) break;
      rec_swap(s, i, w, t);
      i = w;
    }
  }
  if (t != tmp) PetscCall(PetscFree(t));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- Pareto */
typedef struct {
  double  k1, k2;
  int64_t index, pos;
} front_key;

static int front_cmp(const void *a, const void *b)
{
  const front_key *x = a, *y = b;
  if (x->k1 != y->k1) return x->k1 > y->k1 ? -1 : 1;
  if (x->k2 != y->k2) return x->k2 > y->k2 ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Both keys are maximised. A point is dominated when another is >= in both and > in one;
   after sorting by k1 desc, k2 desc, a point survives iff its k2 is the maximum of its k1
   group and exceeds every k2 of the groups with a larger k1. Equal points all survive. */
PetscErrorCode ms_screen_front_reduce(size_t rec_bytes, char *block, int64_t n, int64_t *m)
{
  front_key *k;
  char      *out;
  int64_t    cnt = 0;
  double     best = -INFINITY;

  PetscFunctionBegin;
  if (n == 0) { *m = 0; PetscFunctionReturn(0); }
  PetscCall(PetscMalloc1(n, &k));
  for (int64_t i = 0; i < n; i++) {
    const ms_screen_rec *r = (const ms_screen_rec *)(block + (size_t)i * rec_bytes);
    k[i] = (front_key){r->key, r->key2, r->index, i};
  }
  qsort(k, (size_t)n, sizeof *k, front_cmp);
  PetscCall(PetscMalloc1(n * rec_bytes, &out));
  for (int64_t i = 0; i < n;) {
    int64_t j = i;
    double  g = k[i].k2;
    while (j < n && k[j].k1 == k[i].k1) j++;
    if (g > best)
      for (int64_t t = i; t < j && k[t].k2 == g; t++) memcpy(out + (size_t)cnt++ * rec_bytes, block + (size_t)k[t].pos * rec_bytes, rec_bytes);
    best = PetscMax(best, g);
    i    = j;
  }
  memcpy(block, out, (size_t)cnt * rec_bytes);
  PetscCall(PetscFree(out));
  PetscCall(PetscFree(k));
  *m = cnt;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_state_front_add(ms_screen_state *s, const char *block, int64_t n)
{
  PetscFunctionBegin;
  if (s->n_recs + n > s->cap) {
    char *nr;
    s->cap = PetscMax(2 * s->cap, s->n_recs + n);
    PetscCall(PetscMalloc1(s->cap * s->rec_bytes, &nr));
    memcpy(nr, s->recs, (size_t)s->n_recs * s->rec_bytes);
    PetscCall(PetscFree(s->recs));
    s->recs = nr;
  }
  memcpy(s->recs + (size_t)s->n_recs * s->rec_bytes, block, (size_t)n * s->rec_bytes);
  PetscCall(ms_screen_front_reduce(s->rec_bytes, s->recs, s->n_recs + n, &s->n_recs));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- merge */
PetscErrorCode ms_screen_state_merge(MPI_Comm comm, ms_screen_state *s)
{
  PetscMPIInt size, rank;
  int64_t     cnt[3] = {s->n_scored, s->n_passed, s->n_out};

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (size == 1) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Reduce(rank ? cnt : MPI_IN_PLACE, cnt, 3, MPI_INT64_T, MPI_SUM, 0, comm));
  PetscCallMPI(MPI_Reduce(rank ? s->hist : MPI_IN_PLACE, s->hist, s->hist_bins + 2, MPI_INT64_T, MPI_SUM, 0, comm));
  if (rank) {
    s->n_scored = s->n_passed = s->n_out = 0;
    PetscCall(PetscArrayzero(s->hist, s->hist_bins + 2));
  } else {
    s->n_scored = cnt[0];
    s->n_passed = cnt[1];
    s->n_out    = cnt[2];
  }
  /* records: counts, then the bytes (a front may exceed 2 GB only in absurd cases: checked) */
  int64_t     mine = rank ? s->n_recs : 0, *all = NULL;
  PetscMPIInt *rc = NULL, *dsp = NULL;
  char        *buf = NULL;
  if (!rank) PetscCall(PetscMalloc3(size, &all, size, &rc, size, &dsp));
  PetscCallMPI(MPI_Gather(&mine, 1, MPI_INT64_T, all, 1, MPI_INT64_T, 0, comm));
  int64_t total = 0;
  if (!rank) {
    for (int r = 0; r < size; r++) {
      PetscCheck((double)(total + all[r]) * s->rec_bytes < 2e9, PETSC_COMM_SELF, MS_ERR_USER,
                 "screen: the merged Pareto front is too large to gather (%lld records)", (long long)(total + all[r]));
      rc[r]  = (PetscMPIInt)(all[r] * s->rec_bytes);
      dsp[r] = (PetscMPIInt)(total * s->rec_bytes);
      total += all[r];
    }
    PetscCall(PetscMalloc1(total * s->rec_bytes + 1, &buf));
  }
  PetscCallMPI(MPI_Gatherv(s->recs, (PetscMPIInt)(mine * s->rec_bytes), MPI_BYTE, buf, rc, dsp, MPI_BYTE, 0, comm));
  if (rank) s->n_recs = 0;
  else {
    if (s->pareto) PetscCall(ms_screen_state_front_add(s, buf, total));
    else
      for (int64_t i = 0; i < total; i++) PetscCall(ms_screen_state_offer(s, (const ms_screen_rec *)(buf + (size_t)i * s->rec_bytes)));
    PetscCall(PetscFree(buf));
    PetscCall(PetscFree3(all, rc, dsp));
  }
  PetscFunctionReturn(0);
}

/* records are sorted whole (qsort with size rec_bytes); only the header is compared */
static int topk_cmp(const void *a, const void *b)
{
  const ms_screen_rec *x = a, *y = b;
  if (ms_screen_better(x->key, x->index, y->key, y->index)) return -1;
  if (ms_screen_better(y->key, y->index, x->key, x->index)) return 1;
  return 0;
}

PetscErrorCode ms_screen_state_sort(ms_screen_state *s)
{
  PetscFunctionBegin;
  if (s->pareto) PetscCall(ms_screen_front_reduce(s->rec_bytes, s->recs, s->n_recs, &s->n_recs)); /* sorted by key desc */
  else qsort(s->recs, (size_t)s->n_recs, s->rec_bytes, topk_cmp);
  PetscFunctionReturn(0);
}
