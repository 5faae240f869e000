#!/usr/bin/env bash
# Install everything matscreen needs to build, test and benchmark, from Debian's archive only.
#
# Idempotent: packages already present are skipped, so a second run costs one dpkg query.
# Works as root or, for a normal user, through sudo. Non-interactive (safe in CI).
#
#   scripts/install-deps.sh            build + test + benchmark dependencies
#   scripts/install-deps.sh --check    only report what is missing (exit 1 if anything is)
set -euo pipefail

# Build: compilers, MPI, PETSc, ScaLAPACK, parallel HDF5, BLAS/LAPACK, CMake; spglib (space
# groups) and igraph (graph indices) for the featurizers; libsvm and XGBoost for the model zoo;
# FFTW 3 with its MPI interface for the two-point statistics of `describe`.
# oneDNN (libdnnl-dev, C API dnnl.h) for the 3-D convolutional VAE layers.
# libopenblas-dev must be named: petsc-dev pulls only the reference BLAS (10x slower).
BUILD_PKGS=(
  build-essential cmake pkg-config gfortran git
  libopenmpi-dev openmpi-bin
  petsc-dev
  libscalapack-openmpi-dev
  libhdf5-openmpi-dev
  libopenblas-dev liblapacke-dev
  libqhull-dev libtiff-dev
  libnlopt-dev
  libsymspg-dev libigraph-dev
  libsvm-dev libxgboost-dev
  libfftw3-dev libfftw3-mpi-dev
  libdnnl-dev
)
# Tests and benchmarks: reference libraries used as oracles (tests/parity), the SLURM
# scheduler for jobscript tests, gnuplot for figures, pandas (CSV outputs must read with a
# plain pandas.read_csv), NetworkX and pymatgen (graph and structure oracles), AFL++ (fuzzing),
# PyTorch (python3-torch: oracle for the oneDNN VAE layers and the VAE throughput benchmark).
TEST_PKGS=(
  python3 python3-numpy python3-scipy python3-h5py python3-sklearn
  python3-pandas python3-networkx python3-pymatgen python3-xgboost
  afl++
  slurm-wlm munge
  gnuplot-nox
  python3-torch
)

want=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}")
missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  echo "install-deps: missing: ${missing[*]}"
  exit 1
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: not root and no sudo; install as root: ${missing[*]}" >&2; exit 1
  fi
fi

echo "install-deps: installing ${#missing[@]} packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# slurm-wlm's postinst tries to start services; in a container that fails harmlessly.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" 2>&1 | grep -v -e 'update-alternatives: error: no alternatives for petsc' || true
# Verify rather than trust the pipeline's exit code (grep above masks apt's).
still=()
for p in "${missing[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || still+=("$p")
done
if [[ ${#still[@]} -gt 0 ]]; then
  echo "install-deps: FAILED to install: ${still[*]}" >&2
  exit 1
fi
echo "install-deps: done"
