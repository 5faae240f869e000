/* ms_test.h - assertions for matscreen's C tests. A failed check prints file:line and the
 * values, and makes the test exit non-zero (after finishing the remaining checks, so one run
 * reports every failure). Use inside main() after PetscInitialize; end with MS_TEST_END. */
#ifndef MS_TEST_H
#define MS_TEST_H
#include <petsc.h>
#include <math.h>
#include <stdio.h>

static int ms_test_failures = 0;

#define MS_CHECK(cond) do { if (!(cond)) { \
  fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); ms_test_failures++; } } while (0)

/* |a - b| <= atol + rtol * |b| */
#define MS_CHECK_CLOSE(a, b, rtol, atol) do { double _a = (double)(a), _b = (double)(b); \
  if (!(fabs(_a - _b) <= (atol) + (rtol) * fabs(_b))) { \
    fprintf(stderr, "%s:%d: %s = %.17g, expected %s = %.17g (rtol %g, atol %g)\n", __FILE__, __LINE__, \
            #a, _a, #b, _b, (double)(rtol), (double)(atol)); ms_test_failures++; } } while (0)

/* call must return error code `code` (e.g. MS_ERR_USER); PETSc's trace is not printed. */
#define MS_CHECK_ERROR(call, code) do { PetscErrorCode _e; PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL)); \
  _e = (call); PetscCall(PetscPopErrorHandler()); \
  if (_e != (code)) { fprintf(stderr, "%s:%d: %s returned %d, expected %s (%d)\n", __FILE__, __LINE__, #call, (int)_e, #code, (int)(code)); \
    ms_test_failures++; } } while (0)

/* Reduce failures over PETSC_COMM_WORLD; print a summary on rank 0; return the exit code. */
#define MS_TEST_END(name) do { int _f = ms_test_failures, _g = 0; \
  MPI_Allreduce(&_f, &_g, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD); \
  PetscMPIInt _r; MPI_Comm_rank(PETSC_COMM_WORLD, &_r); \
  if (!_r) printf("%s: %s (%d failed checks)\n", name, _g ? "FAILED" : "ok", _g); \
  PetscCall(PetscFinalize()); return _g ? 1 : 0; } while (0)

#endif
