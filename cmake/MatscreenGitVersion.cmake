# Regenerate generated/ms_build_info.h at every build (not only at configure time), so
# `matscreen version` and provenance attributes always name the commit actually built.
set(MATSCREEN_GEN_DIR ${CMAKE_BINARY_DIR}/generated)
file(MAKE_DIRECTORY ${MATSCREEN_GEN_DIR})
add_custom_target(matscreen_gitversion ALL
  COMMAND ${CMAKE_COMMAND}
          -DSRC=${CMAKE_SOURCE_DIR} -DOUT=${MATSCREEN_GEN_DIR}/ms_build_info.h
          -DVERSION=${PROJECT_VERSION}
          -DSCALAPACK_VERSION=${MATSCREEN_SCALAPACK_VERSION}
          -P ${CMAKE_SOURCE_DIR}/cmake/WriteBuildInfo.cmake
  BYPRODUCTS ${MATSCREEN_GEN_DIR}/ms_build_info.h
  COMMENT "Recording git commit")
