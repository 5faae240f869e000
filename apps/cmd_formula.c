/* cmd_formula.c - `matscreen formula`: the formula a symbolic model learned
 * (library: ms_model_load, ms_model_formula in ml/ms_model.h). */
#include "ms_commands.h"
#include "ms_kan.h"
#include "ms_log.h"
#include "ms_model.h"
#include "ms_options.h"

const char ms_cmd_formula_help[] =
  "usage: matscreen formula -model M.h5 [-plot edges.png]\n"
  "  Prints the learned formula of a symbolic model (sisso, or kan trained with -kan_snap) saved\n"
  "  by `train` or `cv -refit`,\n"
  "  one line: target = intercept + coef * descriptor + ..., over the feature names (after\n"
  "  the model's scaler when one was used); for a classifier, the descriptors spanning the\n"
  "  class domains and how many training rows lie in another class's domain. Other model\n"
  "  types have no formula (error). A snapped kan prints its edges composed through the layers:\n"
  "  target = ... c*f(a*x + b) ..., with spline_L_I_J(...) for an edge that was not snapped.\n"
  "  -plot (kan): a PNG grid of every edge's spline with its symbolic fit dashed (gnuplot).\n";

PetscErrorCode ms_cmd_formula(MPI_Comm comm)
{
  char      model[PETSC_MAX_PATH_LEN] = "", plot[PETSC_MAX_PATH_LEN] = "";
  PetscBool help;
  ms_model  m;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "matscreen formula options", NULL);
  PetscCall(PetscOptionsString("-model", "model file written by `matscreen train` or `cv -refit` (.h5)", NULL, model, model, sizeof model, NULL));
  PetscCall(PetscOptionsString("-plot", "kan: also write a PNG of every edge's learned function with its symbolic fit (needs gnuplot)", NULL, plot, plot,
                               sizeof plot, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(model[0], comm, MS_ERR_USER, "missing required option -model (a model file from `matscreen train` or `cv -refit`)");
  PetscCall(ms_model_load(comm, model, &m));
  if (plot[0]) { /* before the formula: a kan without snapping still has edges to plot */
    PetscCall(ms_kan_model_plot_edges(m, plot));
    PetscCall(ms_log(comm, "formula: edge plot written to %s\n", plot));
  }
  PetscCall(ms_model_formula(m, PETSC_VIEWER_STDOUT_(comm)));
  PetscCall(ms_model_destroy(&m));
  PetscFunctionReturn(0);
}
