# tests/integration/heap.cmake - the threaded malloc stress test (issue 3), included by
# tests/integration/CMakeLists.txt.  heap_stress exits 0 when every block kept its
# contents (checksummed); it runs natively, then under the preload with each heap model.
find_package(Threads REQUIRED)
add_executable(nommu_heap_stress ${CMAKE_CURRENT_LIST_DIR}/heap_stress.c)
target_link_libraries(nommu_heap_stress PRIVATE Threads::Threads)
target_compile_options(nommu_heap_stress PRIVATE -O2)
set_target_properties(nommu_heap_stress PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})

add_test(NAME integration.heap.stress-native COMMAND nommu_heap_stress 4 250000)
set_tests_properties(integration.heap.stress-native PROPERTIES TIMEOUT 300 LABELS integration)

# name | nommu-run flags | threads | operations per thread
set(_heap_stress_cases
  "fast|--mode=strict --mem=256M|4|1000000"
  "fast-report|--mode=report|8|500000"
  "simple|--mode=report --mem=256M --heap=simple|4|100000"
  "uclibc|--mode=report --mem=256M --heap=uclibc|4|100000")
foreach(_c ${_heap_stress_cases})
  string(REPLACE "|" ";" _f "${_c}")
  list(GET _f 0 _name)
  list(GET _f 1 _flags)
  list(GET _f 2 _threads)
  list(GET _f 3 _ops)
  separate_arguments(_flags UNIX_COMMAND "${_flags}")
  add_test(NAME integration.heap.stress-${_name}
           COMMAND ${CMAKE_SOURCE_DIR}/bin/nommu-run ${_flags} --
                   $<TARGET_FILE:nommu_heap_stress> ${_threads} ${_ops})
  set_tests_properties(integration.heap.stress-${_name} PROPERTIES
    ENVIRONMENT "NOMMU_BUILD_DIR=${CMAKE_BINARY_DIR}" TIMEOUT 600 LABELS integration)
endforeach()
