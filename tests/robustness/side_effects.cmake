# nommu's own side effects: its descriptors and calls stay out of the program's way
# (descriptors.sh), and code in PROT_EXEC device RAM runs (jit.sh).  Each program is
# built into tests/robustness/ of the build, where its script finds it.
function(robustness_program target source)
  add_executable(${target} ${CMAKE_SOURCE_DIR}/tests/robustness/${source})
  get_filename_component(name ${source} NAME_WE)
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${name}
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/robustness)
endfunction()

robustness_program(nommu_descriptors descriptors.c)
target_link_libraries(nommu_descriptors Threads::Threads)
robustness_case(descriptors descriptors.sh 300)
robustness_program(nommu_jit jit.c)
robustness_case(jit jit.sh)
