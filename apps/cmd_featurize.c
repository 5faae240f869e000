/* cmd_featurize.c - `matscreen featurize KIND`: a table of inputs -> a feature table.
 *
 * Adding a kind: write `static PetscErrorCode featurize_<kind>(MPI_Comm)` (options ->
 * library -> ms_featurize_write) and add one row to `kinds` below. Every kind reads its
 * inputs with ms_featurize_rows_read_csv (rows sharded over ranks), featurizes them through
 * ms_featurize_table (the -on_error policy) and writes with ms_featurize_write.
 */
#include "ms_commands.h"
#include "ms_featurize.h"
#include "ms_log.h"
#include "ms_options.h"
#include <string.h>

const char ms_cmd_featurize_help[] =
  "usage: matscreen featurize KIND -input table.csv -output features.{h5,csv} [options]\n"
  "  KIND: composition (chemical formulas -> Magpie statistics), electronic (DFT outputs ->\n"
  "  band gap, DOS at E_F, effective masses, work function), structure (CIF/POSCAR/XYZ ->\n"
  "  density, lattice, space group, bonds, CN), graph (neighbour graphs or edge lists -> graph\n"
  "  indices). `matscreen featurize KIND -help`\n"
  "  lists a kind's options. Rows are sharded over the ranks; a row that cannot be featurized\n"
  "  is listed with file:line and id and handled by -on_error fail|skip|nan.\n";

typedef struct {
  PetscEnum on_error;
  char      input[PETSC_MAX_PATH_LEN], output[PETSC_MAX_PATH_LEN], id[256], target[256];
  PetscBool target_log10;
} common_opts;

static PetscErrorCode common_options(PetscOptionItems *PetscOptionsObject, common_opts *o)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsString("-input", "input table: CSV with a header row, or file.h5[:/group] with one 1-D dataset per column", NULL, o->input, o->input, sizeof o->input, NULL));
  PetscCall(PetscOptionsString("-output", "feature table to write (.h5/.hdf5: HDF5 with units; else CSV)", NULL, o->output,
                               o->output, sizeof o->output, NULL));
  PetscCall(PetscOptionsString("-id", "id column of the input, carried to the output (default: the line number)", NULL, o->id,
                               o->id, sizeof o->id, NULL));
  PetscCall(PetscOptionsString("-target", "numeric column carried to the output as the target ('<x' bounds read as x)", NULL,
                               o->target, o->target, sizeof o->target, NULL));
  PetscCall(PetscOptionsBool("-target_log10", "store log10 of the target (named log10(COL))", NULL, o->target_log10,
                             &o->target_log10, NULL));
  PetscCall(PetscOptionsEnum("-on_error", "a row that cannot be featurized: fail the run, skip it, or keep it as NaN", NULL,
                             ms_on_error_names, o->on_error, &o->on_error, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode common_check(MPI_Comm comm, const common_opts *o)
{
  PetscFunctionBegin;
  PetscCheck(o->input[0], comm, MS_ERR_USER, "missing required option -input (the table of inputs, CSV)");
  PetscCheck(o->output[0], comm, MS_ERR_USER, "missing required option -output (the feature table to write)");
  PetscCheck(strcmp(o->input, o->output), comm, MS_ERR_USER, "-input and -output are the same file '%s'", o->input);
  PetscFunctionReturn(0);
}

/* Read, featurize, write, summarise: the part every kind shares. */
static PetscErrorCode run_table(MPI_Comm comm, const common_opts *o, const char *kind, const char *input_col, int nc,
                                const char *const *names, const char *const *units, ms_featurize_row_fn fn, void *ctx)
{
  ms_featurize_rows rows;
  ms_dataset        ds;
  int64_t           failed, bounds = 0;
  double            t0 = MPI_Wtime();
  PetscFunctionBegin;
  if (strstr(o->input, ".h5") || strstr(o->input, ".hdf5"))
    PetscCall(ms_featurize_rows_read_h5(comm, o->input, input_col, o->id[0] ? o->id : NULL, o->target[0] ? o->target : NULL,
                                        o->target_log10, &rows));
  else
    PetscCall(ms_featurize_rows_read_csv(comm, o->input, input_col, o->id[0] ? o->id : NULL, o->target[0] ? o->target : NULL,
                                         o->target_log10, &rows));
  PetscCallMPI(MPI_Allreduce(&rows.n_bounds, &bounds, 1, MPI_INT64_T, MPI_SUM, comm));
  if (bounds)
    PetscCall(ms_log(comm, "featurize: %lld target values are bounds ('<x' or '>x'), read as x\n", (long long)bounds));
  double t1 = MPI_Wtime();
  PetscCall(ms_featurize_table(&rows, nc, names, fn, ctx, (ms_on_error)o->on_error, &ds, &failed));
  double t2 = MPI_Wtime();
  PetscCall(ms_featurize_write(ds, units, o->input, failed, o->output));
  double      dt = MPI_Wtime() - t0;
  PetscMPIInt size;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(ms_log(comm, "featurize %s: %lld rows of %s -> %lld rows x %d columns in %s\n"
                   "  %.3g s on %d ranks (read %.3g s, featurize %.3g s = %.3g rows/s, write %.3g s)\n", kind, (long long)rows.n_global,
                   o->input, (long long)ds->n_global, nc, o->output, dt, (int)size, t1 - t0, t2 - t1, rows.n_global / (t2 - t1),
                   dt - (t2 - t0)));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_featurize_rows_free(&rows));
  PetscFunctionReturn(0);
}

static PetscErrorCode featurize_composition(MPI_Comm comm)
{
  common_opts               o = {.on_error = (PetscEnum)MS_ON_ERROR_FAIL};
  char                      column[256] = "formula", preset[64] = "magpie", dir[PETSC_MAX_PATH_LEN] = "";
  char                     *props[128], *stats[16];
  PetscInt                  np = 128, ns = 16;
  PetscBool                 has_p = PETSC_FALSE, has_s = PETSC_FALSE, help;
  PetscEnum                 missing = (PetscEnum)MS_MISSING_ERROR;
  ms_composition_featurizer f;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "matscreen featurize composition options", NULL);
  PetscCall(common_options(PetscOptionsObject, &o));
  PetscCall(PetscOptionsString("-formula_column", "input column holding the chemical formulas", NULL, column, column, sizeof column, NULL));
  PetscCall(PetscOptionsString("-preset", "feature set: magpie (132 columns, as matminer), magpie_extended (+ variances), slides "
                               "(Z-bar, M-bar, chi-bar and their variances)", NULL, preset, preset, sizeof preset, NULL));
  PetscCall(PetscOptionsStringArray("-properties", "element properties (Magpie table names) instead of the preset's", NULL, props,
                                    &np, &has_p));
  PetscCall(PetscOptionsStringArray("-stats", "statistics instead of the preset's: minimum,maximum,range,mean,avg_dev,mode,variance,"
                                    "std_dev", NULL, stats, &ns, &has_s));
  PetscCall(PetscOptionsString("-elements_dir", "directory of the Magpie element tables (default: the shipped inputs/magpie)", NULL,
                               dir, dir, sizeof dir, NULL));
  PetscCall(PetscOptionsEnum("-missing", "an element without a value of a property: error, impute (table mean), drop (leave the "
                             "element out), nan", NULL, ms_missing_policy_names, missing, &missing, NULL));
  PetscOptionsEnd();
  if (!has_p) np = 0;
  if (!has_s) ns = 0;
  PetscCall(ms_options_help_requested(&help));
  if (!help) PetscCall(ms_options_check_unused(comm, NULL));
  if (!help) PetscCall(common_check(comm, &o));
  if (!help && (has_p || has_s)) {
    const char         *pp[128];
    ms_composition_stat ss[16];
    /* -properties alone keeps the preset's statistics (magpie's six), and vice versa */
    static const char *const dprops[] = {"Number", "AtomicWeight", "Electronegativity"};
    static const ms_composition_stat dstats[] = {MS_STAT_MINIMUM, MS_STAT_MAXIMUM, MS_STAT_RANGE, MS_STAT_MEAN, MS_STAT_AVG_DEV, MS_STAT_MODE};
    int n_p = has_p ? (int)np : 3, n_s = has_s ? (int)ns : 6;
    for (int k = 0; k < n_p; k++) pp[k] = has_p ? props[k] : dprops[k];
    for (int k = 0; k < n_s; k++) {
      ss[k] = has_s ? MS_STAT_COUNT : dstats[k];
      for (int s = 0; has_s && s < MS_STAT_COUNT; s++)
        if (!strcmp(stats[k], ms_composition_stat_names[s])) ss[k] = (ms_composition_stat)s;
      PetscCheck(ss[k] != MS_STAT_COUNT, comm, MS_ERR_USER, "-stats: unknown statistic '%s' (minimum, maximum, range, mean, avg_dev, "
                 "mode, variance, std_dev)", stats[k]);
    }
    PetscCall(ms_composition_featurizer_create_custom(n_p, pp, n_s, ss, dir, (ms_missing_policy)missing, &f));
  } else if (!help) PetscCall(ms_composition_featurizer_create(preset, dir, (ms_missing_policy)missing, &f));
  for (PetscInt k = 0; k < np; k++) PetscCall(PetscFree(props[k]));
  for (PetscInt k = 0; k < ns; k++) PetscCall(PetscFree(stats[k]));
  if (help) PetscFunctionReturn(0);

  int                nc;
  const char *const *names, *const *units;
  PetscCall(ms_composition_featurizer_columns(f, &nc, &names, &units));
  PetscCall(run_table(comm, &o, "composition", column, nc, names, units, ms_composition_featurizer_row_fn, f));
  int64_t charged = ms_composition_featurizer_charged(f), all = 0;
  PetscCallMPI(MPI_Allreduce(&charged, &all, 1, MPI_INT64_T, MPI_SUM, comm));
  if (all) PetscCall(ms_log(comm, "note: %lld formulas carried a charge (e.g. Fe3+, SO4^2-), ignored: features of the neutral composition\n", (long long)all));
  PetscCall(ms_composition_featurizer_destroy(&f));
  PetscFunctionReturn(0);
}

static PetscErrorCode featurize_electronic(MPI_Comm comm)
{
  common_opts        o = {.on_error = (PetscEnum)MS_ON_ERROR_FAIL};
  char               column[256] = "path";
  ms_electronic_opts eo;
  PetscReal          lattice[9];
  PetscInt           nl = 9, axis;
  PetscBool          has_lat = PETSC_FALSE, help;
  const char *const  axes[] = {"x", "y", "z", "axis", "", NULL};

  PetscFunctionBegin;
  ms_electronic_opts_default(&eo);
  axis = eo.wf_axis;
  PetscOptionsBegin(comm, NULL, "matscreen featurize electronic options", NULL);
  PetscCall(common_options(PetscOptionsObject, &o));
  PetscCall(PetscOptionsString("-path_column", "input column holding a calculation directory (EIGENVAL, DOSCAR, LOCPOT, POSCAR, "
                               "OUTCAR)", NULL, column, column, sizeof column, NULL));
  PetscCall(PetscOptionsReal("-sigma", "Gaussian broadening of the DOS at E_F (eV; 0: interpolate DOSCAR)", NULL, eo.sigma, &eo.sigma, NULL));
  PetscCall(PetscOptionsBoundedInt("-mass_points", "k-points on each side of the band edge in the effective-mass fit", NULL,
                                   eo.mass_points, &eo.mass_points, NULL, 1));
  PetscCall(PetscOptionsReal("-efermi", "Fermi energy (eV; default: OUTCAR's last E-fermi, else DOSCAR's header)", NULL, eo.efermi,
                             &eo.efermi, NULL));
  PetscCall(PetscOptionsRealArray("-lattice", "lattice vectors a1,a2,a3 (9 numbers, Angstrom) instead of the POSCAR", NULL, lattice,
                                  &nl, &has_lat));
  PetscCall(PetscOptionsEList("-wf_axis", "surface normal for the LOCPOT planar average", NULL, axes, 3, axes[axis], &axis, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCall(common_check(comm, &o));
  PetscCheck(eo.sigma >= 0, comm, MS_ERR_USER, "-sigma %g: must be >= 0", (double)eo.sigma);
  if (has_lat) {
    PetscCheck(nl == 9, comm, MS_ERR_USER, "-lattice takes 9 numbers (a1, a2, a3 in Angstrom), got %d", (int)nl);
    for (int k = 0; k < 9; k++) eo.lattice[k] = lattice[k];
  }
  eo.wf_axis = (int)axis;
  PetscCall(run_table(comm, &o, "electronic", column, MS_ELECTRONIC_N_COLUMNS, ms_electronic_column_names,
                      ms_electronic_column_units, ms_electronic_row_fn, &eo));
  PetscFunctionReturn(0);
}

/* The kinds of featurizer: one row each. */
static const struct {
  const char *name, *summary;
  PetscErrorCode (*run)(MPI_Comm);
} kinds[] = {
  {"composition", "chemical formulas -> element-property statistics (Magpie)", featurize_composition},
  {"electronic", "VASP outputs -> band gap, edges, effective masses, DOS at E_F, work function", featurize_electronic},
  /* These two are commands of their own (cmd_featurize_structure.c, cmd_featurize_graph.c). */
  {"structure", "crystal structures (CIF, POSCAR, XYZ) -> density, packing, lattice, space group, bonds, CN", ms_cmd_featurize_structure},
  {"graph", "neighbour graphs of structures or CSV edge lists -> Wiener, Randic, clustering, betweenness, degree", ms_cmd_featurize_graph},
};

PetscErrorCode ms_cmd_featurize(MPI_Comm comm)
{
  int    argc;
  char **args;
  char   kind[64] = "";
  PetscFunctionBegin;
  PetscCall(PetscGetArgs(&argc, &args));
  if (argc > 1 && args[1][0] != '-') PetscCall(PetscStrncpy(kind, args[1], sizeof kind));
  for (size_t k = 0; kind[0] && k < sizeof kinds / sizeof kinds[0]; k++)
    if (!strcmp(kind, kinds[k].name)) {
      PetscCall(kinds[k].run(comm));
      PetscFunctionReturn(0);
    }
  {
    char   list[1024] = "";
    size_t l         = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
      l += (size_t)snprintf(list + l, sizeof list - l, "\n  %-12s %s", kinds[k].name, kinds[k].summary);
    PetscBool help;
    PetscCall(ms_options_help_requested(&help));
    if (help && !kind[0]) {
      PetscCall(PetscPrintf(comm, "%s\nkinds:%s\n", ms_cmd_featurize_help, list));
      PetscFunctionReturn(0);
    }
    if (!kind[0]) SETERRQ(comm, MS_ERR_USER, "featurize needs a kind: matscreen featurize KIND ... with KIND one of:%s", list);
    SETERRQ(comm, MS_ERR_USER, "unknown featurizer kind '%s'; known kinds:%s", kind, list);
  }
}
