# nommu's own descriptors and calls stay out of the program's way (descriptors.sh)
add_executable(nommu_descriptors ${CMAKE_SOURCE_DIR}/tests/robustness/descriptors.c)
target_link_libraries(nommu_descriptors Threads::Threads)
set_target_properties(nommu_descriptors PROPERTIES OUTPUT_NAME descriptors
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/robustness)
add_test(NAME robustness.descriptors
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/robustness/descriptors.sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
set_tests_properties(robustness.descriptors PROPERTIES
  ENVIRONMENT "NOMMU_BUILD_DIR=${CMAKE_BINARY_DIR}" TIMEOUT 300 LABELS robustness)

# code in PROT_EXEC device RAM runs (jit.sh)
add_executable(nommu_jit ${CMAKE_SOURCE_DIR}/tests/robustness/jit.c)
set_target_properties(nommu_jit PROPERTIES OUTPUT_NAME jit
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/robustness)
add_test(NAME robustness.jit
         COMMAND bash ${CMAKE_SOURCE_DIR}/tests/robustness/jit.sh ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
set_tests_properties(robustness.jit PROPERTIES
  ENVIRONMENT "NOMMU_BUILD_DIR=${CMAKE_BINARY_DIR}" TIMEOUT 120 LABELS robustness)
