/* fuzz_options.c - the option and range parsers on arbitrary command lines.
 *
 * The input is the tail of a command line (e.g. "-n_points_range 40,170 -stretch 1,0.75,1
 * -models ridge,rf -cv_grid ridge_alpha=0.1,1"). It goes into a fresh options database
 * (PetscOptionsInsertString: PETSc's tokenizer with quotes) and every option reader of the
 * structure generator, the batch ranges, the model zoo and PCA runs on it, then the unused-
 * option check and the provenance command line: the parsers `generate`, `label` and `cv`
 * run before any file is touched.
 *
 * Not fed: -options_file (reads arbitrary files), -help (prints every option: slow and not
 * a parser) and -prefix_push (PETSc's, unbalanced pushes are PETSc's own error).
 */
#include "ms_fuzz.h"
#include "ms_membrane.h"
#include "ms_membrane_sample.h"
#include "ms_model.h"
#include "ms_options.h"
#include "ms_pca.h"
#include "ms_validation.h"
#include <string.h>

static void run_parsers(void)
{
  MPI_Comm            comm = PETSC_COMM_SELF;
  ms_membrane_params  p    = ms_membrane_params_default();
  ms_membrane_sampler s    = ms_membrane_sampler_default();
  PetscBool           any, set;
  char                buf[512], models[256] = "", grid[256] = "", *line = NULL;

  if (!ms_membrane_params_from_options(comm, NULL, &p)) (void)ms_membrane_params_check(comm, &p);
  if (!ms_membrane_sampler_from_options(comm, &s, &any)) {
    ms_membrane_params q;
    (void)ms_membrane_sampler_describe(&s, buf, sizeof buf);
    for (int64_t i = 0; i < 3; i++) ms_membrane_sample(&s, &p, 7, i, &q);
  }
  /* `cv -models A,B -cv_grid OPT=v1,v2`: candidates, then every candidate's model options. */
  (void)PetscOptionsGetString(NULL, NULL, "-models", models, sizeof models, &set);
  (void)PetscOptionsGetString(NULL, NULL, "-cv_grid", grid, sizeof grid, &set);
  if (models[0]) {
    int              n    = 0;
    ms_cv_candidate *cand = NULL;
    if (!ms_cv_candidates(comm, models, grid, &n, &cand))
      for (int c = 0; c < n && c < 16; c++) {
        ms_model m = NULL;
        (void)ms_cv_candidate_model(comm, &cand[c], &m);
        (void)ms_model_destroy(&m);
      }
    (void)PetscFree(cand);
  }
  ms_pca pca = NULL;
  if (!ms_pca_create(&pca)) (void)ms_pca_set_from_options(comm, pca);
  (void)ms_pca_destroy(&pca);
  (void)ms_options_check_unused(comm, ms_options_solver_prefixes);
  if (!ms_options_command_line(&line)) (void)PetscFree(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char       str[2048];
  PetscOptions opts;
  if (size >= sizeof str) return 0;
  memcpy(str, data, size);
  str[size] = 0;
  if (strlen(str) != size) return 0; /* a C string cannot hold a NUL: argv never does */
  if (strstr(str, "options_file") || strstr(str, "help") || strstr(str, "prefix_p")) return 0;
  if (PetscOptionsCreate(&opts) || PetscOptionsPush(opts)) abort();
  if (!PetscOptionsInsertString(NULL, str)) run_parsers();
  if (PetscOptionsPop() || PetscOptionsDestroy(&opts)) abort();
  return 0;
}
