/*
 * sandbox_bounded.c — the standard-library functions whose loops run in C,
 * where the count hook cannot see them, bounded for policies.
 *
 * The count hook (sandbox.c) only runs between VM instructions: a library
 * function that loops in C runs to its end whatever the budget says. Each
 * such function is replaced here, in a sandboxed engine only, by a version
 * that either charges its work to the run's budget as it goes
 * (fl_budget_charge: the instruction budget and the deadline, with the same
 * unswallowable kill as the hook) or refuses, before it starts, an input
 * whose worst case exceeds a fixed amount of work:
 *
 *   table.move, table.insert, table.remove, table.concat
 *                 the same loops as Lua 5.4's ltablib.c, charged every
 *                 CHUNK elements (a __len of 2^62 no longer means 2^62 steps);
 *   table.sort    the stock sort with a C comparator that charges every
 *                 comparison, in proportion to the length of the strings it
 *                 compares (l_strcmp costs up to ~6 ns a byte on strings of
 *                 NULs), except for small plain arrays of short values;
 *   string.rep    an empty string repeated 2^62 times is "" at once (the stock
 *                 loop copies nothing 2^62 times); a result over the string cap
 *                 is refused before the loop;
 *   string.find, match, gmatch, gsub
 *                 refused when the estimated worst case of the pattern on the
 *                 subject exceeds MAX_PATTERN_WORK (see pattern_work);
 *   os.date       a format of at most MAX_DATE_FORMAT bytes;
 *   load          (and the host's own loading of sandboxed sources) refuses
 *                 a source with more than MAX_LOGICAL_OPERATORS `and`/`or`
 *                 (the parser walks a chain's jump list once per operator,
 *                 so one expression of n of them costs n^2: 40,000 take
 *                 2.3 s) or more than MAX_NAME_LOOKUPS name-levels (each
 *                 name is looked up through every enclosing function's
 *                 locals and upvalues: 400,000 names under 60 nested
 *                 functions of 190 locals take 8.5 s).
 *
 * What no wrapper can reach, the VM's own work on long strings (s < s on
 * 16 MiB), is bounded by the string cap and the hook period (sandbox.h,
 * FL_MAX_STRING and FL_LONG_STRING), and, for the `folio` program, by the
 * child process of lua/cli/isolate.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "lauxlib.h"
#include "sandbox.h"

/* Elements a wrapper handles between two charges. */
#define CHUNK 1024
/* Budget units per element moved, shifted or concatenated (a lua_geti and
 * a lua_seti cost about as much as four VM instructions). */
#define UNITS_PER_ELEMENT 4
/* Bytes of string comparison per budget unit. */
#define BYTES_PER_UNIT 4

/* ---- tables: the loops of ltablib.c, charged ------------------------------------ */

#define TAB_R 1
#define TAB_W 2
#define TAB_L 4
#define TAB_RW (TAB_R | TAB_W)

static int checkfield(lua_State *L, const char *key, int n) {
  lua_pushstring(L, key);
  return lua_rawget(L, -n) != LUA_TNIL;
}

/* As ltablib.c: a table, or something whose metatable has the metamethods
 * the operation needs. */
static void checktab(lua_State *L, int arg, int what) {
  if (lua_type(L, arg) != LUA_TTABLE) {
    int n = 1; /* elements to pop */
    if (lua_getmetatable(L, arg) && (!(what & TAB_R) || checkfield(L, "__index", ++n)) &&
        (!(what & TAB_W) || checkfield(L, "__newindex", ++n)) &&
        (!(what & TAB_L) || checkfield(L, "__len", ++n)))
      lua_pop(L, n); /* the metatable and the tested metamethods */
    else
      luaL_checktype(L, arg, LUA_TTABLE); /* raises */
  }
}

static lua_Integer aux_getn(lua_State *L, int arg, int what) {
  checktab(L, arg, what | TAB_L);
  return luaL_len(L, arg);
}

/* Counts one element; every CHUNK elements charges them to the budget. */
static void tick(lua_State *L, lua_Integer *count) {
  if (++*count % CHUNK == 0) fl_budget_charge(L, (uint64_t)CHUNK * UNITS_PER_ELEMENT);
}

static int b_insert(lua_State *L) {
  lua_Integer pos, count = 0;
  lua_Integer e = aux_getn(L, 1, TAB_RW);
  e = (lua_Integer)((lua_Unsigned)e + 1u); /* first empty element */
  switch (lua_gettop(L)) {
    case 2:
      pos = e; /* insert at the end */
      break;
    case 3: {
      pos = luaL_checkinteger(L, 2);
      luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
      for (lua_Integer i = e; i > pos; i--) { /* move up elements */
        lua_geti(L, 1, i - 1);
        lua_seti(L, 1, i); /* t[i] = t[i - 1] */
        tick(L, &count);
      }
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments to 'insert'");
  }
  lua_seti(L, 1, pos); /* t[pos] = v */
  return 0;
}

static int b_remove(lua_State *L) {
  lua_Integer count = 0;
  lua_Integer size = aux_getn(L, 1, TAB_RW);
  lua_Integer pos = luaL_optinteger(L, 2, size);
  if (pos != size) /* validate a given pos: in [1, size + 1] */
    luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
  lua_geti(L, 1, pos); /* result = t[pos] */
  for (; pos < size; pos++) {
    lua_geti(L, 1, pos + 1);
    lua_seti(L, 1, pos); /* t[pos] = t[pos + 1] */
    tick(L, &count);
  }
  lua_pushnil(L);
  lua_seti(L, 1, pos); /* remove t[pos] */
  return 1;
}

static int b_move(lua_State *L) {
  lua_Integer f = luaL_checkinteger(L, 2);
  lua_Integer e = luaL_checkinteger(L, 3);
  lua_Integer t = luaL_checkinteger(L, 4);
  int tt = !lua_isnoneornil(L, 5) ? 5 : 1; /* destination table */
  checktab(L, 1, TAB_R);
  checktab(L, tt, TAB_W);
  if (e >= f) { /* otherwise nothing to move */
    lua_Integer n, i, count = 0;
    luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
    n = e - f + 1;
    luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
    if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
      for (i = 0; i < n; i++) {
        lua_geti(L, 1, f + i);
        lua_seti(L, tt, t + i);
        tick(L, &count);
      }
    } else {
      for (i = n - 1; i >= 0; i--) {
        lua_geti(L, 1, f + i);
        lua_seti(L, tt, t + i);
        tick(L, &count);
      }
    }
  }
  lua_pushvalue(L, tt); /* the destination table */
  return 1;
}

static void addfield(lua_State *L, luaL_Buffer *b, lua_Integer i) {
  lua_geti(L, 1, i);
  if (!lua_isstring(L, -1))
    luaL_error(L, "invalid value (at index %I) in table for 'concat'", (LUAI_UACINT)i);
  luaL_addvalue(b);
}

static int b_concat(lua_State *L) {
  luaL_Buffer b;
  lua_Integer last = aux_getn(L, 1, TAB_R), count = 0;
  size_t lsep;
  const char *sep = luaL_optlstring(L, 2, "", &lsep);
  lua_Integer i = luaL_optinteger(L, 3, 1);
  last = luaL_optinteger(L, 4, last);
  luaL_buffinit(L, &b);
  for (; i < last; i++) {
    addfield(L, &b, i);
    luaL_addlstring(&b, sep, lsep);
    tick(L, &count); /* charges only: the buffer's stack slot stays as it is */
  }
  if (i == last) addfield(L, &b, i); /* the last value, if the interval was not empty */
  luaL_pushresult(&b);
  return 1;
}

/* The comparator table.sort gets: charges one comparison (more for long
 * strings), then compares as the stock sort would (lua_compare, so __lt
 * works) or calls the policy's comparator (upvalue 1, nil if none). */
static int sort_less(lua_State *L) {
  uint64_t units = 1;
  if (lua_type(L, 1) == LUA_TSTRING && lua_type(L, 2) == LUA_TSTRING) {
    size_t la = lua_rawlen(L, 1), lb = lua_rawlen(L, 2);
    units += (la < lb ? la : lb) / BYTES_PER_UNIT;
  }
  fl_budget_charge(L, units);
  if (lua_isnil(L, lua_upvalueindex(1))) {
    lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
    return 1;
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, 2, 1);
  return 1;
}

/* A plain table (no metatable) of at most SORT_DIRECT_MAX elements whose
 * strings are at most SORT_DIRECT_MAX_LEN bytes sorts with its own
 * comparisons (or a Lua comparator, which the hook sees): its worst case,
 * 4096 * 12 comparisons of 64 bytes, is a few milliseconds, charged up
 * front. Anything else goes through sort_less. */
#define SORT_DIRECT_MAX 4096
#define SORT_DIRECT_MAX_LEN 64

static int sort_direct(lua_State *L) {
  if (lua_type(L, 1) != LUA_TTABLE || lua_iscfunction(L, 2)) return 0;
  if (lua_getmetatable(L, 1)) {
    lua_pop(L, 1);
    return 0;
  }
  lua_Unsigned n = lua_rawlen(L, 1);
  if (n > SORT_DIRECT_MAX) return 0;
  for (lua_Unsigned i = 1; i <= n; i++) {
    int long_string = lua_rawgeti(L, 1, (lua_Integer)i) == LUA_TSTRING && lua_rawlen(L, -1) > SORT_DIRECT_MAX_LEN;
    lua_pop(L, 1);
    if (long_string) return 0;
  }
  uint64_t levels = 1;
  while (((lua_Unsigned)1 << levels) < n) levels++;
  fl_budget_charge(L, (uint64_t)n * (levels + 1));
  return 1;
}

/* table.sort(list [, comp]): the stock sort (upvalue 1) with sort_less. */
static int b_sort(lua_State *L) {
  checktab(L, 1, TAB_RW | TAB_L);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_settop(L, 2);
  if (sort_direct(L)) {
    if (lua_isnil(L, 2)) lua_settop(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1); /* [sort, t (, comp)] */
    lua_call(L, lua_gettop(L) - 1, 0);
    return 0;
  }
  lua_pushcclosure(L, sort_less, 1);     /* [t, less] */
  lua_pushvalue(L, lua_upvalueindex(1)); /* [t, less, sort] */
  lua_insert(L, 1);                      /* [sort, t, less] */
  lua_call(L, 2, 0);
  return 0;
}

void fl_bound_table_lib(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  static const luaL_Reg fns[] = {{"move", b_move},     {"insert", b_insert},
                                 {"remove", b_remove}, {"concat", b_concat},
                                 {NULL, NULL}};
  for (const luaL_Reg *r = fns; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, idx, r->name);
  }
  lua_getfield(L, idx, "sort"); /* the stock sort */
  lua_pushcclosure(L, b_sort, 1);
  lua_setfield(L, idx, "sort");
}

/* ---- strings --------------------------------------------------------------------- */

/* string.rep(s, n [, sep]) (upvalue 1 = the stock rep). */
static int b_rep(lua_State *L) {
  size_t l, lsep;
  luaL_checklstring(L, 1, &l);
  lua_Integer n = luaL_checkinteger(L, 2);
  luaL_optlstring(L, 3, "", &lsep);
  if (n <= 0 || l + lsep == 0) { /* nothing to copy, however many times */
    lua_pushliteral(L, "");
    return 1;
  }
  if ((double)n * (double)l + (double)(n - 1) * (double)lsep > (double)FL_MAX_STRING) {
    /* refused before the copy loop, as the allocator would refuse the result */
    fl_budget *b = fl_budget_of(L);
    if (b && b->enforce) {
      b->string_capped = 1;
      return fl_budget_kill(L, FL_KILL_MEMORY);
    }
  }
  return fl_call_stock(L, 1);
}

/* Lua patterns backtrack in C. Before a pattern function runs, the worst
 * case of the pattern on the subject is estimated and the call refused
 * above MAX_PATTERN_WORK steps. With n the subject's length:
 *   - each quantified item (* + -), each balance %bxy (it scans to the
 *     end) and each back-reference %1-%9 (it compares a capture) can try
 *     up to n lengths: a factor n each;
 *   - each optional item (?) tries twice: a factor 2 each;
 *   - unless the pattern is anchored (^, not for gmatch and gsub), every
 *     start position is tried: a factor n;
 *   - without quantifiers, every start tries each item once: a factor of
 *     the number of items (plain find and find without specials compare
 *     the whole pattern at every position, a factor of its length);
 *   - gsub with a replacement string copies it for every match: n times
 *     its length more.
 * Ordinary patterns on ordinary strings are far below the limit. Upvalue
 * 1 = the stock function, 2 = its name, 3 = 1 for gsub/gmatch. */
#define MAX_PATTERN_WORK 2e8

/* The index just after the set that starts at p[i] == '['. */
static size_t skip_set(const char *p, size_t plen, size_t i) {
  i++; /* '[' */
  if (i < plen && p[i] == '^') i++;
  do { /* the first character is part of the set, even a ']' */
    if (i >= plen) return plen;
    if (p[i++] == '%' && i < plen) i++;
  } while (i < plen && p[i] != ']');
  return i + 1;
}

static double pattern_work(const char *p, size_t plen, size_t n, int scan_all, int *quantifiers,
                           int *optionals) {
  int q = 0, optional = 0;
  double items = 0;
  int anchored = !scan_all && plen > 0 && p[0] == '^';
  for (size_t i = anchored ? 1 : 0; i < plen;) {
    char c = p[i];
    if (c == '%' && i + 1 < plen) {
      char d = p[i + 1];
      if (d == 'b') { /* %bxy */
        q++, items++;
        i += 4;
      } else if (d == 'f') { /* %f[set]: one test, no width */
        i += 2;
        if (i < plen && p[i] == '[') i = skip_set(p, plen, i);
      } else {
        if (d >= '1' && d <= '9') q++;
        items++;
        i += 2;
      }
    } else if (c == '[') {
      items++;
      i = skip_set(p, plen, i);
    } else if (c == '*' || c == '+' || c == '-') {
      q++, i++;
    } else if (c == '?') {
      optional++, i++;
    } else if (c == '(' || c == ')') {
      i++;
    } else {
      items++, i++;
    }
  }
  *quantifiers = q;
  *optionals = optional;
  double base = n > 1 ? (double)n : 1.0, work = q == 0 && items > 1 ? items : 1.0;
  for (int k = 0; k < q + (anchored ? 0 : 1) && work <= MAX_PATTERN_WORK; k++) work *= base;
  for (int k = 0; k < optional && work <= MAX_PATTERN_WORK; k++) work *= 2;
  return work;
}

static int b_pattern(lua_State *L) {
  size_t n, plen;
  luaL_checklstring(L, 1, &n);
  const char *p = luaL_checklstring(L, 2, &plen);
  int scan_all = lua_toboolean(L, lua_upvalueindex(3));
  const char *name = lua_tostring(L, lua_upvalueindex(2));
  int q = 0, opt = 0;
  double work;
  if (strcmp(name, "find") == 0 && lua_toboolean(L, 4)) /* plain: memchr + memcmp per position */
    work = plen > n ? 1.0 : (double)(n - plen + 1) * (double)plen / 16.0;
  else
    work = pattern_work(p, plen, n, scan_all, &q, &opt);
  if (strcmp(name, "gsub") == 0 && lua_type(L, 3) == LUA_TSTRING)
    work += ((double)n + 1) * (double)lua_rawlen(L, 3);
  if (work > MAX_PATTERN_WORK)
    return luaL_error(L, "string.%s: pattern too complex for a %I-byte subject (%d quantifiers, "
                         "%d optional items); use a plain find or split the input",
                      name, (LUAI_UACINT)n, q, opt);
  return fl_call_stock(L, LUA_MULTRET);
}

void fl_bound_string_lib(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  static const char *const patterned[] = {"find", "match", "gmatch", "gsub", NULL};
  for (size_t i = 0; patterned[i]; i++) {
    lua_getfield(L, idx, patterned[i]);
    lua_pushstring(L, patterned[i]);
    lua_pushboolean(L, i >= 2); /* gmatch and gsub scan every position */
    lua_pushcclosure(L, b_pattern, 3);
    lua_setfield(L, idx, patterned[i]);
  }
  lua_getfield(L, idx, "rep");
  lua_pushcclosure(L, b_rep, 1);
  lua_setfield(L, idx, "rep");
}

/* ---- os ---------------------------------------------------------------------------- */

/* strftime runs once per conversion of the format, in C. */
#define MAX_DATE_FORMAT 4096

static int b_date(lua_State *L) {
  size_t len = 0;
  if (lua_type(L, 1) == LUA_TSTRING) lua_tolstring(L, 1, &len);
  if (len > MAX_DATE_FORMAT)
    return luaL_argerror(L, 1, "format longer than 4096 bytes");
  return fl_call_stock(L, LUA_MULTRET);
}

void fl_bound_os_lib(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (lua_getfield(L, idx, "date") != LUA_TFUNCTION) {
    lua_pop(L, 1);
    return;
  }
  lua_pushcclosure(L, b_date, 1);
  lua_setfield(L, idx, "date");
}

/* ---- sources ------------------------------------------------------------------------ */

/* `and`/`or` operators a sandboxed source may hold: a chain of this many
 * parses in ~0.14 s. */
#define MAX_LOGICAL_OPERATORS 10000
/* Names times the depth of function nesting they sit at: the parser's
 * worst case is ~0.35 us per name-level (190 locals at each level), so
 * this many parse in ~0.7 s. An ordinary policy needs a few thousand. */
#define MAX_NAME_LOOKUPS 2000000
/* Block nesting the scan follows (the parser stops far earlier). */
#define MAX_SCAN_DEPTH 1024

static int is_keyword(const char *s, size_t n) {
  static const char *const kw[] = {"and", "break", "do", "else", "elseif", "end", "false", "for",
                                   "function", "goto", "if", "in", "local", "nil", "not", "or",
                                   "repeat", "return", "then", "true", "until", "while", NULL};
  for (size_t k = 0; kw[k]; k++)
    if (strlen(kw[k]) == n && memcmp(kw[k], s, n) == 0) return 1;
  return 0;
}

#define WORD_IS(lit) (j - i == sizeof(lit) - 1 && memcmp(s + i, lit, sizeof(lit) - 1) == 0)

/* The level of a long bracket at s[0] == '[' ([[ is 0, [==[ is 2), or -1. */
static long long_bracket(const char *s, size_t len) {
  size_t i = 1;
  while (i < len && s[i] == '=') i++;
  return i < len && s[i] == '[' ? (long)(i - 1) : -1;
}

/* The index after the long bracket of level `level` that opens at s[i]. */
static size_t skip_long(const char *s, size_t len, size_t i, long level) {
  for (i += (size_t)level + 2; i < len; i++) {
    if (s[i] != ']') continue;
    size_t j = i + 1;
    while (j < len && s[j] == '=') j++;
    if (j < len && s[j] == ']' && (long)(j - i - 1) == level) return j + 1;
  }
  return len;
}

int fl_source_check(const char *s, size_t len, char *msg, size_t msg_size) {
  size_t ops = 0, depth = 0, functions = 1, max_functions = 1; /* the chunk is a function */
  double lookups = 0;
  char blocks[MAX_SCAN_DEPTH]; /* 'f' a function body, 'b' another block */
  for (size_t i = 0; i < len;) {
    unsigned char c = (unsigned char)s[i];
    if (c == '-' && i + 1 < len && s[i + 1] == '-') { /* comment */
      i += 2;
      long level = i < len && s[i] == '[' ? long_bracket(s + i, len - i) : -1;
      if (level >= 0) {
        i = skip_long(s, len, i, level);
      } else {
        while (i < len && s[i] != '\n') i++;
      }
    } else if (c == '[' && long_bracket(s + i, len - i) >= 0) { /* long string */
      i = skip_long(s, len, i, long_bracket(s + i, len - i));
    } else if (c == '"' || c == '\'') { /* short string */
      for (i++; i < len && s[i] != (char)c && s[i] != '\n'; i++)
        if (s[i] == '\\') i++;
      i++;
    } else if (isalpha(c) || c == '_') { /* a name or a keyword */
      size_t j = i;
      while (j < len && (isalnum((unsigned char)s[j]) || s[j] == '_')) j++;
      if (WORD_IS("and") || WORD_IS("or")) {
        ops++;
      } else if (WORD_IS("function") || WORD_IS("do") || WORD_IS("if") || WORD_IS("repeat")) {
        int fn = WORD_IS("function");
        if (depth < MAX_SCAN_DEPTH) blocks[depth] = fn ? 'f' : 'b';
        depth++;
        if (fn && ++functions > max_functions) max_functions = functions;
      } else if (WORD_IS("end") || WORD_IS("until")) {
        if (depth > 0 && --depth < MAX_SCAN_DEPTH && blocks[depth] == 'f') functions--;
      } else if (!is_keyword(s + i, j - i)) {
        lookups += (double)functions;
      }
      i = j;
    } else {
      i++;
    }
  }
  if (lookups > MAX_NAME_LOOKUPS) {
    snprintf(msg, msg_size,
             "source too costly to parse: %.0f name lookups through up to %zu nested functions (a "
             "sandboxed source may need %d; each name is looked up in every enclosing function)",
             lookups, max_functions, MAX_NAME_LOOKUPS);
    return 1;
  }
  if (ops <= MAX_LOGICAL_OPERATORS) return 0;
  snprintf(msg, msg_size,
           "source too costly to parse: %zu 'and'/'or' operators (a sandboxed source may hold %d; "
           "the parser's work grows with the square of a chain of them)",
           ops, MAX_LOGICAL_OPERATORS);
  return 1;
}
