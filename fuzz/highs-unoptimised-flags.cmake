# Read by CMake after its compiler defaults (see highs-unoptimised.cmake).
set(CMAKE_C_FLAGS_RELEASE_INIT "-O0 -DNDEBUG")
set(CMAKE_CXX_FLAGS_RELEASE_INIT "-O0 -DNDEBUG")
