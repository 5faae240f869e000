/* sisso_screen.c - sure independence screening over the whole candidate pool.
 *
 * Each rank walks a contiguous block of the pool (stored features, then the streamed last
 * rung) in chunks, evaluating one candidate at a time into a buffer of n values: nothing of
 * the last rung is ever stored. A rank keeps only its best k by (|corr| desc, complexity
 * asc, pool index asc), one per duplicate hash; the global list is the same insertion over
 * the gathered per-rank lists. That equals "group all candidates by hash, keep each group's
 * best, take the best k groups" whatever the number of ranks: a group's best member is in
 * its own rank's list whenever it is in the global top k, and a later member of an evicted
 * group can only re-enter if it is better than k others (then it is the group's best).
 */
#include "sisso_impl.h"
#include "ms_log.h"
#include <math.h>
#include <stdlib.h>

/* Candidates per chunk between progress reductions. */
#define MS_SISSO_CHUNK 65536

int ms_sisso_entry_better(const ms_sisso_entry *x, const ms_sisso_entry *y)
{
  if (x->score != y->score) return x->score > y->score;
  if (x->cplx != y->cplx) return x->cplx < y->cplx;
  return x->idx < y->idx;
}

void ms_sisso_top_insert(ms_sisso_top *t, const ms_sisso_entry *x)
{
  int64_t pos;
  if (t->n == t->k && !ms_sisso_entry_better(x, &t->e[t->n - 1])) return;
  for (int64_t i = 0; i < t->n; i++)
    if (t->e[i].hash == x->hash) {
      if (!ms_sisso_entry_better(x, &t->e[i])) return;
      for (int64_t q = i; q + 1 < t->n; q++) t->e[q] = t->e[q + 1];
      t->n--;
      break;
    }
  if (t->n == t->k) t->n--;
  for (pos = t->n; pos > 0 && ms_sisso_entry_better(x, &t->e[pos - 1]); pos--) t->e[pos] = t->e[pos - 1];
  t->e[pos] = *x;
  t->n++;
}

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

PetscErrorCode ms_sisso_screen(MPI_Comm comm, const ms_sisso_space *sp, const double *r, const void *cls, int64_t n_excl, const uint64_t *excl,
                               ms_sisso_top *top, int64_t *n_valid)
{
  const int64_t   T = ms_sisso_space_pool(sp), n = sp->n;
  PetscMPIInt     size, rank;
  int64_t         lo, hi, nchunks, valid = 0, done = 0;
  double         *v, *z;
  const double    rn = 1.0 / sqrt((double)n);
  ms_sisso_top    loc = {top->k, 0, NULL};
  ms_sisso_entry *all;
  ms_progress     prog;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  lo      = T / size * rank + PetscMin(rank, T % size);
  hi      = lo + T / size + (rank < T % size);
  nchunks = (T / size + 1 + MS_SISSO_CHUNK - 1) / MS_SISSO_CHUNK; /* the same on every rank */
  PetscCall(PetscMalloc3(n, &v, n, &z, top->k, &loc.e));
  PetscCall(ms_progress_begin(comm, "sisso screening", T, &prog));
  for (int64_t c = 0; c < nchunks; c++) {
    const int64_t a = PetscMin(hi, lo + c * MS_SISSO_CHUNK), b = PetscMin(hi, a + MS_SISSO_CHUNK);
    int64_t       d = b - a;
    for (int64_t t = a; t < b; t++) {
      ms_sisso_recipe rc;
      ms_sisso_entry  x;
      double          s = 0.0;
      ms_sisso_space_decode(sp, t, &rc);
      if (!ms_sisso_space_eval(sp, &rc, v, &x.cplx)) continue;
      if (!ms_sisso_zscore(n, v, z)) continue;
      if (t >= sp->S) valid++;
      if (cls) x.score = -ms_sisso_overlap_1d((const ms_sisso_cls *)cls, n, z); /* fewer overlapping rows first */
      else {
        for (int64_t i = 0; i < n; i++) s += z[i] * r[i];
        /* |corr| rounded to 1e-12: algebraically equal candidates (x3 and x2-(x2+x3)) differ
           in the last bits, and must tie so that complexity, then index, picks the simplest */
        x.score = round(fabs(s) * rn * 1e12) * 1e-12;
      }
      x.idx   = t;
      x.pad   = 0;
      /* most candidates stop here: hashing is needed only for one that could enter the list */
      if (loc.n == loc.k && !ms_sisso_entry_better(&x, &loc.e[loc.n - 1])) continue;
      x.hash = ms_sisso_hash(n, z);
      if (n_excl && bsearch(&x.hash, excl, n_excl, sizeof *excl, cmp_u64)) continue;
      ms_sisso_top_insert(&loc, &x);
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &d, 1, MPI_INT64_T, MPI_SUM, comm));
    done += d;
    PetscCall(ms_progress_update(&prog, done));
  }
  PetscCall(ms_progress_end(&prog));
  for (int64_t i = loc.n; i < loc.k; i++) loc.e[i].idx = -1; /* padding */
  PetscCall(PetscMalloc1(top->k * size, &all));
  PetscCallMPI(MPI_Allgather(loc.e, (PetscMPIInt)(top->k * sizeof *all), MPI_BYTE, all, (PetscMPIInt)(top->k * sizeof *all), MPI_BYTE, comm));
  top->n = 0;
  for (int64_t i = 0; i < top->k * size; i++)
    if (all[i].idx >= 0) ms_sisso_top_insert(top, &all[i]);
  PetscCallMPI(MPI_Allreduce(&valid, n_valid, 1, MPI_INT64_T, MPI_SUM, comm));
  PetscCall(PetscFree(all));
  PetscCall(PetscFree3(v, z, loc.e));
  PetscFunctionReturn(0);
}
