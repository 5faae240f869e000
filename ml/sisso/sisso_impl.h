/* sisso_impl.h - private to ml/sisso: operators, units, the stored feature space and the
 * screening list. Nothing outside ml/sisso includes this. */
#ifndef MS_SISSO_IMPL_H
#define MS_SISSO_IMPL_H

#include "ms_sisso.h"

/* Operator codes: 0 = primary feature, then the order of ms_sisso_op_names shifted by one. */
enum {
  MS_SOP_PRIM = 0, MS_SOP_SQ, MS_SOP_CB, MS_SOP_INV, MS_SOP_SQRT, MS_SOP_CBRT, MS_SOP_EXP, MS_SOP_NEXP, MS_SOP_LOG,
  MS_SOP_ABS, MS_SOP_ADD, MS_SOP_SUB, MS_SOP_MUL, MS_SOP_DIV, MS_SOP_ABSDIFF, MS_SOP_N
};
#define MS_SOP_FIRST_BINARY MS_SOP_ADD
#define MS_SOP_BIT(op)      (1u << ((op) - 1))

/* Units: exponents of up to MS_SISSO_NBASE base symbols, times 6 so sqrt and cbrt stay integral. */
#define MS_SISSO_NBASE 8
typedef struct { int16_t e[MS_SISSO_NBASE]; } ms_sisso_unit;

/* One candidate: op applied to stored features a (and b). For a primary, a = column. */
typedef struct { int op; int64_t a, b; } ms_sisso_recipe;

/* The stored space: rungs 0 .. R-1, values replicated (feature-major, n per feature). */
typedef struct {
  int64_t          n, p, S, cap;
  ms_sisso_recipe *rec;
  int32_t         *cplx;
  uint64_t        *hash;
  ms_sisso_unit   *unit;
  double          *V;
  int64_t          seg[MS_SISSO_MAX_RUNG + 2]; /* rung r occupies [seg[r], seg[r+1]) */
  int              R;                          /* the last (streamed) rung */
  int              nun, un[9], nbin, bin[6];   /* enabled operators; "div" counts twice (a/b, b/a) */
  char *const     *names;
} ms_sisso_space;

/* sisso_ops.c */
PetscBool ms_sisso_unit_apply(int op, const ms_sisso_unit *a, const ms_sisso_unit *b, ms_sisso_unit *out);
PetscErrorCode ms_sisso_units_parse(MPI_Comm comm, const char *spec, int64_t p, char *const *names, ms_sisso_unit *u);
/* out = op(a, b) over n values; PETSC_FALSE when a value is outside the operator's domain. */
PetscBool ms_sisso_apply(int op, int64_t n, const double *a, const double *b, double *out);
/* Standardise v into z (mean 0, population std 1, first clear entry positive) and return the
 * duplicate hash; 0 when v is non-finite or constant. */
uint64_t ms_sisso_standardise(int64_t n, const double *v, double *z);
/* The two halves: z-score (PETSC_FALSE: non-finite or constant) and the hash of z. */
PetscBool ms_sisso_zscore(int64_t n, const double *v, double *z);
uint64_t  ms_sisso_hash(int64_t n, const double *z);
int      ms_sisso_op_from_name(const char *s);
const char *ms_sisso_op_token(int op);

/* sisso_space.c */
PetscErrorCode ms_sisso_space_build(MPI_Comm comm, const ms_sisso_opts *o, int64_t n, int64_t p, const double *X, char *const *names,
                                    ms_sisso_space *sp, ms_sisso_result *res);
PetscErrorCode ms_sisso_space_free(ms_sisso_space *sp);
int64_t        ms_sisso_space_pool(const ms_sisso_space *sp); /* stored + last-rung candidates */
/* Pool index t -> recipe (t < S: the stored feature itself, op = -1, a = t). */
void           ms_sisso_space_decode(const ms_sisso_space *sp, int64_t t, ms_sisso_recipe *r);
/* Values of a recipe into out (n); PETSC_FALSE when units or domain forbid it. */
PetscBool      ms_sisso_space_eval(const ms_sisso_space *sp, const ms_sisso_recipe *r, double *out, int32_t *cplx);
PetscErrorCode ms_sisso_space_format(const ms_sisso_space *sp, const ms_sisso_recipe *r, PetscBool rpn, char **s);

/* The screening list: the best k by (score desc, complexity asc, index asc), one per hash. */
typedef struct { double score; int64_t idx; uint64_t hash; int32_t cplx, pad; } ms_sisso_entry;
typedef struct { int64_t k, n; ms_sisso_entry *e; } ms_sisso_top;
void           ms_sisso_top_insert(ms_sisso_top *t, const ms_sisso_entry *x);
int            ms_sisso_entry_better(const ms_sisso_entry *x, const ms_sisso_entry *y);
/* Screen the pool against the centred unit-norm residual r (regression) or, when cls (an
 * ms_sisso_cls) is given, by the 1-D class overlap (score = -loss), skipping hashes in excl (sorted,
 * n_excl); fills top (k entries, best first) identically on every rank. */
PetscErrorCode ms_sisso_screen(MPI_Comm comm, const ms_sisso_space *sp, const double *r, const void *cls, int64_t n_excl, const uint64_t *excl,
                               ms_sisso_top *top, int64_t *n_valid);

/* sisso_l0.c: best D-subset of the M standardised columns Z (M x n) for centred yc;
 * writes the subset (ascending) and its RSS. */
PetscErrorCode ms_sisso_l0(MPI_Comm comm, int64_t n, int64_t M, const double *Z, const double *yc, int D, int64_t *best, double *rss,
                           int64_t *n_subsets);

/* Classification (sisso_class.c). lab[i] in 0..K-1; active marks the rows screening looks at. */
typedef struct { int K; const int64_t *lab; const char *active; } ms_sisso_cls;
typedef struct { int D, K; int *nf; double **f; } ms_sisso_hulls; /* per class nf facets (normal, offset) */
PetscErrorCode ms_sisso_hulls_build(int D, int K, int64_t n, const double *const *cols, const int64_t *lab, FILE *errf, ms_sisso_hulls *h);
PetscBool      ms_sisso_hulls_inside(const ms_sisso_hulls *h, int c, const double *x);
PetscErrorCode ms_sisso_hulls_free(ms_sisso_hulls *h);
/* 1-D loss of z: active rows inside another class's interval + overlap fraction (< 1). */
double         ms_sisso_overlap_1d(const ms_sisso_cls *cls, int64_t n, const double *z);
PetscErrorCode ms_sisso_l0_class(MPI_Comm comm, int64_t n, int64_t M, const double *Z, const ms_sisso_cls *cls, int D, int64_t *best,
                                 double *loss, int64_t *n_subsets);
/* Domains of the chosen descriptors, the rows in an overlap region and their count. */
PetscErrorCode ms_sisso_class_domains(int64_t n, int D, const double *const *cols, const ms_sisso_cls *cls, ms_sisso_hulls *h,
                                      char *in_overlap, int64_t *n_overlap);

/* The generic search: the subset of lowest loss(ctx, D, s) (+inf: skip), ties to the lowest
 * lexicographic index, subsets split over the ranks in contiguous blocks. */
typedef double (*ms_sisso_loss_fn)(void *ctx, int D, const int64_t *s);
PetscErrorCode ms_sisso_l0_search(MPI_Comm comm, int64_t M, int D, ms_sisso_loss_fn loss, void *ctx, int64_t *best, double *loss_best,
                                  int64_t *n_subsets);

#endif
