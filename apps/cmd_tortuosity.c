/* cmd_tortuosity.c - `matscreen tortuosity`: tau and sigma_eff of a voxel volume per axis
 * (the library call is ms_tortuosity_solve, solvers/ms_tortuosity.h). */
#include "ms_commands.h"
#include "ms_h5.h"
#include "ms_provenance.h"
#include "ms_log.h"
#include "ms_options.h"
#include "ms_tiff.h"
#include "ms_tortuosity.h"
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

const char ms_cmd_tortuosity_help[] =
  "usage: matscreen tortuosity -input FILE [-dataset /volume | -shape nx,ny,nz] [-axis x|y|z|all]\n"
  "                            [-phase 0] [-conductivities s0,s1,...] [-mismatch_tol 1e-4] [-assemble] [-output OUT.h5]\n"
  "  Steady conduction in the conducting phase with phi = 1 and 0 on the two faces normal to\n"
  "  the axis: tau = porosity * sigma_P / sigma_eff (Appendix B). FILE is HDF5 (.h5/.hdf5, uint8\n"
  "  dataset of h5py shape (nz, ny, nx)), a segmented 8-bit TIFF stack (.tif/.tiff, one page per\n"
  "  z-plane) or raw uint8 bytes in C order with -shape. Solver\n"
  "  options (-ksp_type, -pc_type, -pc_mg_levels, -mg_levels_*, -pc_hypre_*, ...) override the\n"
  "  defaults (CG + geometric multigrid with a matrix-free finest level; -assemble: AIJ).\n"
  "  A structure with no cluster connecting the two faces is a result: tau = inf, exit 0.\n"
  "  -axis all labels the clusters once and, under the default multigrid, builds one operator\n"
  "  and hierarchy for the three axes (only the Dirichlet faces change; -share_setup false: one each).\n"
  "  OUT.h5: /tortuosity/<axis>/{tau, porosity, percolating_porosity, effective_conductivity,\n"
  "  current_mismatch, iterations, residual, current_in, current_out, *_seconds, percolates,\n"
  "  *_cpu_seconds_max_rank, setup_shared}.\n";

static PetscBool has_suffix(const char *s, const char *suf)
{
  size_t l = strlen(s), m = strlen(suf);
  return (PetscBool)(l >= m && !strcasecmp(s + l - m, suf));
}

static PetscErrorCode load_volume(MPI_Comm comm, const char *in, const char *dataset, PetscInt nshape, const PetscInt shape[3],
                                  ms_volume *v)
{
  PetscFunctionBeginUser;
  if (has_suffix(in, ".tif") || has_suffix(in, ".tiff")) {
    PetscCheck(nshape == 0, comm, MS_ERR_USER, "-shape applies to raw input only; %s is a TIFF stack (its shape is in the file)", in);
    PetscCall(ms_tiff_read(comm, in, v));
  } else if (has_suffix(in, ".h5") || has_suffix(in, ".hdf5")) {
    PetscCheck(nshape == 0, comm, MS_ERR_USER, "-shape applies to raw input only; %s is HDF5 (its shape is in the file)", in);
    PetscCall(ms_volume_load(comm, in, dataset, v));
  } else {
    PetscCheck(nshape == 3, comm, MS_ERR_USER, "-input %s: raw bytes need -shape nx,ny,nz (got %d values); HDF5 files end in .h5",
               in, (int)nshape);
    PetscCheck(shape[0] > 0 && shape[1] > 0 && shape[2] > 0, comm, MS_ERR_USER, "-shape %d,%d,%d: every size must be positive",
               (int)shape[0], (int)shape[1], (int)shape[2]);
    PetscCall(ms_volume_read_raw(comm, in, shape[0], shape[1], shape[2], v));
  }
  PetscFunctionReturn(0);
}

/* cpu: CPU seconds of the busiest rank for this axis, total, set-up and solve. */
static PetscErrorCode write_axis(hid_t fid, const ms_tortuosity_result *r, const double cpu[3])
{
  char  path[64];
  hid_t g;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(path, sizeof path, "/tortuosity/%s", ms_tortuosity_axis_name(r->axis)));
  PetscCall(ms_h5_group_ensure(fid, path, &g));
  PetscCall(ms_h5_write_scalar_double(g, "tau", r->tau));
  PetscCall(ms_h5_write_scalar_double(g, "porosity", r->porosity));
  PetscCall(ms_h5_write_scalar_double(g, "percolating_porosity", r->percolating_porosity));
  PetscCall(ms_h5_write_scalar_double(g, "effective_conductivity", r->effective_conductivity));
  PetscCall(ms_h5_write_scalar_double(g, "current_mismatch", r->current_mismatch));
  PetscCall(ms_h5_write_scalar_double(g, "plane_mismatch", r->plane_mismatch));
  PetscCall(ms_h5_write_scalar_int(g, "iterations", r->iterations));
  PetscCall(ms_h5_write_scalar_double(g, "residual", r->residual));
  PetscCall(ms_h5_write_scalar_double(g, "current_in", r->current_in));
  PetscCall(ms_h5_write_scalar_double(g, "current_out", r->current_out));
  PetscCall(ms_h5_write_scalar_double(g, "percolation_seconds", r->percolation_seconds));
  PetscCall(ms_h5_write_scalar_double(g, "setup_seconds", r->setup_seconds));
  PetscCall(ms_h5_write_scalar_double(g, "solve_seconds", r->solve_seconds));
  PetscCall(ms_h5_write_scalar_int(g, "percolates", r->percolates));
  /* On a loaded machine wall times inflate; CPU time of the busiest rank is the better proxy. */
  PetscCall(ms_h5_write_scalar_double(g, "cpu_seconds_max_rank", cpu[0]));
  PetscCall(ms_h5_write_scalar_double(g, "setup_cpu_seconds_max_rank", cpu[1]));
  PetscCall(ms_h5_write_scalar_double(g, "solve_cpu_seconds_max_rank", cpu[2]));
  /* 1: this axis reused the operator and multigrid hierarchy of the previous one (-axis all). */
  PetscCall(ms_h5_write_scalar_int(g, "setup_shared", r->setup_shared));
  PetscCall(ms_h5_attr_set_string(g, "ksp_type", r->ksp_type));
  PetscCall(ms_h5_attr_set_string(g, "pc_type", r->pc_type));
  PetscCall(ms_h5_attr_set_string(g, "converged_reason", r->percolates ? KSPConvergedReasons[r->reason] : "none (no solve)"));
  PetscCall(ms_h5_attr_set_string(g, "status", r->percolates ? "percolating" : "not percolating: no conducting cluster touches both faces"));
  {
    /* Units of every dataset above ("1" = dimensionless; conductivities relative to sigma_P). */
    static const char *const units[][2] = {
      {"tau", "1"}, {"porosity", "1"}, {"percolating_porosity", "1"}, {"effective_conductivity", "1 (sigma_eff / sigma_P)"},
      {"current_mismatch", "1"}, {"plane_mismatch", "1"}, {"iterations", "1"}, {"residual", "1 (relative)"},
      {"current_in", "sigma_P * voxel * V"}, {"current_out", "sigma_P * voxel * V"}, {"percolation_seconds", "s"},
      {"setup_seconds", "s"}, {"solve_seconds", "s"}, {"percolates", "1"}, {"cpu_seconds_max_rank", "s"},
      {"setup_cpu_seconds_max_rank", "s"}, {"solve_cpu_seconds_max_rank", "s"}, {"setup_shared", "1"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) PetscCall(ms_h5_set_units(g, units[i][0], units[i][1]));
  }
  PetscCall(ms_h5_attr_set_string(g, "effective_conductivity_units", "sigma_eff / sigma_P"));
  PetscCall(ms_h5_attr_set_string(g, "current_units", "sigma_P * voxel size * volt"));
  PetscCheck(H5Gclose(g) >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot close HDF5 group %s", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode summary(MPI_Comm comm, const ms_tortuosity_result *r)
{
  const char *a = ms_tortuosity_axis_name(r->axis);

  PetscFunctionBeginUser;
  /* Defined (tau = inf, nothing conducts) but likely a wrong -phase or an inverted volume. */
  if (r->porosity == 0)
    PetscCall(ms_warn(comm, "tortuosity %s: the conducting phase is absent (no voxel conducts: wrong -phase, or an all-solid volume?); "
                            "tau = inf\n", a));
  if (!r->percolates)
    PetscCall(ms_log(comm, "tortuosity %s: tau inf (not percolating: no conducting cluster connects the two %s faces), porosity %.6f\n",
                     a, a, r->porosity));
  else
    PetscCall(ms_log(comm,
                     "tortuosity %s: tau %.6f porosity %.6f percolating %.6f sigma_eff/sigma_P %.6f mismatch %.2e its %d (%s/%s) "
                     "setup %.3f s solve %.3f s\n",
                     a, r->tau, r->porosity, r->percolating_porosity, r->effective_conductivity, r->current_mismatch,
                     (int)r->iterations, r->ksp_type, r->pc_type, r->percolation_seconds + r->setup_seconds, r->solve_seconds));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_tortuosity(MPI_Comm comm)
{
  char               in[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", dataset[256] = "/volume";
  const char *const  axis_names[] = {"x", "y", "z", "all", "ms_axis", "MS_AXIS_", NULL};
  PetscEnum          axis = (PetscEnum)3;
  PetscInt           shape[3] = {0, 0, 0}, nshape = 3, phase = 0, ncond = MS_TORTUOSITY_MAX_VALUES,
                     shell_levels = MS_TORTUOSITY_MG_SHELL_LEVELS, shell_sweeps = MS_TORTUOSITY_MG_SHELL_SWEEPS;
  PetscReal          cond[MS_TORTUOSITY_MAX_VALUES], tol = 1e-4, overcorrect[MS_TORTUOSITY_MG_OVERCORRECT_MAX] = {MS_TORTUOSITY_MG_OVERCORRECT};
  PetscInt           n_overcorrect = MS_TORTUOSITY_MG_OVERCORRECT_MAX;
  PetscBool          overcorrect_set;
  PetscBool          help, shape_set, phase_set, cond_set, single_set, assemble = PETSC_FALSE, share = PETSC_TRUE, compress = PETSC_TRUE,
                     single = PETSC_FALSE, memlog = PETSC_FALSE;
  ms_tortuosity_opts o;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "matscreen tortuosity options", NULL);
  PetscCall(PetscOptionsString("-input", "volume file: HDF5 (.h5), TIFF stack (.tif) or raw uint8 bytes (with -shape)", NULL, in, in, sizeof in, NULL));
  PetscCall(PetscOptionsString("-dataset", "HDF5 dataset holding the volume", NULL, dataset, dataset, sizeof dataset, NULL));
  PetscCall(PetscOptionsIntArray("-shape", "raw input size nx,ny,nz (x fastest)", NULL, shape, &nshape, &shape_set));
  if (!shape_set) nshape = 0;
  PetscCall(PetscOptionsEnum("-axis", "flow direction(s) to solve", NULL, axis_names, axis, &axis, NULL));
  PetscCall(PetscOptionsInt("-phase", "voxel value of the conducting phase (0 = pore)", NULL, phase, &phase, &phase_set));
  PetscCall(PetscOptionsRealArray("-conductivities", "conductivity per voxel value 0,1,... (0 = insulating); replaces -phase", NULL,
                                  cond, &ncond, &cond_set));
  if (!cond_set) ncond = 0;
  PetscCall(PetscOptionsReal("-mismatch_tol", "stop when every cross-section carries the inlet current to this (relative; 0: residual test only)", NULL, tol,
                             &tol, NULL));
  PetscCall(PetscOptionsBool("-assemble", "assemble the finest operator (AIJ) even for -pc_type mg; default matrix-free", NULL,
                             assemble, &assemble, NULL));
  PetscCall(PetscOptionsBool("-compress", "default multigrid: finest level and CG vectors on the conducting percolating voxels only "
                             "(about 1/3 of the bytes at porosity 0.3; tau within ~1e-8 of false: the full grid)", NULL, compress, &compress, NULL));
  PetscCall(PetscOptionsBool("-share_setup", "-axis all: one operator and multigrid hierarchy for all axes, only the faces change (false: one per axis)",
                             NULL, share, &share, NULL));
  PetscCall(PetscOptionsInt("-mg_shell_levels", "default multigrid: coarse levels below the finest kept matrix-free (summed stencil, damped Jacobi); 0: AIJ with SSOR",
                            NULL, shell_levels, &shell_levels, NULL));
  PetscCall(PetscOptionsInt("-mg_shell_sweeps", "damped Jacobi sweeps per smoothing on the matrix-free coarse levels", NULL, shell_sweeps,
                            &shell_sweeps, NULL));
  PetscCall(PetscOptionsRealArray("-mg_overcorrect", "default multigrid: coarse-grid corrections scaled by alpha in (0,2), one value for all levels "
                                  "or a list from the finest down (the last repeats); 1: unscaled",
                                  NULL, overcorrect, &n_overcorrect, &overcorrect_set));
  if (!overcorrect_set) n_overcorrect = 1;
  PetscCall(PetscOptionsBool("-single_coefficients", "true: float face conductances on the matrix-free finest level (12 B/voxel less), false: double; "
                             "unset: float exactly when every conductance is a float (one phase: the same results), else double",
                             NULL, single, &single, &single_set));
  PetscCall(PetscOptionsBool("-memory_log", "log resident and peak memory per voxel (summed over ranks) after each phase of the solve",
                             NULL, memlog, &memlog, NULL));
  PetscCall(PetscOptionsString("-output", "HDF5 file for the results (written atomically)", NULL, out, out, sizeof out, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, ms_options_solver_prefixes));
  PetscCheck(in[0], comm, MS_ERR_USER, "missing required option -input (the volume to analyse)");
  PetscCheck(!(phase_set && cond_set), comm, MS_ERR_USER, "-phase and -conductivities exclude each other: give one");
  PetscCheck(phase >= 0 && phase <= 255, comm, MS_ERR_USER, "-phase %d: expected a voxel value 0..255", (int)phase);
  PetscCheck(tol >= 0 && tol < 1, comm, MS_ERR_USER, "-mismatch_tol %g: expected 0 <= tol < 1", (double)tol);
  PetscCheck(shell_levels >= 0, comm, MS_ERR_USER, "-mg_shell_levels %d: expected >= 0", (int)shell_levels);
  PetscCheck(shell_sweeps >= 1, comm, MS_ERR_USER, "-mg_shell_sweeps %d: expected >= 1", (int)shell_sweeps);
  PetscCheck(n_overcorrect >= 1, comm, MS_ERR_USER, "-mg_overcorrect: expected one or more values");
  for (PetscInt i = 0; i < n_overcorrect; i++)
    PetscCheck(overcorrect[i] > 0 && overcorrect[i] < 2, comm, MS_ERR_USER,
               "-mg_overcorrect %g: expected 0 < alpha < 2 (beyond 2 the cycle is no longer a positive definite preconditioner)", (double)overcorrect[i]);
  PetscCheck(!out[0] || strcmp(in, out), comm, MS_ERR_USER, "-input and -output are the same file '%s'", in);

  PetscCall(ms_tortuosity_opts_init(&o));
  o.phase            = (int)phase;
  o.n_conductivities = (int)ncond;
  for (PetscInt i = 0; i < ncond; i++) o.conductivities[i] = cond[i];
  o.mismatch_tol = tol;
  o.assemble     = assemble;
  o.share_setup  = share;
  o.compress     = compress;
  o.mg_shell_levels = shell_levels;
  o.mg_shell_sweeps = shell_sweeps;
  o.n_mg_overcorrect = (int)n_overcorrect;
  for (PetscInt i = 0; i < n_overcorrect; i++) o.mg_overcorrect[i] = overcorrect[i];
  if (single_set) o.single_coefficients = single ? 1 : 0;
  o.memory_log          = memlog;

  ms_volume v;
  PetscCall(load_volume(comm, in, dataset, nshape, shape, &v));
  PetscCall(ms_log(comm, "tortuosity: %s (%lld x %lld x %lld voxels)\n", in, (long long)v->nx, (long long)v->ny, (long long)v->nz));

  ms_tortuosity_result res[3];
  double               cpu[3][3];
  int                  a0 = axis == 3 ? 0 : (int)axis, a1 = axis == 3 ? 2 : (int)axis, axes[3] = {0, 1, 2};
  PetscBool            solved = PETSC_FALSE;
  /* All requested axes in one call: they share the labelling and the multigrid set-up. */
  PetscCall(ms_tortuosity_solve_axes(v, a1 - a0 + 1, axes + a0, &o, res + a0));
  for (int a = a0; a <= a1; a++) {
    cpu[a][0] = res[a].setup_cpu_seconds + res[a].solve_cpu_seconds;
    cpu[a][1] = res[a].setup_cpu_seconds;
    cpu[a][2] = res[a].solve_cpu_seconds;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cpu[a], 3, MPI_DOUBLE, MPI_MAX, comm));
    PetscCall(summary(comm, &res[a]));
    solved = (PetscBool)(solved || res[a].percolates);
  }
  /* Solver options are consumed by the KSP; a misspelt one shows up here. Without a solve
   * (nothing percolates) they had nothing to configure, which is not the user's error. */
  if (solved) PetscCall(ms_options_check_unused(comm, NULL));

  struct rusage ru;
  long          rss = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0, rss_sum, rss_max; /* KiB on Linux */
  PetscCallMPI(MPI_Allreduce(&rss, &rss_sum, 1, MPI_LONG, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(&rss, &rss_max, 1, MPI_LONG, MPI_MAX, comm));
  if (out[0]) {
    ms_h5_file f;
    hid_t      g;
    PetscCall(ms_h5_create(comm, out, &f));
    PetscCall(ms_h5_add_input(f, in));
    for (int a = a0; a <= a1; a++) PetscCall(write_axis(f->fid, &res[a], cpu[a]));
    PetscCall(ms_h5_group_ensure(f->fid, "/tortuosity", &g));
    PetscCall(ms_h5_attr_set_string(g, "input", in));
    if (!nshape) PetscCall(ms_h5_attr_set_string(g, "dataset", dataset));
    PetscCall(ms_h5_attr_set_int(g, "nx", v->nx));
    PetscCall(ms_h5_attr_set_int(g, "ny", v->ny));
    PetscCall(ms_h5_attr_set_int(g, "nz", v->nz));
    PetscCall(ms_h5_attr_set_double(g, "voxel_size", v->voxel_size));
    PetscCall(ms_h5_attr_set_string(g, "voxel_size_units", "um"));
    if (ncond) {
      double c[MS_TORTUOSITY_MAX_VALUES];
      for (PetscInt i = 0; i < ncond; i++) c[i] = cond[i];
      PetscMPIInt rank;
      PetscCallMPI(MPI_Comm_rank(comm, &rank));
      PetscCall(ms_h5_write_rows_double(g, "conductivities", ncond, 0, rank ? 0 : ncond, 0, c));
      PetscCall(ms_h5_set_units(g, "conductivities", "1 (relative: the conductivity of each voxel value)"));
    } else PetscCall(ms_h5_attr_set_int(g, "phase", phase));
    PetscCall(ms_h5_attr_set_double(g, "mismatch_tol", tol));
    PetscCall(ms_h5_attr_set_int(g, "mg_shell_levels", shell_levels));
    PetscCall(ms_h5_attr_set_int(g, "mg_shell_sweeps", shell_sweeps));
    PetscCall(ms_h5_attr_set_double(g, "mg_overcorrect", overcorrect[0]));
    if (n_overcorrect > 1) { /* per level, finest first; the last value repeats */
      char list[MS_TORTUOSITY_MG_OVERCORRECT_MAX * 26] = "";
      for (PetscInt i = 0; i < n_overcorrect; i++) {
        size_t len = strlen(list);
        PetscCall(PetscSNPrintf(list + len, sizeof list - len, "%s%.17g", i ? "," : "", (double)overcorrect[i]));
      }
      PetscCall(ms_h5_attr_set_string(g, "mg_overcorrect_levels", list));
    }
    PetscCall(ms_h5_attr_set_int(g, "single_coefficients", res[a0].single_coefficients ? 1 : 0));
    PetscCall(ms_h5_attr_set_int(g, "compressed", res[a0].compressed ? 1 : 0));
    PetscCall(ms_h5_attr_set_int(g, "peak_rss_bytes_sum", (int64_t)rss_sum * 1024));
    PetscCall(ms_h5_attr_set_int(g, "peak_rss_bytes_max", (int64_t)rss_max * 1024));
    PetscCall(ms_h5_attr_set_string(g, "peak_rss_bytes_sum_units", "byte"));
    PetscCall(ms_h5_attr_set_string(g, "peak_rss_bytes_max_units", "byte"));
    PetscCheck(H5Gclose(g) >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot close HDF5 group /tortuosity of %s", out);
    PetscCall(ms_h5_commit(&f));
  }
  PetscCall(ms_volume_destroy(&v));
  PetscFunctionReturn(0);
}
