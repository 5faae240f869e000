/* cmd_describe.c - `matscreen describe`: classical microstructure descriptors of one volume or
 * a set (library: ml/featurize/ms_micro.h, io/ms_volume_set.h), and the PCA embedding of their
 * two-point statistics (ml/ms_pca.h). */
#include "ms_commands.h"
#include "ms_error.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_micro.h"
#include "ms_options.h"
#include "ms_pca.h"
#include "ms_provenance.h"
#include <math.h>
#include <string.h>

const char ms_cmd_describe_help[] =
  "usage: matscreen describe -input VOL[,VOL...] -output OUT.h5 [-csv SUMMARY.csv] [-boundary periodic|padded]\n"
  "                          [-dataset /volume] [-fit_pca K | -pca_model FITTED.h5] [-ranks_per_volume 0]\n"
  "  Porosity (pore = voxel value 0), specific surface area (pore-solid voxel faces per voxel),\n"
  "  two-point correlation S2 of the pore phase by FFT (FFTW MPI; radially averaged and along x, y,\n"
  "  z) and pore chord lengths along x, y, z (mean, std, histogram) of every volume.\n"
  "  VOL: a volume file as `generate`/`segment` write it (file.h5, dataset -dataset), a\n"
  "  `generate -batch` file (all of /structures), file.h5:/dataset_or_group, a TIFF stack, or a\n"
  "  quoted glob ('set/*.h5'); the volumes of one run must share a shape. Each volume is split over\n"
  "  all ranks (one FFT over MPI); -ranks_per_volume g runs groups of g ranks on different volumes\n"
  "  (many small volumes). Results are the same for any ranks and grouping (exact pair counts).\n"
  "  -boundary periodic: the volume is one period (generated membranes); padded: a window of a\n"
  "  larger sample (CT crops): zero-padded FFT normalised by the pairs inside the window, chords\n"
  "  cut by a face left out.\n"
  "  -fit_pca K fits a K-component PCA on the two-point features (S2 along x, y, z) of the set and\n"
  "  stores it in OUT.h5:/pca; -pca_model applies the /pca of an earlier describe output.\n"
  "  OUT.h5: /describe/summary (table: porosity, specific_surface_area, chord_mean|std|count_x|y|z,\n"
  "  PC1..PCK; ids = volume names), /describe/{s2_x,s2_y,s2_z,s2_radial,shell_radius,shell_lags,\n"
  "  chord_hist_x|y|z,voxel_size}, /describe/two_point (the PCA input table), /pca.\n";

/* Append the PCA scores of the two-point table as columns PC1..PCk of the summary. */
static PetscErrorCode add_scores(ms_pca p, ms_dataset tp, ms_dataset *summary)
{
  ms_dataset sc, old = *summary, s;
  PetscFunctionBeginUser;
  PetscCall(ms_pca_scores(p, tp, &sc));
  const int64_t d0 = old->n_features, d = d0 + sc->n_features;
  PetscCall(ms_dataset_create(old->comm, old->n_local, d, &s));
  char **names;
  PetscCall(PetscMalloc1(d, &names));
  for (int64_t j = 0; j < d; j++) names[j] = j < d0 ? old->feature_names[j] : sc->feature_names[j - d0];
  PetscCall(ms_dataset_set_feature_names(s, names));
  PetscCall(PetscFree(names));
  for (int64_t i = 0; i < old->n_local; i++)
    for (int64_t j = 0; j < d; j++) s->X[i * d + j] = j < d0 ? old->X[i * d0 + j] : sc->X[i * sc->n_features + j - d0];
  PetscCall(PetscStrallocpy(old->id_name, &s->id_name));
  PetscCall(PetscMalloc1(old->n_local + 1, &s->ids));
  for (int64_t i = 0; i < old->n_local; i++) PetscCall(PetscStrallocpy(old->ids[i], &s->ids[i]));
  PetscCall(ms_dataset_destroy(&sc));
  PetscCall(ms_dataset_destroy(&old));
  *summary = s;
  PetscFunctionReturn(0);
}

static PetscErrorCode load_pca(MPI_Comm comm, const char *path, ms_pca *p)
{
  ms_h5_file f;
  PetscFunctionBeginUser;
  PetscCall(ms_h5_open_read(comm, path, &f));
  hid_t g = H5Gopen2(f->fid, "/pca", H5P_DEFAULT);
  if (g < 0) {
    PetscCall(ms_h5_close(&f));
    SETERRQ(comm, MS_ERR_USER, "-pca_model %s: no group /pca (write one with `matscreen describe -fit_pca K`)", path);
  }
  PetscErrorCode ierr = ms_pca_load(g, p);
  H5Gclose(g);
  PetscCall(ms_h5_close(&f));
  PetscCall(ierr);
  PetscCheck((*p)->feature_names, comm, MS_ERR_USER, "-pca_model %s: /pca has no column_names (not a describe PCA)", path);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_describe(MPI_Comm comm)
{
  char               out[PETSC_MAX_PATH_LEN] = "", csv[PETSC_MAX_PATH_LEN] = "", dataset[256] = "/volume", model[PETSC_MAX_PATH_LEN] = "";
  char              *inputs[256];
  PetscInt           n_in = 256, k = 0, rpv = 0;
  PetscEnum          bnd  = (PetscEnum)MS_MICRO_PERIODIC;
  PetscBool          help, in_set, k_set;
  ms_volume_set      set;
  ms_micro_set_result r;
  ms_dataset         summary, tp;
  ms_pca             p = NULL;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "matscreen describe options", NULL);
  PetscCall(PetscOptionsStringArray("-input", "volumes: comma-separated files, file.h5:/dataset_or_group, TIFF stacks or quoted globs", NULL,
                                    inputs, &n_in, &in_set));
  if (!in_set) n_in = 0;
  PetscCall(PetscOptionsString("-dataset", "volume dataset read from HDF5 files named without :/path", NULL, dataset, dataset, sizeof dataset, NULL));
  PetscCall(PetscOptionsEnum("-boundary", "periodic (one period of the structure) or padded (a window: zero-padded, non-periodic estimators)", NULL,
                             ms_micro_boundary_names, bnd, &bnd, NULL));
  PetscCall(PetscOptionsInt("-ranks_per_volume", "ranks per volume: groups of this many ranks describe different volumes at once (0 = all ranks on each volume)",
                            NULL, rpv, &rpv, NULL));
  PetscCall(PetscOptionsInt("-fit_pca", "fit a PCA with this many components on the two-point features of the set (0 = no)", NULL, k, &k, &k_set));
  PetscCall(PetscOptionsString("-pca_model", "apply the /pca of an earlier `describe -fit_pca` output to these volumes", NULL, model, model,
                               sizeof model, NULL));
  PetscCall(PetscOptionsString("-output", "HDF5 file for the descriptors (written atomically)", NULL, out, out, sizeof out, NULL));
  PetscCall(PetscOptionsString("-csv", "CSV summary table, one row per volume (written atomically, provenance in CSV.meta.json)", NULL, csv, csv,
                               sizeof csv, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) {
    for (PetscInt i = 0; i < n_in; i++) PetscCall(PetscFree(inputs[i]));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(n_in > 0, comm, MS_ERR_USER, "missing required option -input (the volume file(s) to describe)");
  PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output (the HDF5 file for the descriptors)");
  PetscCheck(!k_set || k >= 0, comm, MS_ERR_USER, "-fit_pca %d: expected a number of components >= 1 (0: no PCA)", (int)k);
  PetscCheck(rpv >= 0, comm, MS_ERR_USER, "-ranks_per_volume %d: expected >= 0 (0 = all ranks)", (int)rpv);
  PetscCheck(!(k > 0 && model[0]), comm, MS_ERR_USER, "-fit_pca and -pca_model exclude each other: fit a PCA or apply one");
  PetscCheck(!csv[0] || strcmp(csv, out), comm, MS_ERR_USER, "-csv and -output are the same file '%s'", out);

  PetscCall(ms_volume_set_resolve(comm, (int)n_in, inputs, dataset, &set));
  for (PetscInt i = 0; i < n_in; i++) PetscCall(PetscFree(inputs[i]));
  if (model[0]) PetscCall(load_pca(comm, model, &p));
  /* The inputs are registered now: refuse an output that is one of them before any work. */
  PetscCall(ms_output_check(comm, out));
  if (csv[0]) PetscCall(ms_output_check(comm, csv));
  if (k > 0) { /* the two-point features are S2 along x, y, z at lags 0..n/2: known from the shapes */
    const int64_t d = set->shape[0] / 2 + set->shape[1] / 2 + set->shape[2] / 2 + 3, kmax = PetscMin(set->n, d);
    PetscCheck(set->n >= 2, comm, MS_ERR_USER, "-fit_pca needs a training set of at least 2 volumes; -input gives %lld", (long long)set->n);
    PetscCheck(k <= kmax, comm, MS_ERR_USER, "-fit_pca %d: at most %lld components for %lld volume(s) x %lld two-point features", (int)k,
               (long long)kmax, (long long)set->n, (long long)d);
  }
  PetscCall(ms_log(comm, "describe: %lld volume(s) from %d file(s), boundary %s\n", (long long)set->n, set->n_files, ms_micro_boundary_names[bnd]));

  PetscCall(ms_micro_describe_set(comm, set, (ms_micro_boundary)bnd, rpv, &r));
  PetscCall(ms_micro_summary_dataset(comm, &r, set->names, &summary));
  PetscCall(ms_micro_s2_dataset(comm, &r, set->names, &tp));
  if (k > 0) {
    PetscCall(ms_pca_create(&p));
    p->n_components_req = k;
    PetscCall(ms_pca_fit_dataset(p, tp));
  }
  if (p) {
    PetscCheck(p->d == tp->n_features, comm, MS_ERR_USER,
               "-pca_model %s: fitted on %lld two-point features, these volumes give %lld (the volumes must have the training set's shape)", model,
               (long long)p->d, (long long)tp->n_features);
    PetscCall(add_scores(p, tp, &summary));
  }

  ms_h5_file f;
  hid_t      g;
  PetscCall(ms_h5_create(comm, out, &f));
  for (int i = 0; i < set->n_files; i++) PetscCall(ms_h5_add_input(f, set->file_list[i]));
  if (model[0]) PetscCall(ms_h5_add_input(f, model));
  PetscCall(ms_h5_group_ensure(f->fid, "/describe", &g));
  PetscCall(ms_micro_set_write_h5(comm, &r, g));
  H5Gclose(g);
  PetscCall(ms_dataset_write_h5(summary, f->fid, "/describe/summary"));
  PetscCall(ms_dataset_write_h5(tp, f->fid, "/describe/two_point"));
  if (p) {
    PetscCall(ms_h5_group_ensure(f->fid, "/pca", &g));
    PetscCall(ms_pca_save(p, g));
    PetscCall(ms_h5_attr_set_string(g, "fitted_on", k > 0 ? "these volumes (-fit_pca)" : model));
    H5Gclose(g);
  }
  PetscCall(ms_h5_commit(&f));
  if (csv[0]) PetscCall(ms_dataset_write_csv_inputs(summary, csv, set->n_files, set->file_list));

  for (int64_t i = 0; i < PetscMin(r.n, 5); i++)
    PetscCall(ms_log(comm, "describe: %s: porosity %.6f S_V %.6f /voxel chords x %.3f y %.3f z %.3f voxel, S2(1) x %.6f\n", set->names[i],
                     r.porosity[i], r.surface[i], r.chord_mean[0][i], r.chord_mean[1][i], r.chord_mean[2][i],
                     r.n_axis[0] > 1 ? r.s2_axis[0][i * r.n_axis[0] + 1] : NAN));
  if (r.n > 5) PetscCall(ms_log(comm, "describe: ... %lld more\n", (long long)(r.n - 5)));
  if (p)
    PetscCall(ms_log(comm, "describe: PCA of %lld two-point features, %lld components (%s), explained variance ratio of PC1 %.4f\n",
                     (long long)p->d, (long long)p->k, k > 0 ? "fitted here" : model, p->explained_variance_ratio[0]));
  PetscCall(ms_log(comm, "describe: %.3f s (FFT %.3f s, FFT input set-up %.3f s) -> %s%s%s\n", r.seconds, r.fft_seconds, r.setup_seconds, out,
                   csv[0] ? ", " : "", csv));
  PetscCall(ms_pca_destroy(&p));
  PetscCall(ms_dataset_destroy(&tp));
  PetscCall(ms_dataset_destroy(&summary));
  ms_micro_set_result_free(&r);
  PetscCall(ms_volume_set_destroy(&set));
  PetscFunctionReturn(0);
}
