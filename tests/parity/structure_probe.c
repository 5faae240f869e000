/* structure_probe.c - print what matscreen reads from structure files, for the pymatgen
 * parity script (structure_parity.py): one JSON object per file with the lattice, atomic
 * numbers, fractional and Cartesian coordinates, spglib's space group number and symbol,
 * and the per-site Voronoi CN. usage: structure_probe [-species A,B] [-symprec 0.01] FILE... */
#include "ms_featurize.h"
#include <string.h>

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  char     *species[64];
  PetscInt  n_sp = 63;
  PetscBool set;
  PetscReal symprec = 1e-2;
  PetscCall(PetscOptionsGetStringArray(NULL, NULL, "-species", species, &n_sp, &set));
  if (!set) n_sp = 0;
  species[n_sp] = NULL;
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-symprec", &symprec, NULL));
  ms_crystal_read_opts ro = {n_sp ? (const char *const *)species : NULL, 1e-2};
  for (int a = 1; a < argc; a++) {
    if (argv[a][0] == '-') { a++; continue; }
    ms_crystal c;
    int        spg;
    char       sym[16];
    PetscCall(ms_crystal_read(argv[a], &ro, &c));
    PetscCall(ms_structure_spacegroup(c, symprec, &spg, sym));
    double *cn;
    PetscCall(PetscMalloc1(c->n, &cn));
    PetscCall(ms_voronoi_cn(c, cn));
    printf("{\"file\": \"%s\", \"periodic\": %s, \"spg\": %d, \"symbol\": \"%s\", \"lattice\": [", argv[a], c->periodic ? "true" : "false", spg, sym);
    for (int i = 0; i < 9; i++) printf("%s%.17g", i ? ", " : "", c->lattice[i / 3][i % 3]);
    printf("], \"Z\": [");
    for (int64_t i = 0; i < c->n; i++) printf("%s%d", i ? ", " : "", c->Z[i]);
    printf("], \"frac\": [");
    for (int64_t i = 0; i < 3 * c->n; i++) printf("%s%.17g", i ? ", " : "", c->frac[i]);
    printf("], \"cart\": [");
    for (int64_t i = 0; i < 3 * c->n; i++) printf("%s%.17g", i ? ", " : "", c->cart[i]);
    printf("], \"voronoi_cn\": [");
    for (int64_t i = 0; i < c->n; i++) printf("%s%.17g", i ? ", " : "", c->periodic ? cn[i] : -1.0);
    printf("]}\n");
    PetscCall(PetscFree(cn));
    PetscCall(ms_crystal_destroy(&c));
  }
  for (PetscInt i = 0; i < n_sp; i++) PetscCall(PetscFree(species[i]));
  PetscCall(PetscFinalize());
  return 0;
}
