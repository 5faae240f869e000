# `make install`: library, public headers, executable and a CMake package so another C
# project can find_package(matscreen) and link matscreen::matscreen.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
get_property(_ms_headers GLOBAL PROPERTY MATSCREEN_PUBLIC_HEADERS)
install(FILES ${_ms_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/matscreen)
target_include_directories(matscreen INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}/matscreen>)
install(TARGETS matscreen EXPORT matscreenTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS matscreen_exe RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT matscreenTargets NAMESPACE matscreen:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/matscreen)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/matscreenConfig.cmake.in
  ${CMAKE_BINARY_DIR}/matscreenConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/matscreen)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/matscreenConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_BINARY_DIR}/matscreenConfig.cmake ${CMAKE_BINARY_DIR}/matscreenConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/matscreen)
