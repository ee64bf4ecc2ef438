# The report writer's robustness tests (records of any length, small thread stacks, log
# write errors, symbolic links at the log path, the device maps view under threads).
# Included by tests/robustness/CMakeLists.txt; every case exits 77 when it cannot run here.
include_guard(GLOBAL)

set(_writer_dir ${CMAKE_SOURCE_DIR}/tests/robustness)
set(_writer_bin ${CMAKE_BINARY_DIR}/tests/robustness)
set(_writer_env "NOMMU_BUILD_DIR=${CMAKE_BINARY_DIR}")

add_executable(writer-long ${_writer_dir}/writer-long.c)
target_compile_options(writer-long PRIVATE -g -O1)
set_target_properties(writer-long PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${_writer_bin})

# writer_case(NAME SCRIPT ARGS...): robustness.writer.NAME runs SCRIPT REPO BUILD ARGS...
function(writer_case name script)
  add_test(NAME robustness.writer.${name}
           COMMAND bash ${_writer_dir}/${script} ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR} ${ARGN})
  set_tests_properties(robustness.writer.${name} PROPERTIES
    ENVIRONMENT "${_writer_env}" SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS "robustness;report")
endfunction()

writer_case(long-record-deep writer-long-record.sh deep)
writer_case(long-record-many writer-long-record.sh many)
writer_case(log-symlink writer-log-symlink.sh)
writer_case(log-enospc writer-log-enospc.sh)

find_package(Threads REQUIRED)
add_executable(writer-small-stack ${_writer_dir}/writer-small-stack.c)
target_compile_options(writer-small-stack PRIVATE -g -O1)
target_link_libraries(writer-small-stack Threads::Threads)
set_target_properties(writer-small-stack PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${_writer_bin})
writer_case(small-stack writer-small-stack.sh)

add_executable(writer-procfs-race ${_writer_dir}/writer-procfs-race.c)
target_compile_options(writer-procfs-race PRIVATE -g -O1)
target_link_libraries(writer-procfs-race Threads::Threads)
set_target_properties(writer-procfs-race PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${_writer_bin})
writer_case(procfs-race writer-procfs-race.sh)
