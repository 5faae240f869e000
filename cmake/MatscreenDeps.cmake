# Locate the HPC stack from Debian's packages (scripts/install-deps.sh installs it).
# Every dependency becomes an imported target, so consumers of the installed package get
# the same usage requirements through matscreenConfig.cmake.

# Open MPI refuses to oversubscribe by default; tests run up to 2-4 ranks on 2 cores.
set(MPIEXEC_PREFLAGS "--oversubscribe" CACHE STRING "Flags passed to mpiexec before the program")
find_package(MPI REQUIRED COMPONENTS C)
find_package(OpenMP REQUIRED COMPONENTS C)

find_package(PkgConfig REQUIRED)
pkg_check_modules(PETSC REQUIRED IMPORTED_TARGET PETSc)

# HDF5 must be the parallel (MPI-IO) build: collective I/O is part of the design.
set(HDF5_PREFER_PARALLEL TRUE)
find_package(HDF5 REQUIRED COMPONENTS C)
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR "matscreen needs parallel HDF5 (found a serial build at ${HDF5_C_INCLUDE_DIRS}). "
                      "Install libhdf5-openmpi-dev (scripts/install-deps.sh).")
endif()
if(NOT TARGET HDF5::HDF5)
  add_library(HDF5::HDF5 INTERFACE IMPORTED)
  target_include_directories(HDF5::HDF5 INTERFACE ${HDF5_C_INCLUDE_DIRS})
  target_link_libraries(HDF5::HDF5 INTERFACE ${HDF5_C_LIBRARIES})
  target_compile_definitions(HDF5::HDF5 INTERFACE ${HDF5_C_DEFINITIONS})
endif()

# Debian ships ScaLAPACK without a header and with a broken CMake config: find the library;
# the prototypes we call are declared in ml/ms_scalapack.h.
find_library(MATSCREEN_SCALAPACK_LIB NAMES scalapack-openmpi scalapack REQUIRED)
# Debian's OpenBLAS has no LAPACKE symbols: link liblapacke plus OpenBLAS for speed.
find_library(MATSCREEN_LAPACKE_LIB NAMES lapacke REQUIRED)
find_library(MATSCREEN_OPENBLAS_LIB NAMES openblas REQUIRED)
find_path(MATSCREEN_LAPACKE_INCLUDE lapacke.h REQUIRED)
find_path(MATSCREEN_QHULL_INCLUDE libqhull_r/libqhull_r.h REQUIRED)
find_library(MATSCREEN_QHULL_LIB NAMES qhull_r REQUIRED)
find_package(TIFF REQUIRED)

foreach(t scalapack lapacke qhull_r)
  if(NOT TARGET matscreen::${t})
    add_library(matscreen::${t} INTERFACE IMPORTED)
  endif()
endforeach()
target_link_libraries(matscreen::scalapack INTERFACE ${MATSCREEN_SCALAPACK_LIB} matscreen::lapacke)
target_include_directories(matscreen::lapacke INTERFACE ${MATSCREEN_LAPACKE_INCLUDE})
target_link_libraries(matscreen::lapacke INTERFACE ${MATSCREEN_LAPACKE_LIB} ${MATSCREEN_OPENBLAS_LIB})
target_include_directories(matscreen::qhull_r INTERFACE ${MATSCREEN_QHULL_INCLUDE})
target_link_libraries(matscreen::qhull_r INTERFACE ${MATSCREEN_QHULL_LIB})

# Versions reported by `matscreen version`.
get_filename_component(_sl_real "${MATSCREEN_SCALAPACK_LIB}" REALPATH)
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+$" MATSCREEN_SCALAPACK_VERSION "${_sl_real}")
get_filename_component(_ob_real "${MATSCREEN_OPENBLAS_LIB}" REALPATH)
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" MATSCREEN_OPENBLAS_FILE_VERSION "${_ob_real}")
