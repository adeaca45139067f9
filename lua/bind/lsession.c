/*
 * lsession.c — folio.session: the session matrix (which sizer and gross cap
 * apply in each trading session) and the exchange calendars it resolves
 * against.
 *
 * A SessionMatrix is a userdata holding a checked folio_calendar and, per
 * session, whether the matrix trades in it and its gross cap; the sizer names
 * live in a Lua table in user value 1 so they stay ordinary strings. All the
 * time arithmetic is the core's (session.h); this file only reads the strict
 * named-argument tables, including the `calendar =` override table that a
 * fund's YAML `calendar:` mapping is handed through verbatim.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lfolio.h"

#define FL_SESSION_MATRIX_MT "folio.SessionMatrix"

typedef struct fl_session_matrix {
  folio_calendar cal;
  unsigned char present[FOLIO_SESSION_COUNT]; /* the matrix has an entry for the session */
  double gross_cap[FOLIO_SESSION_COUNT];
} fl_session_matrix;

/* ==== strict tables with a path in the message ============================ */

/* Pushes tbl[key] and checks it is a table (or nil, returning 0 with nil popped). */
static int opt_subtable(lua_State *L, int tbl, const char *fname, const char *path,
                        const char *key) {
  int t = lua_getfield(L, tbl, key);
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "%s.%s must be a table, got %s", path, key, luaL_typename(L, -1));
  return 1;
}

/* Reads the "HH:MM" string at the top of the stack into *minutes; pops it. */
static void pop_hhmm(lua_State *L, const char *fname, const char *path, int *minutes) {
  if (lua_type(L, -1) != LUA_TSTRING)
    fl_argerror(L, fname, "%s must be a string \"HH:MM\", got %s", path, luaL_typename(L, -1));
  folio_error err;
  if (folio_parse_hhmm(lua_tostring(L, -1), minutes, &err) != FOLIO_OK)
    fl_argerror(L, fname, "%s: %s", path, err.message);
  lua_pop(L, 1);
}

/* tbl[key] as "HH:MM" into *minutes when present. */
static void opt_hhmm(lua_State *L, int tbl, const char *fname, const char *path, const char *key,
                     int *minutes) {
  if (lua_getfield(L, tbl, key) == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  lua_pushfstring(L, "%s.%s", path, key);
  const char *where = lua_tostring(L, -1);
  lua_insert(L, -2); /* [where, value] */
  pop_hhmm(L, fname, where, minutes);
  lua_pop(L, 1);
}

/* An optional table tbl[key], named "<path>.<key>" in messages: nothing
 * pushed and 0 when absent; else pushes [value, where], sets *where and
 * returns the value's index, raising "<where> must be <what>, got <type>"
 * unless it is a table. */
static int opt_table(lua_State *L, int tbl, const char *fname, const char *path, const char *key,
                     const char *what, const char **where) {
  int t = lua_getfield(L, tbl, key); /* [value] */
  if (t == LUA_TNIL) {
    lua_pop(L, 1); /* [] */
    return 0;
  }
  int v = lua_gettop(L);
  lua_pushfstring(L, "%s.%s", path, key); /* [value, where] */
  *where = lua_tostring(L, -1);
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "%s must be %s, got %s", *where, what, luaL_typename(L, v));
  return v;
}

/* tbl[key] as {"HH:MM", "HH:MM"} into *start, *end when present. */
static void opt_range(lua_State *L, int tbl, const char *fname, const char *path, const char *key,
                      int *start, int *end) {
  const char *where;
  int r = opt_table(L, tbl, fname, path, key, "a pair {\"HH:MM\", \"HH:MM\"}", &where);
  if (!r) return; /* [range, where] */
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, r)) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > 2)
      fl_argerror(L, fname, "%s must be a pair {\"HH:MM\", \"HH:MM\"}", where);
    n++;
  }
  if (n != 2) fl_argerror(L, fname, "%s must be a pair {\"HH:MM\", \"HH:MM\"}", where);
  lua_rawgeti(L, r, 1);
  pop_hhmm(L, fname, where, start);
  lua_rawgeti(L, r, 2);
  pop_hhmm(L, fname, where, end);
  lua_pop(L, 2);
}

/* tbl[key] as an array of "YYYY-MM-DD" strings appended to list. */
static void opt_dates(lua_State *L, int tbl, const char *fname, const char *path, const char *key,
                      folio_date_list *list) {
  const char *where;
  int a = opt_table(L, tbl, fname, path, key, "an array of \"YYYY-MM-DD\" strings", &where);
  if (!a) return; /* [dates, where] */
  lua_Integer n = (lua_Integer)lua_rawlen(L, a), count = 0;
  lua_pushnil(L);
  while (lua_next(L, a)) {
    lua_pop(L, 1);
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || lua_tointeger(L, -1) > n)
      fl_argerror(L, fname, "%s must be an array of \"YYYY-MM-DD\" strings (found a non-array key)",
                  where);
    count++;
  }
  if (count != n) fl_argerror(L, fname, "%s must be an array without holes", where);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, a, i);
    if (lua_type(L, -1) != LUA_TSTRING)
      fl_argerror(L, fname, "%s[%d] must be a string \"YYYY-MM-DD\", got %s", where, (int)i,
                  luaL_typename(L, -1));
    folio_error err;
    int32_t days;
    if (folio_parse_date(lua_tostring(L, -1), &days, &err) != FOLIO_OK ||
        folio_calendar_add_date(list, days, where, &err) != FOLIO_OK)
      fl_argerror(L, fname, "%s[%d]: %s", where, (int)i, err.message);
    lua_pop(L, 1);
  }
  lua_pop(L, 2);
}

/* Reads the calendar override table at idx (see session.h) into a checked
 * calendar, starting from the defaults. */
static void check_calendar(lua_State *L, int idx, const char *fname, folio_calendar *cal) {
  static const char *const top_keys[] = {"equities", "fx", "futures", NULL};
  static const char *const eq_keys[] = {"pre",
                                        "RTH",
                                        "post",
                                        "IBEOS",
                                        "early_close",
                                        "early_post_close",
                                        "holidays_add",
                                        "holidays_remove",
                                        "early_closes_add",
                                        "early_closes_remove",
                                        NULL};
  static const char *const fx_keys[] = {"open", "close", NULL};
  static const char *const fut_keys[] = {"open", "close", "break_start", "break_end", NULL};
  idx = lua_absindex(L, idx);
  folio_calendar_default(cal);
  if (lua_type(L, idx) != LUA_TTABLE)
    fl_argerror(L, fname, "calendar must be a table, got %s", luaL_typename(L, idx));
  fl_check_keys(L, idx, fname, "calendar", top_keys);
  if (opt_subtable(L, idx, fname, "calendar", "equities")) { /* [eq] */
    int e = lua_gettop(L);
    const char *p = "calendar.equities";
    fl_check_keys(L, e, fname, p, eq_keys);
    opt_range(L, e, fname, p, "pre", &cal->pre_start, &cal->pre_end);
    opt_range(L, e, fname, p, "RTH", &cal->rth_start, &cal->rth_end);
    opt_range(L, e, fname, p, "post", &cal->post_start, &cal->post_end);
    opt_range(L, e, fname, p, "IBEOS", &cal->ibeos_start, &cal->ibeos_end);
    opt_hhmm(L, e, fname, p, "early_close", &cal->early_close);
    opt_hhmm(L, e, fname, p, "early_post_close", &cal->early_post_close);
    opt_dates(L, e, fname, p, "holidays_add", &cal->holidays_add);
    opt_dates(L, e, fname, p, "holidays_remove", &cal->holidays_remove);
    opt_dates(L, e, fname, p, "early_closes_add", &cal->early_closes_add);
    opt_dates(L, e, fname, p, "early_closes_remove", &cal->early_closes_remove);
    lua_pop(L, 1);
  }
  if (opt_subtable(L, idx, fname, "calendar", "fx")) {
    int f = lua_gettop(L);
    fl_check_keys(L, f, fname, "calendar.fx", fx_keys);
    opt_hhmm(L, f, fname, "calendar.fx", "open", &cal->fx_open);
    opt_hhmm(L, f, fname, "calendar.fx", "close", &cal->fx_close);
    lua_pop(L, 1);
  }
  if (opt_subtable(L, idx, fname, "calendar", "futures")) {
    int f = lua_gettop(L);
    const char *p = "calendar.futures";
    fl_check_keys(L, f, fname, p, fut_keys);
    opt_hhmm(L, f, fname, p, "open", &cal->futures_open);
    opt_hhmm(L, f, fname, p, "close", &cal->futures_close);
    opt_hhmm(L, f, fname, p, "break_start", &cal->futures_break_start);
    opt_hhmm(L, f, fname, p, "break_end", &cal->futures_break_end);
    lua_pop(L, 1);
  }
  folio_error err;
  if (folio_calendar_check(cal, &err) != FOLIO_OK) fl_argerror(L, fname, "%s", err.message);
}

/* args.calendar into cal (defaults when absent). */
static void opt_calendar(lua_State *L, int args, const char *fname, folio_calendar *cal) {
  if (lua_getfield(L, args, "calendar") == LUA_TNIL) {
    folio_calendar_default(cal);
    folio_calendar_check(cal, NULL); /* the defaults always pass */
  } else {
    check_calendar(L, -1, fname, cal);
  }
  lua_pop(L, 1);
}

/* ==== asof and asset class ================================================ */

/* The Lua value at idx (an ISO-8601 string or epoch seconds) as epoch seconds. */
static int64_t to_asof(lua_State *L, int idx, const char *fname) {
  int64_t t = 0;
  if (lua_type(L, idx) == LUA_TSTRING) {
    folio_error err;
    if (folio_parse_asof(lua_tostring(L, idx), &t, &err) != FOLIO_OK) {
      const char *msg = err.message;
      if (strncmp(msg, "parse_asof: ", 12) == 0) msg += 12;
      fl_argerror(L, fname, "asof: %s", msg);
    }
  } else if (lua_type(L, idx) == LUA_TNUMBER) {
    if (lua_isinteger(L, idx)) {
      t = (int64_t)lua_tointeger(L, idx);
    } else {
      double v = lua_tonumber(L, idx);
      if (!isfinite(v)) fl_argerror(L, fname, "asof must be finite, got %f", v);
      v = floor(v);
      if (v < (double)FOLIO_ASOF_MIN || v > (double)FOLIO_ASOF_MAX)
        t = v < 0 ? -1 : INT64_MAX;
      else
        t = (int64_t)v;
    }
  } else {
    fl_argerror(L, fname,
                "asof must be an ISO-8601 string (\"2024-03-08T09:30:00-05:00\") or epoch "
                "seconds, got %s",
                luaL_typename(L, idx));
  }
  if (t < FOLIO_ASOF_MIN || t > FOLIO_ASOF_MAX)
    fl_argerror(L, fname,
                "asof is outside the supported range 1987-01-01T00:00:00Z..9999-12-31T23:59:59Z");
  return t;
}

static int64_t req_asof(lua_State *L, int args, const char *fname) {
  if (lua_getfield(L, args, "asof") == LUA_TNIL)
    fl_argerror(L, fname, "asof is required (ISO-8601 string or epoch seconds)");
  int64_t t = to_asof(L, -1, fname);
  lua_pop(L, 1);
  return t;
}

static folio_asset_class req_asset_class(lua_State *L, int args, const char *fname) {
  const char *name = fl_opt_string(L, args, fname, "asset_class", NULL);
  if (!name) fl_argerror(L, fname, "asset_class is required (equities, crypto, fx, futures)");
  folio_asset_class ac;
  folio_error err;
  if (folio_asset_class_by_name(name, &ac, &err) != FOLIO_OK)
    fl_argerror(L, fname, "%s", err.message);
  return ac;
}

/* ==== SessionMatrix ======================================================== */

/* Calls folio.registry.has(name) when that function exists; raises for an
 * unknown sizer. The module table is upvalue 1 (nil outside luaopen_folio). */
static void check_sizer_registered(lua_State *L, const char *fname, const char *session,
                                   const char *sizer) {
  int top = lua_gettop(L);
  if (lua_type(L, lua_upvalueindex(1)) == LUA_TTABLE &&
      lua_getfield(L, lua_upvalueindex(1), "registry") == LUA_TTABLE && /* [registry] */
      lua_getfield(L, -1, "has") == LUA_TFUNCTION) {                    /* [registry, has] */
    lua_pushstring(L, sizer);
    lua_call(L, 1, 1); /* [registry, known] */
    if (!lua_toboolean(L, -1))
      fl_argerror(L, fname, "%s.sizer: unknown sizer '%s' (not in folio.registry)", session, sizer);
  }
  lua_settop(L, top);
}

/* folio.session.SessionMatrix{RTH = {sizer =, gross_cap =}, ..., calendar = {...}} */
static int s_matrix(lua_State *L) {
  static const char *fname = "SessionMatrix";
  static const char *const keys[] = {"pre", "RTH", "post", "IBEOS", "24h", "calendar", NULL};
  static const char *const entry_keys[] = {"sizer", "gross_cap", NULL};
  if (lua_type(L, 1) != LUA_TTABLE)
    luaL_error(L, "bad argument #1 to '%s' (table of named arguments expected, got %s)", fname,
               luaL_typename(L, 1));
  lua_settop(L, 1);
  /* a clearer message than fl_check_args for a misspelt session */
  lua_pushnil(L);
  while (lua_next(L, 1)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      fl_argerror(L, fname, "unexpected key of type %s (sessions are named)", luaL_typename(L, -1));
    const char *k = lua_tostring(L, -1);
    int known = 0;
    for (size_t i = 0; keys[i]; i++)
      if (strcmp(keys[i], k) == 0) {
        known = 1;
        break;
      }
    if (!known)
      fl_argerror(L, fname,
                  "unknown session '%s' (valid sessions: pre, RTH, post, IBEOS, 24h; "
                  "other key: calendar)",
                  k);
  }
  fl_session_matrix *m = lua_newuserdatauv(L, sizeof *m, 1); /* [args, m] */
  memset(m->present, 0, sizeof m->present);
  for (int s = 0; s < FOLIO_SESSION_COUNT; s++) m->gross_cap[s] = 0.0;
  folio_calendar_default(&m->cal);
  luaL_setmetatable(L, FL_SESSION_MATRIX_MT);
  lua_createtable(L, 0, FOLIO_SESSION_COUNT); /* [args, m, sizers] */
  for (int s = FOLIO_SESSION_PRE; s < FOLIO_SESSION_COUNT; s++) {
    const char *name = folio_session_name((folio_session_id)s);
    int t = lua_getfield(L, 1, name); /* [args, m, sizers, entry] */
    if (t == LUA_TNIL) {
      lua_pop(L, 1);
      continue;
    }
    if (t != LUA_TTABLE)
      fl_argerror(L, fname, "%s must be a table {sizer = \"...\", gross_cap = number}, got %s",
                  name, luaL_typename(L, -1));
    int e = lua_gettop(L);
    fl_check_keys(L, e, fname, name, entry_keys);
    if (lua_getfield(L, e, "sizer") != LUA_TSTRING) /* [.., entry, sizer] */
      fl_argerror(L, fname, "%s.sizer must be a non-empty string (a sizer name), got %s", name,
                  luaL_typename(L, -1));
    const char *sizer = lua_tostring(L, -1);
    if (!*sizer) fl_argerror(L, fname, "%s.sizer must be a non-empty string", name);
    check_sizer_registered(L, fname, name, sizer);
    lua_setfield(L, 3, name); /* sizers[name] = sizer; [args, m, sizers, entry] */
    int gt = lua_getfield(L, e, "gross_cap");
    if (gt == LUA_TNIL) fl_argerror(L, fname, "%s.gross_cap is required (a number >= 0)", name);
    if (gt != LUA_TNUMBER)
      fl_argerror(L, fname, "%s.gross_cap must be a number, got %s", name, luaL_typename(L, -1));
    double cap = lua_tonumber(L, -1);
    if (!isfinite(cap) || cap < 0)
      fl_argerror(L, fname, "%s.gross_cap must be finite and >= 0, got %f", name, cap);
    m->gross_cap[s] = cap;
    m->present[s] = 1;
    lua_pop(L, 2); /* [args, m, sizers] */
  }
  lua_setiuservalue(L, 2, 1); /* [args, m] */
  if (lua_getfield(L, 1, "calendar") != LUA_TNIL)
    check_calendar(L, -1, fname, &m->cal);
  else
    folio_calendar_check(&m->cal, NULL);
  lua_settop(L, 2);
  return 1;
}

/* m:resolve{asset_class =, asof =} -> {session, sizer, gross_cap, asset_class, asof, local_time} */
static int m_resolve(lua_State *L) {
  static const char *fname = "resolve";
  static const char *const keys[] = {"asset_class", "asof", NULL};
  fl_session_matrix *m = luaL_checkudata(L, 1, FL_SESSION_MATRIX_MT);
  fl_check_args(L, 2, fname, keys);
  folio_asset_class ac = req_asset_class(L, 2, fname);
  int64_t t = req_asof(L, 2, fname);
  folio_session_id s;
  folio_local_time lt;
  folio_error err;
  if (folio_session_at(&m->cal, ac, t, &s, &err) != FOLIO_OK ||
      folio_ny_local(t, &lt, &err) != FOLIO_OK)
    return fl_core_error(L, fname, &err);
  const char *name = folio_session_name(s);
  lua_createtable(L, 0, 6);
  fl_set_string(L, "session", name);
  if (s != FOLIO_SESSION_CLOSED && m->present[s]) {
    lua_getiuservalue(L, 1, 1); /* [res, sizers] */
    lua_getfield(L, -1, name);  /* [res, sizers, sizer] */
    lua_setfield(L, -3, "sizer");
    lua_pop(L, 1);
    lua_pushnumber(L, m->gross_cap[s]);
  } else {
    lua_pushnumber(L, 0.0); /* closed, or a session the matrix does not trade */
  }
  lua_setfield(L, -2, "gross_cap");
  fl_set_string(L, "asset_class", folio_asset_class_name(ac));
  fl_set_integer(L, "asof", (lua_Integer)t);
  char buf[32];
  fl_set_string(L, "local_time", folio_format_local(&lt, buf, sizeof buf));
  return 1;
}

static int m_tostring(lua_State *L) {
  fl_session_matrix *m = luaL_checkudata(L, 1, FL_SESSION_MATRIX_MT);
  luaL_Buffer b;
  lua_getiuservalue(L, 1, 1); /* [m, sizers] */
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "SessionMatrix{");
  int first = 1;
  for (int s = FOLIO_SESSION_PRE; s < FOLIO_SESSION_COUNT; s++) {
    if (!m->present[s]) continue;
    const char *name = folio_session_name((folio_session_id)s);
    lua_getfield(L, 2, name);
    const char *sizer = lua_tostring(L, -1);
    lua_pushfstring(L, "%s%s = %s @ %f", first ? "" : ", ", name, sizer ? sizer : "?",
                    m->gross_cap[s]);
    lua_remove(L, -2); /* keep the buffer's slot on top */
    luaL_addvalue(&b);
    first = 0;
  }
  luaL_addstring(&b, "}");
  luaL_pushresult(&b);
  return 1;
}

/* ==== module functions ===================================================== */

/* folio.session.at{asset_class =, asof =, calendar =} -> session name */
static int s_at(lua_State *L) {
  static const char *fname = "at";
  static const char *const keys[] = {"asset_class", "asof", "calendar", NULL};
  fl_check_args(L, 1, fname, keys);
  folio_asset_class ac = req_asset_class(L, 1, fname);
  int64_t t = req_asof(L, 1, fname);
  folio_calendar *cal = fl_scratch(L, 1, sizeof *cal); /* GC-owned: an error leaks nothing */
  opt_calendar(L, 1, fname, cal);
  folio_session_id s;
  folio_error err;
  if (folio_session_at(cal, ac, t, &s, &err) != FOLIO_OK) return fl_core_error(L, fname, &err);
  lua_pushstring(L, folio_session_name(s));
  return 1;
}

/* folio.session.parse_asof(s_or_number) -> epoch seconds (integer) */
static int s_parse_asof(lua_State *L) {
  luaL_checkany(L, 1);
  lua_pushinteger(L, (lua_Integer)to_asof(L, 1, "parse_asof"));
  return 1;
}

/* folio.session.local_time(asof) -> "2024-03-08T09:30:00-05:00" */
static int s_local_time(lua_State *L) {
  luaL_checkany(L, 1);
  int64_t t = to_asof(L, 1, "local_time");
  folio_local_time lt;
  folio_error err;
  if (folio_ny_local(t, &lt, &err) != FOLIO_OK) return fl_core_error(L, "local_time", &err);
  char buf[32];
  lua_pushstring(L, folio_format_local(&lt, buf, sizeof buf));
  return 1;
}

/* The date at arg 1 and optional calendar at arg 2; pushes nothing. */
static void day_of(lua_State *L, const char *fname, int *trading, int *early, int *weekend) {
  lua_settop(L, 2); /* [date, calendar or nil]; the scratch goes above */
  const char *text = luaL_checkstring(L, 1);
  folio_error err;
  int32_t days;
  if (folio_parse_date(text, &days, &err) != FOLIO_OK) fl_argerror(L, fname, "%s", err.message);
  folio_calendar *cal = fl_scratch(L, 1, sizeof *cal);
  if (lua_isnil(L, 2)) {
    folio_calendar_default(cal);
    folio_calendar_check(cal, NULL);
  } else {
    check_calendar(L, 2, fname, cal);
  }
  if (folio_calendar_day(cal, days, trading, early, &err) != FOLIO_OK)
    fl_argerror(L, fname, "%s", err.message);
  int wd = folio_weekday(days);
  *weekend = wd == 0 || wd == 6;
  lua_pop(L, 1);
}

/* folio.session.is_holiday("2024-07-04"[, calendar]) -> boolean (a weekday the exchange is shut) */
static int s_is_holiday(lua_State *L) {
  int trading, early, weekend;
  day_of(L, "is_holiday", &trading, &early, &weekend);
  lua_pushboolean(L, !trading && !weekend);
  return 1;
}

/* folio.session.is_early_close("2024-07-03"[, calendar]) -> boolean */
static int s_is_early_close(lua_State *L) {
  int trading, early, weekend;
  day_of(L, "is_early_close", &trading, &early, &weekend);
  lua_pushboolean(L, early);
  return 1;
}

/* folio.session.is_trading_day("2024-07-05"[, calendar]) -> boolean */
static int s_is_trading_day(lua_State *L) {
  int trading, early, weekend;
  day_of(L, "is_trading_day", &trading, &early, &weekend);
  lua_pushboolean(L, trading);
  return 1;
}

static const luaL_Reg matrix_methods[] = {{"resolve", m_resolve}, {NULL, NULL}};

static const luaL_Reg session_funcs[] = {
    {"SessionMatrix", s_matrix},          {"at", s_at},
    {"parse_asof", s_parse_asof},         {"local_time", s_local_time},
    {"is_holiday", s_is_holiday},         {"is_early_close", s_is_early_close},
    {"is_trading_day", s_is_trading_day}, {NULL, NULL}};

int fl_open_session(lua_State *L) {
  /* luaopen_folio calls this with the module table under construction on top;
   * SessionMatrix keeps it as an upvalue to reach folio.registry at call time. */
  int has_module = lua_type(L, -1) == LUA_TTABLE;
  int mod = lua_gettop(L);
  static const luaL_Reg matrix_meta[] = {{"__tostring", m_tostring}, {NULL, NULL}};
  fl_new_type(L, FL_SESSION_MATRIX_MT, matrix_methods, matrix_meta, 1);
  luaL_newlibtable(L, session_funcs); /* [session] */
  if (has_module)
    lua_pushvalue(L, mod);
  else
    lua_pushnil(L);
  luaL_setfuncs(L, session_funcs, 1); /* every function shares the module upvalue */
  lua_createtable(L, FOLIO_SESSION_COUNT, 0);
  for (int s = 0; s < FOLIO_SESSION_COUNT; s++) {
    lua_pushstring(L, folio_session_name((folio_session_id)s));
    lua_rawseti(L, -2, s + 1);
  }
  lua_setfield(L, -2, "sessions"); /* {"closed", "pre", "RTH", "post", "IBEOS", "24h"} */
  lua_createtable(L, FOLIO_ASSET_COUNT, 0);
  for (int a = 0; a < FOLIO_ASSET_COUNT; a++) {
    lua_pushstring(L, folio_asset_class_name((folio_asset_class)a));
    lua_rawseti(L, -2, a + 1);
  }
  lua_setfield(L, -2, "asset_classes");
  return 1;
}
