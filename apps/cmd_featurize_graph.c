/* cmd_featurize_graph.c - `matscreen featurize graph`: graph indices of neighbour graphs of
 * structures or of CSV edge lists (library: ml/featurize/ms_featurize.h, igraph). */
#include "ms_commands.h"
#include "ms_featurize.h"
#include "ms_options.h"
#include <string.h>

const char ms_cmd_featurize_graph_help[] =
  "usage: matscreen featurize graph (-inputs g.csv,s.cif,... | -list files.txt) -output feats.h5|feats.csv\n"
  "          [-cutoff 3.5] [-species A,B] [-on_error fail|skip|nan]\n"
  "  Inputs: *.csv edge lists with a header naming source,target[,weight][,graph_id] (vertex names are\n"
  "  strings; one graph per file, or one per graph_id value, id FILE:GRAPH_ID), or structure files\n"
  "  (CIF, POSCAR, XYZ) whose neighbour graph is used: sites are vertices, pairs within -cutoff\n"
  "  (Angstrom, periodic images included) are edges. Graphs are simple and undirected: repeated edges\n"
  "  and the periodic images of one pair collapse into one edge, self loops (a site and its own\n"
  "  image) are dropped. Weights are edge lengths for the shortest paths (Wiener, betweenness).\n"
  "  Columns: n_vertices, n_edges, wiener_index (sum of shortest-path lengths over unordered vertex\n"
  "  pairs; inf when the graph is disconnected), randic_index (sum over edges of 1/sqrt(d_u d_v)),\n"
  "  transitivity (global), avg_clustering (mean local coefficient, 0 for degree < 2),\n"
  "  betweenness_mean/max/std (normalised as NetworkX: 2 B / ((n-1)(n-2))), degree_mean/max/min/std.\n"
  "  Input i runs on rank i mod P; -on_error fail (default) | skip | nan as for structures.\n";

typedef struct {
  ms_crystal_read_opts ro;
  double               cutoff;
} graph_ctx;

static PetscBool is_csv(const char *p)
{
  size_t n = strlen(p);
  return n > 4 && !strcasecmp(p + n - 4, ".csv") ? PETSC_TRUE : PETSC_FALSE;
}

static PetscErrorCode featurize_file(const char *path, void *p, int64_t d, int64_t *n, double **rows, char ***ids)
{
  graph_ctx *c = (graph_ctx *)p;
  ms_graph  *g = NULL;
  int64_t    ng;
  PetscFunctionBegin;
  if (is_csv(path)) PetscCall(ms_graph_read_edgelist(path, &g, &ng));
  else {
    ms_crystal   x;
    ms_neighbors nb;
    PetscCall(ms_crystal_read(path, &c->ro, &x));
    PetscCall(PetscCalloc1(1, &g));
    ng = 1;
    PetscCall(ms_neighbors_build(x, c->cutoff, &nb));
    PetscCall(ms_graph_from_neighbors(x, &nb, &g[0]));
    PetscCall(ms_neighbors_free(&nb));
    PetscCall(ms_crystal_destroy(&x));
  }
  PetscCall(PetscMalloc1(d * ng, rows));
  PetscCall(PetscMalloc1(ng, ids));
  for (int64_t k = 0; k < ng; k++) {
    PetscCall(ms_graph_featurize(&g[k], *rows + k * d));
    PetscCall(PetscStrallocpy(g[k].id, &(*ids)[k]));
    PetscCall(ms_graph_free(&g[k]));
  }
  PetscCall(PetscFree(g));
  *n = ng;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_featurize_graph(MPI_Comm comm)
{
  char      out[PETSC_MAX_PATH_LEN] = "", list[PETSC_MAX_PATH_LEN] = "";
  char     *inputs[MS_FEATURIZE_MAX_INPUTS], *species[128];
  PetscInt  n_in = MS_FEATURIZE_MAX_INPUTS, n_sp = 127;
  char      on_error_s[32] = "fail";
  int       on_error;
  PetscBool set, help;
  graph_ctx ctx = {{NULL, 1e-2}, 3.5};
  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "matscreen featurize graph options", NULL);
  PetscCall(PetscOptionsStringArray("-inputs", "comma-separated edge lists (*.csv) or structure files", NULL, inputs, &n_in, &set));
  if (!set) n_in = 0;
  PetscCall(PetscOptionsString("-list", "file listing inputs, one per line ('#' comments)", NULL, list, list, sizeof list, NULL));
  PetscCall(PetscOptionsString("-output", "output table: .h5/.hdf5 (group /features) or .csv", NULL, out, out, sizeof out, NULL));
  PetscCall(PetscOptionsReal("-cutoff", "structures: neighbour cutoff for the graph edges (Angstrom)", NULL, ctx.cutoff, &ctx.cutoff, NULL));
  PetscCall(PetscOptionsStringArray("-species", "element symbols of a VASP 4 POSCAR (no species line), in order", NULL, species, &n_sp, &set));
  if (!set) n_sp = 0;
  PetscCall(PetscOptionsString("-on_error", "an input that cannot be featurized: fail (stop), skip (leave out) or nan (NaN row)", NULL, on_error_s, on_error_s,
                               sizeof on_error_s, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) {
    PetscCall(PetscPrintf(comm, "%s", ms_cmd_featurize_graph_help));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCall(ms_featurize_choice(comm, "-on_error", on_error_s, ms_on_error_names, 3, &on_error));
  PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output (feats.h5 or feats.csv)");
  PetscCheck(ctx.cutoff > 0, comm, MS_ERR_USER, "-cutoff must be positive, got %g", ctx.cutoff);
  species[n_sp] = NULL;
  if (n_sp) ctx.ro.species = (const char *const *)species;

  const ms_featurize_kind k = {"graph", featurize_file, ms_graph_n_features, ms_graph_feature_names, ms_graph_feature_units,
                                "wiener_index = inf: the graph is disconnected; NaN: an input that failed with -on_error nan"};
  PetscCall(ms_featurize_run(comm, (int)n_in, inputs, list, out, &k, &ctx, (ms_on_error)on_error));
  for (PetscInt i = 0; i < n_in; i++) PetscCall(PetscFree(inputs[i]));
  for (PetscInt i = 0; i < n_sp; i++) PetscCall(PetscFree(species[i]));
  PetscFunctionReturn(0);
}
