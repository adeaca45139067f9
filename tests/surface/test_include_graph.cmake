# test_include_graph.cmake — the core's includes follow the data path.
#
# Stages, in data-path order: base, inputs, estimates, sizing, composition,
# constraints, orders, state (core/src/<stage>/). Every core source and header
# (core/src/<stage>/*.c, *.h) and every public header (core/include/folio/*.h)
# may include only folio headers of its own stage or an earlier one. A public
# header's stage is the folder of its .c (folio/csv.h -> core/src/inputs/csv.c);
# an internal header's is its own folder. folio/folio.h, the umbrella, is the
# one public header without a stage. Run: cmake -DSOURCE_DIR=<repo> -P test_include_graph.cmake
if(NOT SOURCE_DIR)
  message(FATAL_ERROR "test_include_graph: SOURCE_DIR is not set")
endif()
set(stages base inputs estimates sizing composition constraints orders state)
set(core ${SOURCE_DIR}/core)

# The stage of a public header folio/<stem>.h: the folder of <stem>.c.
function(public_stage stem out)
  set(${out} "" PARENT_SCOPE)
  foreach(stage IN LISTS stages)
    if(EXISTS ${core}/src/${stage}/${stem}.c)
      set(${out} ${stage} PARENT_SCOPE)
      return()
    endif()
  endforeach()
endfunction()

# The stage of a file under core/: its folder for core/src/<stage>/, the
# stage of its .c for a public header.
function(file_stage path out)
  set(${out} "" PARENT_SCOPE)
  if(path MATCHES "/core/src/([a-z]+)/[^/]+$")
    set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
  elseif(path MATCHES "/core/include/folio/([a-z0-9_]+)\\.h$")
    public_stage(${CMAKE_MATCH_1} s)
    set(${out} ${s} PARENT_SCOPE)
  endif()
endfunction()

file(GLOB files ${core}/src/*/*.c ${core}/src/*/*.h ${core}/include/folio/*.h)
set(problems)
set(n_edges 0)
foreach(file IN LISTS files)
  if(file MATCHES "/core/include/folio/folio\\.h$")
    continue() # the umbrella includes everything
  endif()
  file_stage(${file} from)
  if(from STREQUAL "")
    list(APPEND problems "${file}: no stage (a public header needs a .c in core/src/<stage>/)")
    continue()
  endif()
  list(FIND stages ${from} from_i)
  get_filename_component(dir ${file} DIRECTORY)
  file(STRINGS ${file} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*$" "\\1" inc "${line}")
    set(target "")
    if(inc MATCHES "^folio/([a-z0-9_]+)\\.h$")
      set(target ${core}/include/${inc})
    elseif(EXISTS ${dir}/${inc})
      get_filename_component(target ${dir}/${inc} ABSOLUTE)
    elseif(EXISTS ${core}/src/base/${inc})
      set(target ${core}/src/base/${inc}) # internal.h, plumbing.h (on the include path)
    endif()
    if(target STREQUAL "" OR NOT EXISTS ${target})
      continue() # a third-party header with quotes (none today) or a generated one
    endif()
    if(target MATCHES "/core/include/folio/folio\\.h$")
      list(APPEND problems "${file}: includes the umbrella folio/folio.h")
      continue()
    endif()
    file_stage(${target} to)
    if(to STREQUAL "")
      continue() # reported when the header itself is visited
    endif()
    list(FIND stages ${to} to_i)
    math(EXPR n_edges "${n_edges} + 1")
    if(to_i GREATER from_i)
      file(RELATIVE_PATH rel ${SOURCE_DIR} ${file})
      list(APPEND problems "${rel} (stage ${from}) includes \"${inc}\" of the later stage ${to}")
    endif()
  endforeach()
endforeach()
if(problems)
  list(LENGTH problems np)
  string(REPLACE ";" "\n  " text "${problems}")
  message(FATAL_ERROR "test_include_graph: ${np} include(s) against the stage order "
                      "(${stages}):\n  ${text}")
endif()
list(LENGTH files nf)
message(STATUS "test_include_graph: ${nf} files, ${n_edges} includes of folio headers, all in stage order")
