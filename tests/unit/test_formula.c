/* test_formula.c - formula parser (nesting, brackets, decimals, fractions, hydrates,
 * charges, errors with the caret column) and the composition statistics against values
 * worked by hand from the Magpie tables (NaCl, Fe2O3), plus the missing-value policies. */
#include "ms_featurize.h"
#include "ms_test.h"
#include "ms_rng.h"
#include <string.h>

static double amount_of(const ms_formula *f, const char *sym)
{
  int z = ms_element_z(sym, strlen(sym));
  for (int i = 0; i < f->n; i++)
    if (f->z[i] == z) return f->amount[i];
  return 0;
}

/* expect "Sym amount Sym amount ..." exactly (same element count) */
static void check_formula(const char *s, int n, const char *const *syms, const double *amt, int charge)
{
  ms_formula       f;
  ms_formula_error e;
  int              rc = ms_formula_parse(s, &f, &e);
  if (rc) {
    fprintf(stderr, "formula '%s' failed: %s (column %d)\n", s, e.message, e.column);
    ms_test_failures++;
    return;
  }
  if (f.n != n) {
    fprintf(stderr, "formula '%s': %d elements, expected %d\n", s, f.n, n);
    ms_test_failures++;
  }
  for (int i = 0; i < n; i++) MS_CHECK_CLOSE(amount_of(&f, syms[i]), amt[i], 1e-14, 0);
  MS_CHECK(f.charge == charge);
}
#define CHECK_F(s, charge, ...) do { \
    struct { const char *sym; double a; } _e[] = {__VA_ARGS__}; \
    const char *_s[32]; double _a[32]; int _n = (int)(sizeof _e / sizeof _e[0]); \
    for (int _i = 0; _i < _n; _i++) { _s[_i] = _e[_i].sym; _a[_i] = _e[_i].a; } \
    check_formula(s, _n, _s, _a, charge); } while (0)

static void check_error(const char *s, int column, const char *what)
{
  ms_formula       f;
  ms_formula_error e;
  char             buf[512];
  int              rc = ms_formula_parse(s, &f, &e);
  MS_CHECK(rc == 1);
  if (!rc) { fprintf(stderr, "formula '%s' should fail\n", s); return; }
  if (e.column != column || !strstr(e.message, what)) {
    fprintf(stderr, "formula '%s': error '%s' at column %d, expected '%s' at column %d\n", s, e.message, e.column, what, column);
    ms_test_failures++;
  }
  ms_formula_error_format(s, &e, buf, sizeof buf);
  /* the caret sits under the column: 4 spaces of indent + column-1 spaces */
  const char *caret = strrchr(buf, '\n');
  MS_CHECK(caret && (int)strlen(caret + 1) == 4 + column && caret[strlen(caret) - 1] == '^');
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));

  MS_CHECK(ms_element_z("H", 1) == 1 && ms_element_z("Og", 2) == 118 && ms_element_z("Co", 2) == 27);
  MS_CHECK(ms_element_z("CO", 2) == 0 && ms_element_z("J", 1) == 0 && ms_element_z("Xx", 2) == 0);
  for (int z = 1; z <= MS_N_ELEMENTS; z++) MS_CHECK(ms_element_z(ms_element_symbol(z), strlen(ms_element_symbol(z))) == z);

  CHECK_F("Li7La3Zr2O12", 0, {"Li", 7}, {"La", 3}, {"Zr", 2}, {"O", 12});
  CHECK_F("Li7 La3 Zr2 O12", 0, {"Li", 7}, {"La", 3}, {"Zr", 2}, {"O", 12});
  CHECK_F("Ca(OH)2", 0, {"Ca", 1}, {"O", 2}, {"H", 2});
  CHECK_F("K4[Fe(CN)6]", 0, {"K", 4}, {"Fe", 1}, {"C", 6}, {"N", 6});
  CHECK_F("Li0.33La0.56TiO3", 0, {"Li", 0.33}, {"La", 0.56}, {"Ti", 1}, {"O", 3});
  CHECK_F("Li1/2La1/2TiO3", 0, {"Li", 0.5}, {"La", 0.5}, {"Ti", 1}, {"O", 3});
  CHECK_F("Li4.5La", 0, {"Li", 4.5}, {"La", 1});
  CHECK_F("Li.5Cl", 0, {"Li", 0.5}, {"Cl", 1});
  CHECK_F("CuSO4\xC2\xB7" "5H2O", 0, {"Cu", 1}, {"S", 1}, {"O", 9}, {"H", 10});
  CHECK_F("CuSO4.5H2O", 0, {"Cu", 1}, {"S", 1}, {"O", 9}, {"H", 10});
  CHECK_F("CuSO4*5H2O", 0, {"Cu", 1}, {"S", 1}, {"O", 9}, {"H", 10});
  CHECK_F("CuSO4.5(H2O)", 0, {"Cu", 1}, {"S", 1}, {"O", 5.5}, {"H", 2});
  CHECK_F("Na2SO4.10H2O", 0, {"Na", 2}, {"S", 1}, {"O", 14}, {"H", 20});
  CHECK_F("CuSO4.H2O", 0, {"Cu", 1}, {"S", 1}, {"O", 5}, {"H", 2});
  CHECK_F("Li2O.5H2O", 0, {"Li", 2}, {"O", 6}, {"H", 10});
  CHECK_F("Li0.5H2O", 0, {"Li", 0.5}, {"H", 2}, {"O", 1});
  CHECK_F("Li3(Mo8S8O8(OH)8(HWO5(H2O)))*(H2O)18", 0, {"Li", 3}, {"Mo", 8}, {"S", 8}, {"O", 40}, {"H", 47}, {"W", 1});
  CHECK_F("(Ag0.33Li0.67)0.27La0.57TiO3", 0, {"Ag", 0.33 * 0.27}, {"Li", 0.67 * 0.27}, {"La", 0.57}, {"Ti", 1}, {"O", 3});
  CHECK_F("{[Co(NH3)6]}2(SO4)3", 0, {"Co", 2}, {"N", 12}, {"H", 36}, {"S", 3}, {"O", 12});
  CHECK_F("2NaCl", 0, {"Na", 2}, {"Cl", 2});
  CHECK_F("NaClNa", 0, {"Na", 2}, {"Cl", 1});
  CHECK_F("Fe3+", 1, {"Fe", 1});
  CHECK_F("Fe+3", 1, {"Fe", 1});
  CHECK_F("SO4^2-", 1, {"S", 1}, {"O", 4});
  CHECK_F("SO4^{2-}", 1, {"S", 1}, {"O", 4});
  CHECK_F("SO4 2-", 1, {"S", 1}, {"O", 4});
  CHECK_F("[NH4]+", 1, {"N", 1}, {"H", 4});
  CHECK_F("Fe(3+)", 1, {"Fe", 1});
  CHECK_F("[Fe(CN)6]4-", 1, {"Fe", 1}, {"C", 6}, {"N", 6});
  CHECK_F("LiO0Cl", 0, {"Li", 1}, {"Cl", 1}); /* a zero amount drops the element */
  {
    ms_formula f;
    MS_CHECK(ms_formula_parse("Fe2O3", &f, NULL) == 0);
    MS_CHECK_CLOSE(f.fraction[0], 0.4, 1e-15, 0);
    MS_CHECK_CLOSE(f.fraction[1], 0.6, 1e-15, 0);
    MS_CHECK_CLOSE(f.total, 5, 0, 0);
  }

  check_error("Li7Xx3", 4, "unknown element 'Xx'");
  check_error("Ca(OH2", 3, "'(' is never closed");
  check_error("CaOH)2", 5, "unmatched ')'");
  check_error("li2O", 1, "capital letter");
  check_error("", 1, "empty formula");
  check_error("Li2O#", 5, "unexpected character '#'");
  check_error("CuSO4\xC2\xB7", 7, "nothing after the separator");
  check_error("Li2\xC2\xB7Xx", 5, "unknown element 'Xx'"); /* columns count characters, not bytes */
  check_error("Fe+3O", 3, "a charge must end the formula");
  check_error("()", 2, "empty group");
  check_error("Li1/0", 5, "division by zero");
  check_error("Li0", 1, "every amount is zero");
  check_error("Li2(3+)O", 5, "a number must follow");
  check_error("NaCl2-x", 6, "a charge must end the formula");
  check_error("Uuo", 1, "unknown element 'Uuo'");

  /* Robustness: 200,000 mutations of valid formulas (random bytes inserted, deleted or
   * replaced, including UTF-8 fragments) either parse to positive finite amounts and fractions
   * summing to 1, or fail with a column inside the string (+1 for "at the end"). */
  {
    const char *seeds[] = {"Li7La3Zr2O12", "K4[Fe(CN)6]", "CuSO4\xC2\xB7" "5H2O", "(Ag0.33Li0.67)0.27La0.57TiO3", "SO4^{2-}",
                           "Li1/2La1/2TiO3", "Na2SO4.10H2O"};
    const char  alphabet[] = "()[]{}.*/+-^ 0123456789HLiOaCZrxe\xC2\xB7\xE2";
    ms_rng      r;
    int         bad_cols = 0, bad_sums = 0, parsed = 0;
    ms_rng_init(&r, 7, 0);
    for (int it = 0; it < 200000; it++) {
      char   buf[96];
      size_t len;
      strcpy(buf, seeds[ms_rng_below(&r, sizeof seeds / sizeof seeds[0])]);
      for (int m = (int)ms_rng_below(&r, 4) + 1; m > 0; m--) {
        len      = strlen(buf);
        size_t p = ms_rng_below(&r, len + 1), op = ms_rng_below(&r, 3);
        char   c = alphabet[ms_rng_below(&r, sizeof alphabet - 1)];
        if (op == 0 && len + 1 < sizeof buf) { memmove(buf + p + 1, buf + p, len - p + 1); buf[p] = c; }
        else if (op == 1 && p < len) memmove(buf + p, buf + p + 1, len - p);
        else if (p < len) buf[p] = c;
      }
      ms_formula       f;
      ms_formula_error e;
      int              chars = 0;
      for (const char *q = buf; *q; q++) chars += ((unsigned char)*q & 0xC0) != 0x80;
      if (ms_formula_parse(buf, &f, &e)) {
        if (e.column < 1 || e.column > chars + 1) bad_cols++;
      } else {
        double sum = 0;
        parsed++;
        for (int i = 0; i < f.n; i++) {
          if (!(f.amount[i] > 0 && isfinite(f.amount[i]))) bad_sums++;
          sum += f.fraction[i];
        }
        if (fabs(sum - 1) > 1e-12) bad_sums++;
      }
    }
    MS_CHECK(bad_cols == 0);
    MS_CHECK(bad_sums == 0);
    MS_CHECK(parsed > 1000); /* the mutations do not all fail */
  }

  /* Statistics against hand-worked values (table values: Z; Electronegativity Na 0.93,
   * Cl 3.16, Fe 1.83, O 3.44; AtomicWeight Na 22.98976928, Cl 35.453, Fe 55.845,
   * O 15.9994). */
  {
    const char               *props[] = {"Number", "AtomicWeight", "Electronegativity"};
    const ms_composition_stat st[]    = {MS_STAT_MINIMUM, MS_STAT_MAXIMUM, MS_STAT_RANGE,    MS_STAT_MEAN,
                                         MS_STAT_AVG_DEV, MS_STAT_MODE,    MS_STAT_VARIANCE, MS_STAT_STD_DEV};
    ms_composition_featurizer f;
    int                       nc;
    const char *const        *names, *const *units;
    double                    x[24];
    char                      msg[512];
    PetscCall(ms_composition_featurizer_create_custom(3, props, 8, st, NULL, MS_MISSING_ERROR, &f));
    PetscCall(ms_composition_featurizer_columns(f, &nc, &names, &units));
    MS_CHECK(nc == 24);
    MS_CHECK(!strcmp(names[0], "MagpieData minimum Number") && !strcmp(names[11], "MagpieData mean AtomicWeight"));
    MS_CHECK(!strcmp(units[11], "u") && !strcmp(units[14], "(u)^2") && !strcmp(units[3], ""));
    MS_CHECK(ms_composition_featurizer_row(f, "NaCl", x, msg, sizeof msg) == MS_FEAT_OK);
    double nacl_n[] = {11, 17, 6, 14, 3, 11, 9, 3};
    for (int s = 0; s < 8; s++) MS_CHECK_CLOSE(x[s], nacl_n[s], 1e-15, 0);
    MS_CHECK_CLOSE(x[8 + 3], (22.98976928 + 35.453) / 2, 1e-15, 0);
    MS_CHECK_CLOSE(x[8 + 4], (35.453 - 22.98976928) / 2, 1e-14, 0);
    MS_CHECK_CLOSE(x[8 + 5], 22.98976928, 1e-15, 0); /* tie: the smaller value */
    MS_CHECK(ms_composition_featurizer_row(f, "Fe2O3", x, msg, sizeof msg) == MS_FEAT_OK);
    double fe2o3_n[] = {8, 26, 18, 15.2, 8.64, 8, 77.76, sqrt(77.76)};
    for (int s = 0; s < 8; s++) MS_CHECK_CLOSE(x[s], fe2o3_n[s], 1e-14, 0);
    MS_CHECK_CLOSE(x[8 + 3], 0.4 * 55.845 + 0.6 * 15.9994, 1e-15, 0);
    double fe2o3_chi[] = {1.83, 3.44, 1.61, 2.796, 0.7728, 3.44, 0.4 * 0.966 * 0.966 + 0.6 * 0.644 * 0.644};
    for (int s = 0; s < 7; s++) MS_CHECK_CLOSE(x[16 + s], fe2o3_chi[s], 1e-13, 0);
    /* a parse failure: status and message with the caret */
    MS_CHECK(ms_composition_featurizer_row(f, "Fe2Q3", x, msg, sizeof msg) == MS_FEAT_BAD_INPUT);
    MS_CHECK(strstr(msg, "unknown element 'Q' at column 4") != NULL && isnan(x[0]));
    /* missing: He has no electronegativity */
    MS_CHECK(ms_composition_featurizer_row(f, "NaHe", x, msg, sizeof msg) == MS_FEAT_MISSING_VALUE);
    MS_CHECK(strstr(msg, "element He has no value of property Electronegativity") != NULL);
    MS_CHECK(strstr(msg, "Electronegativity.table line 2") != NULL);
    PetscCall(ms_composition_featurizer_destroy(&f));

    PetscCall(ms_composition_featurizer_create_custom(3, props, 8, st, NULL, MS_MISSING_DROP, &f));
    MS_CHECK(ms_composition_featurizer_row(f, "NaHe", x, msg, sizeof msg) == MS_FEAT_OK);
    MS_CHECK_CLOSE(x[3], 6.5, 1e-15, 0);                   /* Number keeps both */
    MS_CHECK_CLOSE(x[16 + 3], 0.93, 1e-15, 0);             /* Na alone */
    MS_CHECK(x[16 + 2] == 0 && x[16 + 4] == 0);
    MS_CHECK(ms_composition_featurizer_row(f, "He", x, msg, sizeof msg) == MS_FEAT_MISSING_VALUE);
    PetscCall(ms_composition_featurizer_destroy(&f));

    /* impute: the mean of the 98 known electronegativities (computed with Python from the
     * table: 1.715102040816327) */
    PetscCall(ms_composition_featurizer_create_custom(3, props, 8, st, NULL, MS_MISSING_IMPUTE, &f));
    MS_CHECK(ms_composition_featurizer_row(f, "NaHe", x, msg, sizeof msg) == MS_FEAT_OK);
    MS_CHECK_CLOSE(x[16 + 3], 0.5 * 0.93 + 0.5 * 1.715102040816327, 1e-14, 0);
    PetscCall(ms_composition_featurizer_destroy(&f));

    PetscCall(ms_composition_featurizer_create_custom(3, props, 8, st, NULL, MS_MISSING_NAN, &f));
    MS_CHECK(ms_composition_featurizer_row(f, "NaHe", x, msg, sizeof msg) == MS_FEAT_OK);
    MS_CHECK_CLOSE(x[3], 6.5, 1e-15, 0);
    MS_CHECK(isnan(x[16 + 3]) && isnan(x[16]));
    PetscCall(ms_composition_featurizer_destroy(&f));
  }
  /* the magpie preset: 132 columns in matminer's order; batch apply agrees with rows */
  {
    ms_composition_featurizer f;
    int                       nc;
    const char *const        *names;
    const char               *forms[] = {"NaCl", "Fe2O3", "Bad(", "Li7La3Zr2O12"};
    double                   *X, x[132];
    int                       st[4];
    PetscCall(ms_composition_featurizer_create("magpie", NULL, MS_MISSING_ERROR, &f));
    PetscCall(ms_composition_featurizer_columns(f, &nc, &names, NULL));
    MS_CHECK(nc == 132);
    MS_CHECK(!strcmp(names[5], "MagpieData mode Number") && !strcmp(names[131], "MagpieData mode SpaceGroupNumber"));
    MS_CHECK(!strcmp(names[6], "MagpieData minimum MendeleevNumber"));
    PetscCall(PetscMalloc1(4 * 132, &X));
    PetscCall(ms_composition_featurizer_apply(f, 4, forms, X, st));
    MS_CHECK(st[0] == 0 && st[1] == 0 && st[2] == MS_FEAT_BAD_INPUT && st[3] == 0);
    MS_CHECK(ms_composition_featurizer_row(f, "Li7La3Zr2O12", x, NULL, 0) == 0);
    for (int j = 0; j < 132; j++) MS_CHECK(x[j] == X[3 * 132 + j]);
    PetscCall(PetscFree(X));
    PetscCall(ms_composition_featurizer_destroy(&f));
  }
  {
    ms_composition_featurizer f = NULL;
    PetscErrorCode            ierr;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = ms_composition_featurizer_create("nope", NULL, MS_MISSING_ERROR, &f);
    MS_CHECK(ierr == MS_ERR_USER);
    const char *bad[] = {"IonizationEnergies"};
    ms_composition_stat m = MS_STAT_MEAN;
    ierr = ms_composition_featurizer_create_custom(1, bad, 1, &m, NULL, MS_MISSING_ERROR, &f);
    MS_CHECK(ierr == MS_ERR_READ);
    ierr = ms_composition_featurizer_create("magpie", "/nonexistent", MS_MISSING_ERROR, &f);
    MS_CHECK(ierr == MS_ERR_FILE);
    PetscCall(PetscPopErrorHandler());
  }
  MS_TEST_END("formula");
}
