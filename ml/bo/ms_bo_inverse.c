/* ms_bo_inverse.c - the inverse-design objective: generator parameters -> structure (all ranks,
 * z-slabs) -> descriptor -> distance to the target's descriptor (ms_bo_inverse.h). */
#include "ms_bo_inverse.h"
#include <math.h>
#include <string.h>

const char *const ms_bo_inverse_descriptor_names[] = {"pca", "vae", "ms_bo_inverse_descriptor", "MS_BO_INVERSE_", NULL};
const char *const ms_bo_inverse_param_names[MS_BO_INVERSE_NPARAMS] = {"n_points", "radius", "stretch_x", "stretch_y", "stretch_z"};

PetscErrorCode ms_bo_inverse_describe(ms_bo_inverse *inv, ms_volume v, double *z, double *porosity)
{
  ms_micro_s2 s2;
  double     *f;

  PetscFunctionBeginUser;
  /* Only the PCA descriptor exists; setup refuses the others before any work. */
  PetscCheck(inv->descriptor == MS_BO_INVERSE_PCA, v->comm, MS_ERR_USER, "inverse: descriptor '%s' is not available",
             ms_bo_inverse_descriptor_names[inv->descriptor]);
  PetscCall(ms_micro_s2_compute(v, inv->boundary, &s2));
  const int64_t n = ms_micro_s2_n_features(&s2);
  if (n != inv->pca->d) {
    ms_micro_s2_free(&s2);
    SETERRQ(v->comm, MS_ERR_USER,
            "inverse: the PCA model was fitted on %lld two-point features, a %lld x %lld x %lld volume gives %lld (fit it with `describe "
            "-fit_pca` on volumes of the target's shape)",
            (long long)inv->pca->d, (long long)v->nx, (long long)v->ny, (long long)v->nz, (long long)n);
  }
  PetscCall(PetscMalloc1(n, &f));
  PetscCall(ms_micro_s2_features(&s2, f, NULL));
  *porosity = s2.axis[0][0]; /* S2(0) = pore fraction (an exact pair count / N) */
  ms_micro_s2_free(&s2);
  PetscCall(ms_pca_transform(inv->pca, 1, f, z));
  PetscCall(PetscFree(f));
  PetscFunctionReturn(0);
}

void ms_bo_inverse_params(const ms_bo_inverse *inv, const double *x, ms_membrane_params *p)
{
  *p = inv->base;
  for (int64_t k = 0; k < inv->d; k++) {
    switch (inv->param[k]) {
    case 0: p->n_points = (PetscInt)llround(x[k]); break;
    case 1: p->radius = x[k]; break;
    default: p->stretch[inv->param[k] - 2] = x[k]; break;
    }
  }
}

PetscErrorCode ms_bo_inverse_eval(void *ctx, const double *x, double *y)
{
  ms_bo_inverse     *inv = (ms_bo_inverse *)ctx;
  ms_membrane_params p;
  const int64_t      R = inv->replicates, w = inv->k + 1;
  double            *tab, t0 = MPI_Wtime();

  PetscFunctionBeginUser;
  ms_bo_inverse_params(inv, x, &p);
  PetscCall(ms_membrane_params_check(inv->comm, &p));
  PetscCall(PetscCalloc1(R * w, &tab));
  for (int64_t r = inv->group_id; r < R; r += inv->n_groups) {
    ms_volume v;
    double    phr, *row = tab + r * w;
    p.seed = R > 1 ? ms_membrane_structure_seed(inv->base.seed, r) : inv->base.seed;
    PetscCall(ms_membrane_generate(inv->group, &p, &v));
    PetscCall(ms_bo_inverse_describe(inv, v, row, &phr));
    PetscCall(ms_volume_destroy(&v));
    row[inv->k] = phr;
    if (inv->group_rank) PetscCall(PetscArrayzero(row, w)); /* one contribution per replicate */
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, tab, (PetscMPIInt)(R * w), MPI_DOUBLE, MPI_SUM, inv->comm));
  double dist = 0, phi = 0;
  for (int64_t c = 0; c < inv->k; c++) {
    double zc = 0;
    for (int64_t r = 0; r < R; r++) zc += tab[r * w + c]; /* index order: independent of the grouping */
    const double e = zc / (double)R - inv->target_z[c];
    dist += e * e;
  }
  for (int64_t r = 0; r < R; r++) phi += tab[r * w + inv->k];
  dist                          = sqrt(dist);
  phi                          /= (double)R;
  inv->last_porosity            = phi;
  inv->last_descriptor_distance = dist;
  y[0]                          = dist + inv->porosity_weight * fabs(phi - inv->target_porosity);
  PetscCall(PetscFree(tab));
  inv->eval_seconds += MPI_Wtime() - t0;
  inv->n_evals++;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_inverse_setup(MPI_Comm comm, ms_bo_inverse_descriptor desc, ms_pca pca, ms_volume target, ms_micro_boundary b,
                                   const ms_membrane_params *base, ms_bo_space s, double porosity_weight, int64_t replicates,
                                   PetscInt ranks_per_structure, ms_bo_inverse *inv)
{
  PetscMPIInt rank, size;
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(inv, sizeof *inv));
  PetscCheck(desc != MS_BO_INVERSE_VAE, comm, MS_ERR_USER,
             "-descriptor vae: no trained VAE encoder is available in this build yet (issue 11 item 2); use -descriptor pca with -pca_model "
             "FILE.h5 from `matscreen describe -fit_pca K`");
  PetscCheck(pca, comm, MS_ERR_USER, "-descriptor pca needs -pca_model FILE.h5 (the /pca of `matscreen describe -fit_pca K`)");
  PetscCheck(porosity_weight >= 0 && isfinite(porosity_weight), comm, MS_ERR_USER, "-porosity_weight %g: expected a finite value >= 0",
             porosity_weight);
  PetscCheck(replicates >= 1, comm, MS_ERR_USER, "-replicates %lld: expected >= 1", (long long)replicates);
  PetscCheck(s->n_list == 0, comm, MS_ERR_USER, "inverse: the search space must be levels or ranges per parameter, not a list of points");
  PetscCheck(s->d <= 64, comm, MS_ERR_USER, "inverse: at most 64 search dimensions");
  for (int64_t k = 0; k < s->d; k++) {
    int found = -1;
    for (int j = 0; j < MS_BO_INVERSE_NPARAMS; j++)
      if (!strcmp(s->dim[k].name, ms_bo_inverse_param_names[j])) found = j;
    PetscCheck(found >= 0, comm, MS_ERR_USER,
               "inverse: search dimension '%s' is not a generator parameter; allowed: n_points, radius, stretch_x, stretch_y, stretch_z",
               s->dim[k].name);
    for (int64_t j = 0; j < k; j++) PetscCheck(inv->param[j] != found, comm, MS_ERR_USER, "inverse: search dimension '%s' given twice", s->dim[k].name);
    inv->param[k] = found;
    /* the whole range must be valid generator input, so no evaluation fails half-way */
    const double lo = s->dim[k].lo, hi = s->dim[k].hi;
    if (found == 0) PetscCheck(lo >= 2, comm, MS_ERR_USER, "inverse: n_points range starts at %g; the generator needs >= 2 points", lo);
    else if (found == 1) PetscCheck(lo > 0, comm, MS_ERR_USER, "inverse: radius range starts at %g; expected > 0 voxels", lo);
    else PetscCheck(lo > 0 && hi <= 1, comm, MS_ERR_USER, "inverse: %s range [%g, %g] must lie in (0, 1]", s->dim[k].name, lo, hi);
  }
  inv->comm            = comm;
  inv->descriptor      = desc;
  inv->pca             = pca;
  inv->boundary        = b;
  inv->porosity_weight = porosity_weight;
  inv->replicates      = replicates;
  inv->d               = s->d;
  inv->base            = *base;
  inv->base.nx         = target->nx;
  inv->base.ny         = target->ny;
  inv->base.nz         = target->nz;
  inv->k               = pca->k;
  PetscCheck(ranks_per_structure >= 0, comm, MS_ERR_USER, "-ranks_per_structure %d: expected >= 0 (0 = all ranks)", (int)ranks_per_structure);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  const int g     = ranks_per_structure <= 0 || ranks_per_structure >= size ? size : (int)ranks_per_structure;
  inv->n_groups   = (size + g - 1) / g;
  inv->group_id   = rank / g;
  PetscCallMPI(MPI_Comm_split(comm, inv->group_id, rank, &inv->group));
  PetscCallMPI(MPI_Comm_rank(inv->group, &rank));
  inv->group_rank = rank;
  PetscCall(PetscMalloc1(inv->k, &inv->target_z));
  PetscCall(ms_bo_inverse_describe(inv, target, inv->target_z, &inv->target_porosity));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_inverse_destroy(ms_bo_inverse *inv)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(inv->target_z));
  if (inv->group != MPI_COMM_NULL && inv->group) PetscCallMPI(MPI_Comm_free(&inv->group));
  PetscFunctionReturn(0);
}
