/* ms_sisso.h - SISSO: sure independence screening and sparsifying operator (Ouyang et al.
 * 2018; spec.md 1.10). From a few primary features it builds algebraic descriptors up to
 * rung 3, screens them by |correlation| with the target (then with the residual), and picks
 * the best D-term linear model by exhaustive least squares over the screened union.
 *
 * Feature space. Phi_0 = the primary features; rung k adds op(a) for a of rung k-1 and
 * a op b for pairs with at least one operand of rung k-1. Unary operators: x^2, x^3, x^-1,
 * sqrt, cbrt, exp, exp(-x), log, |x|; binary: +, -, *, /, |a-b|. A candidate is dropped when
 * its units do not allow the operation (+, - and |a-b| need equal units; exp, exp(-x), log a
 * dimensionless argument), when any training value is outside the operator's domain (log of
 * x <= 0, sqrt of x < 0, division by 0), or when it is non-finite or constant. Duplicates
 * (equal up to an affine map y = a x + b, i.e. |corr| = 1) are found by a 64-bit hash of
 * the standardised, sign-normalised column rounded to 1e-6, and only the first (lowest
 * complexity, then lowest index) is kept.
 *
 * Parallelism. The training table is small in rows (hundreds) and huge in candidates, so
 * the rows are replicated and the *candidates* are distributed: rungs below the last are
 * built in contiguous candidate blocks per rank, de-duplicated globally in index order and
 * kept (they are the operands of the last rung); the last rung is never stored: each rank
 * evaluates its block one candidate at a time and keeps only its best n_sis, and the global
 * top n_sis is a merge of the per-rank lists (MPI_Allgather). The l0 search splits the
 * C(M, D) subsets into contiguous blocks of the lexicographic order; every rank computes the
 * same numbers for the same subset, ties break by subset index, so 1 and P ranks return
 * bitwise the same model.
 *
 * Formulas: each descriptor is kept as an infix string for people (feature names) and a
 * postfix (RPN) string for evaluation ("f0 f1 mul f2 sq div", f<j> = primary column j).
 */
#ifndef MS_SISSO_H
#define MS_SISSO_H

#include "ms_core.h"

#define MS_SISSO_MAX_RUNG 3
#define MS_SISSO_MAX_DIM  4

/* Operator bits for ms_sisso_opts.ops, in the order of ms_sisso_op_names. */
extern const char *const ms_sisso_op_names[]; /* "sq","cb","inv","sqrt","cbrt","exp","nexp","log","abs","add","sub","mul","div","absdiff", NULL */
#define MS_SISSO_OPS_ALL 0x3fffu

typedef struct {
  int         rung;      /* 0..3: depth of the operator tree */
  int         n_sis;     /* features kept per screening round (>= 1) */
  int         dim;       /* descriptors in the final model, 1..4 */
  unsigned    ops;       /* bit k = operator ms_sisso_op_names[k] */
  const char *units;     /* "name=unit,..." for primary features (NULL: all dimensionless);
                            unit = product of symbols with integer powers, e.g. "eV*A^-2" */
  int64_t     max_stored;/* limit on stored features of rungs < rung (memory = max_stored*n*8 B) */
} ms_sisso_opts;

typedef struct {
  int      dim;
  char   **infix;        /* dim descriptor formulas (feature names) */
  char   **rpn;          /* dim postfix programs over primary columns f0..f(p-1) */
  double  *coef;         /* dim coefficients of the descriptors (raw units) */
  double   intercept;
  double   rmse;         /* training RMSE */
  /* Feature-space figures per rung 0..rung: candidates generated, candidates kept (valid
     and new), and seconds spent (rung < last: building; last rung: the first screening). */
  int64_t  n_candidates[MS_SISSO_MAX_RUNG + 1], n_kept[MS_SISSO_MAX_RUNG + 1];
  double   seconds[MS_SISSO_MAX_RUNG + 1];
  double   l0_seconds;
  int64_t  l0_subsets;   /* subsets solved in the last l0 search */
  /* classification (n_classes > 0; coef and intercept unused): class domains in the space of
     the standardised descriptors (d - dmean) / dsd */
  int      n_classes;
  double  *dmean, *dsd;  /* dim */
  double  *centroid;     /* n_classes x dim, standardised */
  int     *hull_nf;      /* facets per class (0: no hull) */
  double  *hull;         /* all classes' facets in order, (dim + 1) numbers each: normal, offset */
  int64_t  n_overlap;    /* training rows inside another class's domain */
} ms_sisso_result;

/* Parse a comma-separated operator list ("all" or names from ms_sisso_op_names). */
PetscErrorCode ms_sisso_ops_parse(MPI_Comm comm, const char *list, unsigned *ops);
/* Write the names of the operators in ops, comma-separated, into buf. */
PetscErrorCode ms_sisso_ops_string(unsigned ops, char *buf, size_t len);

/* Fit on n rows x p primary features, row-major X and the target, replicated on every rank
 * of comm (collective): regression with y (lab NULL), or classification with class indices
 * lab[i] in 0..n_classes-1 (y NULL; descriptors chosen by the fewest rows inside another
 * class's convex hull). names are the primary feature names. res is filled; free it with
 * ms_sisso_result_free. */
PetscErrorCode ms_sisso_fit(MPI_Comm comm, const ms_sisso_opts *o, int64_t n, int64_t p, const double *X, const double *y, const int64_t *lab,
                            int n_classes, char *const *names, ms_sisso_result *res);
/* Classification of n rows from their descriptor values V (dim x n, raw): the one class whose
 * domain contains the row; else (none or several) the nearest class centroid among those. */
void ms_sisso_classify(const ms_sisso_result *res, int64_t n, const double *V, double *cls);
PetscErrorCode ms_sisso_result_free(ms_sisso_result *res);

/* Check that rpn is a well-formed program over p primary columns (error names the token). */
PetscErrorCode ms_sisso_rpn_check(MPI_Comm comm, const char *rpn, int64_t p);
/* Evaluate rpn on n rows of X (row-major, p columns) into out (n). Non-finite results are
 * left in out for the caller to report. */
PetscErrorCode ms_sisso_rpn_eval(const char *rpn, int64_t n, int64_t p, const double *X, double *out);

#endif
