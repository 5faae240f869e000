/* test_structure_geometry.c - structure and graph featurizers against closed forms and brute
 * force: the cell-list neighbour list of a strongly skewed triclinic cell equals an O(N^2 x
 * images) search; Voronoi solid-angle CN is 6 (simple cubic) and 12 (fcc, in the cubic and in
 * the skewed 60-degree primitive cell); the NaCl density is 4 M / (N_A a^3); graph indices of
 * K5, the path P4 and the star S4 equal their formulas. */
#include "ms_featurize.h"
#include "ms_rng.h"
#include "ms_test.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <omp.h>

static int cmp_d(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void skewed_neighbours(void)
{
  ms_crystal c;
  ms_rng     r;
  const int  n = 7;
  const double rc = 4.2;
  ms_crystal_create(n, PETSC_TRUE, &c);
  /* A thin, sheared cell: perpendicular width across b is about 1.1 A, so the cutoff needs 4
     images that way although |b| is large. */
  double L[3][3] = {{3.1, 0, 0}, {5.9, 1.15, 0.2}, {-1.3, 0.7, 4.4}};
  memcpy(c->lattice, L, sizeof L);
  ms_rng_init(&r, 42, 0);
  for (int i = 0; i < n; i++) {
    c->Z[i] = 14;
    for (int k = 0; k < 3; k++) c->frac[3 * i + k] = ms_rng_uniform(&r);
  }
  ms_crystal_frac_to_cart(c);
  ms_neighbors nb;
  MS_CHECK(!ms_neighbors_build(c, rc, &nb));
  double *ref = malloc(sizeof(double) * 200000);
  for (int i = 0; i < n; i++) {
    int m = 0;
    for (int t0 = -8; t0 <= 8; t0++)
      for (int t1 = -8; t1 <= 8; t1++)
        for (int t2 = -8; t2 <= 8; t2++)
          for (int j = 0; j < n; j++) {
            double d2 = 0;
            for (int k = 0; k < 3; k++) {
              double x = c->cart[3 * j + k] + t0 * L[0][k] + t1 * L[1][k] + t2 * L[2][k] - c->cart[3 * i + k];
              d2 += x * x;
            }
            if (d2 > 1e-20 && d2 <= rc * rc) ref[m++] = sqrt(d2);
          }
    qsort(ref, (size_t)m, sizeof(double), cmp_d);
    MS_CHECK(nb.start[i + 1] - nb.start[i] == m);
    if (nb.start[i + 1] - nb.start[i] == m)
      for (int q = 0; q < m; q++) MS_CHECK_CLOSE(nb.d[nb.start[i] + q], ref[q], 1e-12, 1e-12);
  }
  free(ref);
  ms_neighbors_free(&nb);
  ms_crystal_destroy(&c);
}

static void voronoi_closed_forms(void)
{
  ms_crystal c;
  double     cn[4];
  /* simple cubic: the cell is a cube, 6 equal faces. */
  ms_crystal_create(1, PETSC_TRUE, &c);
  c->lattice[0][0] = c->lattice[1][1] = c->lattice[2][2] = 3.0;
  c->Z[0] = 84;
  ms_crystal_frac_to_cart(c);
  MS_CHECK(!ms_voronoi_cn(c, cn));
  MS_CHECK_CLOSE(cn[0], 6.0, 1e-9, 0);
  ms_crystal_destroy(&c);
  /* fcc, cubic cell of 4 sites: rhombic dodecahedron, 12 equal faces. */
  ms_crystal_create(4, PETSC_TRUE, &c);
  c->lattice[0][0] = c->lattice[1][1] = c->lattice[2][2] = 3.61;
  const double f[12] = {0, 0, 0, 0, .5, .5, .5, 0, .5, .5, .5, 0};
  memcpy(c->frac, f, sizeof f);
  for (int i = 0; i < 4; i++) c->Z[i] = 29;
  ms_crystal_frac_to_cart(c);
  MS_CHECK(!ms_voronoi_cn(c, cn));
  for (int i = 0; i < 4; i++) MS_CHECK_CLOSE(cn[i], 12.0, 1e-9, 0);
  ms_crystal_destroy(&c);
  /* the same fcc as its 60-degree primitive cell (one site, skewed). */
  ms_crystal_create(1, PETSC_TRUE, &c);
  const double h = 3.61 / 2;
  double       P[3][3] = {{0, h, h}, {h, 0, h}, {h, h, 0}};
  memcpy(c->lattice, P, sizeof P);
  c->Z[0] = 29;
  ms_crystal_frac_to_cart(c);
  MS_CHECK(!ms_voronoi_cn(c, cn));
  MS_CHECK_CLOSE(cn[0], 12.0, 1e-9, 0);
  ms_structure_opts o;
  double            row[64];
  ms_structure_opts_default(&o);
  o.cutoff = 2.6; /* first shell a/sqrt(2) = 2.553 A */
  MS_CHECK(!ms_structure_featurize(c, &o, row));
  MS_CHECK_CLOSE(row[19], 12.0, 0, 0);               /* cn_cutoff_mean */
  MS_CHECK_CLOSE(row[13], 3.61 / sqrt(2.0), 1e-12, 0); /* nn_distance_min_A */
  MS_CHECK_CLOSE(row[12], 225, 0, 0);                /* spglib: Fm-3m */
  MS_CHECK_CLOSE(row[1], 3.61 * 3.61 * 3.61 / 4, 1e-12, 0);
  ms_crystal_destroy(&c);
}

static void nacl_density(void)
{
  ms_crystal        c;
  ms_crystal_read_opts ro = {NULL, 1e-2};
  double            row[64];
  ms_structure_opts o;
  char              path[PETSC_MAX_PATH_LEN];
  snprintf(path, sizeof path, "%s/tests/parity/structures/NaCl_symmetrized.cif", getenv("MS_SOURCE_DIR") ? getenv("MS_SOURCE_DIR") : ".");
  MS_CHECK(!ms_crystal_read_cif(path, &ro, &c));
  if (!c) return;
  MS_CHECK(c->n == 8);
  ms_structure_opts_default(&o);
  MS_CHECK(!ms_structure_featurize(c, &o, row));
  /* rho = 4 (M_Na + M_Cl) u / a^3, 1 u/A^3 = 1.66053906660 g/cm^3 */
  MS_CHECK_CLOSE(row[3], 4 * (22.98976928 + 35.453) * 1.66053906660 / (5.64 * 5.64 * 5.64), 1e-12, 0);
  /* packing with Slater radii 1.80 (Na) and 1.00 (Cl) */
  MS_CHECK_CLOSE(row[4], 4 * 4.0 / 3.0 * M_PI * (1.8 * 1.8 * 1.8 + 1.0) / (5.64 * 5.64 * 5.64), 1e-12, 0);
  ms_crystal_destroy(&c);
}

static void graph(const int64_t *e, int64_t m, int64_t n, double *row)
{
  ms_graph g = {NULL, n, m, (int64_t *)e, NULL};
  MS_CHECK(!ms_graph_featurize(&g, row));
}

static void graph_closed_forms(void)
{
  double  row[32];
  int64_t k5[20], m = 0;
  for (int i = 0; i < 5; i++)
    for (int j = i + 1; j < 5; j++) k5[2 * m] = i, k5[2 * m + 1] = j, m++;
  graph(k5, m, 5, row);
  MS_CHECK_CLOSE(row[2], 10, 0, 0);     /* Wiener: 10 pairs at distance 1 */
  MS_CHECK_CLOSE(row[3], 2.5, 1e-15, 0); /* Randic: 10 edges x 1/4 */
  MS_CHECK_CLOSE(row[4], 1, 1e-15, 0);
  MS_CHECK_CLOSE(row[5], 1, 1e-15, 0);
  MS_CHECK_CLOSE(row[7], 0, 0, 0);
  const int64_t p4[6] = {0, 1, 1, 2, 2, 3};
  graph(p4, 3, 4, row);
  MS_CHECK_CLOSE(row[2], 10, 0, 0);                                   /* 1+2+3+1+2+1 */
  MS_CHECK_CLOSE(row[3], 2 / sqrt(2.0) + 0.5, 1e-15, 0);              /* ends 1/sqrt(2), middle 1/2 */
  MS_CHECK_CLOSE(row[7], 2.0 * 2 / (3 * 2), 1e-15, 0);                /* inner vertex: 2 pairs, normalised 2B/((n-1)(n-2)) */
  const int64_t s4[8] = {0, 1, 0, 2, 0, 3, 0, 4};
  graph(s4, 4, 5, row);
  MS_CHECK_CLOSE(row[7], 1.0, 1e-15, 0); /* hub on all C(4,2) = 6 paths: 2*6/(4*3) */
  MS_CHECK_CLOSE(row[2], 4 + 2 * 6, 0, 0);
  MS_CHECK_CLOSE(row[4], 0, 0, 0);
  const int64_t two[4] = {0, 1, 2, 3};
  graph(two, 2, 4, row);
  MS_CHECK(isinf(row[2]) && row[2] > 0); /* disconnected */
}

/* Random sites in a skewed cell: the Voronoi CN is the same on 1 and 2 OpenMP threads, and
   between 1 and the number of faces' upper bound (it is a sum of weights <= 1 with one weight 1). */
static void voronoi_threads(void)
{
  ms_crystal c;
  ms_rng     r;
  const int  n = 12;
  double     cn1[12], cn2[12];
  ms_crystal_create(n, PETSC_TRUE, &c);
  double L[3][3] = {{6.1, 0, 0}, {2.9, 5.15, 0.2}, {-1.3, 0.7, 5.4}};
  memcpy(c->lattice, L, sizeof L);
  ms_rng_init(&r, 7, 0);
  for (int i = 0; i < n; i++) {
    c->Z[i] = 8;
    for (int k = 0; k < 3; k++) c->frac[3 * i + k] = ms_rng_uniform(&r);
  }
  ms_crystal_frac_to_cart(c);
  omp_set_num_threads(1);
  MS_CHECK(!ms_voronoi_cn(c, cn1));
  omp_set_num_threads(2);
  MS_CHECK(!ms_voronoi_cn(c, cn2));
  for (int i = 0; i < n; i++) {
    MS_CHECK(cn1[i] == cn2[i]);
    MS_CHECK(cn1[i] >= 1 && cn1[i] < 40);
  }
  ms_crystal_destroy(&c);
}

/* Every prefix of a valid file (a truncated download) is read or rejected as malformed content
   (MS_ERR_READ), never anything else (a crash, an internal error). */
static void truncated_inputs(void)
{
  const char *src = getenv("MS_SOURCE_DIR") ? getenv("MS_SOURCE_DIR") : ".";
  const char *files[] = {"tests/parity/structures/ZnO_wurtzite.cif", "tests/cli/featurize_data/vasp4_POSCAR", "tests/parity/graphs/multi.csv"};
  const char *tmpl[]  = {"/tmp/ms_trunc_XXXXXX.cif", "/tmp/ms_trunc_XXXXXX", "/tmp/ms_trunc_XXXXXX.csv"};
  const char *sp[]    = {"Fe", NULL};
  ms_crystal_read_opts ro = {sp, 1e-2};
  for (int f = 0; f < 3; f++) {
    char  path[PETSC_MAX_PATH_LEN], tmp[64], buf[8192];
    snprintf(path, sizeof path, "%s/%s", src, files[f]);
    FILE *fp = fopen(path, "rb");
    MS_CHECK(fp);
    if (!fp) continue;
    size_t len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    snprintf(tmp, sizeof tmp, "%s", tmpl[f]);
    int fd = f == 1 ? mkstemp(tmp) : mkstemps(tmp, f == 0 ? 4 : 4);
    MS_CHECK(fd >= 0);
    close(fd);
    int n_ok = 0, n_bad = 0;
    for (size_t k = 0; k <= len; k += (f == 0 ? 7 : 1)) {
      fp = fopen(tmp, "wb");
      fwrite(buf, 1, k, fp);
      fclose(fp);
      PetscErrorCode e;
      PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
      if (f < 2) {
        ms_crystal c = NULL;
        e = f == 0 ? ms_crystal_read_cif(tmp, &ro, &c) : ms_crystal_read_poscar(tmp, &ro, &c);
        ms_crystal_destroy(&c);
      } else {
        ms_graph *g = NULL;
        int64_t   ng = 0;
        e = ms_graph_read_edgelist(tmp, &g, &ng);
        for (int64_t q = 0; q < ng; q++) ms_graph_free(&g[q]);
        PetscFree(g);
      }
      PetscPopErrorHandler();
      if (e && e != MS_ERR_READ) fprintf(stderr, "%s truncated to %zu bytes: error %d\n", files[f], k, (int)e);
      MS_CHECK(e == 0 || e == MS_ERR_READ);
      if (e) n_bad++;
      else n_ok++;
    }
    MS_CHECK(n_ok > 0 && n_bad > 0);
    unlink(tmp);
  }
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  skewed_neighbours();
  voronoi_closed_forms();
  nacl_density();
  graph_closed_forms();
  truncated_inputs();
  voronoi_threads();
  MS_TEST_END("structure_geometry");
}
