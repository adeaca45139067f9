# The child-process backstop of `folio run` and `folio check` (ctest
# cli_isolate; lua/cli/isolate.c, docs/sandbox.md "Bounds: the guarantee in
# numbers"):
#  - ordinary scripts and policies give byte-identical stdout, stderr and
#    exit status with and without --no-isolate, and so do the in-process
#    budgets' errors (time, memory, a Lua error);
#  - a C loop nobody bounded (FOLIO_ISOLATE_SELFTEST=spin, and risk parity
#    with an unreachable tolerance) is killed at --max-seconds + G, with the
#    timeout message and exit status 1;
#  - C allocations outside the Lua budget (FOLIO_ISOLATE_SELFTEST=alloc) stop
#    at the address-space limit: --max-memory-mb + S beyond the start, and a
#    child dying of SIGSEGV (=segv) is a memory-budget error;
#  - the child starts with RLIMIT_FSIZE 0, no core, few files, no processes,
#    and no descriptor but 0, 1, 2 even when the caller leaks one;
#  - --trusted runs in the process (no child).
# -DFOLIO=path/to/folio -DSOURCE_DIR=... -DWORK=scratch folder [-DSANITIZED=ON]
set(failed 0)
set(passed 0)
macro(fail msg)
  message(SEND_ERROR "cli_isolate: ${msg}")
  math(EXPR failed "${failed} + 1")
endmacro()
macro(pass)
  math(EXPR passed "${passed} + 1")
endmacro()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
file(WRITE ${WORK}/normal.lua "print('weights') local w = folio.sizers.equal_weight_ls{signal = {A = 1, B = -1, C = 0.5}, n_long = 1, n_short = 1}\nfor _, k in ipairs(folio.sorted_symbols(w)) do print(k, w[k]) end\nprint(string.rep('x', 70000))\n")
file(WRITE ${WORK}/error.lua "print('before')\nerror('boom')\n")
file(WRITE ${WORK}/loop.lua "while true do end\n")
file(WRITE ${WORK}/mem.lua "local t = {} for i = 1, 1e12 do t[i] = i end\n")
file(WRITE ${WORK}/loop_policy.lua "while true do end\n")
string(REPEAT " and a" 20000 chain)
file(WRITE ${WORK}/chain.lua "local a = true return a${chain}\n")

# the same command with and without --no-isolate: same stdout, stderr, status
macro(same_both name)
  execute_process(COMMAND ${FOLIO} ${ARGN} RESULT_VARIABLE rc1 OUTPUT_VARIABLE out1 ERROR_VARIABLE err1
                  WORKING_DIRECTORY ${WORK} TIMEOUT 60)
  set(args ${ARGN})
  list(INSERT args 1 --no-isolate)
  execute_process(COMMAND ${FOLIO} ${args} RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2 ERROR_VARIABLE err2
                  WORKING_DIRECTORY ${WORK} TIMEOUT 60)
  if(NOT rc1 STREQUAL rc2 OR NOT out1 STREQUAL out2 OR NOT err1 STREQUAL err2)
    fail("${name}: isolated exit ${rc1} / in-process ${rc2}\n--- isolated stdout:\n${out1}\n--- in-process stdout:\n${out2}\n--- isolated stderr:\n${err1}\n--- in-process stderr:\n${err2}")
  else()
    pass()
  endif()
  set(last_rc ${rc1})
  set(last_err "${err1}")
endmacro()

same_both(normal run normal.lua)
if(NOT last_rc EQUAL 0)
  fail("normal.lua: exit ${last_rc}: ${last_err}")
endif()
same_both(lua_error run error.lua)
if(NOT last_rc EQUAL 1 OR NOT last_err MATCHES "boom")
  fail("error.lua: exit ${last_rc}: ${last_err}")
endif()
same_both(timeout run --max-seconds 0.5 loop.lua)
if(NOT last_rc EQUAL 1 OR NOT last_err MATCHES "instruction budget or deadline exceeded")
  fail("loop.lua: exit ${last_rc}: ${last_err}")
endif()
same_both(memory run --max-memory-mb 32 mem.lua)
if(NOT last_rc EQUAL 1 OR NOT last_err MATCHES "memory budget exceeded")
  fail("mem.lua: exit ${last_rc}: ${last_err}")
endif()
same_both(check check ${SOURCE_DIR}/policies/kelly_voltarget_8.lua)
if(NOT last_rc EQUAL 0)
  fail("check kelly_voltarget_8: exit ${last_rc}: ${last_err}")
endif()
same_both(check_timeout check --max-seconds 0.5 loop_policy.lua)
if(NOT last_rc EQUAL 1 OR NOT last_err MATCHES "folio check: loop_policy.lua: instruction budget")
  fail("check loop_policy.lua: exit ${last_rc}: ${last_err}")
endif()

same_both(check_parse_cost check chain.lua)
if(NOT last_rc EQUAL 1 OR NOT last_err MATCHES "source too costly to parse: 20000 'and'/'or' operators")
  fail("check chain.lua: exit ${last_rc}: ${last_err}")
endif()

# a C loop nobody bounded: killed at max_seconds + G (G = 1 s; 1.5 s allowed for a loaded machine)
foreach(cmd run check)
  if(cmd STREQUAL "run")
    set(target normal.lua)
  else()
    set(target ${SOURCE_DIR}/policies/kelly_voltarget_8.lua)
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E env FOLIO_ISOLATE_SELFTEST=spin ${FOLIO} ${cmd} --max-seconds 1 ${target}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err WORKING_DIRECTORY ${WORK} TIMEOUT 10)
  if(NOT rc EQUAL 1 OR NOT err MATCHES "timeout: the script exceeded --max-seconds 1 \\(killed after ([0-9.]+) s\\)")
    fail("spin (${cmd}): exit ${rc}: ${err}")
  else()
    set(took ${CMAKE_MATCH_1})
    if(took GREATER 2.5)
      fail("spin (${cmd}): killed after ${took} s, more than max_seconds 1 + G 1 (+0.5)")
    else()
      message(STATUS "cli_isolate: a C loop with --max-seconds 1 was killed after ${took} s")
      pass()
    endif()
  endif()
endforeach()

# a real C loop: risk parity with an unreachable tolerance (issue 11: > 300 s in
# process before the core polled a deadline). Either the in-process budget
# (once the solver is cancellable) or the backstop ends it within 1 s + G.
file(WRITE ${WORK}/risk_parity.lua "local n, rows, syms = 20, {}, {}
for i = 1, n do
  syms[i] = 'S' .. i
  rows[i] = {}
  for j = 1, n do rows[i][j] = (i == j) and (1 + i / 10) or 0.3 / (1 + math.abs(i - j)) end
end
rows.rows, rows.cols = syms, syms
folio.sizers.risk_parity{cov = folio.matrix(rows), max_iter = 1e6, tol = 1e-300}
")
execute_process(COMMAND ${FOLIO} run --max-seconds 1 risk_parity.lua
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err WORKING_DIRECTORY ${WORK} TIMEOUT 3.5)
if(NOT rc EQUAL 1)
  fail("risk_parity.lua: exit ${rc} (wanted 1 within 3.5 s): ${err}")
elseif(err MATCHES "killed after ([0-9.]+) s")
  set(took ${CMAKE_MATCH_1})
  if(took GREATER 2.5)
    fail("risk_parity.lua: killed after ${took} s")
  else()
    message(STATUS "cli_isolate: risk_parity with tol 1e-300 and --max-seconds 1 was killed after ${took} s")
    pass()
  endif()
elseif(err MATCHES "budget or deadline exceeded|cancel|deadline")
  message(STATUS "cli_isolate: risk_parity with tol 1e-300 was stopped in process: ${err}")
  pass()
else()
  fail("risk_parity.lua: ${err}")
endif()

# C allocations outside the Lua budget: at most start + max_memory + S (S = 256 MiB).
# Not under ASan, whose allocator reserves terabytes of shadow and reports
# running out of address space itself (slowly, with the whole memory map).
if(SANITIZED)
  message(STATUS "cli_isolate: the address-space measurement is skipped under sanitizers")
else()
execute_process(COMMAND ${CMAKE_COMMAND} -E env FOLIO_ISOLATE_SELFTEST=alloc ${FOLIO} run --max-memory-mb 64 normal.lua
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err WORKING_DIRECTORY ${WORK} TIMEOUT 30)
if(NOT rc EQUAL 1 OR NOT err MATCHES "address space at start ([0-9]+) MiB.*allocated ([0-9]+) MiB, address space ([0-9]+) MiB")
  fail("alloc: exit ${rc}: ${err}")
else()
  set(start ${CMAKE_MATCH_1})
  set(got ${CMAKE_MATCH_2})
  set(space ${CMAKE_MATCH_3})
  math(EXPR bound "${start} + 64 + 256 + 1")
  if(space GREATER bound OR got GREATER bound)
    fail("alloc: ${got} MiB allocated, address space ${space} MiB, above ${bound} MiB")
  else()
    message(STATUS "cli_isolate: with --max-memory-mb 64 C code got ${got} MiB (address space ${space} MiB, ${start} MiB at start)")
    pass()
  endif()
endif()
endif()

# a child that dies of SIGSEGV (C code out of address space): a memory-budget error, exit 1
# (not under ASan, which catches SIGSEGV itself)
if(NOT SANITIZED)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env FOLIO_ISOLATE_SELFTEST=segv ${FOLIO} run --max-memory-mb 64 normal.lua
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err WORKING_DIRECTORY ${WORK} TIMEOUT 30)
  if(NOT rc EQUAL 1 OR NOT err MATCHES "folio: memory budget exceeded: the script's process died of SIGSEGV at its address-space limit [(]--max-memory-mb 64 [+] 256 MiB[)]")
    fail("segv: exit ${rc}: ${err}")
  else()
    pass()
  endif()
endif()

# the limits and descriptors the child starts with, with a descriptor (7) leaked by the caller
execute_process(COMMAND sh -c "exec 7<normal.lua; FOLIO_ISOLATE_SELFTEST=limits exec '${FOLIO}' run --max-seconds 2 normal.lua"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err WORKING_DIRECTORY ${WORK} TIMEOUT 30)
if(NOT rc EQUAL 0 OR NOT err MATCHES "limits cpu=3 as=[0-9]+ fsize=0 core=0 nofile=64 nproc=0 fds=0,1,2\n")
  fail("limits: exit ${rc}: ${err}")
else()
  pass()
endif()

# --trusted: no child (the self-test would spin in one)
execute_process(COMMAND ${CMAKE_COMMAND} -E env FOLIO_ISOLATE_SELFTEST=spin ${FOLIO} run --trusted normal.lua
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err WORKING_DIRECTORY ${WORK} TIMEOUT 30)
if(NOT rc EQUAL 0 OR NOT out MATCHES "weights")
  fail("--trusted: exit ${rc}: ${err}")
else()
  pass()
endif()

message(STATUS "cli_isolate: ${passed} passed, ${failed} failed")
if(failed GREATER 0)
  message(FATAL_ERROR "cli_isolate: ${failed} failed")
endif()
