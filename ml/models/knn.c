/* knn.c - k-nearest neighbours, the model "knn" (scikit-learn's KNeighborsClassifier and
 * KNeighborsRegressor with algorithm="brute").
 *
 * Options (defaults as in scikit-learn):
 *   -knn_k <5>                        neighbours per prediction (1 <= k <= training rows)
 *   -knn_weights uniform|distance     vote/average weights: equal, or 1/distance
 *   -knn_p <2>                        Minkowski exponent (>= 1): 2 Euclidean, 1 Manhattan
 *
 * Prediction: regression averages the k neighbours' targets; classification takes the
 * (weighted) majority vote, ties going to the lowest class index (scikit-learn's mode), and
 * predict_proba gives the (weighted) vote shares. With distance weights a query that
 * coincides with training points (distance 0) uses only those points, as scikit-learn does.
 * Equal distances are ordered by training row index, so results do not depend on the rank
 * count.
 *
 * Method. fit keeps a replicated copy of the (scaled) training rows: a kNN model is its
 * training set. predict works on the query rows each rank owns, so prediction scales with
 * the ranks, and within a rank over OpenMP threads by blocks of queries. Euclidean
 * distances come from one BLAS dgemm per (query block x training block),
 * d^2 = |q|^2 + |x|^2 - 2 q.x, which runs at GEMM speed; because that expansion loses
 * digits when |q| >> d, the k survivors' distances are recomputed exactly before they are
 * used (selection with the expansion, values exact). Other p use the direct sum. The cost is
 * O(n_query * n_train * d): exact brute force, the right choice up to about 10^5 training
 * rows (a tree does not beat it in the tens of dimensions of descriptor tables).
 *
 * Adding a sibling: see ml/models/README.md.
 */
#include "ms_model.h"
#include "ms_h5.h"
#include <cblas.h>
#include <math.h>
#include <string.h>

#define KNN_QBLOCK 256   /* query rows per thread task */
#define KNN_TBLOCK 512   /* training rows per dgemm */
#define KNN_SCAN   16    /* candidates tested together against the k-th distance */

/* The candidate scan is the loop that touches every (query, training row) pair besides the
 * dgemm; on x86-64 it gets AVX-512 and AVX2 versions picked at load time (the build targets
 * baseline x86-64, whose SSE2 compares 2 distances per instruction instead of 8). Additions
 * only, so every version gives the same doubles. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  #define KNN_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
  #define KNN_SIMD_CLONES
#endif

typedef enum { KNN_UNIFORM = 0, KNN_DISTANCE } knn_weights;
static const char *const knn_weight_names[] = {"uniform", "distance", "knn_weights", "KNN_", NULL};

typedef struct {
  PetscInt    k;
  knn_weights weights;
  double      p;
  int64_t     n, d;      /* training rows and features (replicated) */
  double     *X;         /* n x d */
  double     *xx;        /* |x_i|^2 */
  double     *y;         /* n targets (regression) */
  int64_t    *lab;       /* n class indices (classification) */
} knn_ctx;

/* The k best candidates of one query, kept sorted by (distance, row). */
typedef struct {
  double  *dist;
  int64_t *row;
  int      n, k;
} knn_best;

static inline int knn_before(double da, int64_t ra, double db, int64_t rb)
{
  return da < db || (da == db && ra < rb);
}

static inline void knn_best_push(knn_best *b, double dist, int64_t row)
{
  int i;
  if (b->n == b->k && !knn_before(dist, row, b->dist[b->k - 1], b->row[b->k - 1])) return;
  i = b->n < b->k ? b->n++ : b->k - 1;
  while (i > 0 && knn_before(dist, row, b->dist[i - 1], b->row[i - 1])) {
    b->dist[i] = b->dist[i - 1];
    b->row[i] = b->row[i - 1];
    i--;
  }
  b->dist[i] = dist;
  b->row[i] = row;
}

/* Offer the nt candidates t0 + t with distances w[t] + qq + xx[t] (the expansion, in this
 * order of additions) to b. Once b is full, a candidate enters only if its distance is below
 * the k-th: rows come in increasing order, so an equal distance loses its tie to the row
 * already kept. Most candidates fail that test, so it runs vectorised over KNN_SCAN
 * candidates and only a chunk with a hit goes through the sorted insertion. */
KNN_SIMD_CLONES static void knn_scan(knn_best *b, const double *w, double qq, const double *xx, int64_t t0, int64_t nt)
{
  int64_t t = 0;

  for (; t < nt && b->n < b->k; t++) knn_best_push(b, w[t] + qq + xx[t], t0 + t);
  for (; t < nt; t += KNN_SCAN) {
    const int64_t te = PetscMin(t + KNN_SCAN, nt);
    const double  kth = b->dist[b->k - 1];
    int           hit = 0;
    #pragma omp simd reduction(| : hit)
    for (int64_t s = t; s < te; s++) hit |= w[s] + qq + xx[s] < kth;
    if (hit)
      for (int64_t s = t; s < te; s++) knn_best_push(b, w[s] + qq + xx[s], t0 + s);
  }
}

static double knn_exact(const knn_ctx *c, const double *q, const double *x)
{
  double s = 0.0;
  if (c->p == 2.0) {
    for (int64_t j = 0; j < c->d; j++) s += (q[j] - x[j]) * (q[j] - x[j]);
    return sqrt(s);
  }
  if (c->p == 1.0) {
    for (int64_t j = 0; j < c->d; j++) s += fabs(q[j] - x[j]);
    return s;
  }
  for (int64_t j = 0; j < c->d; j++) s += pow(fabs(q[j] - x[j]), c->p);
  return pow(s, 1.0 / c->p);
}

/* Neighbours of the nq query rows Q: rows (nq x k) and exact distances, sorted. */
static void knn_search(const knn_ctx *c, int64_t nq, const double *Q, int64_t *rows, double *dist, double *work)
{
  const int64_t d = c->d, n = c->n;
  knn_best      b[KNN_QBLOCK];
  double        qq[KNN_QBLOCK];

  for (int64_t i = 0; i < nq; i++) {
    b[i] = (knn_best){dist + i * c->k, rows + i * c->k, 0, (int)c->k};
    qq[i] = cblas_ddot((int)d, Q + i * d, 1, Q + i * d, 1);
  }
  if (c->p == 2.0) {
    for (int64_t t0 = 0; t0 < n; t0 += KNN_TBLOCK) {
      const int64_t nt = PetscMin(KNN_TBLOCK, n - t0);
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nq, (int)nt, (int)d, -2.0, Q, (int)d, c->X + t0 * d,
                  (int)d, 0.0, work, (int)nt);
      for (int64_t i = 0; i < nq; i++) knn_scan(&b[i], work + i * nt, qq[i], c->xx + t0, t0, nt);
    }
  } else {
    for (int64_t i = 0; i < nq; i++)
      for (int64_t t = 0; t < n; t++) knn_best_push(&b[i], knn_exact(c, Q + i * d, c->X + t * d), t);
  }
  /* Exact distances of the survivors, re-sorted (the expansion may have swapped near ties). */
  for (int64_t i = 0; i < nq; i++) {
    knn_best e = {b[i].dist, b[i].row, 0, b[i].k};
    int64_t  r[64], *rr = r;
    int      kk = b[i].n;
    if (kk > 64) rr = (int64_t *)malloc(sizeof(int64_t) * (size_t)kk);
    memcpy(rr, b[i].row, sizeof(int64_t) * (size_t)kk);
    for (int j = 0; j < kk; j++) knn_best_push(&e, knn_exact(c, Q + i * d, c->X + rr[j] * d), rr[j]);
    if (rr != r) free(rr);
  }
}

/* Weights of the k neighbours of one query (distance weights: 1/d, or only the exact hits). */
static void knn_neighbour_weights(const knn_ctx *c, const double *dist, double *w)
{
  int zero = 0;
  for (PetscInt j = 0; j < c->k; j++) {
    if (c->weights == KNN_UNIFORM) w[j] = 1.0;
    else if (dist[j] == 0.0) zero = 1;
    else w[j] = 1.0 / dist[j];
  }
  if (zero)
    for (PetscInt j = 0; j < c->k; j++) w[j] = dist[j] == 0.0 ? 1.0 : 0.0;
}

/* out: regression -> y[i]; classification -> P[i*K + c] (vote shares). */
static PetscErrorCode knn_apply(ms_model m, ms_dataset X, double *y, double *P)
{
  knn_ctx      *c = (knn_ctx *)m->data;
  const int64_t nq = X->n_local, K = m->n_classes;
  PetscBool     failed = PETSC_FALSE;

  PetscFunctionBeginUser;
  if (!c->X) SETERRQ(m->comm, PETSC_ERR_ARG_WRONGSTATE, "knn: the model is not fitted");
  #pragma omp parallel
  {
    double  *work = (double *)malloc(sizeof(double) * (size_t)(KNN_QBLOCK * KNN_TBLOCK));
    double  *dist = (double *)malloc(sizeof(double) * (size_t)(KNN_QBLOCK * c->k));
    int64_t *rows = (int64_t *)malloc(sizeof(int64_t) * (size_t)(KNN_QBLOCK * c->k));
    double  *w = (double *)malloc(sizeof(double) * (size_t)c->k);
    if (!work || !dist || !rows || !w) {
      #pragma omp atomic write
      failed = PETSC_TRUE;
    } else {
      #pragma omp for schedule(dynamic)
      for (int64_t q0 = 0; q0 < nq; q0 += KNN_QBLOCK) {
        const int64_t bq = PetscMin(KNN_QBLOCK, nq - q0);
        knn_search(c, bq, X->X + q0 * c->d, rows, dist, work);
        for (int64_t i = 0; i < bq; i++) {
          double sw = 0.0;
          knn_neighbour_weights(c, dist + i * c->k, w);
          for (PetscInt j = 0; j < c->k; j++) sw += w[j];
          if (P) {
            double *pi = P + (q0 + i) * K;
            for (int64_t k = 0; k < K; k++) pi[k] = 0.0;
            for (PetscInt j = 0; j < c->k; j++) pi[c->lab[rows[i * c->k + j]]] += w[j] / sw;
          } else {
            double s = 0.0;
            for (PetscInt j = 0; j < c->k; j++) s += w[j] * c->y[rows[i * c->k + j]];
            y[q0 + i] = s / sw;
          }
        }
      }
    }
    free(work);
    free(dist);
    free(rows);
    free(w);
  }
  if (failed) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "knn: out of memory for the distance blocks");
  PetscFunctionReturn(0);
}

static PetscErrorCode knn_predict_proba(ms_model m, ms_dataset X, double *P)
{
  PetscFunctionBeginUser;
  PetscCall(knn_apply(m, X, NULL, P));
  PetscFunctionReturn(0);
}

/* Labels from the vote shares: the (weighted) majority, ties to the lowest class index. */
static void knn_labels(int64_t n, int64_t K, const double *P, double *y)
{
  for (int64_t i = 0; i < n; i++) {
    int64_t best = 0;
    for (int64_t k = 1; k < K; k++)
      if (P[i * K + k] > P[i * K + best] + 1e-12) best = k;
    y[i] = (double)best;
  }
}

/* One neighbour search for both the labels and the vote shares. */
static PetscErrorCode knn_predict_label_proba(ms_model m, ms_dataset X, double *y, double *P)
{
  PetscFunctionBeginUser;
  PetscCall(knn_apply(m, X, NULL, P));
  knn_labels(X->n_local, m->n_classes, P, y);
  PetscFunctionReturn(0);
}

static PetscErrorCode knn_predict(ms_model m, ms_dataset X, double *y)
{
  double *P;

  PetscFunctionBeginUser;
  if (m->task != MS_TASK_CLASSIFICATION) {
    PetscCall(knn_apply(m, X, y, NULL));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1(X->n_local * m->n_classes + 1, &P));
  PetscCall(knn_predict_label_proba(m, X, y, P));
  PetscCall(PetscFree(P));
  PetscFunctionReturn(0);
}

static PetscErrorCode knn_store(knn_ctx *c)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(c->n, &c->xx));
  for (int64_t i = 0; i < c->n; i++) c->xx[i] = cblas_ddot((int)c->d, c->X + i * c->d, 1, c->X + i * c->d, 1);
  PetscFunctionReturn(0);
}

static PetscErrorCode knn_clear(knn_ctx *c)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(c->X));
  PetscCall(PetscFree(c->xx));
  PetscCall(PetscFree(c->y));
  PetscCall(PetscFree(c->lab));
  PetscFunctionReturn(0);
}

static PetscErrorCode knn_fit(ms_model m, ms_dataset train)
{
  knn_ctx   *c = (knn_ctx *)m->data;
  ms_dataset rep;

  PetscFunctionBeginUser;
  if (c->k > train->n_global)
    SETERRQ(train->comm, MS_ERR_USER, "-knn_k %" PetscInt_FMT " is larger than the %" PetscInt64_FMT " training rows", c->k,
            (PetscInt64)train->n_global);
  PetscCall(knn_clear(c));
  PetscCall(ms_dataset_allgather(train, &rep));
  c->n = rep->n_global;
  c->d = rep->n_features;
  PetscCall(PetscMalloc1(c->n * c->d + 1, &c->X));
  PetscCall(PetscArraycpy(c->X, rep->X, c->n * c->d));
  if (m->task == MS_TASK_CLASSIFICATION) {
    PetscCall(PetscMalloc1(c->n, &c->lab));
    PetscCall(PetscArraycpy(c->lab, rep->labels, c->n));
  } else {
    PetscCall(PetscMalloc1(c->n, &c->y));
    PetscCall(PetscArraycpy(c->y, rep->y, c->n));
  }
  PetscCall(ms_dataset_destroy(&rep));
  PetscCall(knn_store(c));
  PetscFunctionReturn(0);
}

static PetscErrorCode knn_setfromoptions(ms_model m)
{
  knn_ctx  *c = (knn_ctx *)m->data;
  PetscEnum w = (PetscEnum)c->weights;

  PetscFunctionBeginUser;
  PetscOptionsBegin(m->comm, NULL, "k-nearest neighbours (-model knn)", "ms_model");
  PetscCall(PetscOptionsInt("-knn_k", "Number of neighbours (1 <= k <= training rows)", NULL, c->k, &c->k, NULL));
  PetscCall(PetscOptionsEnum("-knn_weights", "Neighbour weights: uniform or 1/distance", NULL, knn_weight_names, w, &w, NULL));
  PetscCall(PetscOptionsReal("-knn_p", "Minkowski exponent (>= 1; 2 = Euclidean, 1 = Manhattan)", NULL, c->p, &c->p, NULL));
  PetscOptionsEnd();
  c->weights = (knn_weights)w;
  if (c->k < 1) SETERRQ(m->comm, MS_ERR_USER, "-knn_k must be >= 1, got %" PetscInt_FMT, c->k);
  if (!(c->p >= 1.0) || !isfinite(c->p)) SETERRQ(m->comm, MS_ERR_USER, "-knn_p must be a finite number >= 1, got %g", c->p);
  PetscFunctionReturn(0);
}

static PetscErrorCode knn_save(ms_model m, hid_t group)
{
  knn_ctx *c = (knn_ctx *)m->data;

  PetscFunctionBeginUser;
  PetscCall(ms_h5_attr_set_int(group, "k", c->k));
  PetscCall(ms_h5_attr_set_string(group, "weights", knn_weight_names[c->weights]));
  PetscCall(ms_h5_attr_set_double(group, "p", c->p));
  PetscCall(ms_h5_write_rows_double(group, "train_X", c->n, 0, c->n, c->d, c->X));
  if (c->lab) PetscCall(ms_h5_write_rows_int(group, "train_labels", c->n, 0, c->n, c->lab));
  else PetscCall(ms_h5_write_rows_double(group, "train_y", c->n, 0, c->n, 0, c->y));
  PetscFunctionReturn(0);
}

static PetscErrorCode knn_load(ms_model m, hid_t group)
{
  knn_ctx *c = (knn_ctx *)m->data;
  int64_t  v, dims[3];
  int      rank;
  char    *s;

  PetscFunctionBeginUser;
  PetscCall(knn_clear(c));
  PetscCall(ms_h5_attr_get_int(group, "k", &v));
  c->k = (PetscInt)v;
  PetscCall(ms_h5_attr_get_double(group, "p", &c->p));
  PetscCall(ms_h5_attr_get_string(group, "weights", &s));
  c->weights = strcmp(s, "distance") ? KNN_UNIFORM : KNN_DISTANCE;
  PetscCall(PetscFree(s));
  PetscCall(ms_h5_dataset_shape(group, "train_X", &rank, dims));
  if (rank != 2 || dims[1] != m->n_features || dims[0] < c->k)
    SETERRQ(m->comm, MS_ERR_READ, "knn model: train_X has the wrong shape for %" PetscInt64_FMT " features and k = %" PetscInt_FMT,
            (PetscInt64)m->n_features, c->k);
  c->n = dims[0];
  c->d = dims[1];
  PetscCall(PetscMalloc1(c->n * c->d + 1, &c->X));
  PetscCall(ms_h5_read_rows_double(group, "train_X", 0, c->n, c->d, c->X));
  if (m->task == MS_TASK_CLASSIFICATION) {
    PetscCall(PetscMalloc1(c->n, &c->lab));
    PetscCall(ms_h5_read_rows_int(group, "train_labels", 0, c->n, c->lab));
    for (int64_t i = 0; i < c->n; i++)
      if (c->lab[i] < 0 || c->lab[i] >= m->n_classes) SETERRQ(m->comm, MS_ERR_READ, "knn model: train_labels holds an unknown class index");
  } else {
    PetscCall(PetscMalloc1(c->n, &c->y));
    PetscCall(ms_h5_read_rows_double(group, "train_y", 0, c->n, 0, c->y));
  }
  PetscCall(knn_store(c));
  PetscFunctionReturn(0);
}

static PetscErrorCode knn_view(ms_model m, PetscViewer viewer)
{
  knn_ctx *c = (knn_ctx *)m->data;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerASCIIPrintf(viewer, "k-nearest neighbours: k %" PetscInt_FMT ", weights %s, Minkowski p %g, %" PetscInt64_FMT " stored training rows\n",
                                   c->k, knn_weight_names[c->weights], c->p, (PetscInt64)c->n));
  PetscFunctionReturn(0);
}

static PetscErrorCode knn_destroy(ms_model m)
{
  PetscFunctionBeginUser;
  if (m->data) PetscCall(knn_clear((knn_ctx *)m->data));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_knn(ms_model m)
{
  knn_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&c));
  c->k = 5;
  c->weights = KNN_UNIFORM;
  c->p = 2.0;
  m->data = c;
  m->supports = MS_MODEL_REGRESSION | MS_MODEL_CLASSIFICATION;
  m->ops.setfromoptions = knn_setfromoptions;
  m->ops.fit = knn_fit;
  m->ops.predict = knn_predict;
  m->ops.predict_proba = knn_predict_proba;
  m->ops.predict_label_proba = knn_predict_label_proba;
  m->ops.save = knn_save;
  m->ops.load = knn_load;
  m->ops.view = knn_view;
  m->ops.destroy = knn_destroy;
  PetscFunctionReturn(0);
}
