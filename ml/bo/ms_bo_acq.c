/* ms_bo_acq.c - acquisition functions (UCB, EI, PI), the exact 2-D expected hypervolume
 * improvement, Pareto fronts and hypervolumes. Formulas: ms_bo.h.
 *
 * Adding an acquisition: a value in ms_bo_acq_type and its name, one case in
 * ms_bo_acq_value; the search loops (ms_bo_suggest.c) need no change. */
#include "ms_bo.h"
#include <math.h>

const char *const ms_bo_acq_names[] = {"ucb", "ei", "pi", "ehvi", "random", "ms_bo_acq_type", "MS_BO_", NULL};

double ms_bo_norm_pdf(double z) { return exp(-0.5 * z * z) / sqrt(2.0 * PETSC_PI); }

/* erfc keeps full relative accuracy in the lower tail, where EI of poor candidates lives */
double ms_bo_norm_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

double ms_bo_expected_excess(double mu, double sd, double c)
{
  if (!(sd > 0)) return mu > c ? mu - c : 0.0;
  double z = (mu - c) / sd;
  double v = (mu - c) * ms_bo_norm_cdf(z) + sd * ms_bo_norm_pdf(z);
  return v > 0 ? v : 0.0; /* cancellation far in the lower tail */
}

double ms_bo_acq_value(const ms_bo_acq *a, int64_t iter, double mu, double sd, double best)
{
  switch (a->type) {
  case MS_BO_UCB:
    return mu + a->kappa * pow(a->kappa_decay, (double)iter) * sd;
  case MS_BO_EI:
    return ms_bo_expected_excess(mu, sd, best + a->xi);
  case MS_BO_PI:
    if (!(sd > 0)) return mu > best + a->xi ? 1.0 : 0.0;
    return ms_bo_norm_cdf((mu - best - a->xi) / sd);
  default:
    return NAN; /* EHVI needs both objectives (ms_bo_ehvi2); random has no value */
  }
}

double ms_bo_ehvi2(int64_t nf, const double *front, const double ref[2], const double mu[2], const double sd[2])
{
  double sum = 0.0;
  /* strip i: first objective in (a_{i+1}, a_i], dominated up to h_i in the second */
  for (int64_t i = 0; i <= nf; i++) {
    double a_hi = i == 0 ? INFINITY : front[2 * (i - 1)];
    double a_lo = i == nf ? ref[0] : front[2 * i];
    double h    = i == 0 ? ref[1] : front[2 * (i - 1) + 1];
    if (a_lo < ref[0]) a_lo = ref[0]; /* front points below the reference add nothing */
    if (a_hi <= a_lo) continue;
    double e1 = ms_bo_expected_excess(mu[0], sd[0], a_lo) - (isinf(a_hi) ? 0.0 : ms_bo_expected_excess(mu[0], sd[0], a_hi));
    if (h < ref[1]) h = ref[1];
    sum += e1 * ms_bo_expected_excess(mu[1], sd[1], h);
  }
  return sum;
}

PetscErrorCode ms_bo_pareto_front(int64_t n, const double *Y, int64_t *nf, int64_t *idx)
{
  int64_t *ord;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n + 1, &ord));
  for (int64_t i = 0; i < n; i++) ord[i] = i;
  /* sort by first objective descending, then second descending, then index: insertion
     sort is enough for experiment tables and keeps the order fully determined */
  for (int64_t i = 1; i < n; i++) {
    int64_t k = ord[i], j = i - 1;
    while (j >= 0) {
      int64_t o = ord[j];
      PetscBool after = Y[2 * o] < Y[2 * k] || (Y[2 * o] == Y[2 * k] && (Y[2 * o + 1] < Y[2 * k + 1] || (Y[2 * o + 1] == Y[2 * k + 1] && o > k)));
      if (!after) break;
      ord[j + 1] = o;
      j--;
    }
    ord[j + 1] = k;
  }
  /* sweep: a point is non-dominated when its second objective beats every earlier one */
  double best2 = -INFINITY;
  *nf          = 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t k = ord[i];
    if (Y[2 * k + 1] > best2) {
      idx[(*nf)++] = k;
      best2        = Y[2 * k + 1];
    }
  }
  PetscCall(PetscFree(ord));
  PetscFunctionReturn(0);
}

double ms_bo_hypervolume2(int64_t nf, const double *front, const double ref[2])
{
  double hv = 0.0, prev_h = ref[1];
  /* front sorted by a descending, b ascending: point i adds (a_i - r1)(b_i - b_{i-1}) */
  for (int64_t i = 0; i < nf; i++) {
    double a = front[2 * i], b = front[2 * i + 1];
    if (a <= ref[0] || b <= prev_h) continue;
    hv += (a - ref[0]) * (b - prev_h);
    prev_h = b;
  }
  return hv;
}
