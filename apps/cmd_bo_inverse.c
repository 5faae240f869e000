/* cmd_bo_inverse.c - `matscreen bo inverse`: generator parameters of a target structure by
 * Bayesian optimisation in a descriptor space (library: ml/bo/ms_bo_inverse.h). */
#include "ms_bo_inverse.h"
#include "ms_commands.h"
#include "ms_error.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_options.h"
#include "ms_report.h"
#include <string.h>

const char ms_cmd_bo_inverse_help[] =
  "usage: matscreen bo inverse -target structure.h5 [-target_dataset /volume] -space space.csv -pca_model pca.h5\n"
  "                            -output inverse.h5 [-plot convergence.png] [-descriptor pca|vae] [-n_init 20] [-budget 100]\n"
  "                            [-porosity_weight 0] [-replicates 1] [-boundary periodic|padded] [-gen_seed 1] [-gen_<param> ...]\n"
  "                            [-acquisition ei|ucb|pi] [-seed S] [-checkpoint true]\n"
  "  Finds the membrane generator parameters whose structure is closest to the target volume\n"
  "  (dissertation Table 4.5, Figure 4.12). Each evaluation generates the structure on all ranks\n"
  "  (z-slabs) with the box of the target and computes its descriptor: -descriptor pca = the\n"
  "  two-point statistics (S2 along x, y, z, FFTW MPI) projected on the /pca of `matscreen\n"
  "  describe -fit_pca K` (-pca_model, fitted on volumes of the target's shape); vae is reserved\n"
  "  for the VAE latent (not available yet, refused). Objective, minimised:\n"
  "    ||z(x) - z_target||_2 + porosity_weight |porosity(x) - porosity_target|\n"
  "  -n_init random evaluations, then GP + acquisition (options of `bo suggest`) one at a time up\n"
  "  to -budget evaluations. -space: CSV `dimension,type,values` (see `bo suggest`) over n_points,\n"
  "  radius, stretch_x, stretch_y, stretch_z; other parameters keep -gen_n_points, -gen_radius,\n"
  "  -gen_stretch. -gen_seed: structure seed of the generated candidates; -replicates R averages\n"
  "  the descriptor over R structure seeds (-ranks_per_structure g: groups of g ranks take replicates\n"
  "  in turn; same numbers). OUTPUT.ckpt is rewritten after every evaluation; a killed\n"
  "  or SIGTERM'ed (exit 75) run continues when the same command is run again (a larger -budget\n"
  "  continues a finished run's history; other changes are refused). OUTPUT: /inverse/history\n"
  "  (features: dimensions, objective, descriptor_distance, porosity, best_objective, initial),\n"
  "  /inverse/best_parameters, /inverse/target_descriptor, attributes (timings, target porosity).\n";

static PetscErrorCode load_pca(MPI_Comm comm, const char *path, ms_pca *p)
{
  ms_h5_file f;
  PetscBool  has;
  PetscFunctionBeginUser;
  PetscCall(ms_h5_open_read(comm, path, &f));
  PetscCall(ms_h5_link_exists(f->fid, "/pca", &has));
  if (!has) {
    PetscCall(ms_h5_close(&f));
    SETERRQ(comm, MS_ERR_USER, "-pca_model %s: no group /pca (write one with `matscreen describe -fit_pca K -output %s`)", path, path);
  }
  hid_t          g    = H5Gopen2(f->fid, "/pca", H5P_DEFAULT);
  PetscErrorCode ierr = ms_pca_load(g, p);
  H5Gclose(g);
  PetscCall(ms_h5_close(&f));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_bo_inverse(MPI_Comm comm)
{
  char               target[PETSC_MAX_PATH_LEN] = "", dataset[256] = "/volume", space_path[PETSC_MAX_PATH_LEN] = "", pca_path[PETSC_MAX_PATH_LEN] = "";
  char               out[PETSC_MAX_PATH_LEN] = "", plot[PETSC_MAX_PATH_LEN] = "", ckpt[PETSC_MAX_PATH_LEN + 8];
  char               def[2048];
  PetscEnum          desc = (PetscEnum)MS_BO_INVERSE_PCA, bnd = (PetscEnum)MS_MICRO_PERIODIC;
  PetscInt           n_init = 20, budget = 100, replicates = 1, rps = 0;
  PetscReal          pw = 0;
  PetscBool          help, use_ckpt = PETSC_TRUE, acq_set, size_set;
  ms_bo_opts         o;
  ms_membrane_params base = ms_membrane_params_default();
  ms_bo_space        s;
  ms_pca             pca = NULL;
  ms_volume          tv;
  ms_bo_inverse      inv;
  ms_bo_inverse_history h;

  PetscFunctionBeginUser;
  ms_bo_opts_default(&o);
  o.acq.type = MS_BO_EI;
  PetscOptionsBegin(comm, NULL, "matscreen bo inverse options", NULL);
  PetscCall(PetscOptionsString("-target", "target volume (HDF5, as `generate`/`segment` write it)", NULL, target, target, sizeof target, NULL));
  PetscCall(PetscOptionsString("-target_dataset", "volume dataset in the target file", NULL, dataset, dataset, sizeof dataset, NULL));
  PetscCall(PetscOptionsString("-space", "search space over generator parameters (CSV: dimension,type,values)", NULL, space_path, space_path,
                               sizeof space_path, NULL));
  PetscCall(PetscOptionsEnum("-descriptor", "descriptor space: pca (two-point PCA of describe) or vae (latent; not available yet)", NULL,
                             ms_bo_inverse_descriptor_names, desc, &desc, NULL));
  PetscCall(PetscOptionsString("-pca_model", "HDF5 with /pca from `matscreen describe -fit_pca K` (-descriptor pca)", NULL, pca_path, pca_path,
                               sizeof pca_path, NULL));
  PetscCall(PetscOptionsEnum("-boundary", "S2 estimator: periodic (generated membranes) or padded (as the PCA was fitted)", NULL,
                             ms_micro_boundary_names, bnd, &bnd, NULL));
  PetscCall(PetscOptionsInt("-n_init", "random initial evaluations", NULL, n_init, &n_init, NULL));
  PetscCall(PetscOptionsInt("-budget", "total evaluations (initial included)", NULL, budget, &budget, NULL));
  PetscCall(PetscOptionsReal("-porosity_weight", "weight of |porosity - target porosity| added to the descriptor distance", NULL, pw, &pw, NULL));
  PetscCall(PetscOptionsInt("-replicates", "structure seeds averaged per evaluation", NULL, replicates, &replicates, NULL));
  PetscCall(PetscOptionsInt("-ranks_per_structure", "ranks generating one replicate: groups take replicates in turn (0 = all ranks on each)", NULL, rps,
                            &rps, NULL));
  PetscCall(PetscOptionsBool("-checkpoint", "rewrite OUTPUT.ckpt after every evaluation and resume from it", NULL, use_ckpt, &use_ckpt, NULL));
  PetscCall(PetscOptionsString("-output", "HDF5: history, best parameters (written atomically)", NULL, out, out, sizeof out, NULL));
  PetscCall(PetscOptionsString("-plot", "convergence PNG (gnuplot): distance per evaluation and best so far", NULL, plot, plot, sizeof plot, NULL));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-acquisition", &acq_set));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-gen_size", &size_set));
  PetscOptionsEnd();
  PetscCall(ms_membrane_params_from_options(comm, "gen_", &base));
  PetscCall(ms_bo_opts_set_from_options(comm, &o));
  if (!acq_set) o.acq.type = MS_BO_EI; /* EI by default here (bo suggest's default is UCB) */
  o.minimize[0] = PETSC_TRUE; /* the distance is minimised whatever -minimize says */
  PetscCall(ms_options_help_requested(&help));
  if (help) {
    PetscCall(ms_log(comm, "\n%s", ms_cmd_bo_inverse_help));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(target[0], comm, MS_ERR_USER, "missing required option -target (the structure whose generator parameters are wanted, HDF5)");
  PetscCheck(space_path[0], comm, MS_ERR_USER, "missing required option -space (CSV over n_points, radius, stretch_x, stretch_y, stretch_z)");
  PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output (HDF5 for the history and best parameters)");
  PetscCheck(desc != (PetscEnum)MS_BO_INVERSE_VAE, comm, MS_ERR_USER,
             "-descriptor vae: no trained VAE encoder is available in this build yet (issue 11 item 2); use -descriptor pca with -pca_model "
             "FILE.h5 from `matscreen describe -fit_pca K`");
  PetscCheck(pca_path[0], comm, MS_ERR_USER, "-descriptor pca needs -pca_model FILE.h5 (the /pca of `matscreen describe -fit_pca K`)");
  PetscCheck(!size_set, comm, MS_ERR_USER, "-gen_size: the candidates are generated in the target's box; drop -gen_size");
  PetscCheck(o.acq.type == MS_BO_EI || o.acq.type == MS_BO_UCB || o.acq.type == MS_BO_PI, comm, MS_ERR_USER,
             "-acquisition %s: inverse design has one objective; allowed: ei, ucb, pi", ms_bo_acq_names[o.acq.type]);
  PetscCheck(n_init >= 1, comm, MS_ERR_USER, "-n_init %d: expected >= 1", (int)n_init);
  PetscCheck(budget >= n_init, comm, MS_ERR_USER, "-budget %d: expected >= -n_init (%d)", (int)budget, (int)n_init);
  PetscCheck(!plot[0] || strcmp(plot, out), comm, MS_ERR_USER, "-plot and -output are the same file '%s'", out);
  if (plot[0]) PetscCall(ms_report_gnuplot_available(comm, "-plot"));

  PetscCall(ms_bo_space_read(comm, space_path, NULL, &s));
  PetscCall(load_pca(comm, pca_path, &pca));
  PetscCall(ms_volume_load(comm, target, dataset, &tv));
  PetscCall(ms_output_check(comm, out));
  if (plot[0]) PetscCall(ms_output_check(comm, plot));
  PetscCall(PetscSNPrintf(ckpt, sizeof ckpt, "%s.ckpt", out));
  PetscCall(ms_output_check(comm, ckpt));
  PetscCall(ms_bo_inverse_setup(comm, (ms_bo_inverse_descriptor)desc, pca, tv, (ms_micro_boundary)bnd, &base, s, pw, replicates, rps, &inv));
  PetscCall(ms_volume_destroy(&tv));
  if (ms_bo_space_is_finite(s)) {
    int64_t N;
    PetscCall(ms_bo_space_size(s, &N));
    PetscCheck(o.allow_measured || budget - n_init <= N, comm, MS_ERR_USER,
               "-budget %d: the space has %lld candidates and BO never repeats one; lower -budget or pass -allow_measured", (int)budget, (long long)N);
  }
  PetscCall(ms_log(comm, "bo inverse: target %s (%lld x %lld x %lld, porosity %.4f), descriptor %s (%lld PCA scores of %lld S2 features), %lld dimension(s), %d + %d evaluations\n",
                   target, (long long)inv.base.nx, (long long)inv.base.ny, (long long)inv.base.nz, inv.target_porosity,
                   ms_bo_inverse_descriptor_names[desc], (long long)inv.k, (long long)pca->d, (long long)s->d, (int)n_init, (int)(budget - n_init)));
  PetscCall(ms_bo_inverse_definition(&inv, s, &o, n_init, target, dataset, pca_path, def, sizeof def));

  ms_bo_inverse_run_opts ro = {n_init, budget, use_ckpt ? ckpt : NULL, def};
  PetscCall(ms_bo_inverse_run(&inv, s, &o, &ro, &h));
  PetscErrorCode ret = 0;
  if (h.signal) {
    if (use_ckpt)
      PetscCall(ms_warn(comm, "bo inverse: interrupted by signal %d after %lld evaluations; state saved in %s; run the same command again to continue\n",
                        h.signal, (long long)h.n, ckpt));
    else PetscCall(ms_warn(comm, "bo inverse: interrupted by signal %d; nothing saved (-checkpoint false)\n", h.signal));
    ret = MS_CMD_EXIT_TEMPFAIL;
  } else {
    char *inputs[3] = {target, pca_path, space_path};
    PetscCall(ms_bo_inverse_write(&inv, s, &h, n_init, out, 3, inputs));
    if (plot[0]) PetscCall(ms_bo_inverse_plot(comm, &h, n_init, plot));
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(comm, &rank));
    PetscCallMPI(MPI_Barrier(comm));
    if (use_ckpt && !rank) (void)remove(ckpt);
    PetscCall(ms_log(comm, "bo inverse: best at evaluation %lld: distance %.6g (descriptor %.6g, porosity %.4f vs target %.4f):", (long long)h.best_index + 1,
                     h.objective[h.best_index], h.distance[h.best_index], h.porosity[h.best_index], inv.target_porosity));
    for (int64_t k = 0; k < s->d; k++) PetscCall(ms_log(comm, " %s=%.6g", s->dim[k].name, h.X[h.best_index * s->d + k]));
    PetscCall(ms_log(comm, "\nbo inverse: %.4f s per evaluation (generator + descriptor), %.4f s per BO step (GP fit + suggestion), %.4f s per checkpoint -> %s%s%s\n",
                     h.n_eval_run ? h.seconds_eval / (double)h.n_eval_run : 0.0, h.n_bo_run ? h.seconds_bo / (double)h.n_bo_run : 0.0,
                     h.n_eval_run ? h.seconds_ckpt / (double)h.n_eval_run : 0.0, out, plot[0] ? ", " : "", plot));
  }
  PetscCall(ms_bo_inverse_history_free(&h));
  PetscCall(ms_bo_inverse_destroy(&inv));
  PetscCall(ms_pca_destroy(&pca));
  PetscCall(ms_bo_space_destroy(&s));
  PetscFunctionReturn(ret);
}
