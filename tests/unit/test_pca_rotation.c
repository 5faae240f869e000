/* PCA of data built as a known rotation of axis-aligned, uncorrelated columns: Z has
 * orthogonal zero-mean +-1 columns (Walsh functions of a Sylvester-Hadamard matrix) scaled so
 * its sample covariance is exactly diag(s^2); X = Z Q^T + m with Q a product of Givens
 * rotations by fixed angles. PCA must return variances s^2 (descending), ratios s^2/sum s^2,
 * components = +-columns of Q, the sign rule (largest |score| positive), and
 * inverse_transform(transform(X)) = X. Rows are split over all ranks (run on 1 and 2). */
#include "ms_pca.h"
#include "ms_test.h"

#define D 4
#define N 64

int main(int argc, char **argv)
{
  const double s[D] = {3.0, 2.0, 1.0, 0.5}, m[D] = {1.0, -2.0, 0.5, 10.0};
  double       Q[D * D], X[N * D], H[N * N];
  PetscMPIInt  rank, size;
  ms_pca       p;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  /* Sylvester Hadamard: H[i][j] = (-1)^popcount(i & j); columns 1..D are zero-mean, orthogonal */
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) H[i * N + j] = (__builtin_popcount(i & j) & 1) ? -1.0 : 1.0;
  /* Q = G(0,1,0.3) G(1,2,0.7) G(2,3,-0.4) G(0,3,1.1), Givens rotations in planes (a,b) */
  const int    pa[4] = {0, 1, 2, 0}, pb[4] = {1, 2, 3, 3};
  const double ang[4] = {0.3, 0.7, -0.4, 1.1};
  for (int i = 0; i < D * D; i++) Q[i] = (i / D == i % D);
  for (int r = 0; r < 4; r++) {
    double c = cos(ang[r]), sn = sin(ang[r]);
    for (int i = 0; i < D; i++) { /* Q <- Q G: mixes columns a and b */
      double qa = Q[i * D + pa[r]], qb = Q[i * D + pb[r]];
      Q[i * D + pa[r]] = c * qa - sn * qb;
      Q[i * D + pb[r]] = sn * qa + c * qb;
    }
  }
  /* Z_ij = s_j sqrt((N-1)/N) H_i,(j+1): sum Z_j^2 / (N-1) = s_j^2 */
  for (int i = 0; i < N; i++)
    for (int a = 0; a < D; a++) {
      double x = m[a];
      for (int j = 0; j < D; j++) x += s[j] * sqrt((N - 1.0) / N) * H[i * N + j + 1] * Q[a * D + j];
      X[i * D + a] = x;
    }
  int n0 = (N * rank) / size, n1 = (N * (rank + 1)) / size;
  PetscCall(ms_pca_create(&p));
  PetscCall(ms_pca_fit(p, PETSC_COMM_WORLD, n1 - n0, D, X + n0 * D));
  MS_CHECK(p->k == D && p->n_samples == N);
  double tot = 0;
  for (int j = 0; j < D; j++) tot += s[j] * s[j];
  MS_CHECK_CLOSE(p->total_variance, tot, 1e-13, 0);
  for (int c = 0; c < D; c++) {
    MS_CHECK_CLOSE(p->explained_variance[c], s[c] * s[c], 1e-12, 1e-14);
    MS_CHECK_CLOSE(p->explained_variance_ratio[c], s[c] * s[c] / tot, 1e-12, 1e-14);
    MS_CHECK_CLOSE(p->singular_values[c], s[c] * sqrt(N - 1.0), 1e-12, 0);
    double dot = 0;
    for (int a = 0; a < D; a++) dot += p->components[c * D + a] * Q[a * D + c];
    MS_CHECK_CLOSE(fabs(dot), 1.0, 1e-12, 0);
    MS_CHECK_CLOSE(p->mean[c], m[c], 0, 1e-13);
  }
  /* sign rule: in each component the score of largest magnitude (first row) is positive */
  double sc[N * D], back[N * D];
  PetscCall(ms_pca_transform(p, N, X, sc));
  for (int c = 0; c < D; c++) {
    int best = 0;
    for (int i = 1; i < N; i++)
      if (fabs(sc[i * D + c]) > fabs(sc[best * D + c])) best = i;
    MS_CHECK(sc[best * D + c] > 0);
  }
  PetscCall(ms_pca_inverse_transform(p, N, sc, back));
  for (int i = 0; i < N * D; i++) MS_CHECK_CLOSE(back[i], X[i], 0, 1e-12);
  /* two components: noise variance is the mean of the discarded variances */
  p->n_components_req = 2;
  PetscCall(ms_pca_fit(p, PETSC_COMM_WORLD, n1 - n0, D, X + n0 * D));
  MS_CHECK(p->k == 2);
  MS_CHECK_CLOSE(p->noise_variance, 0.5 * (s[2] * s[2] + s[3] * s[3]), 1e-12, 0);
  PetscCall(ms_pca_destroy(&p));
  MS_TEST_END("pca_rotation");
}
