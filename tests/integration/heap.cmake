# tests/integration/heap.cmake - the heap through the preload, included by
# tests/integration/CMakeLists.txt.  Each program runs natively, then under nommu-run
# with each heap model.
find_package(Threads REQUIRED)

# nommu_heap_program(TARGET SOURCE [COMPILE_OPTIONS...]): a plain program, no project code
function(nommu_heap_program target source)
  add_executable(${target} ${CMAKE_CURRENT_LIST_DIR}/${source})
  target_link_libraries(${target} PRIVATE Threads::Threads)
  target_compile_options(${target} PRIVATE -O2 ${ARGN})
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
endfunction()

# nommu_heap_case(NAME TIMEOUT "NOMMU-RUN FLAGS" COMMAND...): COMMAND under nommu-run
function(nommu_heap_case name timeout flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  add_test(NAME integration.heap.${name} COMMAND ${CMAKE_SOURCE_DIR}/bin/nommu-run ${flags} -- ${ARGN})
  set_tests_properties(integration.heap.${name} PROPERTIES
    ENVIRONMENT "NOMMU_BUILD_DIR=${CMAKE_BINARY_DIR}" TIMEOUT ${timeout} LABELS integration)
endfunction()

# The threaded stress test: exits 0 when every block kept its contents (checksummed).
nommu_heap_program(nommu_heap_stress heap_stress.c)
add_test(NAME integration.heap.stress-native COMMAND nommu_heap_stress 4 250000)
set_tests_properties(integration.heap.stress-native PROPERTIES TIMEOUT 300 LABELS integration)
set(_stress $<TARGET_FILE:nommu_heap_stress>)
nommu_heap_case(stress-fast 600 "--mode=strict --mem=256M" ${_stress} 4 1000000)
nommu_heap_case(stress-fast-report 600 "--mode=report" ${_stress} 8 500000)
nommu_heap_case(stress-simple 600 "--mode=report --mem=256M --heap=simple" ${_stress} 4 100000)
nommu_heap_case(stress-uclibc 600 "--mode=report --mem=256M --heap=uclibc" ${_stress} 4 100000)

# The exported malloc surface as glibc documents it (malloc(0), errno, calloc/realloc
# overflow, alignment, usable size, mallopt/mallinfo2/malloc_info, cross-thread free,
# fork).  The native run is the referee: it must pass against glibc itself, then under
# the preload with each heap model, strict and report.
nommu_heap_program(nommu_malloc_api malloc_api.c -fno-builtin)
add_test(NAME integration.heap.api-native COMMAND nommu_malloc_api)
set_tests_properties(integration.heap.api-native PROPERTIES TIMEOUT 120 LABELS integration)
foreach(_model fast simple uclibc)
  foreach(_mode strict report)
    nommu_heap_case(api-${_model}-${_mode} 300 "--mode=${_mode} --mem=256M --heap=${_model}"
                    $<TARGET_FILE:nommu_malloc_api>)
  endforeach()
endforeach()
