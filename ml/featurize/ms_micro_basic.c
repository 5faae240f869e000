/* ms_micro_basic.c - specific surface area and chord lengths of a z-slab volume
 * (definitions in ms_micro.h).
 *
 * Both need one thing across ranks: z-faces need the plane above each slab (one ring
 * MPI_Sendrecv), z-chords need the pore run that enters a slab from below. The latter is a
 * scan along z per (y, x) column with an associative, non-commutative operator on
 * (run length at the top, all pore?) pairs: MPI_Exscan gives each rank the run entering its
 * slab and MPI_Allreduce (rank order for non-commutative operators) the run at the top of the
 * volume, which wraps into the bottom when the boundary is periodic. Every count is an
 * integer, so the results do not depend on the number of ranks.
 */
#include "ms_micro.h"
#include <math.h>

const char *const ms_micro_boundary_names[] = {"periodic", "padded", "ms_micro_boundary", "MS_MICRO_", NULL};

static PetscErrorCode check_slabs(ms_volume v)
{
  int64_t nzl = v->nz_local, min;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&nzl, &min, 1, MPI_INT64_T, MPI_MIN, v->comm));
  PetscCheck(min > 0, v->comm, MS_ERR_USER, "volume with %lld z-planes on more ranks: every rank must hold at least one z-plane (use fewer ranks)",
             (long long)v->nz);
  PetscFunctionReturn(0);
}

/* The plane just above this rank's slab (periodic: rank 0's first plane above the top one);
 * *have = PETSC_FALSE for the top rank of a padded volume. */
static PetscErrorCode plane_above(ms_volume v, ms_micro_boundary b, uint8_t *above, PetscBool *have)
{
  PetscMPIInt rank, size;
  const int   plane = (int)(v->nx * v->ny);
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(v->comm, &rank));
  PetscCallMPI(MPI_Comm_size(v->comm, &size));
  int up = rank + 1 < size ? rank + 1 : (b == MS_MICRO_PERIODIC ? 0 : MPI_PROC_NULL);
  int dn = rank > 0 ? rank - 1 : (b == MS_MICRO_PERIODIC ? size - 1 : MPI_PROC_NULL);
  PetscCallMPI(MPI_Sendrecv(v->data, plane, MPI_UINT8_T, dn, 71, above, plane, MPI_UINT8_T, up, 71, v->comm, MPI_STATUS_IGNORE));
  *have = (PetscBool)(up != MPI_PROC_NULL);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_micro_surface(ms_volume v, ms_micro_boundary b, double *s_v, int64_t *faces)
{
  const int64_t nx = v->nx, ny = v->ny, nzl = v->nz_local, per = b == MS_MICRO_PERIODIC;
  int64_t       f = 0;
  uint8_t      *above;
  PetscBool     have = PETSC_FALSE;
  PetscFunctionBegin;
  PetscCall(check_slabs(v));
  PetscCall(PetscMalloc1(nx * ny, &above));
  PetscCall(plane_above(v, b, above, &have));
  for (int64_t z = 0; z < nzl; z++) {
    const uint8_t *p = v->data + z * nx * ny, *q = z + 1 < nzl ? p + nx * ny : (have ? above : NULL);
    for (int64_t y = 0; y < ny; y++) {
      const uint8_t *row = p + y * nx, *next = y + 1 < ny ? row + nx : (per ? p : NULL);
      for (int64_t x = 0; x < nx; x++) {
        const int pore = row[x] == 0;
        if (x + 1 < nx || per) f += pore != (row[(x + 1) % nx] == 0);
        if (next) f += pore != (next[x] == 0);
        if (q) f += pore != (q[y * nx + x] == 0);
      }
    }
  }
  PetscCall(PetscFree(above));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &f, 1, MPI_INT64_T, MPI_SUM, v->comm));
  *faces = f;
  *s_v   = (double)f / ((double)nx * (double)ny * (double)v->nz);
  PetscFunctionReturn(0);
}

/* ---- chords ---- */

typedef struct {
  int64_t *hist, n, count, cut, spanning;
} tally;

static void close_run(tally *t, int64_t run, int touches)
{
  if (run <= 0) return;
  if (touches) t->cut++;
  else {
    t->hist[run - 1]++;
    t->count++;
  }
}

/* One line of n voxels at p with stride s, wholly on this rank. */
static void scan_line(const uint8_t *p, int64_t n, int64_t s, ms_micro_boundary b, tally *t)
{
  if (b == MS_MICRO_PERIODIC) {
    int64_t f = 0;
    while (f < n && p[f * s] == 0) f++;
    if (f == n) { /* no solid voxel: the pore runs on forever */
      t->spanning++;
      return;
    }
    int64_t run = 0;
    for (int64_t k = 1; k <= n; k++) { /* from the first solid voxel round to itself */
      if (p[((f + k) % n) * s] == 0) run++;
      else {
        close_run(t, run, 0);
        run = 0;
      }
    }
    return;
  }
  int64_t run = 0, start = 0;
  for (int64_t i = 0; i < n; i++) {
    if (p[i * s] == 0) {
      if (!run) start = i;
      run++;
    } else {
      close_run(t, run, start == 0);
      run = 0;
    }
  }
  close_run(t, run, 1);
}

/* Scan element: the pore run at the top of a z-range and whether the range is all pore. */
typedef struct {
  int64_t len, all;
} zrun;

static void zrun_op(void *in, void *inout, int *len, MPI_Datatype *dt)
{
  (void)dt;
  const zrun *lo = (const zrun *)in; /* lower ranks */
  zrun       *hi = (zrun *)inout;
  for (int i = 0; i < *len; i++) {
    if (hi[i].all) hi[i].len += lo[i].len;
    hi[i].all = hi[i].all && lo[i].all;
  }
}

static PetscErrorCode chords_z(ms_volume v, ms_micro_boundary b, tally *t)
{
  const int64_t nx = v->nx, ny = v->ny, nzl = v->nz_local, ncol = nx * ny;
  zrun         *mine, *below, *top;
  MPI_Datatype  dt;
  MPI_Op        op;
  PetscMPIInt   rank;
  PetscFunctionBegin;
  PetscCheck(ncol < INT_MAX, v->comm, MS_ERR_USER, "chords along z: %lld columns exceed one MPI message", (long long)ncol);
  PetscCallMPI(MPI_Comm_rank(v->comm, &rank));
  PetscCall(PetscMalloc3(ncol, &mine, ncol, &below, ncol, &top));
  for (int64_t c = 0; c < ncol; c++) {
    int64_t run = 0;
    for (int64_t z = nzl - 1; z >= 0 && v->data[z * ncol + c] == 0; z--) run++;
    mine[c].len = run;
    mine[c].all = run == nzl;
    below[c].len = 0; /* rank 0: the identity (MPI_Exscan leaves its buffer undefined) */
    below[c].all = 1;
  }
  PetscCallMPI(MPI_Type_contiguous(2, MPI_INT64_T, &dt));
  PetscCallMPI(MPI_Type_commit(&dt));
  PetscCallMPI(MPI_Op_create(zrun_op, 0, &op));
  PetscCallMPI(MPI_Exscan(mine, below, (int)ncol, dt, op, v->comm));
  if (!rank)
    for (int64_t c = 0; c < ncol; c++) below[c] = (zrun){0, 1};
  PetscCallMPI(MPI_Allreduce(mine, top, (int)ncol, dt, op, v->comm));
  PetscCallMPI(MPI_Op_free(&op));
  PetscCallMPI(MPI_Type_free(&dt));

  const int last = v->z_start + nzl == v->nz && nzl > 0;
  for (int64_t c = 0; c < ncol; c++) {
    int64_t run;
    int     touches;
    if (b == MS_MICRO_PERIODIC) {
      if (top[c].all) { /* the whole column is pore */
        if (!rank) t->spanning++;
        continue;
      }
      run     = below[c].all ? top[c].len + below[c].len : below[c].len;
      touches = 0;
    } else {
      run     = below[c].len;
      touches = (int)below[c].all; /* the run entering from below started at z = 0 */
    }
    for (int64_t z = 0; z < nzl; z++) {
      if (v->data[z * ncol + c] == 0) {
        if (!run) touches = b == MS_MICRO_PADDED && z == 0 && below[c].all;
        run++;
      } else {
        close_run(t, run, touches);
        run = 0;
      }
    }
    /* A run reaching the top continues on the next rank; at the volume's top it is cut
     * (padded) or continues at the bottom, where rank 0 counts it (periodic). */
    if (last && b == MS_MICRO_PADDED) close_run(t, run, 1);
  }
  PetscCall(PetscFree3(mine, below, top));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_micro_chords_compute(ms_volume v, ms_micro_boundary b, ms_micro_chords *c)
{
  const int64_t n[3] = {v->nx, v->ny, v->nz}, nx = v->nx, ny = v->ny;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(c, sizeof *c));
  for (int a = 0; a < 3; a++) {
    tally t = {NULL, n[a], 0, 0, 0};
    PetscCall(PetscCalloc1(n[a], &t.hist));
    if (a == 0)
      for (int64_t r = 0; r < v->nz_local * ny; r++) scan_line(v->data + r * nx, nx, 1, b, &t);
    else if (a == 1)
      for (int64_t z = 0; z < v->nz_local; z++)
        for (int64_t x = 0; x < nx; x++) scan_line(v->data + z * nx * ny + x, ny, nx, b, &t);
    else PetscCall(chords_z(v, b, &t));
    int64_t s[3] = {t.count, t.cut, t.spanning};
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, t.hist, (int)n[a], MPI_INT64_T, MPI_SUM, v->comm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s, 3, MPI_INT64_T, MPI_SUM, v->comm));
    c->hist[a]           = t.hist;
    c->n_len[a]          = n[a];
    c->count[a]          = s[0];
    c->cut_chords[a]     = s[1];
    c->spanning_lines[a] = s[2];
    double m = 0, q = 0;
    for (int64_t l = 1; l <= n[a]; l++) m += (double)l * (double)t.hist[l - 1];
    m = s[0] ? m / (double)s[0] : NAN;
    for (int64_t l = 1; l <= n[a] && s[0]; l++) q += (double)t.hist[l - 1] * ((double)l - m) * ((double)l - m);
    c->mean[a] = m;
    c->std[a]  = s[0] ? sqrt(q / (double)s[0]) : NAN;
  }
  PetscFunctionReturn(0);
}

void ms_micro_chords_free(ms_micro_chords *c)
{
  for (int a = 0; a < 3; a++) PetscFree(c->hist[a]);
}
