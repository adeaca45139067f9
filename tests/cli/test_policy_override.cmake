# `folio run|check --policy-path DIR` with a file named like a shipped policy
# (ctest cli_policy_override): refused, exit 1, the message naming the policy,
# both files and the way out; with --allow-override the folder's policy
# replaces the shipped one. docs/sandbox.md, Capabilities.
# -DFOLIO=path/to/folio -DWORK=a scratch folder
set(failed 0)
set(passed 0)
macro(fail msg)
  message(SEND_ERROR "cli_policy_override: ${msg}")
  math(EXPR failed "${failed} + 1")
endmacro()

file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/pp)
file(WRITE ${WORK}/pp/mine.lua
  "return folio.policy{name = 'kelly_voltarget_8', description = 'mine', params = {},\n"
  "  size = function(ctx, p) return {} end}\n")
file(WRITE ${WORK}/show.lua "print(folio.registry.get('kelly_voltarget_8').description)\n")

foreach(cmd run check)
  if(cmd STREQUAL "run")
    set(target ${WORK}/show.lua)
  else()
    set(target ${WORK}/pp/mine.lua)
  endif()
  execute_process(COMMAND ${FOLIO} ${cmd} --policy-path ${WORK}/pp ${target}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 1 OR NOT err MATCHES "policy 'kelly_voltarget_8' of ${WORK}/pp/mine.lua would replace the shipped policy"
     OR NOT err MATCHES "policies/kelly_voltarget_8.lua" OR NOT err MATCHES "--allow-override")
    fail("folio ${cmd} --policy-path: exit ${rc}, stdout ${out}, stderr ${err}")
  else()
    math(EXPR passed "${passed} + 1")
  endif()
endforeach()

execute_process(COMMAND ${FOLIO} run --allow-override --policy-path ${WORK}/pp ${WORK}/show.lua
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "mine\n")
  fail("folio run --allow-override: exit ${rc}, stdout ${out}, stderr ${err}")
else()
  math(EXPR passed "${passed} + 1")
endif()

# without the folder, the shipped policy is the one registered
execute_process(COMMAND ${FOLIO} run ${WORK}/show.lua RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR out STREQUAL "mine\n")
  fail("folio run: exit ${rc}, stdout ${out}, stderr ${err}")
else()
  math(EXPR passed "${passed} + 1")
endif()

file(REMOVE_RECURSE ${WORK})
if(failed)
  message(FATAL_ERROR "cli_policy_override: ${passed} passed, ${failed} failed")
endif()
message(STATUS "cli_policy_override: ${passed} passed, 0 failed")
