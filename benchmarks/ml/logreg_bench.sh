#!/usr/bin/env bash
# logreg vs scikit-learn, one thread per process (see logreg_bench.py for the options).
#   benchmarks/ml/logreg_bench.sh [--n 200000] [--ranks 1,2] [--repeats 3]
set -euo pipefail
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT:-1} OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM:-1}
exec /usr/bin/python3 "$(dirname "$0")/logreg_bench.py" "$@"
