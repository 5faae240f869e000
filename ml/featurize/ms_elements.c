/* ms_elements.c - element symbols and the Magpie element property tables.
 *
 * The tables are read as matminer ships them (see ms_featurize.h): one value per line in
 * order of Z, 'Missing' for unknown values, CRLF line ends, 103..118 lines. We keep them as
 * files rather than compiling them in so that a user can add or correct a property without
 * rebuilding, and so the shipped copy stays byte-identical to its licensed source.
 */
#include "ms_featurize.h"
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const symbols[MS_N_ELEMENTS + 1] = {
  "",   "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",  "S",  "Cl", "Ar", "K",
  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",
  "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr",
  "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",  "Re", "Os", "Ir", "Pt", "Au",
  "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es",
  "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};

/* The symbols sorted by name, searched by bisection (seven comparisons): a lookup table
 * built at first use would be global mutable state. */
typedef struct { char s[3]; unsigned char z; } sym_z;
static const sym_z sorted[MS_N_ELEMENTS] = {
  {"Ac", 89}, {"Ag", 47}, {"Al", 13}, {"Am", 95}, {"Ar", 18}, {"As", 33}, {"At", 85}, {"Au", 79}, {"B", 5},
  {"Ba", 56}, {"Be", 4},  {"Bh", 107}, {"Bi", 83}, {"Bk", 97}, {"Br", 35}, {"C", 6},   {"Ca", 20}, {"Cd", 48},
  {"Ce", 58}, {"Cf", 98}, {"Cl", 17}, {"Cm", 96}, {"Cn", 112}, {"Co", 27}, {"Cr", 24}, {"Cs", 55}, {"Cu", 29},
  {"Db", 105}, {"Ds", 110}, {"Dy", 66}, {"Er", 68}, {"Es", 99}, {"Eu", 63}, {"F", 9},   {"Fe", 26}, {"Fl", 114},
  {"Fm", 100}, {"Fr", 87}, {"Ga", 31}, {"Gd", 64}, {"Ge", 32}, {"H", 1},   {"He", 2},  {"Hf", 72}, {"Hg", 80},
  {"Ho", 67}, {"Hs", 108}, {"I", 53},  {"In", 49}, {"Ir", 77}, {"K", 19},  {"Kr", 36}, {"La", 57}, {"Li", 3},
  {"Lr", 103}, {"Lu", 71}, {"Lv", 116}, {"Mc", 115}, {"Md", 101}, {"Mg", 12}, {"Mn", 25}, {"Mo", 42}, {"Mt", 109},
  {"N", 7},   {"Na", 11}, {"Nb", 41}, {"Nd", 60}, {"Ne", 10}, {"Nh", 113}, {"Ni", 28}, {"No", 102}, {"Np", 93},
  {"O", 8},   {"Og", 118}, {"Os", 76}, {"P", 15},  {"Pa", 91}, {"Pb", 82}, {"Pd", 46}, {"Pm", 61}, {"Po", 84},
  {"Pr", 59}, {"Pt", 78}, {"Pu", 94}, {"Ra", 88}, {"Rb", 37}, {"Re", 75}, {"Rf", 104}, {"Rg", 111}, {"Rh", 45},
  {"Rn", 86}, {"Ru", 44}, {"S", 16},  {"Sb", 51}, {"Sc", 21}, {"Se", 34}, {"Sg", 106}, {"Si", 14}, {"Sm", 62},
  {"Sn", 50}, {"Sr", 38}, {"Ta", 73}, {"Tb", 65}, {"Tc", 43}, {"Te", 52}, {"Th", 90}, {"Ti", 22}, {"Tl", 81},
  {"Tm", 69}, {"Ts", 117}, {"U", 92},  {"V", 23},  {"W", 74},  {"Xe", 54}, {"Y", 39},  {"Yb", 70}, {"Zn", 30},
  {"Zr", 40}};

int ms_element_z(const char *s, size_t len)
{
  char key[3] = {0, 0, 0};
  if (len < 1 || len > 2) return 0;
  key[0] = s[0];
  if (len == 2) key[1] = s[1];
  int lo = 0, hi = MS_N_ELEMENTS - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2, c = strcmp(key, sorted[mid].s);
    if (!c) return sorted[mid].z;
    if (c < 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return 0;
}

const char *ms_element_symbol(int z) { return z >= 1 && z <= MS_N_ELEMENTS ? symbols[z] : NULL; }

/* Units from the tables' README.txt (matminer); properties not listed are dimensionless
 * numbers, counts or flags. */
static const char *const units[][2] = {
  {"AtomicWeight", "u"},          {"MeltingT", "K"},                  {"BoilingT", "K"},
  {"CovalentRadius", "pm"},       {"MiracleRadius", "pm"},            {"AtomicRadius", "Angstrom"},
  {"VdWRadius", "Angstrom"},      {"AtomicVolume", "Angstrom^3/atom"}, {"GSvolume_pa", "Angstrom^3/atom"},
  {"ICSDVolume", "Angstrom^3/atom"}, {"GSbandgap", "eV"},             {"GSenergy_pa", "eV/atom"},
  {"GSmagmom", "mu_B/atom"},      {"GSestBCClatcnt", "Angstrom"},     {"GSestFCClatcnt", "Angstrom"},
  {"BulkModulus", "GPa"},         {"ShearModulus", "GPa"},            {"Density", "g/L"},
  {"ElectronAffinity", "kJ/mol"}, {"FirstIonizationEnergy", "eV"},    {"SecondIonizationEnergy", "eV"},
  {"HeatCapacityMass", "J/(g K)"}, {"HeatCapacityMolar", "J/(mol K)"}, {"HeatFusion", "kJ/mol"},
  {"FusionEnthalpy", "kJ/mol"},   {"HeatVaporization", "kJ/mol"},     {"MolarVolume", "cm^3/mol"},
  {"Polarizability", "1e-24 cm^3"}, {"ThermalConductivity", "W/(m K)"}, {"phi", "eV"},
  {"ZungerPP-r_s", "bohr"},       {"ZungerPP-r_p", "bohr"},           {"ZungerPP-r_d", "bohr"},
  {"ZungerPP-r_sigma", "bohr"},   {"ZungerPP-r_pi", "bohr"},          {"NsValence", "electrons"},
  {"NpValence", "electrons"},     {"NdValence", "electrons"},         {"NfValence", "electrons"},
  {"NValence", "electrons"},      {"NsUnfilled", "states"},           {"NpUnfilled", "states"},
  {"NdUnfilled", "states"},       {"NfUnfilled", "states"},           {"NUnfilled", "states"}};

const char *ms_element_property_unit(const char *prop)
{
  for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
    if (!strcmp(units[k][0], prop)) return units[k][1];
  return "";
}

struct ms_element_table_s {
  char   *dir;
  int     n_props;
  double *v;    /* n_props x (MS_N_ELEMENTS + 1), v[p][z], NaN = missing */
  double *mean; /* n_props, over the known values */
};

static PetscBool has_tables(const char *dir)
{
  char        path[PETSC_MAX_PATH_LEN];
  struct stat st;
  if (snprintf(path, sizeof path, "%s/Number.table", dir) >= (int)sizeof path) return PETSC_FALSE;
  return stat(path, &st) == 0 ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode ms_elements_default_dir(char *dir, size_t len)
{
  PetscFunctionBegin;
#if defined(MS_SOURCE_MAGPIE_DIR)
  if (has_tables(MS_SOURCE_MAGPIE_DIR)) {
    PetscCall(PetscStrncpy(dir, MS_SOURCE_MAGPIE_DIR, len));
    PetscFunctionReturn(0);
  }
#endif
  { /* an installed tree moved elsewhere (cmake --install --prefix): LIBDIR/../share/matscreen/magpie
     * next to this library, as the executables find the library through $ORIGIN */
    Dl_info info;
    if (dladdr((void *)ms_elements_default_dir, &info) && info.dli_fname) {
      char lib[PETSC_MAX_PATH_LEN], cand[PETSC_MAX_PATH_LEN];
      PetscCall(PetscStrncpy(lib, info.dli_fname, sizeof lib));
      if (snprintf(cand, sizeof cand, "%s/../share/matscreen/magpie", dirname(lib)) < (int)sizeof cand && has_tables(cand)) {
        PetscCall(PetscStrncpy(dir, cand, len));
        PetscFunctionReturn(0);
      }
    }
  }
#if defined(MS_INSTALL_MAGPIE_DIR)
  if (has_tables(MS_INSTALL_MAGPIE_DIR)) {
    PetscCall(PetscStrncpy(dir, MS_INSTALL_MAGPIE_DIR, len));
    PetscFunctionReturn(0);
  }
#endif
  SETERRQ(PETSC_COMM_SELF, MS_ERR_FILE, "no element tables found (looked in the source tree's inputs/magpie, ../share/matscreen/magpie "
          "beside libmatscreen and the install prefix's); give -elements_dir DIR");
}

/* Parse one table file into v[0..MS_N_ELEMENTS] (v[z]). */
static PetscErrorCode read_table(const char *path, double *v)
{
  FILE *fp = fopen(path, "rb");
  char  line[512];
  int   lineno = 0;
  PetscFunctionBegin;
  PetscCheck(fp, PETSC_COMM_SELF, MS_ERR_FILE, "cannot open element table '%s': %s", path, strerror(errno));
  for (int z = 0; z <= MS_N_ELEMENTS; z++) v[z] = NAN;
  while (fgets(line, sizeof line, fp)) {
    lineno++;
    char *s = line, *e = line + strlen(line);
    while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) *--e = 0;
    while (*s == ' ' || *s == '\t') s++;
    if (!*s || !strcmp(s, "Missing")) continue;
    if (lineno > MS_N_ELEMENTS) {
      fclose(fp);
      SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: a value past element %d (Og): one line per element, H first", path, lineno,
              MS_N_ELEMENTS);
    }
    char  *end;
    double x = strtod(s, &end);
    if (end == s) {
      fclose(fp);
      SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: '%s' is neither a number nor 'Missing'", path, lineno, s);
    }
    while (*end == ' ' || *end == '\t') end++;
    if (*end) {
      fclose(fp);
      SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: several values on one line ('%s'): only scalar properties give statistics",
              path, lineno, s);
    }
    v[lineno] = x;
  }
  fclose(fp);
  PetscCheck(lineno > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: empty element table", path);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_element_table_load(const char *dir, int n_props, const char *const *props, ms_element_table *out)
{
  ms_element_table t;
  char             d[PETSC_MAX_PATH_LEN], path[PETSC_MAX_PATH_LEN];
  PetscFunctionBegin;
  if (!dir || !dir[0]) PetscCall(ms_elements_default_dir(d, sizeof d));
  else PetscCall(PetscStrncpy(d, dir, sizeof d));
  PetscCall(PetscNew(&t));
  PetscCall(PetscStrallocpy(d, &t->dir));
  t->n_props = n_props;
  PetscCall(PetscMalloc2((size_t)n_props * (MS_N_ELEMENTS + 1), &t->v, n_props, &t->mean));
  for (int p = 0; p < n_props; p++) {
    double *v = t->v + (size_t)p * (MS_N_ELEMENTS + 1), s = 0;
    int     n = 0;
    if (!(props[p] && props[p][0] && !strchr(props[p], '/'))) PetscCall(ms_element_table_destroy(&t));
    PetscCheck(props[p] && props[p][0] && !strchr(props[p], '/'), PETSC_COMM_SELF, MS_ERR_USER,
               "bad element property name '%s' (a table name in %s, e.g. Number)", props[p] ? props[p] : "", d);
    PetscCheck(snprintf(path, sizeof path, "%s/%s.table", d, props[p]) < (int)sizeof path, PETSC_COMM_SELF, MS_ERR_USER,
               "element table path too long: %s/%s.table", d, props[p]);
    PetscErrorCode ierr = read_table(path, v);
    if (ierr) { /* free the table, then pass the error on */
      PetscCall(ms_element_table_destroy(&t));
      PetscCall(ierr);
    }
    for (int z = 1; z <= MS_N_ELEMENTS; z++)
      if (!isnan(v[z])) { s += v[z]; n++; }
    t->mean[p] = n ? s / n : NAN;
  }
  *out = t;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_element_table_destroy(ms_element_table *t)
{
  PetscFunctionBegin;
  if (!*t) PetscFunctionReturn(0);
  PetscCall(PetscFree((*t)->dir));
  PetscCall(PetscFree2((*t)->v, (*t)->mean));
  PetscCall(PetscFree(*t));
  PetscFunctionReturn(0);
}

double ms_element_table_value(ms_element_table t, int prop, int z)
{
  if (prop < 0 || prop >= t->n_props || z < 1 || z > MS_N_ELEMENTS) return NAN;
  return t->v[(size_t)prop * (MS_N_ELEMENTS + 1) + z];
}

double      ms_element_table_mean(ms_element_table t, int prop) { return t->mean[prop]; }
const char *ms_element_table_dir(ms_element_table t) { return t->dir; }
