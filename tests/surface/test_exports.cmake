# test_exports.cmake — the controlled library surface: the dynamic symbols
# libfolio.so defines are only the public API, folio_* (declared with
# FOLIO_API in core/include/folio/*.h), folio_host_* (lua/include/folio/host.h)
# and luaopen_folio. Internal names — fl_* (the Lua face), folio_i_* (shared
# plumbing), folio_lua_* and folio_embedded_* (module internals) — must be
# hidden. Run: cmake -DLIB=<path to libfolio.so> [-DNM=nm] -P test_exports.cmake
if(NOT LIB OR NOT EXISTS "${LIB}")
  message(FATAL_ERROR "test_exports: LIB (the shared library) is not set or missing: '${LIB}'")
endif()
if(NOT NM)
  set(NM nm)
endif()
execute_process(COMMAND ${NM} -D --defined-only "${LIB}" RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE errout)
if(rc)
  message(FATAL_ERROR "test_exports: ${NM} -D --defined-only ${LIB} failed: ${errout}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(bad)
set(n 0)
set(has_luaopen 0)
set(has_host 0)
set(has_core 0)
foreach(line IN LISTS lines)
  # "<address> <type> <name>[@version]"
  if(NOT line MATCHES "^[0-9a-fA-F]+ [A-Za-z] ([^ @]+)")
    continue()
  endif()
  set(sym ${CMAKE_MATCH_1})
  math(EXPR n "${n} + 1")
  if(sym STREQUAL "luaopen_folio")
    set(has_luaopen 1)
  elseif(sym MATCHES "^folio_(i|lua|embedded)_")
    list(APPEND bad ${sym}) # internal names that happen to start with folio_
  elseif(sym MATCHES "^folio_host_")
    set(has_host 1)
  elseif(sym MATCHES "^folio_")
    if(sym STREQUAL "folio_status_name")
      set(has_core 1)
    endif()
  else()
    list(APPEND bad ${sym})
  endif()
endforeach()
if(bad)
  list(LENGTH bad nbad)
  string(REPLACE ";" "\n  " badtext "${bad}")
  message(FATAL_ERROR "test_exports: ${nbad} symbol(s) of ${LIB} are outside the public API "
                      "(folio_*, folio_host_*, luaopen_folio):\n  ${badtext}")
endif()
if(NOT has_luaopen OR NOT has_host OR NOT has_core)
  message(FATAL_ERROR "test_exports: ${LIB} lacks part of the public API "
                      "(luaopen_folio ${has_luaopen}, folio_host_* ${has_host}, "
                      "folio_status_name ${has_core})")
endif()
message(STATUS "test_exports: ${n} exported symbols, all public")
