/* ms_structure_features.c - one row of structure descriptors per crystal (spec.md 1.10):
 * density, volume per atom, packing fraction, lattice parameters, space group (spglib),
 * nearest-neighbour distance and bond-length statistics, coordination numbers by cutoff
 * and by Voronoi solid angle.
 *
 * Statistics over sites use the population standard deviation (numpy's default), as the
 * parity tests compute them with pymatgen + numpy.
 */
#include "ms_featurize.h"
#include <math.h>
#include <spglib.h>
#include <string.h>

enum {
  F_NSITES, F_VOLUME, F_VPA, F_DENSITY, F_PACKING, F_A, F_B, F_C, F_ALPHA, F_BETA, F_GAMMA, F_C_OVER_A, F_SPG,
  F_NN_MIN, F_NN_MAX, F_NN_MEAN, F_NN_STD, F_BOND_MEAN, F_BOND_STD, F_CN_MEAN, F_CN_MIN, F_CN_MAX, F_VCN_MEAN, F_VCN_MIN,
  F_VCN_MAX, F_COUNT
};
const int         ms_structure_n_features = F_COUNT;
const char *const ms_structure_feature_names[] = {
  "n_sites", "volume_A3", "volume_per_atom_A3", "density_g_cm3", "packing_fraction", "a_A", "b_A", "c_A", "alpha_deg", "beta_deg",
  "gamma_deg", "c_over_a", "spacegroup_number", "nn_distance_min_A", "nn_distance_max_A", "nn_distance_mean_A", "nn_distance_std_A",
  "bond_length_mean_A", "bond_length_std_A", "cn_cutoff_mean", "cn_cutoff_min", "cn_cutoff_max", "cn_voronoi_mean", "cn_voronoi_min",
  "cn_voronoi_max", NULL};

const char *const ms_structure_feature_units[] = {"1", "A^3", "A^3", "g/cm^3", "1", "A", "A", "A", "deg", "deg", "deg", "1", "1", "A", "A", "A", "A",
                                                 "A", "A", "1", "1", "1", "1", "1", "1", NULL};

PetscErrorCode ms_structure_opts_default(ms_structure_opts *o)
{
  PetscFunctionBegin;
  o->cutoff  = 3.5;
  o->radii   = MS_RADII_ATOMIC;
  o->symprec = 1e-2;
  o->voronoi = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_structure_spacegroup(const ms_crystal c, double symprec, int *number, char symbol[16])
{
  double L[3][3];
  PetscFunctionBegin;
  *number   = 0;
  symbol[0] = 0;
  if (!c->periodic) PetscFunctionReturn(0);
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++) L[k][i] = c->lattice[i][k]; /* spglib wants the vectors as columns */
  SpglibDataset *ds = spg_get_dataset(L, (double(*)[3])c->frac, c->Z, (int)c->n, symprec);
  if (ds) {
    *number = ds->spacegroup_number;
    PetscCall(PetscStrncpy(symbol, ds->international_symbol, 16));
    spg_free_dataset(ds);
  }
  PetscFunctionReturn(0);
}

static void stats(const double *x, int64_t n, double *mn, double *mx, double *mean, double *sd)
{
  double s = 0, s2 = 0;
  *mn = INFINITY;
  *mx = -INFINITY;
  for (int64_t i = 0; i < n; i++) {
    s += x[i];
    *mn = PetscMin(*mn, x[i]);
    *mx = PetscMax(*mx, x[i]);
  }
  *mean = n ? s / (double)n : NAN;
  for (int64_t i = 0; i < n; i++) s2 += (x[i] - *mean) * (x[i] - *mean);
  *sd = n ? sqrt(s2 / (double)n) : NAN;
  if (!n) *mn = *mx = NAN;
}

static double norm3(const double *v) { return sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }
static double angle(const double *u, const double *v) { return acos(PetscMax(-1.0, PetscMin(1.0, (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (norm3(u) * norm3(v))))) * 180.0 / M_PI; }

PetscErrorCode ms_structure_featurize(const ms_crystal c, const ms_structure_opts *o, double *row)
{
  const int64_t n = c->n;
  const char   *id = c->id ? c->id : "structure";
  double       *buf, dummy;
  PetscFunctionBegin;
  for (int k = 0; k < F_COUNT; k++) row[k] = NAN;
  row[F_NSITES] = (double)n;
  PetscCall(PetscMalloc1(n + 1, &buf));

  if (c->periodic) {
    const double V = ms_crystal_volume(c);
    double       mass = 0, vat = 0;
    for (int64_t i = 0; i < n; i++) {
      const double r = ms_element_radius(c->Z[i], o->radii);
      PetscCheck(isfinite(r), PETSC_COMM_SELF, MS_ERR_READ, "%s: no %s radius for %s in the element table (inputs/featurize/elements.csv): choose another -radii",
                 id, ms_radii_names[o->radii], ms_element_symbol(c->Z[i]));
      mass += ms_element_mass(c->Z[i]);
      vat += 4.0 / 3.0 * M_PI * r * r * r;
    }
    row[F_VOLUME]  = V;
    row[F_VPA]     = V / (double)n;
    row[F_DENSITY] = mass * 1.66053906660 / V; /* u / A^3 -> g/cm^3 */
    row[F_PACKING] = vat / V;
    row[F_A]       = norm3(c->lattice[0]);
    row[F_B]       = norm3(c->lattice[1]);
    row[F_C]       = norm3(c->lattice[2]);
    row[F_ALPHA]   = angle(c->lattice[1], c->lattice[2]);
    row[F_BETA]    = angle(c->lattice[0], c->lattice[2]);
    row[F_GAMMA]   = angle(c->lattice[0], c->lattice[1]);
    row[F_C_OVER_A] = row[F_C] / row[F_A];
    int  spg;
    char sym[16];
    PetscCall(ms_structure_spacegroup(c, o->symprec, &spg, sym));
    row[F_SPG] = spg;
  }

  /* Bond lengths and coordination numbers at the cutoff; the nearest-neighbour distance of each
     site from the same list, or from a larger radius (doubled until every site has one). */
  {
    ms_neighbors nb;
    PetscCall(ms_neighbors_build(c, o->cutoff, &nb));
    /* Overlapping sites (a duplicated atom, a bad symmetry expansion) have no meaningful bonds
       or Voronoi cells: malformed input, named. */
    for (int64_t i = 0; i < n; i++)
      if (nb.start[i + 1] > nb.start[i] && nb.d[nb.start[i]] < 0.1) {
        const int64_t j = nb.j[nb.start[i]];
        const double  dij = nb.d[nb.start[i]];
        PetscCall(ms_neighbors_free(&nb));
        SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "%s: sites %lld (%s) and %lld (%s) are %.3g A apart: overlapping atoms", id, (long long)i + 1,
                ms_element_symbol(c->Z[i]), (long long)j + 1, ms_element_symbol(c->Z[j]), dij);
      }
    stats(nb.d, nb.n_pairs, &dummy, &dummy, &row[F_BOND_MEAN], &row[F_BOND_STD]);
    for (int64_t i = 0; i < n; i++) buf[i] = (double)(nb.start[i + 1] - nb.start[i]);
    stats(buf, n, &row[F_CN_MIN], &row[F_CN_MAX], &row[F_CN_MEAN], &dummy);
    double r = o->cutoff;
    for (int pass = 0; n > 1 || c->periodic; pass++) {
      int64_t lonely = 0;
      if (pass) PetscCall(ms_neighbors_build(c, r, &nb));
      for (int64_t i = 0; i < n; i++) {
        if (nb.start[i + 1] == nb.start[i]) lonely++;
        else buf[i] = nb.d[nb.start[i]];
      }
      PetscCall(ms_neighbors_free(&nb));
      if (!lonely) {
        stats(buf, n, &row[F_NN_MIN], &row[F_NN_MAX], &row[F_NN_MEAN], &row[F_NN_STD]);
        break;
      }
      PetscCheck(pass < 20, PETSC_COMM_SELF, MS_ERR_READ, "%s: a site has no neighbour within %g A", id, r);
      r *= 2;
    }
    PetscCall(ms_neighbors_free(&nb)); /* no-op unless the loop did not run (a lone atom) */
  }

  if (o->voronoi && c->periodic) {
    PetscCall(ms_voronoi_cn(c, buf));
    stats(buf, n, &row[F_VCN_MIN], &row[F_VCN_MAX], &row[F_VCN_MEAN], &dummy);
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}
