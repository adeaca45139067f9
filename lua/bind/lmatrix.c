/*
 * lmatrix.c — folio.matrix: the labelled matrix userdata.
 *
 * Large numeric data (prices, returns T x A, covariance A x A) lives in one
 * userdata block: a header, the row/column label pointer arrays and the
 * column-major doubles. The label strings themselves are Lua strings anchored
 * by user values 1 (rows) and 2 (columns), so labels cost no extra copies and
 * all memory is counted by the state's allocator. User values 3 and 4 hold
 * label -> index maps, built on first lookup. NaN marks a missing value; the
 * accessors hand it to Lua as nil, never as a silent NaN.
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lfolio.h"

enum { UV_ROWS = 1, UV_COLS = 2, UV_ROWMAP = 3, UV_COLMAP = 4, N_UV = 4 };

static fl_matrix *matrix_alloc(lua_State *L, size_t n_rows, size_t n_cols);

fl_matrix *fl_matrix_push(lua_State *L, size_t n_rows, size_t n_cols) {
  fl_matrix *m = matrix_alloc(L, n_rows, n_cols);
  for (size_t i = 0; i < n_rows * n_cols; i++) m->data[i] = NAN;
  return m;
}

fl_matrix *fl_matrix_push_raw(lua_State *L, size_t n_rows, size_t n_cols) {
  return matrix_alloc(L, n_rows, n_cols);
}

/* A matrix whose data is borrowed (not copied): see lfolio.h. */
static fl_matrix *matrix_alloc_with(lua_State *L, size_t n_rows, size_t n_cols, int own_data);

fl_matrix *fl_matrix_push_view(lua_State *L, size_t n_rows, size_t n_cols, const double *data) {
  fl_matrix *m = matrix_alloc_with(L, n_rows, n_cols, 0);
  m->data = (double *)data; /* never written: matrices are immutable to every method */
  return m;
}

void fl_matrix_invalidate(fl_matrix *m) {
  m->n_rows = m->n_cols = 0;
  m->data = NULL;
}

static fl_matrix *matrix_alloc(lua_State *L, size_t n_rows, size_t n_cols) {
  return matrix_alloc_with(L, n_rows, n_cols, 1);
}

static fl_matrix *matrix_alloc_with(lua_State *L, size_t n_rows, size_t n_cols, int own_data) {
  if (n_rows > FOLIO_MAX_DIM || n_cols > FOLIO_MAX_DIM ||
      (n_rows && n_cols > FOLIO_MAX_ELEMS / n_rows))
    luaL_error(L, "folio.matrix: %I x %I is too large (at most %I per side and %I elements)",
               (lua_Integer)n_rows, (lua_Integer)n_cols, (lua_Integer)FOLIO_MAX_DIM,
               (lua_Integer)FOLIO_MAX_ELEMS);
  size_t hdr = (sizeof(fl_matrix) + 15) & ~(size_t)15;
  size_t bytes = hdr + (n_rows + n_cols) * sizeof(char *) + (own_data ? n_rows * n_cols * sizeof(double) : 0);
  fl_matrix *m = lua_newuserdatauv(L, bytes, N_UV);
  m->n_rows = n_rows;
  m->n_cols = n_cols;
  m->row_labels = (const char **)((char *)m + hdr);
  m->col_labels = m->row_labels + n_rows;
  m->data = (double *)(m->col_labels + n_cols);
  for (size_t i = 0; i < n_rows + n_cols; i++) m->row_labels[i] = "";
  luaL_setmetatable(L, FL_MATRIX_MT);
  return m;
}

void fl_check_square_labelled(lua_State *L, const fl_matrix *m, const char *fname,
                              const char *key) {
  if (m->n_rows != m->n_cols)
    fl_argerror(L, fname, "%s must be square, got %I x %I", key, (lua_Integer)m->n_rows,
                (lua_Integer)m->n_cols);
  for (size_t i = 0; i < m->n_rows; i++)
    if (strcmp(m->row_labels[i], m->col_labels[i]) != 0)
      fl_argerror(L, fname, "%s row %I is '%s' but column %I is '%s' (labels must match)", key,
                  (lua_Integer)i + 1, m->row_labels[i], (lua_Integer)i + 1, m->col_labels[i]);
}

fl_matrix *fl_check_matrix(lua_State *L, int idx, const char *fname, const char *key) {
  fl_matrix *m = luaL_testudata(L, idx, FL_MATRIX_MT);
  if (!m) fl_argerror(L, fname, "%s must be a folio.matrix, got %s", key, luaL_typename(L, idx));
  return m;
}

fl_matrix *fl_field_matrix(lua_State *L, int args, const char *fname, const char *key,
                           int *out_idx) {
  if (lua_getfield(L, args, key) == LUA_TNIL) fl_argerror(L, fname, "%s is required", key);
  fl_matrix *m = fl_check_matrix(L, -1, fname, key);
  if (out_idx) *out_idx = lua_gettop(L);
  return m;
}

folio_panel fl_matrix_panel(const fl_matrix *m) {
  folio_panel p = {m->data, m->n_rows, m->n_cols, m->n_rows ? m->n_rows : 1,
                   (const char *const *)m->row_labels, (const char *const *)m->col_labels};
  return p;
}

void fl_matrix_set_labels(lua_State *L, int m_idx, int which, int tbl_idx, const char *fname) {
  m_idx = lua_absindex(L, m_idx);
  tbl_idx = lua_absindex(L, tbl_idx);
  fl_matrix *m = lua_touserdata(L, m_idx);
  size_t n = which == UV_ROWS ? m->n_rows : m->n_cols;
  const char **dst = which == UV_ROWS ? m->row_labels : m->col_labels;
  const char *what = which == UV_ROWS ? "rows" : "cols";
  if (lua_type(L, tbl_idx) != LUA_TTABLE)
    fl_argerror(L, fname, "%s must be an array of labels, got %s", what, luaL_typename(L, tbl_idx));
  if (lua_rawlen(L, tbl_idx) != n)
    fl_argerror(L, fname, "%s has %I labels for %I %s", what, (lua_Integer)lua_rawlen(L, tbl_idx),
                (lua_Integer)n, which == UV_ROWS ? "rows" : "columns");
  lua_createtable(L, (int)n, 0);     /* [anchor] our own copy: the caller may mutate theirs */
  lua_createtable(L, 0, (int)n);     /* [anchor, map] label -> index, also finds duplicates */
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, tbl_idx, (lua_Integer)i + 1); /* [anchor, map, label] */
    if (lua_type(L, -1) != LUA_TSTRING)
      fl_argerror(L, fname, "%s[%I] must be a string, got %s", what, (lua_Integer)i + 1,
                  luaL_typename(L, -1));
    const char *s = lua_tostring(L, -1);
    if (!*s) fl_argerror(L, fname, "%s[%I] is an empty label", what, (lua_Integer)i + 1);
    lua_pushvalue(L, -1);
    if (lua_rawget(L, -3) != LUA_TNIL)
      fl_argerror(L, fname, "%s has the label '%s' twice (at %I and %I)", what, s,
                  lua_tointeger(L, -1), (lua_Integer)i + 1);
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    lua_pushinteger(L, (lua_Integer)i + 1);
    lua_rawset(L, -4);                             /* map[label] = i + 1 */
    dst[i] = s;
    lua_rawseti(L, -3, (lua_Integer)i + 1);        /* anchor[i + 1] = label */
  }
  lua_setiuservalue(L, m_idx, which == UV_ROWS ? UV_ROWMAP : UV_COLMAP);
  lua_setiuservalue(L, m_idx, which);
}

void fl_matrix_set_labels_c(lua_State *L, int m_idx, int which, const char *const *labels) {
  m_idx = lua_absindex(L, m_idx);
  fl_matrix *m = lua_touserdata(L, m_idx);
  size_t n = which == UV_ROWS ? m->n_rows : m->n_cols;
  const char **dst = which == UV_ROWS ? m->row_labels : m->col_labels;
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    dst[i] = lua_pushstring(L, labels[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setiuservalue(L, m_idx, which);
}

void fl_matrix_push_label_anchor(lua_State *L, int m_idx, int which) {
  lua_getiuservalue(L, m_idx, which == UV_ROWS ? UV_ROWS : UV_COLS);
}

void fl_matrix_set_labels_anchored(lua_State *L, int m_idx, int which, const char *const *labels,
                                   int anchor_idx, int map_idx) {
  m_idx = lua_absindex(L, m_idx);
  anchor_idx = lua_absindex(L, anchor_idx);
  if (map_idx) map_idx = lua_absindex(L, map_idx);
  fl_matrix *m = lua_touserdata(L, m_idx);
  size_t n = which == UV_ROWS ? m->n_rows : m->n_cols;
  memcpy(which == UV_ROWS ? m->row_labels : m->col_labels, labels, n * sizeof(char *));
  lua_pushvalue(L, anchor_idx);
  lua_setiuservalue(L, m_idx, which);
  if (map_idx) {
    lua_pushvalue(L, map_idx);
    lua_setiuservalue(L, m_idx, which == UV_ROWS ? UV_ROWMAP : UV_COLMAP);
  }
}

void fl_matrix_share_labels(lua_State *L, int dst_idx, int src_idx, size_t row_off) {
  dst_idx = lua_absindex(L, dst_idx);
  src_idx = lua_absindex(L, src_idx);
  fl_matrix *d = lua_touserdata(L, dst_idx), *s = lua_touserdata(L, src_idx);
  memcpy(d->row_labels, s->row_labels + row_off, d->n_rows * sizeof(char *));
  if (d->col_labels != s->col_labels && d->n_cols == s->n_cols)
    memcpy(d->col_labels, s->col_labels, d->n_cols * sizeof(char *));
  /* the same anchors keep the strings alive */
  lua_getiuservalue(L, src_idx, UV_ROWS);
  lua_setiuservalue(L, dst_idx, UV_ROWS);
  lua_getiuservalue(L, src_idx, UV_COLS);
  lua_setiuservalue(L, dst_idx, UV_COLS);
  if (row_off == 0 && d->n_rows == s->n_rows) {
    lua_getiuservalue(L, src_idx, UV_ROWMAP);
    lua_setiuservalue(L, dst_idx, UV_ROWMAP);
  }
  if (d->n_cols == s->n_cols) {
    lua_getiuservalue(L, src_idx, UV_COLMAP);
    lua_setiuservalue(L, dst_idx, UV_COLMAP);
  }
}

/* Index (0-based) of a label through the lazily built map in user value uv_map. */
static long label_index(lua_State *L, int m_idx, int uv_map, const char *label) {
  m_idx = lua_absindex(L, m_idx);
  fl_matrix *m = lua_touserdata(L, m_idx);
  if (lua_getiuservalue(L, m_idx, uv_map) != LUA_TTABLE) { /* [nil] -> build */
    lua_pop(L, 1);
    size_t n = uv_map == UV_ROWMAP ? m->n_rows : m->n_cols;
    const char **labels = uv_map == UV_ROWMAP ? m->row_labels : m->col_labels;
    lua_createtable(L, 0, (int)n);
    for (size_t i = 0; i < n; i++) {
      lua_pushinteger(L, (lua_Integer)i + 1);
      lua_setfield(L, -2, labels[i]);
    }
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, m_idx, uv_map);
  }
  lua_getfield(L, -1, label);
  long r = lua_isinteger(L, -1) ? (long)lua_tointeger(L, -1) - 1 : -1;
  lua_pop(L, 2);
  return r;
}

long fl_matrix_col_index(lua_State *L, int m_idx, const char *label) {
  return label_index(L, m_idx, UV_COLMAP, label);
}
long fl_matrix_row_index(lua_State *L, int m_idx, const char *label) {
  return label_index(L, m_idx, UV_ROWMAP, label);
}

/* ---- construction from Lua ----------------------------------------------- */

/* folio.matrix{ {1, 2}, {3, 4}, rows = {"a", "b"}, cols = {"X", "Y"} } */
static int m_new(lua_State *L) {
  static const char *fname = "folio.matrix";
  int args = 1;
  if (lua_type(L, args) != LUA_TTABLE)
    luaL_error(L, "bad argument #1 to '%s' (table expected, got %s)", fname, luaL_typename(L, args));
  size_t n_rows = lua_rawlen(L, args), n_cols = 0;
  /* keys: 1..n_rows, "rows", "cols" */
  lua_pushnil(L);
  while (lua_next(L, args)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char *k = lua_tostring(L, -1);
      if (strcmp(k, "rows") && strcmp(k, "cols"))
        fl_argerror(L, fname, "unknown key '%s' (expected rows of numbers, rows, cols)", k);
    } else if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
               (size_t)lua_tointeger(L, -1) > n_rows) {
      fl_argerror(L, fname, "unexpected key of type %s (rows are a sequence 1..n)",
                  luaL_typename(L, -1));
    }
  }
  if (n_rows) {
    if (lua_rawgeti(L, args, 1) != LUA_TTABLE)
      fl_argerror(L, fname, "row 1 must be a table of numbers, got %s", luaL_typename(L, -1));
    n_cols = lua_rawlen(L, -1);
    lua_pop(L, 1);
  } else {
    if (lua_getfield(L, args, "cols") == LUA_TTABLE) n_cols = lua_rawlen(L, -1);
    lua_pop(L, 1);
  }
  fl_matrix *m = fl_matrix_push(L, n_rows, n_cols);
  int mi = lua_gettop(L);
  for (size_t i = 0; i < n_rows; i++) {
    if (lua_rawgeti(L, args, (lua_Integer)i + 1) != LUA_TTABLE)
      fl_argerror(L, fname, "row %I must be a table of numbers, got %s", (lua_Integer)i + 1,
                  luaL_typename(L, -1));
    if (lua_rawlen(L, -1) != n_cols)
      fl_argerror(L, fname, "row %I has %I values, row 1 has %I", (lua_Integer)i + 1,
                  (lua_Integer)lua_rawlen(L, -1), (lua_Integer)n_cols);
    for (size_t j = 0; j < n_cols; j++) {
      if (lua_rawgeti(L, -1, (lua_Integer)j + 1) != LUA_TNUMBER)
        fl_argerror(L, fname, "row %I, column %I must be a number, got %s", (lua_Integer)i + 1,
                    (lua_Integer)j + 1, luaL_typename(L, -1));
      double v = lua_tonumber(L, -1);
      if (isinf(v))
        fl_argerror(L, fname, "row %I, column %I is infinite", (lua_Integer)i + 1,
                    (lua_Integer)j + 1);
      m->data[i + j * n_rows] = v; /* NaN stays: it marks a missing value */
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  for (int which = UV_ROWS; which <= UV_COLS; which++) {
    const char *key = which == UV_ROWS ? "rows" : "cols";
    if (lua_getfield(L, args, key) == LUA_TNIL) {
      lua_pop(L, 1);
      size_t n = which == UV_ROWS ? n_rows : n_cols;
      lua_createtable(L, (int)n, 0);
      for (size_t i = 0; i < n; i++) {
        lua_pushfstring(L, "%I", (lua_Integer)i + 1);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
      }
    }
    fl_matrix_set_labels(L, mi, which, -1, fname);
    lua_pop(L, 1);
  }
  lua_settop(L, mi);
  return 1;
}

/* ---- methods ------------------------------------------------------------- */

static fl_matrix *checkm(lua_State *L) { return luaL_checkudata(L, 1, FL_MATRIX_MT); }

/* An index argument: a 1-based integer or a label. Returns 0-based. */
static size_t check_pos(lua_State *L, int arg, int uv_map, size_t n, const char *what) {
  if (lua_type(L, arg) == LUA_TSTRING) {
    const char *label = lua_tostring(L, arg);
    long i = label_index(L, 1, uv_map, label);
    if (i < 0) luaL_argerror(L, arg, lua_pushfstring(L, "no %s labelled '%s'", what, label));
    return (size_t)i;
  }
  int isint = 0;
  lua_Integer i = lua_tointegerx(L, arg, &isint);
  if (!isint) luaL_typeerror(L, arg, "integer index or label");
  if (i < 1 || (lua_Unsigned)i > n)
    luaL_argerror(L, arg, lua_pushfstring(L, "%s index %I out of range 1..%I", what, i, (lua_Integer)n));
  return (size_t)(i - 1);
}

static int m_get(lua_State *L) {
  fl_matrix *m = checkm(L);
  size_t i = check_pos(L, 2, UV_ROWMAP, m->n_rows, "row");
  size_t j = check_pos(L, 3, UV_COLMAP, m->n_cols, "column");
  double v = m->data[i + j * m->n_rows];
  if (isnan(v))
    lua_pushnil(L); /* missing */
  else
    lua_pushnumber(L, v);
  return 1;
}

/* m:row(i, symbols) -> {SYM = value} for the listed columns of row i (a
 * label or an index); a missing value is absent, an unknown symbol an error.
 * One call for a day's marks instead of one get per name. */
static int m_row(lua_State *L) {
  fl_matrix *m = checkm(L);
  size_t i = check_pos(L, 2, UV_ROWMAP, m->n_rows, "row");
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_Integer n = luaL_len(L, 3);
  lua_createtable(L, 0, n > INT_MAX ? INT_MAX : (int)n);
  for (lua_Integer k = 1; k <= n; k++) {
    if (lua_rawgeti(L, 3, k) != LUA_TSTRING)
      return luaL_error(L, "bad argument #2 to 'row' (symbols[%I] must be a string, got %s)", k, luaL_typename(L, -1));
    const char *label = lua_tostring(L, -1);
    long j = label_index(L, 1, UV_COLMAP, label);
    if (j < 0) return luaL_error(L, "bad argument #2 to 'row' (no column labelled '%s')", label);
    double v = m->data[i + (size_t)j * m->n_rows];
    if (isnan(v)) {
      lua_pop(L, 1);
      continue;
    }
    lua_pushnumber(L, v);
    lua_rawset(L, -3);
  }
  return 1;
}

static int m_shape(lua_State *L) {
  fl_matrix *m = checkm(L);
  lua_pushinteger(L, (lua_Integer)m->n_rows);
  lua_pushinteger(L, (lua_Integer)m->n_cols);
  return 2;
}

int fl_push_labels(lua_State *L, const char *const *labels, size_t n) {
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushstring(L, labels[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int m_rows(lua_State *L) {
  fl_matrix *m = checkm(L);
  return fl_push_labels(L, (const char *const *)m->row_labels, m->n_rows);
}

static int m_cols(lua_State *L) {
  fl_matrix *m = checkm(L);
  return fl_push_labels(L, (const char *const *)m->col_labels, m->n_cols);
}

static int m_mean(lua_State *L) {
  fl_matrix *m = checkm(L);
  folio_panel p = fl_matrix_panel(m);
  double *means = fl_scratch(L, m->n_cols, sizeof(double));
  folio_error err;
  if (folio_column_means(&p, 1.0, means, NULL, &err) != FOLIO_OK) return fl_core_error(L, "mean", &err);
  fl_push_vec(L, m->n_cols, (const char *const *)m->col_labels, means, NULL);
  return 1;
}

/* m:tail(n) / m:head(n): the last / first n rows (all of them when n >= rows, as pandas). */
static int slice_rows(lua_State *L, int from_end) {
  fl_matrix *m = checkm(L);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 0, 2, "row count must be >= 0");
  size_t k = (lua_Unsigned)n < m->n_rows ? (size_t)n : m->n_rows;
  size_t off = from_end ? m->n_rows - k : 0;
  fl_matrix *r = fl_matrix_push_raw(L, k, m->n_cols);
  for (size_t j = 0; j < m->n_cols; j++)
    memcpy(r->data + j * k, m->data + j * m->n_rows + off, k * sizeof(double));
  fl_matrix_share_labels(L, -1, 1, off);
  return 1;
}
static int m_tail(lua_State *L) { return slice_rows(L, 1); }
static int m_head(lua_State *L) { return slice_rows(L, 0); }

/* m:slice(first, last): rows first..last (1-based, inclusive), a copy; the
 * backtest's window of history at each rebalance. An empty or reversed
 * range, or one outside the rows, is an error naming both ends. */
static int m_slice(lua_State *L) {
  fl_matrix *m = checkm(L);
  lua_Integer first = luaL_checkinteger(L, 2), last = luaL_checkinteger(L, 3);
  if (first < 1 || last < first || (lua_Unsigned)last > m->n_rows)
    return luaL_error(L, "bad argument to 'slice' (rows %I..%I: need 1 <= first <= last <= %I)", first, last,
                      (lua_Integer)m->n_rows);
  size_t k = (size_t)(last - first + 1), off = (size_t)(first - 1);
  fl_matrix *r = fl_matrix_push_raw(L, k, m->n_cols);
  for (size_t j = 0; j < m->n_cols; j++)
    memcpy(r->data + j * k, m->data + j * m->n_rows + off, k * sizeof(double));
  fl_matrix_share_labels(L, -1, 1, off);
  return 1;
}

/* m:returns("simple" | "log"): returns between consecutive rows; rows whose
 * returns are all missing are dropped (pandas' dropna(how="all")). */
static int m_returns(lua_State *L) {
  static const char *const kinds[] = {"simple", "log", NULL};
  fl_matrix *m = checkm(L);
  int kind = luaL_checkoption(L, 2, "simple", kinds);
  if (m->n_rows < 2)
    return luaL_error(L, "returns: need at least 2 rows of prices, got %I", (lua_Integer)m->n_rows);
  size_t t = m->n_rows - 1;
  folio_panel p = fl_matrix_panel(m);
  /* straight into the result (column-major, ld = t), then rows where every
   * symbol is missing are squeezed out in place (each value only moves down) */
  fl_matrix *r = fl_matrix_push_raw(L, t, m->n_cols);
  int ri = lua_gettop(L);
  folio_error err;
  if (folio_returns(&p, kind ? FOLIO_RETURNS_LOG : FOLIO_RETURNS_SIMPLE, r->data, t, &err) != FOLIO_OK)
    return fl_core_error(L, "returns", &err);
  folio_panel rp = folio_panel_make(r->data, t, m->n_cols);
  unsigned char *drop = fl_scratch(L, t, 1);
  size_t n_drop = folio_rows_all_missing(&rp, drop);
  if (n_drop > 0) {
    size_t kept = t - n_drop;
    for (size_t j = 0; j < m->n_cols; j++) {
      const double *src = r->data + j * t;
      double *dst = r->data + j * kept;
      for (size_t i = 0, k = 0; i < t; i++)
        if (!drop[i]) dst[k++] = src[i];
    }
    r->n_rows = kept;
  }
  fl_matrix_share_labels(L, ri, 1, 0);      /* columns (rows are replaced below) */
  lua_createtable(L, (int)r->n_rows, 0);    /* row labels: the later date of each pair */
  size_t k = 0;
  for (size_t i = 0; i < t; i++) {
    if (drop[i]) continue;
    lua_pushstring(L, m->row_labels[i + 1]);
    lua_rawseti(L, -2, (lua_Integer)++k);
  }
  fl_matrix_set_labels(L, ri, UV_ROWS, -1, "returns");
  lua_settop(L, ri);
  return 1;
}

/* m:select({"AAA", "BBB", ...} [, last_rows]): a new matrix with those
 * columns (labels or 1-based indices), in that order, over all rows or only
 * the last `last_rows` (m:tail(n):select(cols) in one copy). The copy is
 * done in C, so policies never move a matrix through Lua tables. */
static int m_select(lua_State *L) {
  fl_matrix *m = checkm(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  /* the optional row count first: the scratch buffer below goes on the stack */
  size_t rows = m->n_rows;
  if (!lua_isnoneornil(L, 3)) {
    lua_Integer n = luaL_checkinteger(L, 3);
    luaL_argcheck(L, n >= 0, 3, "row count must be >= 0");
    if ((lua_Unsigned)n < rows) rows = (size_t)n;
  }
  lua_settop(L, 3);
  size_t k = lua_rawlen(L, 2);
  size_t *idx = fl_scratch(L, k, sizeof(size_t));
  for (size_t c = 0; c < k; c++) {
    lua_rawgeti(L, 2, (lua_Integer)c + 1);
    idx[c] = check_pos(L, lua_gettop(L), UV_COLMAP, m->n_cols, "column");
    lua_pop(L, 1);
  }
  size_t off = m->n_rows - rows;
  fl_matrix *r = fl_matrix_push_raw(L, rows, k);
  int ri = lua_gettop(L);
  for (size_t c = 0; c < k; c++)
    memcpy(r->data + c * rows, m->data + idx[c] * m->n_rows + off, rows * sizeof(double));
  memcpy(r->row_labels, m->row_labels + off, rows * sizeof(char *));
  lua_getiuservalue(L, 1, UV_ROWS); /* the same strings anchor the row labels */
  lua_setiuservalue(L, ri, UV_ROWS);
  if (off == 0) {
    lua_getiuservalue(L, 1, UV_ROWMAP);
    lua_setiuservalue(L, ri, UV_ROWMAP);
  }
  lua_createtable(L, (int)k, 0);
  for (size_t c = 0; c < k; c++) {
    lua_pushstring(L, m->col_labels[idx[c]]);
    lua_rawseti(L, -2, (lua_Integer)c + 1);
  }
  fl_matrix_set_labels(L, ri, UV_COLS, -1, "select"); /* also rejects a column chosen twice */
  lua_settop(L, ri);
  return 1;
}

/* m:complete_columns() -> {SYM = true} for every column without a missing value. */
static int m_complete_columns(lua_State *L) {
  fl_matrix *m = checkm(L);
  lua_createtable(L, 0, (int)(m->n_cols < 1u << 20 ? m->n_cols : 1u << 20));
  for (size_t j = 0; j < m->n_cols; j++) {
    const double *col = m->data + j * m->n_rows;
    size_t i = 0;
    while (i < m->n_rows && !isnan(col[i])) i++;
    if (i < m->n_rows) continue;
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, m->col_labels[j]);
  }
  return 1;
}

/* m:dot({SYM = w, ...}) -> a one-column matrix (same row labels, column
 * "dot"): row t is sum_j w_j m[t, j] over the named columns, summed in
 * symbol order (bit-stable); a missing value counts as 0 (an asset not yet
 * listed contributes nothing). Unknown symbols are errors. */
static int m_dot(lua_State *L) {
  fl_matrix *m = checkm(L);
  lua_settop(L, 2);
  lua_newtable(L);
  lua_insert(L, 1); /* [args, m, w]: fl_check_vec reads args.weights */
  lua_pushvalue(L, 3);
  lua_setfield(L, 1, "weights");
  fl_vec w = fl_check_vec(L, 1, "dot", "weights", 0);
  size_t *idx = fl_scratch(L, w.n, sizeof(size_t));
  for (size_t k = 0; k < w.n; k++) {
    long j = label_index(L, 2, UV_COLMAP, w.syms[k]);
    if (j < 0) return luaL_error(L, "dot: no column labelled '%s'", w.syms[k]);
    idx[k] = (size_t)j;
  }
  fl_matrix *r = fl_matrix_push_raw(L, m->n_rows, 1);
  int ri = lua_gettop(L);
  for (size_t i = 0; i < m->n_rows; i++) r->data[i] = 0.0;
  for (size_t k = 0; k < w.n; k++) {
    const double *col = m->data + idx[k] * m->n_rows;
    for (size_t i = 0; i < m->n_rows; i++)
      if (!isnan(col[i])) r->data[i] += w.vals[k] * col[i];
  }
  memcpy(r->row_labels, m->row_labels, m->n_rows * sizeof(char *));
  lua_getiuservalue(L, 2, UV_ROWS);
  lua_setiuservalue(L, ri, UV_ROWS);
  const char *dot_label[1] = {"dot"};
  fl_matrix_set_labels_c(L, ri, UV_COLS, dot_label);
  lua_settop(L, ri);
  return 1;
}

/* m:first_missing() -> nil, or the row and column labels of the first
 * missing value in storage order (column by column). */
static int m_first_missing(lua_State *L) {
  fl_matrix *m = checkm(L);
  for (size_t j = 0; j < m->n_cols; j++)
    for (size_t i = 0; i < m->n_rows; i++)
      if (isnan(m->data[i + j * m->n_rows])) {
        lua_pushstring(L, m->row_labels[i]);
        lua_pushstring(L, m->col_labels[j]);
        return 2;
      }
  lua_pushnil(L);
  return 1;
}

/* Values of one column as a table {rowlabel = value} is rarely what people
 * want; column(j) gives an array with nil for missing values instead. */
static int m_column(lua_State *L) {
  fl_matrix *m = checkm(L);
  size_t j = check_pos(L, 2, UV_COLMAP, m->n_cols, "column");
  lua_createtable(L, (int)m->n_rows, 0);
  for (size_t i = 0; i < m->n_rows; i++) {
    double v = m->data[i + j * m->n_rows];
    if (isnan(v)) continue;
    lua_pushnumber(L, v);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

/* m:spans() -> {SYMBOL = {first =, last =, gap =, bad =}}: each column's first
 * and last present row, the first missing row between them (a gap inside
 * the series) and the first row whose value is not a finite number > 0; a
 * column with no value has neither first nor last. One pass over the panel:
 * what folio.backtest checks a price file with. */
static int m_spans(lua_State *L) {
  fl_matrix *m = checkm(L);
  lua_createtable(L, 0, m->n_cols > (size_t)INT_MAX ? INT_MAX : (int)m->n_cols);
  for (size_t j = 0; j < m->n_cols; j++) {
    const double *c = m->data + j * m->n_rows;
    size_t first = 0, last = 0, gap = 0, bad = 0; /* 1-based; 0 = none */
    for (size_t i = 0; i < m->n_rows; i++) {
      if (isnan(c[i])) continue;
      if (!first) first = i + 1;
      else if (!gap && last + 1 < i + 1) gap = last + 1;
      last = i + 1;
      if (!bad && !(isfinite(c[i]) && c[i] > 0)) bad = i + 1;
    }
    lua_createtable(L, 0, 4);
    if (first) fl_set_integer(L, "first", (lua_Integer)first);
    if (last) fl_set_integer(L, "last", (lua_Integer)last);
    if (gap) fl_set_integer(L, "gap", (lua_Integer)gap);
    if (bad) fl_set_integer(L, "bad", (lua_Integer)bad);
    lua_setfield(L, -2, m->col_labels[j]);
  }
  return 1;
}

/* m:digest() -> 16 hex digits: FNV-1a 64 of the shape, the labels and the
 * values (every missing value alike), as folio.store.digest: a backtest's
 * resume knows its prices without re-reading the file. */
static int m_digest(lua_State *L) {
  fl_matrix *m = checkm(L);
  uint64_t h = FL_FNV1A_SEED;
  size_t shape[2] = {m->n_rows, m->n_cols};
  h = fl_fnv1a(h, shape, sizeof shape);
  for (size_t i = 0; i < m->n_rows; i++) h = fl_fnv1a(h, m->row_labels[i], strlen(m->row_labels[i]) + 1);
  for (size_t j = 0; j < m->n_cols; j++) h = fl_fnv1a(h, m->col_labels[j], strlen(m->col_labels[j]) + 1);
  for (size_t k = 0; k < m->n_rows * m->n_cols; k++) {
    double v = isnan(m->data[k]) ? NAN : m->data[k];
    h = fl_fnv1a(h, &v, sizeof v);
  }
  fl_pushdigest(L, h);
  return 1;
}

/* m * k and k * m: every value times a finite scalar (missing stays missing). */
static int m_mul(lua_State *L) {
  int mi = luaL_testudata(L, 1, FL_MATRIX_MT) ? 1 : 2;
  int ki = 3 - mi;
  fl_matrix *m = luaL_checkudata(L, mi, FL_MATRIX_MT);
  if (lua_type(L, ki) != LUA_TNUMBER)
    return luaL_error(L, "folio.matrix: can only multiply by a number (got %s)", luaL_typename(L, ki));
  double k = lua_tonumber(L, ki);
  if (!isfinite(k)) return luaL_error(L, "folio.matrix: scalar factor must be finite");
  fl_matrix *r = fl_matrix_push_raw(L, m->n_rows, m->n_cols);
  size_t n = m->n_rows * m->n_cols;
  for (size_t i = 0; i < n; i++) r->data[i] = m->data[i] * k;
  fl_matrix_share_labels(L, -1, mi, 0);
  return 1;
}

static int m_tostring(lua_State *L) {
  fl_matrix *m = checkm(L);
  lua_pushfstring(L, "folio.matrix(%I x %I)", (lua_Integer)m->n_rows, (lua_Integer)m->n_cols);
  return 1;
}

static const luaL_Reg matrix_methods[] = {
    {"get", m_get},       {"row", m_row},         {"shape", m_shape},     {"rows", m_rows},   {"cols", m_cols},
    {"dates", m_rows},    {"symbols", m_cols},    {"mean", m_mean},   {"tail", m_tail},
    {"head", m_head},     {"slice", m_slice},   {"returns", m_returns}, {"column", m_column}, {"select", m_select},
    {"first_missing", m_first_missing}, {"complete_columns", m_complete_columns},
    {"dot", m_dot}, {"spans", m_spans}, {"digest", m_digest}, {NULL, NULL}};

static const luaL_Reg matrix_meta[] = {
    {"__mul", m_mul}, {"__tostring", m_tostring}, {"__index", NULL}, {NULL, NULL}};

static int matrix_call(lua_State *L) {
  lua_remove(L, 1); /* the folio.matrix table itself */
  return m_new(L);
}

int fl_open_matrix(lua_State *L) {
  fl_new_type(L, FL_MATRIX_MT, matrix_methods, matrix_meta, 1);
  lua_createtable(L, 0, 1); /* folio.matrix: callable table, folio.matrix.new{...} too */
  lua_pushcfunction(L, m_new);
  lua_setfield(L, -2, "new");
  fl_make_callable(L, matrix_call);
  return 1;
}
