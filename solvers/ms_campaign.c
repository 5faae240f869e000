/* ms_campaign.c - run or continue a label campaign (ms_campaign.h): groups of ranks, rounds,
 * signal-aware stop. The file layer is ms_campaign_file.c, merging ms_campaign_merge.c. */
#include "ms_campaign_impl.h"
#include "ms_error.h"
#include "ms_log.h"
#include <math.h>
#include <unistd.h>

PetscErrorCode ms_campaign_def_init(ms_campaign_def *def)
{
  PetscFunctionBegin;
  PetscCall(PetscMemzero(def, sizeof *def));
  def->user_seed = 1;
  def->base      = ms_membrane_params_default();
  def->ranges    = ms_membrane_sampler_default();
  PetscCall(ms_tortuosity_opts_init(&def->tort));
  PetscFunctionReturn(0);
}

void ms_campaign_opts_init(ms_campaign_opts *o)
{
  o->ranks_per_structure = 1;
  o->row_begin           = 0;
  o->row_end             = -1; /* = N */
}

PetscErrorCode ms_campaign_def_describe(const ms_campaign_def *def, char **line)
{
  const ms_membrane_params *b = &def->base;
  char                      ranges[512], cond[2048] = "";
  size_t                    len = 4096;

  PetscFunctionBegin;
  if (def->table) {
    /* FNV-1a over the rows' bytes: any change of any parameter changes the definition. */
    uint64_t             h = 1469598103934665603ULL;
    const unsigned char *c = (const unsigned char *)def->table;
    for (size_t k = 0; k < sizeof(double) * MS_MEMBRANE_NCOLS * (size_t)def->n_rows; k++) h = (h ^ c[k]) * 1099511628211ULL;
    PetscCall(PetscSNPrintf(ranges, sizeof ranges, "params_table_fnv1a=%016llx", (unsigned long long)h));
  } else PetscCall(ms_membrane_sampler_describe(&def->ranges, ranges, sizeof ranges));
  for (int i = 0; i < def->tort.n_conductivities; i++) {
    size_t k = strlen(cond);
    PetscCall(PetscSNPrintf(cond + k, sizeof cond - k, "%s%.17g", i ? "," : "", def->tort.conductivities[i]));
  }
  /* (The default -compress, the pore-only multigrid, moves tau by ~1e-11 relative against the
     full grid: below the ~1e-6 between rank layouts a campaign already accepts, so it is not
     named and a campaign continues across it.)
     The multigrid's over-correction changes tau within -mismatch_tol, not bitwise: named
     when it is not 1, so a campaign started before the option (which had 1 and no word
     for it) is continued only with -mg_overcorrect 1, and never mixes two cycles. */
  char over[MS_TORTUOSITY_MG_OVERCORRECT_MAX * 26 + 20] = "";
  for (int i = 0; i < def->tort.n_mg_overcorrect; i++)
    if (def->tort.mg_overcorrect[i] != 1.0) {
      for (int k = 0; k < def->tort.n_mg_overcorrect; k++) {
        size_t l = strlen(over);
        PetscCall(PetscSNPrintf(over + l, sizeof over - l, "%s%.17g", k ? "," : " mg_overcorrect=", def->tort.mg_overcorrect[k]));
      }
      break;
    }
  PetscCall(PetscMalloc1(len, line));
  /* Everything that changes a row's parameters or results; not how the run is spread over
     ranks (ranks_per_structure, -rows), which only changes who computes what. */
  PetscCall(PetscSNPrintf(*line, len,
                          "matscreen label v1: n_rows=%" PRId64 " user_seed=%" PRIu64 " size=%" PRId64 ",%" PRId64 ",%" PRId64
                          " n_points=%d radius=%.17g stretch=%.17g,%.17g,%.17g spheres=%d sphere_fraction=%.17g"
                          " sphere_log_mean=%.17g sphere_log_sd=%.17g smooth_sigma=%.17g shift=%d,%d,%d voxel_size=%.17g %s"
                          " phase=%d conductivities=%s mismatch_tol=%.17g max_it=%d%s",
                          def->n_rows, def->user_seed, b->nx, b->ny, b->nz, (int)b->n_points, b->radius, b->stretch[0], b->stretch[1],
                          b->stretch[2], (int)b->sphere_count, b->sphere_fraction, b->sphere_log_mean, b->sphere_log_sd, b->smooth_sigma,
                          (int)b->shift[0], (int)b->shift[1], (int)b->shift[2], b->voxel_size, ranges, def->tort.phase,
                          cond[0] ? cond : "none", def->tort.mismatch_tol, (int)def->tort.max_it, over));
  PetscFunctionReturn(0);
}

void ms_campaign_structure(const ms_campaign_def *def, int64_t i, ms_membrane_params *p)
{
  if (def->table) {
    *p = def->base;
    ms_membrane_params_from_row(def->table + i * MS_MEMBRANE_NCOLS, p);
  } else ms_membrane_sample(&def->ranges, &def->base, def->user_seed, i, p);
}

void ms_campaign_row_params(const ms_campaign_def *def, int64_t i, ms_campaign_row *row)
{
  ms_membrane_params p;
  ms_campaign_structure(def, i, &p);
  PetscMemzero(row, sizeof *row);
  row->index    = i;
  row->seed     = p.seed;
  row->n_points = p.n_points;
  row->radius   = p.radius;
  for (int a = 0; a < 3; a++) {
    row->stretch[a]              = p.stretch[a];
    row->percolating_porosity[a] = NAN;
    row->tau[a]                  = NAN;
    row->iterations[a]           = -1;
  }
  row->nx       = p.nx;
  row->ny       = p.ny;
  row->nz       = p.nz;
  row->porosity = NAN;
  row->seconds  = NAN;
  row->done     = 0;
}

/* Generate structure row->index on the group's communicator and solve the three axes. */
static PetscErrorCode solve_row(MPI_Comm g, const ms_campaign_def *def, ms_campaign_row *row)
{
  ms_membrane_params   p;
  ms_volume            v;
  ms_tortuosity_result r[3];
  const int            axes[3] = {0, 1, 2};
  const double         t0      = MPI_Wtime();

  PetscFunctionBegin;
  ms_campaign_structure(def, row->index, &p);
  PetscCall(ms_membrane_generate(g, &p, &v));
  /* One call: the three axes share the labelling and the multigrid set-up. */
  PetscCall(ms_tortuosity_solve_axes(v, 3, axes, &def->tort, r));
  for (int a = 0; a < 3; a++) {
    row->tau[a]                  = r[a].tau;
    row->percolating_porosity[a] = r[a].percolating_porosity;
    row->iterations[a]           = r[a].iterations;
    row->porosity                = r[a].porosity;
  }
  PetscCall(ms_volume_destroy(&v));
  row->seconds = MPI_Wtime() - t0;
  row->done    = 1;
  PetscFunctionReturn(0);
}

/* Create the file, or check that the existing one is this campaign; every rank gets the rows. */
static PetscErrorCode open_or_create(MPI_Comm comm, const ms_campaign_def *def, const char *path, ms_campaign_row **rows)
{
  PetscMPIInt rank;
  int         exists = 0;
  char       *line, *have;
  int64_t     n;

  PetscFunctionBegin;
  PetscCall(ms_campaign_def_describe(def, &line));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) exists = access(path, F_OK) == 0;
  PetscCallMPI(MPI_Bcast(&exists, 1, MPI_INT, 0, comm));
  if (!exists) {
    PetscCall(PetscMalloc1(def->n_rows + 1, rows));
    for (int64_t i = 0; i < def->n_rows; i++) ms_campaign_row_params(def, i, &(*rows)[i]);
    /* A kill during creation leaves only OUT.partial, which the next run overwrites. */
    char *inputs[1] = {(char *)def->table_path};
    PetscCall(ms_campaign_file_create(comm, path, line, def, *rows, inputs, def->table_path ? 1 : 0));
  } else {
    PetscCall(ms_campaign_file_read(comm, path, &have, &n, rows));
    PetscCheck(!strcmp(have, line), comm, MS_ERR_USER,
               "%s exists from a different campaign: run the same command (same N, -seed, size, parameters, ranges and tortuosity "
               "options) to continue it, or choose another -output.\n  in the file: %s\n  this run:    %s",
               path, have, line);
    for (int64_t i = 0; i < n; i++) {
      ms_campaign_row want;
      ms_campaign_row_params(def, i, &want);
      PetscCheck((*rows)[i].index == i && (*rows)[i].seed == want.seed, comm, MS_ERR_READ,
                 "%s: row %lld holds index %lld and seed %llu, expected %lld and %llu (file damaged or edited?)", path, (long long)i,
                 (long long)(*rows)[i].index, (unsigned long long)(*rows)[i].seed, (long long)i, (unsigned long long)want.seed);
    }
    PetscCall(PetscFree(have));
  }
  PetscCall(PetscFree(line));
  PetscFunctionReturn(0);
}

/* Was row i on this run's todo list (todo is sorted)? */
static PetscBool solved_now(const int64_t *todo, int64_t ntodo, int64_t i)
{
  int64_t lo = 0, hi = ntodo;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (todo[mid] < i) lo = mid + 1;
    else hi = mid;
  }
  return (PetscBool)(lo < ntodo && todo[lo] == i);
}

PetscErrorCode ms_campaign_run(MPI_Comm comm, const ms_campaign_def *def, const ms_campaign_opts *o, const char *path,
                               ms_campaign_status *st)
{
  PetscMPIInt      size, rank, grank;
  MPI_Comm         gcomm;
  ms_campaign_row *rows;
  ms_campaign_file cf;
  int64_t         *todo, ntodo = 0;
  const int64_t    n = def->n_rows, b = o->row_begin, e = o->row_end < 0 ? def->n_rows : o->row_end;
  const double     t0 = MPI_Wtime();
  ms_progress      prog;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(st, sizeof *st));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  const int rps = (int)o->ranks_per_structure;
  PetscCheck(n > 0, comm, MS_ERR_USER, "-n %lld: a campaign needs at least one structure", (long long)n);
  PetscCheck(rps >= 1 && size % rps == 0, comm, MS_ERR_USER,
             "-ranks_per_structure %d does not divide the %d MPI ranks: use a divisor of the rank count", rps, (int)size);
  PetscCheck(rps <= def->base.nz, comm, MS_ERR_USER,
             "-ranks_per_structure %d exceeds the %lld z-planes of a structure: every rank of a group needs one plane", rps,
             (long long)def->base.nz);
  PetscCheck(0 <= b && b <= e && e <= n, comm, MS_ERR_USER, "-rows %lld:%lld: expected 0 <= START <= END <= N = %lld", (long long)b,
             (long long)e, (long long)n);
  /* Every sampled structure must be valid before any work starts (deterministic: all ranks agree). */
  for (int64_t i = 0; i < n; i++) {
    ms_membrane_params p;
    ms_campaign_structure(def, i, &p);
    PetscCall(ms_membrane_params_check(comm, &p));
  }
  int lock_fd;
  PetscCall(ms_h5_lock(comm, path, &lock_fd)); /* before anything reads or creates the file */
  PetscCall(open_or_create(comm, def, path, &rows));

  PetscCall(PetscMalloc1(e - b + 1, &todo));
  for (int64_t i = b; i < e; i++) {
    if (rows[i].done) st->n_done_before++;
    else todo[ntodo++] = i;
  }
  st->n_range  = e - b;
  st->n_groups = size / rps;
  const int G = st->n_groups, gid = rank / rps;
  PetscCallMPI(MPI_Comm_split(comm, gid, rank, &gcomm));
  PetscCallMPI(MPI_Comm_rank(gcomm, &grank));
  PetscCall(ms_campaign_file_open_rw(comm, path, &cf));

  int64_t done = st->n_done_before;
  PetscCall(ms_progress_begin(comm, "labelling", st->n_range, &prog));
  PetscCall(ms_progress_update(&prog, done));
  for (int64_t r0 = 0; r0 < ntodo; r0 += G) {
    const int64_t k  = r0 + gid;
    int64_t       in[2] = {0, 0}, out[2];
    if (k < ntodo) {
      ms_campaign_row *row = &rows[todo[k]];
      PetscCall(solve_row(gcomm, def, row));
      if (!grank) {
        PetscCall(ms_campaign_file_write_row(&cf, row));
        in[0] = 1;
      }
    }
    in[1] = ms_signal_received() ? 1 : 0;
    /* One small collective per round: global progress, and a common decision to stop. */
    PetscCallMPI(MPI_Allreduce(in, out, 2, MPI_INT64_T, MPI_SUM, comm));
    done += out[0];
    PetscCall(ms_progress_update(&prog, done));
    if (out[1]) {
      st->signal = ms_signal_received();
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &st->signal, 1, MPI_INT, MPI_MAX, comm));
      break;
    }
  }
  PetscCall(ms_progress_end(&prog));
  PetscCall(ms_campaign_file_close(&cf));
  PetscCall(ms_h5_unlock(comm, path, &lock_fd));
  PetscCallMPI(MPI_Comm_free(&gcomm));

  /* Mean porosity of the range's done rows: rows kept from earlier runs are known to every
     rank (read from the file), rows solved now only to their group, counted by its rank 0. */
  double loc[2] = {0, 0}, glob[2];
  if (!rank)
    for (int64_t i = b; i < e; i++)
      if (rows[i].done && !solved_now(todo, ntodo, i)) {
        loc[0] += 1;
        loc[1] += rows[i].porosity;
      }
  for (int64_t k = gid; k < ntodo; k += G)
    if (grank == 0 && rows[todo[k]].done) {
      loc[0] += 1;
      loc[1] += rows[todo[k]].porosity;
    }
  PetscCallMPI(MPI_Allreduce(loc, glob, 2, MPI_DOUBLE, MPI_SUM, comm));
  st->n_done        = (int64_t)glob[0];
  st->mean_porosity = glob[0] > 0 ? glob[1] / glob[0] : NAN;
  st->seconds       = MPI_Wtime() - t0;
  PetscCall(PetscFree(todo));
  PetscCall(PetscFree(rows));
  PetscFunctionReturn(0);
}
