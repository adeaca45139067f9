-- `luarocks make` (from the repository root) builds the folio Lua module
-- against the Lua 5.4 luarocks is configured for (its headers, $(LUA_INCDIR))
-- and installs it as the module `folio` (`require "folio"`). The C
-- dependencies come from the system (Debian: the packages `make deps`
-- installs; pkg-config must find openblas, lapacke, nlopt, yaml-0.1,
-- sqlite3 and jansson, and libcsv and GLPK must be on the compiler's paths).
-- The `folio` program, libfolio and the shipped policies are installed with
-- CMake instead (README.md, "Installing and embedding").
rockspec_format = "3.0"
package = "folio"
version = "0.1.0-1"
-- `luarocks make` builds the checked-out tree and never fetches this; the
-- project has no public address yet, so the url is a placeholder to replace
-- when it is published (`luarocks install` needs a real one).
source = {
  url = "git+https://example.invalid/folio.git",
  tag = "v0.1.0",
}
description = {
  summary = "Portfolio construction: a C17 core (OpenBLAS/LAPACKE) with a Lua 5.4 policy layer",
  detailed = [[
folio turns signals into sized, capacity-checked target weights: estimates,
sizers, risk models, the allocator, the weekly multi-sleeve rebalance, with
policies written in Lua. This rock installs the Lua module.
]],
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
build = {
  type = "command",
  build_command = [[
cmake -S . -B build-rock -DCMAKE_BUILD_TYPE=Release -DFOLIO_WERROR=OFF -DFOLIO_LUA_INCDIR="$(LUA_INCDIR)" &&
cmake --build build-rock --target folio_module_installed -j 2
]],
  install = {
    lib = { folio = "build-rock/for-install/lua/folio.so" },
  },
}
