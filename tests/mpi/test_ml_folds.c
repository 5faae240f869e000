/* test_ml_folds.c - fold assignment: a pure function of (seed, repeat, n, K, labels).
 * Every rank computes it and the ranks compare (identical on any number of ranks); fold
 * sizes follow KFold (n % K folds one row larger); stratified folds hold floor or ceil of
 * n_c / K rows of every class; repeats reshuffle; hold-out splits have the asked size. */
#include "ms_validation.h"
#include "ms_test.h"

static void check_same_on_all_ranks(int64_t n, const int *fold)
{
  int *lo, *hi;
  PetscMalloc2(n, &lo, n, &hi);
  MPI_Allreduce(fold, lo, (int)n, MPI_INT, MPI_MIN, PETSC_COMM_WORLD);
  MPI_Allreduce(fold, hi, (int)n, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  for (int64_t i = 0; i < n; i++) MS_CHECK(lo[i] == hi[i]);
  PetscFree2(lo, hi);
}

int main(int argc, char **argv)
{
  enum { N = 103, K = 5, C = 3 };
  int64_t   labels[N], cnt[C] = {0};
  int       fold[N], fold2[N], size[K];
  PetscBool test[N];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (int i = 0; i < N; i++) { labels[i] = i < 60 ? 0 : i < 90 ? 1 : 2; cnt[labels[i]]++; }

  PetscCall(ms_validation_kfold(N, K, 42, 0, PETSC_FALSE, NULL, 0, fold));
  check_same_on_all_ranks(N, fold);
  for (int k = 0; k < K; k++) size[k] = 0;
  for (int i = 0; i < N; i++) size[fold[i]]++;
  for (int k = 0; k < K; k++) MS_CHECK(size[k] == N / K + (k < N % K ? 1 : 0));
  { /* shuffled: not the identity blocks */
    int moved = 0;
    for (int i = 0; i < N; i++) moved += fold[i] != i / 21;
    MS_CHECK(moved > N / 2);
  }
  PetscCall(ms_validation_kfold(N, K, 42, 1, PETSC_FALSE, NULL, 0, fold2));
  { int diff = 0; for (int i = 0; i < N; i++) diff += fold[i] != fold2[i]; MS_CHECK(diff > N / 2); }
  PetscCall(ms_validation_kfold(N, K, 42, 0, PETSC_FALSE, NULL, 0, fold2));
  for (int i = 0; i < N; i++) MS_CHECK(fold[i] == fold2[i]);

  PetscCall(ms_validation_kfold(N, K, 7, 2, PETSC_TRUE, labels, C, fold));
  check_same_on_all_ranks(N, fold);
  for (int k = 0; k < K; k++) {
    int64_t per[C] = {0}, tot = 0;
    for (int i = 0; i < N; i++)
      if (fold[i] == k) { per[labels[i]]++; tot++; }
    for (int c = 0; c < C; c++) MS_CHECK(per[c] == cnt[c] / K || per[c] == cnt[c] / K + 1);
    MS_CHECK(tot == N / K || tot == N / K + 1);
  }

  PetscCall(ms_validation_split(N, 0.2, 3, 0, PETSC_TRUE, labels, C, test));
  {
    int64_t per[C] = {0};
    for (int i = 0; i < N; i++) if (test[i]) per[labels[i]]++;
    MS_CHECK(per[0] == 12 && per[1] == 6 && per[2] == 3);   /* round(0.2 * 60, 30, 13) */
  }
  MS_TEST_END("ml_folds");
}
