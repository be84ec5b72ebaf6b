# aiopt_add_model(<target> <model.onnx> [NAME <c_identifier>] [OPTIONS <flags>...])
#
# Compiles <model.onnx> with aiopt-compile when the build runs (again when
# the model or the compiler changes) into <name>.o and <name>.h, and makes
# <target> a static library holding the object, with the header's folder as
# a public include directory and AIOpt::runtime as a public dependency.
# <name> defaults to the model file's name made a C identifier.
function(aiopt_add_model target model)
  cmake_parse_arguments(ARG "" "NAME" "OPTIONS" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "aiopt_add_model: unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  get_filename_component(model_path "${model}" ABSOLUTE)
  if(NOT EXISTS "${model_path}")
    message(FATAL_ERROR "aiopt_add_model: model '${model_path}' does not exist")
  endif()
  if(ARG_NAME)
    set(name "${ARG_NAME}")
  else()
    get_filename_component(stem "${model_path}" NAME_WE)
    string(MAKE_C_IDENTIFIER "${stem}" name)
  endif()
  set(outdir "${CMAKE_CURRENT_BINARY_DIR}/aiopt/${target}")
  set(object "${outdir}/${name}.o")
  set(header "${outdir}/${name}.h")
  get_target_property(compiler AIOpt::aiopt-compile IMPORTED_LOCATION)
  add_custom_command(
    OUTPUT "${object}" "${header}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${outdir}"
    COMMAND AIOpt::aiopt-compile "${model_path}" -o "${object}" --name "${name}" ${ARG_OPTIONS}
    DEPENDS "${model_path}" "${compiler}"
    COMMENT "aiopt: compiling ${model} (${name})"
    VERBATIM)
  set_source_files_properties("${object}" PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  add_library(${target} STATIC "${object}" "${header}")
  set_target_properties(${target} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${target} PUBLIC "${outdir}")
  # Compiled models may call libm (exp, log, ...).
  target_link_libraries(${target} PUBLIC AIOpt::runtime m)
  # --parallel models run on the runtime's thread pool (pthreads, which
  # AIOpt::runtime brings), or with --thread-pool=openmp call libomp.
  if("--thread-pool=openmp" IN_LIST ARG_OPTIONS)
    find_package(OpenMP REQUIRED COMPONENTS C)
    target_link_libraries(${target} PUBLIC OpenMP::OpenMP_C)
  endif()
endfunction()
