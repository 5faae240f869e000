/* ms_bo_inverse_run.c - the inverse-design loop with a checkpoint after every evaluation, its
 * output file and convergence plot (ms_bo_inverse.h). */
#include "ms_bo_inverse.h"
#include "ms_error.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_report.h"
#include "ms_rng.h"
#include <math.h>
#include <string.h>
#include <unistd.h>

/* history row in the checkpoint: x (d), objective, distance, porosity */
#define NEXTRA 3

static PetscErrorCode hist_alloc(ms_bo_inverse_history *h, int64_t n, int64_t d)
{
  PetscFunctionBeginUser;
  h->d = d;
  PetscCall(PetscCalloc5(n * d + 1, &h->X, n + 1, &h->objective, n + 1, &h->distance, n + 1, &h->porosity, n + 1, &h->best));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_inverse_history_free(ms_bo_inverse_history *h)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree5(h->X, h->objective, h->distance, h->porosity, h->best));
  PetscFunctionReturn(0);
}

static void hist_best(ms_bo_inverse_history *h, int64_t i)
{
  if (i == 0 || h->objective[i] < h->best[i - 1]) h->best_index = i; /* ties: the first */
  h->best[i] = h->objective[h->best_index];
}

/* Rows of the checkpoint / history matrix. */
static PetscErrorCode hist_pack(const ms_bo_inverse_history *h, double **M)
{
  const int64_t w = h->d + NEXTRA;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(h->n * w + 1, M));
  for (int64_t i = 0; i < h->n; i++) {
    PetscCall(PetscArraycpy(*M + i * w, h->X + i * h->d, h->d));
    (*M)[i * w + h->d]     = h->objective[i];
    (*M)[i * w + h->d + 1] = h->distance[i];
    (*M)[i * w + h->d + 2] = h->porosity[i];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ckpt_write(MPI_Comm comm, const char *path, const char *definition, const ms_bo_inverse_history *h)
{
  ms_h5_file  f;
  double     *M;
  PetscMPIInt rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(hist_pack(h, &M));
  PetscCall(ms_h5_create(comm, path, &f));
  PetscCall(ms_h5_attr_set_string(f->fid, "inverse_definition", definition));
  PetscCall(ms_h5_attr_set_int(f->fid, "n_evaluations", h->n));
  PetscCall(ms_h5_write_rows_double(f->fid, "history", h->n, 0, rank ? 0 : h->n, h->d + NEXTRA, M));
  PetscCall(ms_h5_commit(&f));
  PetscCall(PetscFree(M));
  PetscFunctionReturn(0);
}

/* Rank 0 reads the checkpoint with the serial driver (it is small; not registered as an input,
 * since it is rewritten as an output next); everything is broadcast. *n = 0: none. */
static PetscErrorCode ckpt_read(MPI_Comm comm, const char *path, const char *definition, int64_t d, int64_t cap, ms_bo_inverse_history *h,
                                int64_t *n)
{
  PetscMPIInt rank;
  char        msg[1024] = "";
  int64_t     m         = 0;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank && access(path, F_OK) == 0) {
    hid_t fid, ds = -1;
    H5E_BEGIN_TRY { fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); }
    H5E_END_TRY;
    if (fid < 0) PetscCall(PetscSNPrintf(msg, sizeof msg, "checkpoint %s is not a readable HDF5 file; remove it to start afresh", path));
    else {
      char     *def = NULL;
      PetscBool has;
      PetscCall(ms_h5_attr_exists(fid, "inverse_definition", &has));
      if (has) PetscCall(ms_h5_attr_get_string(fid, "inverse_definition", &def));
      if (!has) PetscCall(PetscSNPrintf(msg, sizeof msg, "%s is not a `bo inverse` checkpoint; remove it or choose another -output", path));
      else if (strcmp(def, definition))
        PetscCall(PetscSNPrintf(msg, sizeof msg,
                                "checkpoint %s belongs to another inverse run (target, PCA model, search space, generator or BO options "
                                "differ); run the original command to finish it, or remove the checkpoint to start afresh",
                                path));
      else {
        H5E_BEGIN_TRY { ds = H5Dopen2(fid, "history", H5P_DEFAULT); }
        H5E_END_TRY;
        hsize_t dims[2] = {0, 0};
        hid_t   sp      = ds >= 0 ? H5Dget_space(ds) : -1;
        if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 2 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0 || dims[1] != (hsize_t)(d + NEXTRA))
          PetscCall(PetscSNPrintf(msg, sizeof msg, "checkpoint %s is damaged (history has the wrong shape); remove it to start afresh", path));
        else {
          m = (int64_t)dims[0];
          double *M;
          PetscCall(PetscMalloc1(m * (d + NEXTRA) + 1, &M));
          if (m && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, M) < 0)
            PetscCall(PetscSNPrintf(msg, sizeof msg, "checkpoint %s: cannot read the history; remove it to start afresh", path));
          for (int64_t i = 0; i < PetscMin(m, cap) && !msg[0]; i++) {
            PetscCall(PetscArraycpy(h->X + i * d, M + i * (d + NEXTRA), d));
            h->objective[i] = M[i * (d + NEXTRA) + d];
            h->distance[i]  = M[i * (d + NEXTRA) + d + 1];
            h->porosity[i]  = M[i * (d + NEXTRA) + d + 2];
          }
          PetscCall(PetscFree(M));
        }
        if (sp >= 0) H5Sclose(sp);
        if (ds >= 0) H5Dclose(ds);
      }
      PetscCall(PetscFree(def));
      H5Fclose(fid);
    }
  }
  PetscCallMPI(MPI_Bcast(msg, sizeof msg, MPI_CHAR, 0, comm));
  PetscCheck(!msg[0], comm, MS_ERR_READ, "%s", msg);
  PetscCallMPI(MPI_Bcast(&m, 1, MPI_INT64_T, 0, comm));
  m = PetscMin(m, cap);
  PetscCallMPI(MPI_Bcast(h->X, (PetscMPIInt)(m * d), MPI_DOUBLE, 0, comm));
  PetscCallMPI(MPI_Bcast(h->objective, (PetscMPIInt)m, MPI_DOUBLE, 0, comm));
  PetscCallMPI(MPI_Bcast(h->distance, (PetscMPIInt)m, MPI_DOUBLE, 0, comm));
  PetscCallMPI(MPI_Bcast(h->porosity, (PetscMPIInt)m, MPI_DOUBLE, 0, comm));
  *n = m;
  PetscFunctionReturn(0);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
  const unsigned char *c = p;
  for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 1099511628211ULL;
  return h;
}

/* Everything that changes the history except the budget (and the rank layout, which changes
 * nothing): resume refuses another run. Components are hashed (FNV-1a), options spelled out. */
PetscErrorCode ms_bo_inverse_definition(const ms_bo_inverse *inv, ms_bo_space s, const ms_bo_opts *o, int64_t n_init, const char *target,
                                 const char *dataset, const char *pca_path, char *buf, size_t len)
{
  double   row[MS_MEMBRANE_NCOLS];
  uint64_t h = 1469598103934665603ULL;
  PetscFunctionBeginUser;
  ms_membrane_params_to_row(&inv->base, row);
  h = fnv(h, row, sizeof row);
  h = fnv(h, inv->target_z, (size_t)inv->k * sizeof(double));
  h = fnv(h, inv->pca->components, (size_t)(inv->k * inv->pca->d) * sizeof(double));
  for (int64_t k = 0; k < s->d; k++) {
    const ms_bo_dim *D = &s->dim[k];
    h = fnv(h, D->name, strlen(D->name));
    h = fnv(h, &D->kind, sizeof D->kind);
    h = fnv(h, &D->lo, sizeof D->lo);
    h = fnv(h, &D->hi, sizeof D->hi);
    if (D->kind == MS_BO_DIM_LEVELS) h = fnv(h, D->levels, (size_t)D->n_levels * sizeof(double));
  }
  PetscCall(PetscSNPrintf(buf, len,
                          "target=%s:%s pca=%s descriptor=%s boundary=%s box=%lldx%lldx%lld porosity_weight=%.17g replicates=%lld n_init=%lld "
                          "seed=%llu acquisition=%s kappa=%.17g kappa_decay=%.17g xi=%.17g kernel=%s restarts=%lld noise=%.17g optimize=%d "
                          "allow_measured=%d starts=%lld max_evals=%lld log10=%d hash=%016llx",
                          target, dataset, pca_path, ms_bo_inverse_descriptor_names[inv->descriptor], ms_micro_boundary_names[inv->boundary],
                          (long long)inv->base.nx, (long long)inv->base.ny, (long long)inv->base.nz, inv->porosity_weight,
                          (long long)inv->replicates, (long long)n_init, (unsigned long long)o->seed, ms_bo_acq_names[o->acq.type], o->acq.kappa,
                          o->acq.kappa_decay, o->acq.xi, o->kernel, (long long)o->restarts, o->noise0, (int)o->optimize, (int)o->allow_measured,
                          (long long)o->n_starts, (long long)o->max_evals, (int)o->log10[0], (unsigned long long)h));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_inverse_run(ms_bo_inverse *inv, ms_bo_space s, const ms_bo_opts *o, const ms_bo_inverse_run_opts *ro,
                                 ms_bo_inverse_history *h)
{
  MPI_Comm   comm = inv->comm;
  int64_t    d = s->d, n_init = ro->n_init, budget = ro->budget, start = 0;
  double    *X0;
  ms_rng     rng;
  ms_bo_opts oo = *o;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(h, sizeof *h));
  PetscCheck(n_init >= 1 && budget >= n_init, comm, MS_ERR_USER, "inverse: need 1 <= -n_init <= -budget, got %lld, %lld", (long long)n_init,
             (long long)budget);
  PetscCheck(o->batch == 1, comm, MS_ERR_USER, "inverse: -batch %lld: one evaluation per BO step (checkpointed after each); use -batch 1",
             (long long)o->batch);
  PetscCall(hist_alloc(h, budget, d));
  /* The initial design as ms_bo_run draws it (stream 0 of the seed): regenerated on resume. */
  PetscCall(PetscMalloc1(n_init * d, &X0));
  ms_rng_init(&rng, o->seed, 0);
  for (int64_t i = 0; i < n_init; i++) {
    if (ms_bo_space_is_finite(s)) {
      int64_t N;
      PetscCall(ms_bo_space_size(s, &N));
      ms_bo_space_decode(s, (int64_t)ms_rng_below(&rng, (uint64_t)N), X0 + i * d);
    } else {
      double u[64];
      for (int64_t k = 0; k < d; k++) u[k] = ms_rng_uniform(&rng);
      ms_bo_space_from_unit(s, u, X0 + i * d);
      ms_bo_space_snap(s, X0 + i * d);
    }
  }
  if (ro->checkpoint) PetscCall(ckpt_read(comm, ro->checkpoint, ro->definition, d, budget, h, &start));
  h->n_resumed = start;
  for (int64_t i = 0; i < start; i++) hist_best(h, i);
  if (start) PetscCall(ms_log(comm, "inverse: %lld evaluation(s) read from %s (resumed), best %.6g\n", (long long)start, ro->checkpoint, h->best[start - 1]));

  for (int64_t i = start; i < budget; i++) {
    double *x = h->X + i * d, t0 = MPI_Wtime();
    if (i < n_init) PetscCall(PetscArraycpy(x, X0 + i * d, d));
    else {
      ms_bo_data   data = {i, d, 1, h->X, h->objective, {NULL, NULL}};
      ms_bo_model  m;
      ms_bo_result r;
      oo.iter  = o->iter + i - n_init;
      oo.batch = 1;
      oo.seed  = o->seed + (uint64_t)i; /* as ms_bo_run: new restart and start streams per iteration */
      PetscCall(ms_bo_model_fit(comm, s, &data, &oo, &m));
      PetscCall(ms_bo_suggest(m, 0, NULL, &r));
      PetscCall(PetscArraycpy(x, r.X, d));
      PetscCall(ms_bo_result_free(&r));
      PetscCall(ms_bo_model_destroy(&m));
      h->seconds_bo += MPI_Wtime() - t0;
      h->n_bo_run++;
    }
    t0 = MPI_Wtime();
    PetscCall(ms_bo_inverse_eval(inv, x, &h->objective[i]));
    h->seconds_eval += MPI_Wtime() - t0;
    h->n_eval_run++;
    h->distance[i] = inv->last_descriptor_distance;
    h->porosity[i] = inv->last_porosity;
    h->n           = i + 1;
    hist_best(h, i);
    if (ro->checkpoint) {
      t0 = MPI_Wtime();
      PetscCall(ckpt_write(comm, ro->checkpoint, ro->definition, h));
      h->seconds_ckpt += MPI_Wtime() - t0;
    }
    {
      char line[512] = "";
      for (int64_t k = 0; k < d; k++) {
        size_t len = strlen(line);
        PetscCall(PetscSNPrintf(line + len, sizeof line - len, " %s=%.4g", s->dim[k].name, x[k]));
      }
      PetscCall(ms_log(comm, "inverse: eval %lld/%lld (%s):%s -> distance %.6g, porosity %.4f, best %.6g\n", (long long)i + 1, (long long)budget,
                       i < n_init ? "random" : ms_bo_acq_names[o->acq.type], line, h->objective[i], h->porosity[i], h->best[i]));
    }
    int sig = ms_signal_received(); /* one collective per evaluation: any rank's signal stops all */
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &sig, 1, MPI_INT, MPI_MAX, comm));
    if (sig && i + 1 < budget) {
      h->signal = sig;
      break;
    }
  }
  PetscCall(PetscFree(X0));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_inverse_write(ms_bo_inverse *inv, ms_bo_space s, const ms_bo_inverse_history *h, int64_t n_init, const char *path,
                                   int n_inputs, char *const *inputs)
{
  MPI_Comm    comm = inv->comm;
  ms_h5_file  f;
  hid_t       g;
  PetscMPIInt rank;
  const int64_t d = h->d, w = d + 5;
  double     *M;
  char      **names;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMalloc1(h->n * w + 1, &M));
  for (int64_t i = 0; i < h->n; i++) {
    for (int64_t k = 0; k < d; k++) M[i * w + k] = h->X[i * d + k];
    M[i * w + d]     = h->objective[i];
    M[i * w + d + 1] = h->distance[i];
    M[i * w + d + 2] = h->porosity[i];
    M[i * w + d + 3] = h->best[i];
    M[i * w + d + 4] = i < n_init ? 1.0 : 0.0;
  }
  PetscCall(PetscMalloc1(w, &names));
  for (int64_t k = 0; k < d; k++) names[k] = s->dim[k].name;
  names[d]     = (char *)"objective";
  names[d + 1] = (char *)"descriptor_distance";
  names[d + 2] = (char *)"porosity";
  names[d + 3] = (char *)"best_objective";
  names[d + 4] = (char *)"initial";

  PetscCall(ms_h5_create(comm, path, &f));
  for (int i = 0; i < n_inputs; i++)
    if (inputs[i]) PetscCall(ms_h5_add_input(f, inputs[i]));
  PetscCall(ms_h5_group_ensure(f->fid, "/inverse/history", &g));
  PetscCall(ms_h5_write_rows_double(g, "features", h->n, 0, rank ? 0 : h->n, w, M));
  {
    hid_t ds = H5Dopen2(g, "features", H5P_DEFAULT);
    PetscCall(ms_h5_attr_set_strings(ds, "column_names", (int)w, names));
    H5Dclose(ds);
  }
  H5Gclose(g);
  PetscCall(ms_h5_group_ensure(f->fid, "/inverse", &g));
  PetscCall(ms_h5_write_rows_double(g, "best_parameters", d, 0, rank ? 0 : d, 0, h->X + h->best_index * d));
  {
    hid_t ds = H5Dopen2(g, "best_parameters", H5P_DEFAULT);
    PetscCall(ms_h5_attr_set_strings(ds, "names", (int)d, names));
    H5Dclose(ds);
  }
  PetscCall(ms_h5_write_rows_double(g, "target_descriptor", inv->k, 0, rank ? 0 : inv->k, 0, inv->target_z));
  PetscCall(ms_h5_attr_set_string(g, "descriptor", ms_bo_inverse_descriptor_names[inv->descriptor]));
  PetscCall(ms_h5_attr_set_string(g, "objective", "||z(x) - z_target||_2 + porosity_weight |porosity(x) - porosity_target|, z = PCA scores of S2 along x, y, z"));
  PetscCall(ms_h5_attr_set_double(g, "porosity_weight", inv->porosity_weight));
  PetscCall(ms_h5_attr_set_double(g, "target_porosity", inv->target_porosity));
  PetscCall(ms_h5_attr_set_int(g, "replicates", inv->replicates));
  PetscCall(ms_h5_attr_set_int(g, "n_init", n_init));
  PetscCall(ms_h5_attr_set_int(g, "n_evaluations", h->n));
  PetscCall(ms_h5_attr_set_int(g, "best_evaluation", h->best_index + 1));
  PetscCall(ms_h5_attr_set_double(g, "best_objective", h->objective[h->best_index]));
  PetscCall(ms_h5_attr_set_int(g, "resumed_evaluations", h->n_resumed));
  PetscCall(ms_h5_attr_set_double(g, "seconds_per_evaluation", h->n_eval_run ? h->seconds_eval / (double)h->n_eval_run : NAN));
  PetscCall(ms_h5_attr_set_double(g, "seconds_per_bo_step", h->n_bo_run ? h->seconds_bo / (double)h->n_bo_run : NAN));
  PetscCall(ms_h5_attr_set_double(g, "seconds_per_checkpoint", h->n_eval_run ? h->seconds_ckpt / (double)h->n_eval_run : NAN));
  H5Gclose(g);
  PetscCall(ms_h5_commit(&f));
  PetscCall(PetscFree(names));
  PetscCall(PetscFree(M));
  PetscFunctionReturn(0);
}

typedef struct {
  const ms_bo_inverse_history *h;
  int64_t                      n_init;
} plot_ctx;

static PetscErrorCode plot_body(FILE *gp, void *ctx)
{
  const plot_ctx *p = (const plot_ctx *)ctx;
  PetscFunctionBegin;
  fprintf(gp, "set title 'Inverse design: distance to the target in descriptor space'\n");
  fprintf(gp, "set xlabel 'evaluation'\nset ylabel 'distance'\nset key top right\nset grid\n");
  fprintf(gp, "set arrow from %.1f, graph 0 to %.1f, graph 1 nohead dt 2 lc rgb 'gray'\n", p->n_init + 0.5, p->n_init + 0.5);
  fprintf(gp, "$d << EOD\n");
  for (int64_t i = 0; i < p->h->n; i++) fprintf(gp, "%lld %.10g %.10g\n", (long long)i + 1, p->h->objective[i], p->h->best[i]);
  fprintf(gp, "EOD\n");
  fprintf(gp, "plot $d using 1:2 title 'evaluation' with points pt 7 ps 0.8 lc rgb '#7f7f7f', "
              "$d using 1:3 title 'best so far' with steps lw 2 lc rgb '#1f77b4'");
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_inverse_plot(MPI_Comm comm, const ms_bo_inverse_history *h, int64_t n_init, const char *png)
{
  plot_ctx c = {h, n_init};
  PetscFunctionBeginUser;
  PetscCall(ms_report_gnuplot(comm, png, 900, 600, "-plot", plot_body, &c));
  PetscFunctionReturn(0);
}
