# Sanitizer and fuzzing builds (included from the top-level CMakeLists.txt).
#
# MATSCREEN_SANITIZE: AddressSanitizer + UndefinedBehaviorSanitizer on every target. UBSan
# does not recover, so a report aborts the process and fails its test; LeakSanitizer is on in
# the tests (tests/CMakeLists.txt) with tests/sanitize/lsan.supp hiding only leaks inside the
# MPI/PETSc/HDF5/BLAS libraries, never ours. `make test-sanitize` builds and runs it.
#
# MATSCREEN_FUZZ: clang libFuzzer coverage instrumentation (plus ASan+UBSan) on every target,
# and the fuzz executables in tests/fuzz linked against libFuzzer. Configure with CC=clang.
option(MATSCREEN_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(MATSCREEN_FUZZ "Build the libFuzzer targets in tests/fuzz (needs CC=clang)" OFF)

# ASan makes every allocation above 128 KiB an mmap: HDF5 allocates its metadata cache
# (megabytes) at each file open, so fuzz_h5 runs 30x faster with
# -DMATSCREEN_FUZZ_SANITIZERS=undefined; its corpus is then replayed under ASan by CI.
set(MATSCREEN_FUZZ_SANITIZERS "address,undefined" CACHE STRING "Sanitizers of the MATSCREEN_FUZZ build")
set(_ms_san -fsanitize=address,undefined -fno-sanitize-recover=all)
if(MATSCREEN_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MATSCREEN_FUZZ needs clang (libFuzzer): configure with CC=clang")
  endif()
  set(_ms_san -fsanitize=${MATSCREEN_FUZZ_SANITIZERS} -fno-sanitize-recover=all)
  add_compile_options(-fsanitize=fuzzer-no-link ${_ms_san} -fno-omit-frame-pointer -g)
  add_link_options(${_ms_san})
elseif(MATSCREEN_SANITIZE)
  add_compile_options(${_ms_san} -fno-omit-frame-pointer)
  add_link_options(${_ms_san})
endif()
