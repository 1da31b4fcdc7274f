# Helpers that give every target the same shape: C++20, repo-root includes, warnings,
# sanitizers. Link the alias (dmabot::core), never the raw target name.

add_library(dmabot_build_options INTERFACE)
target_compile_features(dmabot_build_options INTERFACE cxx_std_20)
target_compile_options(dmabot_build_options INTERFACE -Wall -Wextra)
if((DMABOT_ASAN AND DMABOT_TSAN) OR (DMABOT_FUZZ AND DMABOT_TSAN))
  message(FATAL_ERROR "DMABOT_TSAN cannot be combined with DMABOT_ASAN or DMABOT_FUZZ")
endif()
if(DMABOT_ASAN OR DMABOT_FUZZ)
  target_compile_options(dmabot_build_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(dmabot_build_options INTERFACE -fsanitize=address,undefined)
endif()
if(DMABOT_TSAN)
  target_compile_options(dmabot_build_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(dmabot_build_options INTERFACE -fsanitize=thread)
endif()
# libFuzzer (tests/fuzz): every library is built with coverage instrumentation (fuzzer-no-link) on
# top of ASan+UBSan; only the fuzz_<target> executables link the fuzzer's main.
if(DMABOT_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "DMABOT_FUZZ needs clang (CXX=clang++): libFuzzer is part of clang's runtime")
  endif()
  target_compile_options(dmabot_build_options INTERFACE -fsanitize=fuzzer-no-link)
endif()

# dmabot_library(NAME core SRCS a.cpp b.cpp DEPS absl::status)
# Declares dmabot_<NAME> with alias dmabot::<NAME>; public headers are included from the repo root.
function(dmabot_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_library(dmabot_${ARG_NAME} STATIC ${ARG_SRCS})
  add_library(dmabot::${ARG_NAME} ALIAS dmabot_${ARG_NAME})
  target_include_directories(dmabot_${ARG_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(dmabot_${ARG_NAME} PUBLIC dmabot_build_options ${ARG_DEPS})
endfunction()

# dmabot_test(NAME core_types_test SRCS types_test.cpp DEPS dmabot::core LABELS unit)
# One GoogleTest executable; each TEST becomes a ctest entry carrying the labels.
function(dmabot_test)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_include_directories(${ARG_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  # One ENVIRONMENT entry only: gtest_discover_tests splits its PROPERTIES values at ';'.
  target_compile_definitions(${ARG_NAME} PRIVATE DMABOT_TEST_BIN="${PROJECT_BINARY_DIR}/dmabot")
  # The TSan build tells the tests (DMABOT_TSAN=1): a test that cannot run under it skips there with
  # its reason (GTEST_SKIP), never silently. The whole suite passes under ASan+UBSan, so that build
  # needs no such definition (add one the same way if a test ever must skip there).
  if(DMABOT_TSAN)
    target_compile_definitions(${ARG_NAME} PRIVATE DMABOT_TSAN=1)
  endif()
  target_link_libraries(${ARG_NAME} PRIVATE dmabot_build_options ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  # One label: gtest_discover_tests splits PROPERTIES values at ';', so a second label would become a
  # property name (and shift the ENVIRONMENT entry after it).
  list(LENGTH ARG_LABELS n_labels)
  if(n_labels GREATER 1)
    message(FATAL_ERROR "dmabot_test(${ARG_NAME}): one label only (got ${ARG_LABELS})")
  endif()
  gtest_discover_tests(${ARG_NAME}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${ARG_LABELS}" ENVIRONMENT "DMABOT_SOURCE_DIR=${PROJECT_SOURCE_DIR}"
    DISCOVERY_TIMEOUT 60)
endfunction()

# dmabot_bench(NAME ring_bench SRCS ring_bench.cpp DEPS dmabot::core)
function(dmabot_bench)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE dmabot_build_options ${ARG_DEPS} benchmark::benchmark)
endfunction()
