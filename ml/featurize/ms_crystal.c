/* ms_crystal.c - the crystal object of the structure featurizer, its coordinate conversions,
 * the element table and the choice of reader by file name. Readers: ms_cif.c, ms_poscar.c. */
#include "ms_featurize.h"
#include <ctype.h>
#include <math.h>
#include <string.h>

typedef struct {
  int         Z;
  const char *symbol;
  double      mass, r_atomic, r_covalent;
} element_row;

static const element_row elements[] = {
#include "ms_elements_data.h"
};
#define N_ELEMENTS ((int)(sizeof elements / sizeof elements[0]))

const char *const ms_radii_names[] = {"atomic", "covalent", "ms_radii", "MS_RADII_", NULL};

int ms_element_z_loose(const char *s)
{
  char sym[3] = {0};
  /* Symbol = capital letter + optional lower-case letter; CIF type symbols may carry a
     charge or label suffix ("Fe2+", "O1-", "Na1"). */
  if (!s || !isalpha((unsigned char)s[0])) return 0;
  sym[0] = (char)toupper((unsigned char)s[0]);
  if (isalpha((unsigned char)s[1])) sym[1] = (char)tolower((unsigned char)s[1]);
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < N_ELEMENTS; i++)
      if (!strcmp(elements[i].symbol, sym)) return elements[i].Z;
    /* "Nb" vs "N" + label: a two-letter guess that is no element falls back to one letter. */
    if (!sym[1]) break;
    sym[1] = 0;
  }
  return 0;
}

double      ms_element_mass(int Z) { return Z >= 1 && Z <= N_ELEMENTS ? elements[Z - 1].mass : NAN; }
double      ms_element_radius(int Z, ms_radii t)
{
  if (Z < 1 || Z > N_ELEMENTS) return NAN;
  return t == MS_RADII_COVALENT ? elements[Z - 1].r_covalent : elements[Z - 1].r_atomic;
}

PetscErrorCode ms_crystal_create(int64_t n, PetscBool periodic, ms_crystal *c)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(c));
  (*c)->n        = n;
  (*c)->periodic = periodic;
  PetscCall(PetscCalloc3(n + 1, &(*c)->Z, 3 * n + 1, &(*c)->frac, 3 * n + 1, &(*c)->cart));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_crystal_destroy(ms_crystal *c)
{
  PetscFunctionBegin;
  if (!*c) PetscFunctionReturn(0);
  PetscCall(PetscFree((*c)->id));
  PetscCall(PetscFree3((*c)->Z, (*c)->frac, (*c)->cart));
  PetscCall(PetscFree(*c));
  PetscFunctionReturn(0);
}

double ms_crystal_volume(const ms_crystal c)
{
  const double(*L)[3] = c->lattice;
  return fabs(L[0][0] * (L[1][1] * L[2][2] - L[1][2] * L[2][1]) - L[0][1] * (L[1][0] * L[2][2] - L[1][2] * L[2][0]) +
              L[0][2] * (L[1][0] * L[2][1] - L[1][1] * L[2][0]));
}

PetscErrorCode ms_crystal_frac_to_cart(ms_crystal c)
{
  PetscFunctionBegin;
  for (int64_t i = 0; i < c->n; i++)
    for (int k = 0; k < 3; k++)
      c->cart[3 * i + k] = c->frac[3 * i] * c->lattice[0][k] + c->frac[3 * i + 1] * c->lattice[1][k] + c->frac[3 * i + 2] * c->lattice[2][k];
  PetscFunctionReturn(0);
}

static double wrap01(double x)
{
  x -= floor(x);
  return x >= 1.0 ? 0.0 : x; /* floor(-1e-18) leaves 1.0 after rounding */
}

PetscErrorCode ms_crystal_cart_to_frac(ms_crystal c)
{
  const double(*L)[3] = c->lattice;
  double inv[3][3], det;
  PetscFunctionBegin;
  /* frac = cart * L^-1 (rows are lattice vectors): the inverse by cofactors. */
  det = L[0][0] * (L[1][1] * L[2][2] - L[1][2] * L[2][1]) - L[0][1] * (L[1][0] * L[2][2] - L[1][2] * L[2][0]) +
        L[0][2] * (L[1][0] * L[2][1] - L[1][1] * L[2][0]);
  PetscCheck(fabs(det) > 1e-8, PETSC_COMM_SELF, MS_ERR_READ, "%s: the lattice vectors are linearly dependent (cell volume %g A^3)",
             c->id ? c->id : "structure", fabs(det));
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3, j2 = (i + 2) % 3;
      inv[i][j] = (L[i1][j1] * L[i2][j2] - L[i1][j2] * L[i2][j1]) / det;
    }
  for (int64_t a = 0; a < c->n; a++)
    for (int k = 0; k < 3; k++) {
      double f = 0;
      for (int m = 0; m < 3; m++) f += c->cart[3 * a + m] * inv[m][k];
      c->frac[3 * a + k] = wrap01(f);
    }
  PetscCall(ms_crystal_frac_to_cart(c)); /* cart inside the cell, consistent with frac */
  PetscFunctionReturn(0);
}

static PetscBool ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcasecmp(s + n - m, suffix) ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode ms_crystal_read(const char *path, const ms_crystal_read_opts *o, ms_crystal *c)
{
  PetscFunctionBegin;
  if (ends_with(path, ".cif")) PetscCall(ms_crystal_read_cif(path, o, c));
  else if (ends_with(path, ".xyz")) PetscCall(ms_crystal_read_xyz(path, c));
  else PetscCall(ms_crystal_read_poscar(path, o, c));
  PetscFunctionReturn(0);
}
