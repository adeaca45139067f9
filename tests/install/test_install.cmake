# The installed copy works on its own, moved anywhere (ctest install_and_embed):
#  1. `cmake --install` into a fresh prefix, then the prefix is moved to a new
#     folder (the original is deleted) and nothing in it may name the source
#     or build folder (grep over every installed file, binaries included);
#  2. the moved bin/folio, run from an empty folder with LD_LIBRARY_PATH
#     unset, answers --help and checks a shipped policy, dry-running it on
#     the installed sample data (share/folio/data);
#  3. examples/embed.c builds against the moved prefix with pkg-config, with
#     find_package(folio) and statically with lib/libfolio.a, and each runs
#     from the empty folder without LD_LIBRARY_PATH, loading the shipped
#     policies from the moved share/folio/policies;
#  4. the moved Lua module loads in a stock lua5.4.
set(top ${BUILD_DIR}/install-test)
set(prefix ${top}/prefix)
set(moved ${top}/moved)
set(elsewhere ${top}/elsewhere)
file(REMOVE_RECURSE ${top})
file(MAKE_DIRECTORY ${elsewhere})
unset(ENV{LD_LIBRARY_PATH})
set(passed 0)

function(must rc what)
  if(rc)
    message(FATAL_ERROR "install_and_embed: ${what}")
  endif()
endfunction()

# ---- 1. install, move, grep ----------------------------------------------------
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
                RESULT_VARIABLE rc OUTPUT_QUIET)
must("${rc}" "cmake --install failed")
execute_process(COMMAND cp -a ${prefix} ${moved} RESULT_VARIABLE rc)
must("${rc}" "cannot copy the prefix")
file(REMOVE_RECURSE ${prefix})
foreach(path ${SOURCE_DIR} ${BUILD_DIR})
  execute_process(COMMAND grep -rlF -- ${path} ${moved} RESULT_VARIABLE rc OUTPUT_VARIABLE hits)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "install_and_embed: installed files name ${path}:\n${hits}")
  endif()
endforeach()
foreach(f bin/folio share/folio/policies/equal_weight_ls.lua share/folio/data/prices.csv)
  if(NOT EXISTS ${moved}/${f})
    message(FATAL_ERROR "install_and_embed: ${f} is not installed")
  endif()
endforeach()
file(GLOB libdirs ${moved}/lib*)
list(GET libdirs 0 libdir)
foreach(f libfolio.so libfolio.a pkgconfig/folio.pc cmake/folio/folioConfig.cmake lua/5.4/folio.so)
  if(NOT EXISTS ${libdir}/${f})
    message(FATAL_ERROR "install_and_embed: ${libdir}/${f} is not installed")
  endif()
endforeach()
math(EXPR passed "${passed} + 1")

# ---- 2. the moved program ------------------------------------------------------
execute_process(COMMAND ${moved}/bin/folio check --help WORKING_DIRECTORY ${elsewhere}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc OR NOT out MATCHES "usage: folio check")
  message(FATAL_ERROR "install_and_embed: folio check --help: ${rc} ${out}")
endif()
execute_process(COMMAND ${moved}/bin/folio check ${moved}/share/folio/policies/equal_weight_ls.lua
                WORKING_DIRECTORY ${elsewhere} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc OR NOT out MATCHES "dry run on ${moved}/share/folio/data/prices.csv" OR NOT out MATCHES "equal_weight_ls.lua: ok")
  message(FATAL_ERROR "install_and_embed: the moved folio check failed (${rc}):\n${out}\n${err}")
endif()
# the shipped policies come from the moved share/folio/policies
execute_process(COMMAND ${moved}/bin/folio run ${SOURCE_DIR}/tests/install/list_policies.lua
                WORKING_DIRECTORY ${elsewhere} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc OR NOT out MATCHES "kelly_voltarget_12")
  message(FATAL_ERROR "install_and_embed: the moved folio does not load its policies (${rc}):\n${out}\n${err}")
endif()
math(EXPR passed "${passed} + 1")

# ---- 3. embed.c against the moved prefix ----------------------------------------
set(ENV{PKG_CONFIG_PATH} ${libdir}/pkgconfig)
execute_process(COMMAND pkg-config --cflags --libs folio OUTPUT_VARIABLE flags RESULT_VARIABLE rc
                OUTPUT_STRIP_TRAILING_WHITESPACE)
must("${rc}" "pkg-config --cflags --libs folio failed")
separate_arguments(flags UNIX_COMMAND "${flags}")
execute_process(COMMAND cc -std=c17 -Wall -Wextra ${SOURCE_DIR}/examples/embed.c ${flags}
                        -o ${top}/embed_pc RESULT_VARIABLE rc)
must("${rc}" "embed.c does not build with pkg-config flags: ${flags}")
execute_process(COMMAND ${top}/embed_pc WORKING_DIRECTORY ${elsewhere} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(rc OR NOT out MATCHES "equal_weight_ls")
  message(FATAL_ERROR "install_and_embed: embed (pkg-config) failed without LD_LIBRARY_PATH: ${out}\n${err}")
endif()
math(EXPR passed "${passed} + 1")

# static: lib/libfolio.a, then its dependencies (folio.pc's private ones)
execute_process(COMMAND pkg-config --cflags folio OUTPUT_VARIABLE cflags OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND pkg-config --libs lua5.4 openblas lapacke nlopt yaml-0.1 sqlite3 jansson
                OUTPUT_VARIABLE deps RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
must("${rc}" "pkg-config cannot find folio's dependencies")
separate_arguments(cflags UNIX_COMMAND "${cflags}")
separate_arguments(deps UNIX_COMMAND "${deps}")
execute_process(COMMAND cc -std=c17 ${SOURCE_DIR}/examples/embed.c ${cflags} ${libdir}/libfolio.a ${deps}
                        -lcsv -lglpk -lm -o ${top}/embed_static RESULT_VARIABLE rc)
must("${rc}" "embed.c does not link with lib/libfolio.a")
execute_process(COMMAND ${top}/embed_static WORKING_DIRECTORY ${elsewhere} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(rc OR NOT out MATCHES "equal_weight_ls")
  message(FATAL_ERROR "install_and_embed: embed (libfolio.a) failed: ${out}\n${err}")
endif()
math(EXPR passed "${passed} + 1")

# find_package(folio)
set(proj ${top}/proj)
file(MAKE_DIRECTORY ${proj})
file(WRITE ${proj}/CMakeLists.txt "cmake_minimum_required(VERSION 3.18)\nproject(embed_test C)\nfind_package(folio REQUIRED)\nadd_executable(embed ${SOURCE_DIR}/examples/embed.c)\ntarget_link_libraries(embed PRIVATE folio::folio)\n")
execute_process(COMMAND ${CMAKE_COMMAND} -S ${proj} -B ${proj}/build -DCMAKE_PREFIX_PATH=${moved}
                RESULT_VARIABLE rc OUTPUT_QUIET)
must("${rc}" "find_package(folio) project does not configure")
execute_process(COMMAND ${CMAKE_COMMAND} --build ${proj}/build RESULT_VARIABLE rc OUTPUT_QUIET)
must("${rc}" "find_package(folio) project does not build")
execute_process(COMMAND ${proj}/build/embed WORKING_DIRECTORY ${elsewhere} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(rc OR NOT out MATCHES "equal_weight_ls")
  message(FATAL_ERROR "install_and_embed: embed (find_package) failed without LD_LIBRARY_PATH: ${out}\n${err}")
endif()
math(EXPR passed "${passed} + 1")

# ---- 4. the moved Lua module in a stock lua5.4 -----------------------------------
find_program(LUA54 lua5.4)
if(LUA54)
  execute_process(COMMAND ${LUA54} -e "package.cpath = '${libdir}/lua/5.4/?.so'; local f = require 'folio'; print('folio ' .. f.version)"
                  WORKING_DIRECTORY ${elsewhere} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc OR NOT out MATCHES "^folio [0-9]")
    message(FATAL_ERROR "install_and_embed: the moved module does not load: ${out}\n${err}")
  endif()
  math(EXPR passed "${passed} + 1")
endif()
message(STATUS "install_and_embed: ${passed} passed, 0 failed")
