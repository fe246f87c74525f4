# CMake toolchain file that tools/fuzz.sh passes to the HiGHS build (through the `cmake`
# crate's CMAKE_TOOLCHAIN_FILE): the fuzz targets never call the solver, and HiGHS compiled
# without optimisation builds faster, which keeps CI's fuzz step short. The release flags are
# replaced where CMake documents it (CMAKE_USER_MAKE_RULES_OVERRIDE, read after the
# compiler's defaults), since the *_INIT variables of a toolchain file are only prepended.
set(CMAKE_USER_MAKE_RULES_OVERRIDE "${CMAKE_CURRENT_LIST_DIR}/highs-unoptimised-flags.cmake")
