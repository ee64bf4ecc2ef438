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

# The exported malloc surface as glibc documents it (malloc(0), errno, calloc/realloc
# overflow, alignment, usable size, mallopt/mallinfo2/malloc_info, cross-thread free,
# fork).  The native run is the referee: it must pass against glibc itself, then under
# the preload with each heap model, strict and report.
add_executable(nommu_malloc_api ${CMAKE_CURRENT_LIST_DIR}/malloc_api.c)
target_link_libraries(nommu_malloc_api PRIVATE Threads::Threads)
target_compile_options(nommu_malloc_api PRIVATE -O2 -fno-builtin)
set_target_properties(nommu_malloc_api PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})

add_test(NAME integration.heap.api-native COMMAND nommu_malloc_api)
set_tests_properties(integration.heap.api-native PROPERTIES TIMEOUT 120 LABELS integration)

# name | nommu-run flags
set(_heap_api_cases
  "fast-strict|--mode=strict --mem=256M --heap=fast"
  "fast-report|--mode=report --mem=256M --heap=fast"
  "simple-strict|--mode=strict --mem=256M --heap=simple"
  "simple-report|--mode=report --mem=256M --heap=simple"
  "uclibc-strict|--mode=strict --mem=256M --heap=uclibc"
  "uclibc-report|--mode=report --mem=256M --heap=uclibc")
foreach(_c ${_heap_api_cases})
  string(REPLACE "|" ";" _f "${_c}")
  list(GET _f 0 _name)
  list(GET _f 1 _flags)
  separate_arguments(_flags UNIX_COMMAND "${_flags}")
  add_test(NAME integration.heap.api-${_name}
           COMMAND ${CMAKE_SOURCE_DIR}/bin/nommu-run ${_flags} -- $<TARGET_FILE:nommu_malloc_api>)
  set_tests_properties(integration.heap.api-${_name} PROPERTIES
    ENVIRONMENT "NOMMU_BUILD_DIR=${CMAKE_BINARY_DIR}" TIMEOUT 300 LABELS integration)
endforeach()
