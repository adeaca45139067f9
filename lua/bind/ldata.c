/*
 * ldata.c — folio.data: reading price/volume files into labelled matrices,
 * and the market-data object (prices + volumes) that capacity checks use.
 *
 * The core parser returns a malloc'd frame; it is held by a small boxed
 * userdata with __gc while it is copied into a folio.matrix, so an error
 * raised in between (out of memory) cannot leak it.
 *
 * write_csv is the way back: weights or a matrix as CSV text, written by
 * the one atomic writer (folio_i_write_atomic), so a reader sees the old
 * file or the new one, never a mix.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "folio/csv_records.h"
#include "lfolio.h"
#include "plumbing.h"


static void release_frame(void *p) { folio_frame_free(p); }

/* Pushes a matrix built from a frame (labels copied into Lua strings). */
static void push_frame(lua_State *L, const folio_frame *f) {
  fl_matrix *m = fl_matrix_push_raw(L, f->n_rows, f->n_cols);
  memcpy(m->data, f->data, f->n_rows * f->n_cols * sizeof(double));
  fl_matrix_set_labels_c(L, -1, 1, (const char *const *)f->row_labels);
  fl_matrix_set_labels_c(L, -1, 2, (const char *const *)f->col_labels);
}

/* Reads a wide CSV into a matrix; raises "path:line:column: message" on
 * error. Trusted: streamed from the path. Sandboxed: the file as the
 * sandbox reads it (fl_read_file), then parsed from memory. */
static void read_csv_at(lua_State *L, const char *fname, const char *path) {
  size_t len = 0;
  const char *text = fl_sandboxed(L) ? fl_read_file(L, fname, path, FOLIO_CSV_MAX_BYTES, &len) : NULL;
  if (!text) lua_pushnil(L); /* [text | nil] */
  fl_box *box = fl_box_push(L, release_frame);
  folio_frame *frame = NULL;
  folio_error err;
  folio_status st = text ? folio_csv_parse_wide(text, len, path, &frame, &err)
                         : folio_csv_read_wide(path, &frame, &err);
  box->p = frame;
  if (st != FOLIO_OK) {
    fl_core_error(L, "read_csv", &err);
  }
  push_frame(L, frame);
  fl_box_release(box); /* early: the data now lives in the matrix */
  lua_remove(L, -2);
  lua_remove(L, -2);   /* the text */
}

/* folio.data.read_csv(path) or folio.data.read_csv{path = ...} */
static int d_read_csv(lua_State *L) {
  const char *path;
  if (lua_type(L, 1) == LUA_TTABLE) {
    static const char *const keys[] = {"path", NULL};
    fl_check_args(L, 1, "read_csv", keys);
    if (lua_getfield(L, 1, "path") == LUA_TNIL) fl_argerror(L, "read_csv", "path is required");
    path = fl_check_path(L, -1, "read_csv", "path");
  } else {
    luaL_checkstring(L, 1);
    path = fl_check_path(L, 1, "read_csv", "path");
  }
  read_csv_at(L, "read_csv", path);
  return 1;
}

/* ---- market data ----------------------------------------------------------- */

typedef struct fl_market {
  int valid;
} fl_market; /* user value 1 = prices matrix, 2 = volumes matrix */

static void push_market(lua_State *L, int prices_idx, int volumes_idx, const char *fname) {
  prices_idx = lua_absindex(L, prices_idx);
  volumes_idx = lua_absindex(L, volumes_idx);
  fl_matrix *p = lua_touserdata(L, prices_idx), *v = lua_touserdata(L, volumes_idx);
  folio_panel pp = fl_matrix_panel(p), vp = fl_matrix_panel(v);
  folio_error err;
  if (folio_market_check(&pp, &vp, &err) != FOLIO_OK) fl_core_error(L, fname, &err);
  if (p->n_rows != v->n_rows) fl_argerror(L, fname, "prices and volumes have different row counts");
  for (size_t i = 0; i < p->n_rows; i++)
    if (strcmp(p->row_labels[i], v->row_labels[i]) != 0)
      fl_argerror(L, fname, "prices row %I is '%s' but volumes row %I is '%s'",
                  (lua_Integer)i + 1, p->row_labels[i], (lua_Integer)i + 1, v->row_labels[i]);
  fl_market *mk = lua_newuserdatauv(L, sizeof *mk, 2);
  mk->valid = 1;
  lua_pushvalue(L, prices_idx);
  lua_setiuservalue(L, -2, 1);
  lua_pushvalue(L, volumes_idx);
  lua_setiuservalue(L, -2, 2);
  luaL_setmetatable(L, FL_MARKET_MT);
}

/* folio.data.market{prices = P, volumes = V} */
static int d_market(lua_State *L) {
  static const char *const keys[] = {"prices", "volumes", NULL};
  fl_check_args(L, 1, "market", keys);
  int pi, vi;
  fl_field_matrix(L, 1, "market", "prices", &pi);
  fl_field_matrix(L, 1, "market", "volumes", &vi);
  push_market(L, pi, vi, "market");
  return 1;
}

/* folio.data.read_market{prices = "prices.csv", volumes = "volumes.csv"} */
static int d_read_market(lua_State *L) {
  static const char *const keys[] = {"prices", "volumes", NULL};
  fl_check_args(L, 1, "read_market", keys);
  const char *pp = fl_opt_string(L, 1, "read_market", "prices", NULL);
  const char *vp = fl_opt_string(L, 1, "read_market", "volumes", NULL);
  if (!pp || !vp) fl_argerror(L, "read_market", "prices and volumes (file paths) are required");
  lua_getfield(L, 1, "prices");
  pp = fl_check_path(L, -1, "read_market", "prices");
  lua_getfield(L, 1, "volumes");
  vp = fl_check_path(L, -1, "read_market", "volumes"); /* [args, prices, volumes] */
  read_csv_at(L, "read_market", pp);
  read_csv_at(L, "read_market", vp);
  push_market(L, -2, -1, "read_market");
  return 1;
}

static int mk_prices(lua_State *L) {
  luaL_checkudata(L, 1, FL_MARKET_MT);
  lua_getiuservalue(L, 1, 1);
  return 1;
}

static int mk_volumes(lua_State *L) {
  luaL_checkudata(L, 1, FL_MARKET_MT);
  lua_getiuservalue(L, 1, 2);
  return 1;
}

static int mk_symbols(lua_State *L) {
  luaL_checkudata(L, 1, FL_MARKET_MT);
  lua_getiuservalue(L, 1, 1);
  fl_matrix *p = lua_touserdata(L, -1);
  lua_createtable(L, (int)p->n_cols, 0);
  for (size_t j = 0; j < p->n_cols; j++) {
    lua_pushstring(L, p->col_labels[j]);
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  return 1;
}

static int mk_tostring(lua_State *L) {
  luaL_checkudata(L, 1, FL_MARKET_MT);
  lua_getiuservalue(L, 1, 1);
  fl_matrix *p = lua_touserdata(L, -1);
  lua_pushfstring(L, "folio.market(%I dates x %I symbols)", (lua_Integer)p->n_rows,
                  (lua_Integer)p->n_cols);
  return 1;
}

/* md:position_capacity{...} is defined with the capacity module (lcapacity.c),
 * which adds it to this metatable's method table. */
/* folio.data.csv_row{f1, f2, ...} -> one CSV record (no line break) of the
 * given strings, each as RFC 4180 wants it (folio_csv_quote: unchanged when
 * plain, quoted by libcsv otherwise), for the files folio writes. */
static int d_csv_row(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  size_t n = (size_t)lua_rawlen(L, 1), entries = 0;
  lua_pushnil(L);
  while (lua_next(L, 1)) { /* [t, k, v]: only 1..n may be there */
    entries++;
    lua_pop(L, 1);
  }
  if (entries != n) fl_argerror(L, "csv_row", "fields must be an array of strings (1..n, no other keys)");
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (size_t i = 1; i <= n; i++) {
    if (lua_rawgeti(L, 1, (lua_Integer)i) != LUA_TSTRING) /* [.., field] (balanced: popped below) */
      return fl_argerror(L, "csv_row", "field #%d is a %s, expected a string", (int)i, luaL_typename(L, -1));
    size_t len;
    const char *f = lua_tolstring(L, -1, &len); /* anchored by the table at 1 */
    lua_pop(L, 1);
    if (i > 1) luaL_addchar(&b, ',');
    size_t need = folio_csv_quote(f, len, NULL, 0);
    char *out = luaL_prepbuffsize(&b, need);
    luaL_addsize(&b, folio_csv_quote(f, len, out, need));
  }
  luaL_pushresult(&b);
  return 1;
}

static void release_records(void *p) { folio_csv_records_free(p); }

/* folio.data.read_records(path) -> {columns = {...}, rows = {{field, ...}, ...},
 * lines = {line, ...}}: a CSV file as text records (csv.h). */
static int d_read_records(lua_State *L) {
  luaL_checkstring(L, 1);
  const char *path = fl_check_path(L, 1, "read_records", "path");
  lua_settop(L, 1);
  size_t len = 0;
  const char *text = fl_sandboxed(L) ? fl_read_file(L, "read_records", path, FOLIO_CSV_RECORDS_MAX_BYTES, &len)
                                     : NULL;
  if (!text) lua_pushnil(L);                     /* [path, text | nil] */
  fl_box *box = fl_box_push(L, release_records); /* [path, text, box] */
  folio_csv_records *r = NULL;
  folio_error err;
  folio_status st = text ? folio_csv_parse_records(text, len, path, &r, &err)
                         : folio_csv_read_records(path, &r, &err);
  box->p = r;
  if (st != FOLIO_OK) return fl_core_error(L, "read_records", &err);
  lua_createtable(L, 0, 3);
  lua_createtable(L, (int)r->n_cols, 0);
  for (size_t j = 0; j < r->n_cols; j++) {
    lua_pushstring(L, r->header[j]);
    lua_rawseti(L, -2, (lua_Integer)j + 1);
  }
  lua_setfield(L, -2, "columns");
  lua_createtable(L, r->n_rows < (1u << 20) ? (int)r->n_rows : 1 << 20, 0);
  for (size_t i = 0; i < r->n_rows; i++) {
    lua_createtable(L, (int)r->n_cols, 0);
    for (size_t j = 0; j < r->n_cols; j++) {
      lua_pushstring(L, r->cells[i * r->n_cols + j]);
      lua_rawseti(L, -2, (lua_Integer)j + 1);
    }
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "rows");
  lua_createtable(L, r->n_rows < (1u << 20) ? (int)r->n_rows : 1 << 20, 0);
  for (size_t i = 0; i < r->n_rows; i++) {
    lua_pushinteger(L, (lua_Integer)r->lines[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "lines");
  return 1;
}

/* ---- write_csv ------------------------------------------------------------------ */

/* symbol,weight then one line per symbol, sorted (folio_csv_write_weights). */
static void write_weights(lua_State *L, const char *path) {
  fl_vec v = fl_check_vec(L, 1, "write_csv", "weights", 0); /* NaN and ±inf name the symbol */
  folio_error err;
  if (folio_csv_write_weights(path, (const char *const *)v.syms, v.vals, v.n, &err) != FOLIO_OK)
    luaL_error(L, "data.write_csv: %s", err.message);
}

/* The matrix with its labels, in its order (folio_csv_write_panel). */
static void write_matrix(lua_State *L, const char *path) {
  int mi;
  fl_matrix *m = fl_field_matrix(L, 1, "write_csv", "matrix", &mi);
  folio_panel p = fl_matrix_panel(m);
  folio_error err;
  if (folio_csv_write_panel(path, &p, &err) != FOLIO_OK) luaL_error(L, "data.write_csv: %s", err.message);
}

/* folio.data.write_csv{weights = {SYM = w} | matrix = M, path = "..."}:
 * writes the CSV atomically; trusted engines only (a writer, lcapability.c). */
static int d_write_csv(lua_State *L) {
  static const char fname[] = "data.write_csv";
  fl_require_trusted(L, fname, FL_CAP_WRITES);
  static const char *const keys[] = {"weights", "matrix", "path", NULL};
  fl_check_args(L, 1, "write_csv", keys);
  int has_weights = fl_has_field(L, 1, "weights"), has_matrix = fl_has_field(L, 1, "matrix");
  if (has_weights == has_matrix)
    fl_argerror(L, "write_csv", "give either weights or matrix, not %s", has_weights ? "both" : "neither");
  int pt = lua_getfield(L, 1, "path");
  if (pt == LUA_TNIL) fl_argerror(L, "write_csv", "path is required");
  if (pt != LUA_TSTRING) /* (fl_check_path would take a number as its text) */
    fl_argerror(L, "write_csv", "path must be a string (a file name), got %s", lua_typename(L, pt));
  const char *path = fl_check_path(L, -1, "write_csv", "path"); /* [args, path] */
  if (has_weights) write_weights(L, path);
  else write_matrix(L, path);
  return 0;
}

static const luaL_Reg market_methods[] = {
    {"prices", mk_prices}, {"volumes", mk_volumes}, {"symbols", mk_symbols}, {NULL, NULL}};

static const luaL_Reg data_funcs[] = {
    {"read_csv", d_read_csv}, {"market", d_market}, {"read_market", d_read_market}, {"csv_row", d_csv_row},
    {"read_records", d_read_records}, {"write_csv", d_write_csv},
    {NULL, NULL}};

int fl_open_data(lua_State *L) {
  static const luaL_Reg market_meta[] = {{"__tostring", mk_tostring}, {NULL, NULL}};
  fl_new_type(L, FL_MARKET_MT, market_methods, market_meta, 1);
  luaL_newlib(L, data_funcs);
  return 1;
}
