/*
 * lreport.c — the C half of folio.report: reading a folio.matrix into plain
 * arrays for lua/folio/report.lua (which computes the report), and writing a
 * report file atomically.
 *
 * write_csv never leaves a half-written file: the text is complete in a Lua
 * string before the file is touched, then written by folio_i_write_atomic
 * (a temporary file beside the target, fsync, rename, fsync of the folder;
 * mode 0666 less the umask), so a reader sees the old file or the new one,
 * never a mix.
 */
#include <math.h>
#include <string.h>

#include "lfolio.h"
#include "plumbing.h"

/* report._matrix_columns(m) -> row labels, column labels, {column arrays}
 * (NaN for missing), or nil when m is not a folio.matrix. Private: report.lua
 * takes it at load and removes it from the table. */
static int r_matrix_columns(lua_State *L) {
  fl_matrix *m = luaL_testudata(L, 1, FL_MATRIX_MT);
  if (!m) {
    lua_pushnil(L);
    return 1;
  }
  fl_push_labels(L, m->row_labels, m->n_rows);
  fl_push_labels(L, m->col_labels, m->n_cols);
  lua_createtable(L, (int)m->n_cols, 0);
  for (size_t j = 0; j < m->n_cols; j++) {
    lua_createtable(L, (int)m->n_rows, 0);
    for (size_t i = 0; i < m->n_rows; i++) {
      lua_pushnumber(L, m->data[j * m->n_rows + i]);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  return 3;
}

/* folio.report.write_csv(report, path): writes folio.report.csv(report) to
 * path atomically. A C function so that its errors (sandbox path, I/O) carry
 * the calling script's file:line. Upvalue 1 is the folio.report table. */
static int r_write_csv(lua_State *L) {
  static const char fname[] = "report.write_csv";
  fl_require_trusted(L, fname, FL_CAP_WRITES);
  if (!lua_istable(L, 1)) return luaL_error(L, "bad argument #1 to '%s' (a report table expected, got %s)", fname, luaL_typename(L, 1));
  const char *path = luaL_checkstring(L, 2);
  if (!*path) return luaL_error(L, "bad argument #2 to '%s' (path is empty)", fname);
  lua_settop(L, 2);
  lua_getfield(L, lua_upvalueindex(1), "csv"); /* [report, path, csv] */
  lua_pushvalue(L, 1);
  lua_call(L, 1, 1); /* [report, path, text] */
  size_t len;
  const char *text = luaL_checklstring(L, 3, &len);
  folio_error err;
  if (folio_i_write_atomic(fname, path, text, len, &err) != FOLIO_OK)
    return luaL_error(L, "%s", err.message);
  return 0;
}

int fl_open_report(lua_State *L) {
  lua_createtable(L, 0, 6); /* [report]; sleeves, format and csv come from report.lua */
  lua_pushcfunction(L, r_matrix_columns);
  lua_setfield(L, -2, "_matrix_columns");
  lua_pushvalue(L, -1);
  lua_pushcclosure(L, r_write_csv, 1); /* upvalue: the report table, for report.csv */
  lua_setfield(L, -2, "write_csv");
  return 1;
}
