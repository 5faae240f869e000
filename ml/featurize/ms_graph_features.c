/* ms_graph_features.c - graph descriptors (spec.md 1.10) through igraph's C library, on the
 * neighbour graph of a crystal or on edge lists read from CSV.
 *
 * Graphs are simple and undirected: repeated edges (and the several periodic images of one
 * pair of sites) collapse into one edge, self loops (a site bonded to its own image) are
 * dropped. With a weight column the weights are edge lengths for the shortest paths (Wiener,
 * betweenness); the Randic index, clustering and degrees ignore them. Values are pinned to
 * NetworkX: wiener_index (inf when disconnected), transitivity, average_clustering (0 for
 * degree < 2), betweenness_centrality(normalized=True) = 2 B_igraph / ((n-1)(n-2)).
 */
#include "ms_csv.h"
#include "ms_featurize.h"
#include <igraph.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { G_NV, G_NE, G_WIENER, G_RANDIC, G_TRANS, G_AVGCLUST, G_BC_MEAN, G_BC_MAX, G_BC_STD, G_DEG_MEAN, G_DEG_MAX, G_DEG_MIN, G_DEG_STD, G_COUNT };
const int         ms_graph_n_features       = G_COUNT;
const char *const ms_graph_feature_names[] = {"n_vertices", "n_edges", "wiener_index", "randic_index", "transitivity", "avg_clustering",
                                              "betweenness_mean", "betweenness_max", "betweenness_std", "degree_mean", "degree_max",
                                              "degree_min", "degree_std", NULL};

/* Path lengths count edges, or sum the weights of a weighted edge list. */
const char *const ms_graph_feature_units[] = {"1", "1", "path length", "1", "1", "1", "1", "1", "1", "1", "1", "1", "1", NULL};

PetscErrorCode ms_graph_free(ms_graph *g)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(g->id));
  PetscCall(PetscFree(g->edges));
  PetscCall(PetscFree(g->w));
  memset(g, 0, sizeof *g);
  PetscFunctionReturn(0);
}

typedef struct {
  int64_t u, v;
  double  w;
  int64_t line;
} edge_t;

static int cmp_edge(const void *a, const void *b)
{
  const edge_t *x = a, *y = b;
  if (x->u != y->u) return x->u < y->u ? -1 : 1;
  if (x->v != y->v) return x->v < y->v ? -1 : 1;
  return (x->line > y->line) - (x->line < y->line);
}

/* Sort, drop self loops, collapse repeats (equal weights required). */
static PetscErrorCode simple_graph(const char *path, edge_t *e, int64_t m, PetscBool weighted, ms_graph *g)
{
  int64_t k = 0;
  PetscFunctionBegin;
  for (int64_t i = 0; i < m; i++)
    if (e[i].u > e[i].v) {
      int64_t t = e[i].u;
      e[i].u    = e[i].v;
      e[i].v    = t;
    }
  qsort(e, (size_t)m, sizeof *e, cmp_edge);
  PetscCall(PetscMalloc1(2 * m + 2, &g->edges));
  if (weighted) PetscCall(PetscMalloc1(m + 1, &g->w));
  for (int64_t i = 0; i < m; i++) {
    if (e[i].u == e[i].v) continue;
    if (k && g->edges[2 * (k - 1)] == e[i].u && g->edges[2 * (k - 1) + 1] == e[i].v) {
      PetscCheck(!weighted || g->w[k - 1] == e[i].w, PETSC_COMM_SELF, MS_ERR_READ, "%s:%lld: edge repeated with a different weight (%g, first %g)", path,
                 (long long)e[i].line, e[i].w, g->w[k - 1]);
      continue;
    }
    g->edges[2 * k]     = e[i].u;
    g->edges[2 * k + 1] = e[i].v;
    if (weighted) g->w[k] = e[i].w;
    k++;
  }
  g->m = k;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_graph_from_neighbors(const ms_crystal c, const ms_neighbors *nb, ms_graph *g)
{
  edge_t *e;
  int64_t m = 0;
  PetscFunctionBegin;
  memset(g, 0, sizeof *g);
  g->n = c->n;
  PetscCall(PetscMalloc1(nb->n_pairs + 1, &e));
  for (int64_t i = 0; i < c->n; i++)
    for (int64_t q = nb->start[i]; q < nb->start[i + 1]; q++) e[m++] = (edge_t){i, nb->j[q], 1.0, 0};
  PetscCall(simple_graph(c->id ? c->id : "structure", e, m, PETSC_FALSE, g));
  PetscCall(PetscFree(e));
  if (c->id) PetscCall(PetscStrallocpy(c->id, &g->id));
  PetscFunctionReturn(0);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The edge-list reader keeps every field string until the graphs are built. */
typedef struct {
  char   **src, **dst, **gid;
  double  *w;
  int64_t *line;
  int64_t  n, cap;
  char    *data; /* the file */
  ms_csv_record rec;
} raw_edges;

static PetscErrorCode raw_free(raw_edges *r)
{
  PetscFunctionBegin;
  for (int64_t i = 0; i < r->n; i++) {
    PetscCall(PetscFree(r->src[i]));
    PetscCall(PetscFree(r->dst[i]));
    PetscCall(PetscFree(r->gid[i]));
  }
  PetscCall(PetscFree(r->src));
  PetscCall(PetscFree(r->dst));
  PetscCall(PetscFree(r->gid));
  PetscCall(PetscFree(r->w));
  PetscCall(PetscFree(r->line));
  PetscCall(PetscFree(r->data));
  ms_csv_record_free(&r->rec);
  PetscFunctionReturn(0);
}

static PetscErrorCode read_raw(const char *path, raw_edges *r, PetscBool *weighted, PetscBool *grouped)
{
  FILE         *fp = fopen(path, "rb");
  char         *data;
  long          len;
  ms_csv_record *rp = &r->rec;
  PetscBool     have;
  int           cs = -1, ct = -1, cw = -1, cg = -1;
  PetscFunctionBegin;
  PetscCheck(fp, PETSC_COMM_SELF, MS_ERR_FILE, "cannot open edge list %s", path);
  fseek(fp, 0, SEEK_END);
  len = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  PetscCall(PetscMalloc1(len + 1, &r->data));
  data       = r->data;
  size_t got = fread(data, 1, (size_t)len, fp);
  fclose(fp);
  ms_csv_reader rd = {path, data, data + got, 1};
  PetscCall(ms_csv_next(&rd, rp, &have));
  PetscCheck(have, PETSC_COMM_SELF, MS_ERR_READ, "%s: empty edge list (expected a header source,target[,weight][,graph_id])", path);
  for (int k = 0; k < rp->n; k++) {
    const char *h = rp->field[k];
    if (!strcmp(h, "source")) cs = k;
    else if (!strcmp(h, "target")) ct = k;
    else if (!strcmp(h, "weight")) cw = k;
    else if (!strcmp(h, "graph_id")) cg = k;
    else SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "%s:%lld: unknown column '%s' (allowed: source, target, weight, graph_id)", path, (long long)rp->line, h);
  }
  PetscCheck(cs >= 0 && ct >= 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%lld: the header must name the columns source and target", path, (long long)rp->line);
  *weighted = cw >= 0 ? PETSC_TRUE : PETSC_FALSE;
  *grouped  = cg >= 0 ? PETSC_TRUE : PETSC_FALSE;
  for (;;) {
    PetscCall(ms_csv_next(&rd, rp, &have));
    if (!have) break;
    PetscCheck(rp->n == (cs >= 0) + (ct >= 0) + (cw >= 0) + (cg >= 0), PETSC_COMM_SELF, MS_ERR_READ, "%s:%lld: %d field(s), the header has %d", path,
               (long long)rp->line, rp->n, (cs >= 0) + (ct >= 0) + (cw >= 0) + (cg >= 0));
    if (r->n == r->cap) {
      r->cap = r->cap ? 2 * r->cap : 1024;
      PetscCall(PetscRealloc(sizeof(char *) * (size_t)r->cap, &r->src));
      PetscCall(PetscRealloc(sizeof(char *) * (size_t)r->cap, &r->dst));
      PetscCall(PetscRealloc(sizeof(char *) * (size_t)r->cap, &r->gid));
      PetscCall(PetscRealloc(sizeof(double) * (size_t)r->cap, &r->w));
      PetscCall(PetscRealloc(sizeof(int64_t) * (size_t)r->cap, &r->line));
    }
    PetscCheck(rp->field[cs][0] && rp->field[ct][0], PETSC_COMM_SELF, MS_ERR_READ, "%s:%lld: empty vertex name", path, (long long)rp->line);
    PetscCall(PetscStrallocpy(rp->field[cs], &r->src[r->n]));
    PetscCall(PetscStrallocpy(rp->field[ct], &r->dst[r->n]));
    r->gid[r->n] = NULL;
    if (cg >= 0) PetscCall(PetscStrallocpy(rp->field[cg], &r->gid[r->n]));
    r->w[r->n] = 1.0;
    if (cw >= 0) {
      PetscBool fin;
      PetscCheck(ms_csv_parse_double(rp->field[cw], &r->w[r->n], &fin) && fin && r->w[r->n] > 0, PETSC_COMM_SELF, MS_ERR_READ,
                 "%s:%lld: weight '%s' is not a positive number", path, (long long)rp->line, rp->field[cw]);
    }
    r->line[r->n++] = rp->line;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_graph_read_edgelist(const char *path, ms_graph **graphs, int64_t *n_graphs)
{
  raw_edges r = {0};
  PetscBool weighted = PETSC_FALSE, grouped = PETSC_FALSE;
  PetscFunctionBegin;
  *graphs   = NULL;
  *n_graphs = 0;
  PetscErrorCode e0 = read_raw(path, &r, &weighted, &grouped);
  if (!e0 && r.n == 0) e0 = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, MS_ERR_READ, PETSC_ERROR_INITIAL, "%s: no edges after the header", path);
  if (e0) {
    PetscCall(raw_free(&r));
    PetscCall(e0);
  }
  /* Graphs in order of first appearance of their id. */
  int64_t *gof, *first_row, ng = 0;
  PetscCall(PetscMalloc2(r.n, &gof, r.n, &first_row));
  for (int64_t i = 0; i < r.n; i++) {
    gof[i] = -1;
    if (!grouped && i) gof[i] = 0;
    else if (grouped && i && !strcmp(r.gid[i - 1], r.gid[i])) gof[i] = gof[i - 1]; /* the usual, contiguous case */
    else if (grouped)
      for (int64_t k = 0; k < ng && gof[i] < 0; k++)
        if (!strcmp(r.gid[first_row[k]], r.gid[i])) gof[i] = k;
    if (gof[i] < 0) {
      first_row[ng] = i;
      gof[i]        = ng++;
    }
  }
  PetscCall(PetscCalloc1(ng, graphs));
  for (int64_t gi = 0; gi < ng; gi++) {
    ms_graph *g = &(*graphs)[gi];
    int64_t   m = 0, nv = 0;
    char    **names;
    edge_t   *e;
    for (int64_t i = 0; i < r.n; i++) m += gof[i] == gi;
    PetscCall(PetscMalloc2(2 * m, &names, m, &e));
    for (int64_t i = 0; i < r.n; i++)
      if (gof[i] == gi) {
        names[nv++] = r.src[i];
        names[nv++] = r.dst[i];
      }
    qsort(names, (size_t)nv, sizeof *names, cmp_str);
    int64_t u = 0;
    for (int64_t i = 0; i < nv; i++)
      if (!i || strcmp(names[i], names[u - 1])) names[u++] = names[i];
    g->n = u;
    m    = 0;
    int64_t first = -1;
    for (int64_t i = 0; i < r.n; i++)
      if (gof[i] == gi) {
        char **a = bsearch(&r.src[i], names, (size_t)u, sizeof *names, cmp_str), **b = bsearch(&r.dst[i], names, (size_t)u, sizeof *names, cmp_str);
        e[m++] = (edge_t){a - names, b - names, r.w[i], r.line[i]};
        if (first < 0) first = i;
      }
    PetscErrorCode err = simple_graph(path, e, m, weighted, g);
    PetscCall(PetscFree2(names, e));
    PetscCall(err);
    char id[PETSC_MAX_PATH_LEN + 256];
    if (grouped) snprintf(id, sizeof id, "%s:%s", path, r.gid[first]);
    else snprintf(id, sizeof id, "%s", path);
    PetscCall(PetscStrallocpy(id, &g->id));
  }
  *n_graphs = ng;
  PetscCall(PetscFree2(gof, first_row));
  PetscCall(raw_free(&r));
  PetscFunctionReturn(0);
}

#define IGCHK(call, what) \
  do { \
    igraph_error_t _e = (call); \
    PetscCheck(_e == IGRAPH_SUCCESS, PETSC_COMM_SELF, PETSC_ERR_LIB, "%s: igraph %s failed: %s", g->id ? g->id : "graph", what, igraph_strerror(_e)); \
  } while (0)

PetscErrorCode ms_graph_featurize(const ms_graph *g, double *row)
{
  igraph_t            G;
  igraph_vector_int_t ev, deg;
  igraph_vector_t     w, bc;
  const double        n = (double)g->n;
  PetscFunctionBegin;
  for (int k = 0; k < G_COUNT; k++) row[k] = NAN;
  row[G_NV] = n;
  row[G_NE] = (double)g->m;
  PetscCheck(g->n > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: the graph has no vertices", g->id ? g->id : "graph");
  igraph_set_error_handler(igraph_error_handler_ignore); /* errors come back as codes */
  IGCHK(igraph_vector_int_init(&ev, 2 * g->m), "vector");
  for (int64_t i = 0; i < 2 * g->m; i++) VECTOR(ev)[i] = g->edges[i];
  IGCHK(igraph_create(&G, &ev, g->n, IGRAPH_UNDIRECTED), "create");
  igraph_vector_int_destroy(&ev);
  if (g->w) {
    IGCHK(igraph_vector_init(&w, g->m), "vector");
    for (int64_t i = 0; i < g->m; i++) VECTOR(w)[i] = g->w[i];
  }
  const igraph_vector_t *wp = g->w ? &w : NULL;

  /* Wiener: rows of the distance matrix a block at a time (memory n x 256). */
  {
    double          W = 0;
    igraph_matrix_t D;
    IGCHK(igraph_matrix_init(&D, 0, 0), "matrix");
    for (igraph_integer_t s = 0; s < g->n && isfinite(W); s += 256) {
      igraph_integer_t e = PetscMin(s + 256, (igraph_integer_t)g->n);
      igraph_vs_t      from;
      IGCHK(igraph_vs_range(&from, s, e), "vertex range");
      if (wp) IGCHK(igraph_distances_dijkstra(&G, &D, from, igraph_vss_all(), wp, IGRAPH_ALL), "distances_dijkstra");
      else IGCHK(igraph_distances(&G, &D, from, igraph_vss_all(), IGRAPH_ALL), "distances");
      igraph_vs_destroy(&from);
      for (igraph_integer_t a = 0; a < e - s; a++)
        for (igraph_integer_t b = s + a + 1; b < g->n; b++) W += MATRIX(D, a, b); /* IGRAPH_INFINITY when unreachable */
    }
    igraph_matrix_destroy(&D);
    row[G_WIENER] = W;
  }
  IGCHK(igraph_vector_int_init(&deg, 0), "vector");
  IGCHK(igraph_degree(&G, &deg, igraph_vss_all(), IGRAPH_ALL, IGRAPH_LOOPS), "degree");
  {
    double R = 0, s = 0, s2 = 0, mx = -INFINITY, mn = INFINITY;
    for (int64_t i = 0; i < g->m; i++) R += 1.0 / sqrt((double)VECTOR(deg)[g->edges[2 * i]] * (double)VECTOR(deg)[g->edges[2 * i + 1]]);
    for (int64_t v = 0; v < g->n; v++) {
      double d = (double)VECTOR(deg)[v];
      s += d;
      mx = PetscMax(mx, d);
      mn = PetscMin(mn, d);
    }
    for (int64_t v = 0; v < g->n; v++) s2 += ((double)VECTOR(deg)[v] - s / n) * ((double)VECTOR(deg)[v] - s / n);
    row[G_RANDIC]   = R;
    row[G_DEG_MEAN] = s / n;
    row[G_DEG_MAX]  = mx;
    row[G_DEG_MIN]  = mn;
    row[G_DEG_STD]  = sqrt(s2 / n);
  }
  igraph_vector_int_destroy(&deg);
  {
    igraph_real_t t, a;
    IGCHK(igraph_transitivity_undirected(&G, &t, IGRAPH_TRANSITIVITY_ZERO), "transitivity_undirected");
    IGCHK(igraph_transitivity_avglocal_undirected(&G, &a, IGRAPH_TRANSITIVITY_ZERO), "transitivity_avglocal_undirected");
    row[G_TRANS]    = t;
    row[G_AVGCLUST] = a;
  }
  {
    IGCHK(igraph_vector_init(&bc, 0), "vector");
    IGCHK(igraph_betweenness(&G, &bc, igraph_vss_all(), IGRAPH_UNDIRECTED, wp), "betweenness");
    /* NetworkX normalisation; for n <= 2 NetworkX leaves the raw (all-zero) values. */
    double scale = g->n > 2 ? 2.0 / ((n - 1) * (n - 2)) : 1.0, s = 0, s2 = 0, mx = -INFINITY;
    for (int64_t v = 0; v < g->n; v++) {
      double b = VECTOR(bc)[v] * scale;
      s += b;
      mx = PetscMax(mx, b);
    }
    for (int64_t v = 0; v < g->n; v++) s2 += (VECTOR(bc)[v] * scale - s / n) * (VECTOR(bc)[v] * scale - s / n);
    row[G_BC_MEAN] = s / n;
    row[G_BC_MAX]  = mx;
    row[G_BC_STD]  = sqrt(s2 / n);
    igraph_vector_destroy(&bc);
  }
  if (g->w) igraph_vector_destroy(&w);
  igraph_destroy(&G);
  PetscFunctionReturn(0);
}
