# A build without MPI (issue 15): every --mpi exits 2 with one line saying how to build it.
# Run: cmake -DPOWLAB=<powlab binary> -P tests/mpi_missing_test.cmake
foreach(args "bench;--mpi;--seconds;0.1" "race;--mode;event;--mpi;--nodes;2;--blocks;5;--sweep;seed=1..2"
             "mine;--mpi;--chain;mpi_missing.chain;--zeros;8" "race;--mode;live;--mpi;--nodes;2;--blocks;1")
  execute_process(COMMAND ${POWLAB} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  list(GET args 0 sub)
  if(NOT rc EQUAL 2)
    message(FATAL_ERROR "powlab ${args}: exit ${rc}, expected 2 (${err})")
  endif()
  if(NOT err MATCHES "^powlab ${sub}: error: --mpi: this powlab was built without MPI.*-DPOWLAB_MPI=ON[^\n]*\n$")
    message(FATAL_ERROR "powlab ${args}: not the one-line build hint: '${err}'")
  endif()
  if(NOT out STREQUAL "")
    message(FATAL_ERROR "powlab ${args}: printed '${out}'")
  endif()
endforeach()
message(STATUS "--mpi without MPI: exit 2 and the build hint")
