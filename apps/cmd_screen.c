/* cmd_screen.c - `matscreen screen`: rank candidates with saved models (ml/screen/ms_screen.h). */
#include "ms_commands.h"
#include "ms_error.h"
#include "ms_log.h"
#include "ms_membrane.h"
#include "ms_options.h"
#include "ms_screen.h"
#include "ms_report.h"
#include <math.h>
#include <string.h>
#include <unistd.h>

const char ms_cmd_screen_help[] =
  "usage: matscreen screen -model M.h5 [-model2 M2.h5] (-candidates TABLE | -formulas F.txt | -space_file S.csv | -space a=lo:hi:step,...)\n"
  "                        -output top.csv [-top K] [-rank mean|ucb|lcb|prob] [-goal max|min|a,b] [-filter col=lo:hi,...]\n"
  "  Streams the candidates (a CSV/HDF5 feature table, chemical formulas featurized per chunk\n"
  "  like `featurize composition -preset P`, or a parameter space enumerated as a full grid or\n"
  "  sampled) through the model in chunks sharded over the ranks, and keeps the exact\n"
  "  global top K (ties to the lower candidate index), or with -model2 and -goal a,b the Pareto\n"
  "  front of the two predictions. Writes top.csv, its HDF5 twin (top.h5: rows, score histogram,\n"
  "  provenance) and with -histogram a PNG. A checkpoint OUTPUT.ckpt is written periodically and\n"
  "  on SIGTERM (exit 75); the same command continues from it. Model features missing from a\n"
  "  space that are membrane generator parameters are fixed at the generator's default (noted).\n";

/* A model feature that the space lacks but that is a generator parameter takes the
   generator's default value (the structures were made with it), and the user is told. */
static PetscErrorCode fix_generator_defaults(MPI_Comm comm, ms_model m, ms_screen_space sp)
{
  ms_membrane_params def = ms_membrane_params_default();
  double             row[MS_MEMBRANE_NCOLS];

  PetscFunctionBegin;
  ms_membrane_params_to_row(&def, row);
  for (int64_t j = 0; m && j < m->n_features; j++) {
    PetscBool have = PETSC_FALSE;
    for (int k = 0; k < sp->n_dims; k++) have |= !strcmp(sp->dims[k].name, m->feature_names[j]);
    if (have) continue;
    for (int c = 0; c < MS_MEMBRANE_NCOLS; c++)
      if (!strcmp(ms_membrane_param_names[c], m->feature_names[j])) {
        PetscCall(ms_screen_space_add(sp, m->feature_names[j], MS_SCREEN_DIM_LIST, row[c], row[c], 1, &row[c]));
        PetscCall(ms_log(comm, "screen: model feature '%s' is not in the space: fixed at the membrane generator's default %g\n",
                         m->feature_names[j], row[c]));
      }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode local_setup(MPI_Comm comm, const char *model, const char *model2, const char *cand, const char *formulas,
                                  const char *preset, const char *edir, const char *idcol, char **ignore,
                                  PetscInt n_ignore, const char *spfile, const char *space, ms_screen_space_mode mode, PetscInt nsamp,
                                  uint64_t seed, ms_screen_opts *o, ms_screen_source *src)
{
  PetscFunctionBegin;
  PetscCall(ms_model_load(PETSC_COMM_SELF, model, &o->model));
  if (model2[0]) PetscCall(ms_model_load(PETSC_COMM_SELF, model2, &o->model2));
  if (formulas[0]) {
    PetscCall(ms_screen_source_create_formulas(formulas, preset, edir[0] ? edir : NULL, src));
  } else if (cand[0]) {
    ignore[n_ignore] = NULL;
    PetscCall(ms_screen_source_create_table(cand, idcol[0] ? idcol : NULL, n_ignore ? (const char **)ignore : NULL, src));
  } else {
    ms_screen_space sp;
    PetscCall(ms_screen_space_create(&sp));
    if (spfile) PetscCall(ms_screen_space_read_file(sp, spfile));
    if (space) PetscCall(ms_screen_space_parse(sp, space, "-space"));
    PetscCall(fix_generator_defaults(comm, o->model, sp));
    PetscCall(fix_generator_defaults(comm, o->model2, sp));
    PetscCall(ms_screen_source_create_space(sp, mode, nsamp, seed, src));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_screen(MPI_Comm comm)
{
  char             model[PETSC_MAX_PATH_LEN] = "", model2[PETSC_MAX_PATH_LEN] = "", cand[PETSC_MAX_PATH_LEN] = "",
                   spfile[PETSC_MAX_PATH_LEN] = "", space[4096] = "", output[PETSC_MAX_PATH_LEN] = "", hist[PETSC_MAX_PATH_LEN] = "",
                   formulas[PETSC_MAX_PATH_LEN] = "", preset[64] = "magpie", edir[PETSC_MAX_PATH_LEN] = "", idcol[256] = "", filter[4096] = "", goal[64] = "max", hrange[128] = "", ckpt[PETSC_MAX_PATH_LEN + 8], h5[PETSC_MAX_PATH_LEN + 8];
  char            *ignore[64];
  PetscInt         n_ignore = 64, top = 10, nsamp = 0, seed = 0, chunk = 65536, bins = 50;
  PetscEnum        rank_by = (PetscEnum)MS_SCREEN_RANK_MEAN, mode = (PetscEnum)MS_SCREEN_SPACE_GRID;
  PetscBool        help, resume = PETSC_FALSE, use_ckpt = PETSC_TRUE, has_space, has_spfile;
  PetscReal        kappa = 2.0, thr = NAN, dtol = 0.5, interval = 60.0;
  ms_screen_opts   o;
  ms_screen_source src = NULL;
  ms_screen_result res;
  PetscMPIInt      rank;

  PetscFunctionBegin;
  ms_screen_opts_default(&o);
  PetscOptionsBegin(comm, NULL, "matscreen screen options", NULL);
  PetscCall(PetscOptionsString("-model", "model file (`matscreen train`) that scores the candidates", NULL, model, model, sizeof model, NULL));
  PetscCall(PetscOptionsString("-model2", "second model: column prediction2 (filters) or, with -goal a,b, the Pareto front", NULL, model2, model2, sizeof model2, NULL));
  PetscCall(PetscOptionsString("-candidates", "candidate feature table: CSV or HDF5 (file.h5[:/group] with features, column_names)", NULL, cand, cand, sizeof cand, NULL));
  PetscCall(PetscOptionsString("-formulas", "candidates as chemical formulas, one per line of a text file, featurized per chunk (the formula is the id)", NULL, formulas, formulas, sizeof formulas, NULL));
  PetscCall(PetscOptionsString("-preset", "-formulas: composition feature preset the model was trained on (magpie, magpie_extended, slides)", NULL, preset, preset, sizeof preset, NULL));
  PetscCall(PetscOptionsString("-elements_dir", "-formulas: folder of the element property tables (default: the shipped Magpie tables)", NULL, edir, edir, sizeof edir, NULL));
  PetscCall(PetscOptionsString("-id", "id column of a CSV candidate table", NULL, idcol, idcol, sizeof idcol, NULL));
  PetscCall(PetscOptionsStringArray("-ignore", "CSV candidate columns to drop", NULL, ignore, &n_ignore, NULL));
  PetscCall(PetscOptionsString("-space_file", "parameter space: CSV name,kind,values (kind grid lo:hi:n | range lo:hi:step | int lo:hi[:step] | list a;b)", NULL, spfile, spfile, sizeof spfile, &has_spfile));
  PetscCall(PetscOptionsString("-space", "parameter space inline: name=lo:hi:step,name=value,name=a;b (overrides -space_file)", NULL, space, space, sizeof space, &has_space));
  PetscCall(PetscOptionsEnum("-space_sample", "enumerate the space as a full grid, or draw -n points (uniform: seeded; halton: quasi-random)", NULL, ms_screen_space_mode_names, mode, &mode, NULL));
  PetscCall(PetscOptionsInt("-n", "number of points to draw with -space_sample uniform|halton", NULL, nsamp, &nsamp, NULL));
  PetscCall(PetscOptionsInt("-seed", "seed of -space_sample uniform (point i from stream (seed, i))", NULL, seed, &seed, NULL));
  PetscCall(PetscOptionsString("-output", "top-K (or Pareto front) CSV; an HDF5 twin .h5 is written beside it", NULL, output, output, sizeof output, NULL));
  PetscCall(PetscOptionsInt("-top", "K: how many candidates to keep", NULL, top, &top, NULL));
  PetscCall(PetscOptionsEnum("-rank", "score: predicted mean, mean +/- kappa std (ucb/lcb), or probability of beating -threshold", NULL, ms_screen_rank_names, rank_by, &rank_by, NULL));
  PetscCall(PetscOptionsString("-goal", "max or min (of the score); two goals a,b with -model2 ask for the Pareto front", NULL, goal, goal, sizeof goal, NULL));
  PetscCall(PetscOptionsReal("-kappa", "confidence-bound width in std units (ucb/lcb)", NULL, kappa, &kappa, NULL));
  PetscCall(PetscOptionsReal("-threshold", "threshold of -rank prob", NULL, thr, &thr, NULL));
  PetscCall(PetscOptionsString("-class", "class whose probability ranks the candidates (classifier, -rank prob)", NULL, o.class_name, o.class_name, sizeof o.class_name, NULL));
  PetscCall(PetscOptionsString("-filter", "keep candidates with lo <= column <= hi: col=lo:hi,... (any candidate column, prediction, std, prediction2, std2, score, distance, in_domain)", NULL, filter, filter, sizeof filter, NULL));
  PetscCall(PetscOptionsReal("-domain_tol", "in_domain = standardized distance to the training box <= this", NULL, dtol, &dtol, NULL));
  PetscCall(PetscOptionsInt("-chunk", "candidates per chunk (memory per rank ~ chunk x columns x 8 bytes x a few)", NULL, chunk, &chunk, NULL));
  PetscCall(PetscOptionsString("-histogram", "PNG of the score histogram (gnuplot)", NULL, hist, hist, sizeof hist, NULL));
  PetscCall(PetscOptionsInt("-hist_bins", "histogram bins (0: none)", NULL, bins, &bins, NULL));
  PetscCall(PetscOptionsString("-hist_range", "histogram range lo:hi (default: training target range +/- 25 %, [0,1] for prob)", NULL, hrange, hrange, sizeof hrange, NULL));
  PetscCall(PetscOptionsReal("-checkpoint_interval", "seconds between checkpoints (0: every round of chunks)", NULL, interval, &interval, NULL));
  PetscCall(PetscOptionsBool("-checkpoint", "write OUTPUT.ckpt and continue from it when it exists", NULL, use_ckpt, &use_ckpt, NULL));
  PetscCall(PetscOptionsBool("-resume", "require a checkpoint OUTPUT.ckpt to continue from", NULL, resume, &resume, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(model[0], comm, MS_ERR_USER, "missing required option -model (a model file from `matscreen train`)");
  PetscCheck(output[0], comm, MS_ERR_USER, "missing required option -output (the top-K CSV to write)");
  if (hist[0]) PetscCall(ms_report_gnuplot_available(comm, "-histogram")); /* before the screen, not after */
  {
    int n_sources = (cand[0] != 0) + (formulas[0] != 0) + (has_space || has_spfile);
    PetscCheck(n_sources == 1, comm, MS_ERR_USER,
               "give the candidates as one of -candidates TABLE, -formulas FILE or a parameter space (-space_file / -space), not %s",
               n_sources ? "several" : "none");
  }
  PetscCheck(top >= 1, comm, MS_ERR_USER, "-top %d: expected K >= 1", (int)top);
  PetscCheck(bins >= 0, comm, MS_ERR_USER, "-hist_bins %d: expected >= 0", (int)bins);
  {
    char g1[32], g2[32], tail;
    int  ng = sscanf(goal, "%31[a-z],%31[a-z]%c", g1, g2, &tail);
    PetscCheck((ng == 1 || ng == 2) && (!strcmp(g1, "max") || !strcmp(g1, "min")) && (ng == 1 || !strcmp(g2, "max") || !strcmp(g2, "min")),
               comm, MS_ERR_USER, "-goal '%s': expected max, min, or two goals a,b (max,min, ...) for a Pareto front", goal);
    o.maximize  = !strcmp(g1, "max");
    o.pareto    = ng == 2;
    o.maximize2 = ng == 2 && !strcmp(g2, "max");
  }
  if (hrange[0]) {
    double a, b;
    char   tail;
    PetscCheck(sscanf(hrange, "%lf:%lf%c", &a, &b, &tail) == 2 && a < b, comm, MS_ERR_USER, "-hist_range '%s': expected lo:hi with lo < hi", hrange);
    o.hist_lo = a;
    o.hist_hi = b;
  }
  /* Rank-local set-up (models and sources live on PETSC_COMM_SELF): every rank does the same
     work and would fail the same way; agreeing on it prints the message once and ends all
     ranks together. */
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (int pass = 0; pass < 2; pass++) { /* rank 0 first: a bad input is reported once */
    PetscErrorCode lerr = 0, gerr;
    if ((rank == 0) == (pass == 0))
      lerr = local_setup(comm, model, model2, cand, formulas, preset, edir, idcol, ignore, n_ignore, has_spfile ? spfile : NULL, has_space ? space : NULL,
                         (ms_screen_space_mode)mode, nsamp, (uint64_t)seed, &o, &src);
    PetscCall(ms_error_agree(comm, lerr, &gerr));
    if (gerr) PetscFunctionReturn(gerr);
  }
  if (filter[0]) PetscCall(ms_screen_filters_parse(comm, filter, &o.filters, &o.n_filters));
  PetscCall(PetscSNPrintf(ckpt, sizeof ckpt, "%s.ckpt", output));
  {
    size_t l = strlen(output);
    PetscCall(PetscStrncpy(h5, output, sizeof h5));
    if (l > 4 && !strcmp(output + l - 4, ".csv")) h5[l - 4] = 0;
    PetscCall(PetscStrlcat(h5, ".h5", sizeof h5));
  }
  char def[3 * PETSC_MAX_PATH_LEN];
  PetscCall(PetscSNPrintf(def, sizeof def, "model %s model2 %s", model, model2));
  o.rank                = (ms_screen_rank_by)rank_by;
  o.kappa               = kappa;
  o.threshold           = thr;
  o.top_k               = top;
  o.chunk               = chunk;
  o.domain_tol          = dtol;
  o.hist_bins           = (int)bins;
  o.checkpoint          = use_ckpt ? ckpt : NULL;
  o.checkpoint_interval = interval;
  o.resume              = resume;
  o.definition          = def;

  PetscCall(ms_log(comm, "screen: %lld candidates (%lld columns) through %s model %s%s%s\n", (long long)src->n_total, (long long)src->n_columns,
                   o.model->type, model, model2[0] ? " and " : "", model2));
  PetscCall(ms_screen_run(comm, src, &o, &res));
  if (res.signal) {
    if (use_ckpt)
      PetscCall(ms_warn(comm, "screen: interrupted by signal %d; state saved in %s; run the same command again to continue\n", res.signal, ckpt));
    else PetscCall(ms_warn(comm, "screen: interrupted by signal %d; nothing saved (-checkpoint false)\n", res.signal));
    PetscCall(ms_screen_result_free(&res));
    PetscCall(ms_screen_source_destroy(&src));
    PetscCall(ms_model_destroy(&o.model));
    PetscCall(ms_model_destroy(&o.model2));
    PetscCall(PetscFree(o.filters));
    PetscFunctionReturn(MS_CMD_EXIT_TEMPFAIL);
  }
  const char *cin       = cand[0] ? cand : (formulas[0] ? formulas : NULL);
  const char *inputs[4] = {model, model2[0] ? model2 : (cin ? cin : (has_spfile ? spfile : NULL)), model2[0] && cin ? cin : NULL, NULL};
  PetscCall(ms_screen_write_h5(comm, src, &o, &res, h5, inputs));
  PetscCall(ms_screen_write_csv(comm, src, &o, &res, output, inputs));
  if (hist[0]) PetscCall(ms_screen_plot_histogram(comm, &o, &res, hist));
  if (!rank && use_ckpt) unlink(ckpt);

  /* human summary: the best rows */
  PetscCall(ms_log(comm, "screen: %lld candidates in %.1f s (%.3g /s)%s; %lld scored, %lld passed the filters, %lld outside the training domain\n",
                   (long long)res.n_total, res.seconds, (res.n_total - res.resumed_from) / PetscMax(res.seconds, 1e-9),
                   res.resumed_from ? " (resumed)" : "", (long long)res.n_scored, (long long)res.n_passed, (long long)res.n_out_of_domain));
  if (!rank) {
    char line[1024];
    int  o2 = 0;
    o2 += snprintf(line + o2, sizeof line - o2, "%4s", "#");
    for (int64_t j = 0; j < src->n_columns && j < 6; j++) o2 += snprintf(line + o2, sizeof line - o2, " %11.11s", src->columns[j]);
    o2 += snprintf(line + o2, sizeof line - o2, " %24s", o.model->target_name ? o.model->target_name : "prediction");
    if (o.model2) o2 += snprintf(line + o2, sizeof line - o2, " %24s", o.model2->target_name ? o.model2->target_name : "prediction2");
    snprintf(line + o2, sizeof line - o2, " %10s %6s", "score", "domain");
    PetscCall(ms_log(PETSC_COMM_SELF, "%s %s:\n%s\n", o.pareto ? "Pareto front" : "top candidates", o.pareto ? "" : "(best first)", line));
    for (int64_t i = 0; i < res.n_rows && i < 20; i++) {
      const ms_screen_row *r = &res.rows[i];
      o2 = snprintf(line, sizeof line, "%4lld", (long long)i + 1);
      for (int64_t j = 0; j < src->n_columns && j < 6; j++) o2 += snprintf(line + o2, sizeof line - o2, " %11.5g", r->x[j]);
      o2 += snprintf(line + o2, sizeof line - o2, " %11.5g +/- %-10.3g", r->pred, r->std);
      if (o.model2) o2 += snprintf(line + o2, sizeof line - o2, " %11.5g +/- %-10.3g", r->pred2, r->std2);
      snprintf(line + o2, sizeof line - o2, " %10.5g %6s", r->score, r->in_domain < 0 ? "?" : r->in_domain ? "in" : "OUT");
      PetscCall(ms_log(PETSC_COMM_SELF, "%s\n", line));
    }
  }
  PetscCall(ms_log(comm, "screen: %lld rows written to %s and %s%s%s\n", (long long)res.n_rows, output, h5, hist[0] ? "; histogram " : "", hist));
  PetscCall(ms_screen_result_free(&res));
  PetscCall(ms_screen_source_destroy(&src));
  PetscCall(ms_model_destroy(&o.model));
  PetscCall(ms_model_destroy(&o.model2));
  PetscCall(PetscFree(o.filters));
  for (PetscInt i = 0; i < n_ignore; i++) PetscCall(PetscFree(ignore[i]));
  PetscFunctionReturn(0);
}
