/*
 * loptimize.c — folio.optimize: NLopt driven by Lua objective and constraint
 * functions, safe against callbacks that fail, cheat or never return.
 *
 * NLopt calls our C trampolines from deep inside its own frames, so a Lua
 * error must never longjmp out of a trampoline: that would skip NLopt's
 * cleanup and leave the nlopt_opt in an unknown state (docs/sandbox.md: errors across foreign C frames).
 * Each trampoline therefore runs the Lua callback under lua_pcall; on any
 * failure (an error, a memory error, a yield, a NaN or a non-number result)
 * it parks the error object in a stack slot of the binding's frame, calls
 * nlopt_force_stop and returns HUGE_VAL. Once nlopt_optimize has returned,
 * the binding destroys the nlopt_opt and only then re-raises the parked
 * object unchanged, so the host's kill sentinel (a lightuserdata or table
 * raised by its instruction-count hook) reaches the host as the same object.
 *
 * The run's deadline also reaches NLopt's own work, which the count hook
 * cannot see (a COBYLA step on many variables is seconds of linear algebra
 * between two calls): the trampoline polls the engine's folio_cancel before
 * every call and stops NLopt the same way, NLopt's maxtime is the time left,
 * and the algorithms with dense O(n^3) steps take at most OPT_MAX_N_DENSE
 * variables, which bounds the overshoot (docs/sandbox.md, "Deadlines inside C").
 *
 * The nlopt_opt lives in a userdata box whose __gc destroys it, so an error
 * raised anywhere between nlopt_create and the explicit nlopt_destroy cannot
 * leak it. All buffers are Lua userdata. There are no globals: the per-call
 * state is a struct on the binding's C stack passed to NLopt as f_data, so an
 * objective may itself call folio.optimize.
 */
#include <math.h>
#include <nlopt.h>
#include <stdio.h>
#include <string.h>

#include "lfolio.h"


/* Hard caps on what a (possibly hostile) script may ask for. */
#define OPT_MAX_N 10000            /* variables */
/* Variables of the algorithms that do dense O(n^3) linear algebra between two
 * objective calls (COBYLA, BOBYQA, NEWUOA, SLSQP): nothing can stop NLopt
 * there, so n bounds how far a run overshoots its deadline. Measured gap
 * between two calls at n = 400: 0.16-0.28 s (at 600: 1.6 s; at 2,000:
 * COBYLA 28 s, BOBYQA > 60 s). docs/sandbox.md, "Deadlines inside C". */
#define OPT_MAX_N_DENSE 400
#define OPT_MAX_CONSTRAINTS 1000   /* inequality + equality functions */
#define OPT_MAX_EVAL 10000000      /* maxeval upper bound */
#define OPT_DEFAULT_SEED 42        /* stochastic algorithms are reproducible by default */
#define OPT_DEFAULT_XTOL_REL 1e-8
/* NLopt's own workspace is malloc'ed outside the Lua allocator's budget;
 * refuse problems whose estimated workspace exceeds this many doubles. */
#define OPT_MAX_WORK_DOUBLES ((double)(1 << 25)) /* 256 MiB */

static const char *const fname = "optimize";

/* ---- the nlopt_opt box ---------------------------------------------------- */

static void release_opt(void *p) { nlopt_destroy(p); }

/* ---- per-call state and the trampolines ----------------------------------- */

enum { CB_OBJECTIVE, CB_INEQUALITY, CB_EQUALITY };

typedef struct opt_run {
  lua_State *L;
  nlopt_opt opt;
  unsigned n;
  int fns_idx;      /* stack index of our private array of callback functions */
  int err_idx;      /* stack index of the slot holding the parked error object */
  int failed;       /* a callback failed: the error object is in err_idx */
  int cancelled;    /* the run's deadline or memory budget ran out */
  const folio_cancel *cancel; /* the engine's (fl_cancel_of), looked up before NLopt runs */
  long evaluations; /* objective calls */
} opt_run;

typedef struct opt_callback {
  opt_run *run;
  int kind;          /* CB_* */
  int number;        /* 1-based within its kind */
  int fn;            /* index of the function in the fns array */
  long calls;        /* calls of this function so far */
  /* in/out for one protected call */
  const double *x;
  double *grad;
  double value;
} opt_callback;

/* "objective", "inequality constraint 2", ... into buf. */
static const char *callback_name(const opt_callback *cb, char *buf, size_t size) {
  if (cb->kind == CB_OBJECTIVE) return "objective";
  snprintf(buf, size, "%s constraint %d", cb->kind == CB_INEQUALITY ? "inequality" : "equality",
           cb->number);
  return buf;
}

/* Raises "<where>optimize: <callback> <what> at evaluation k". Runs inside the
 * trampoline's lua_pcall, so the error is parked like any other. Level 2 is
 * the Lua code that called folio.optimize (level 1 is optimize itself). */
static int callback_error(lua_State *L, const opt_callback *cb, const char *what) {
  char name[64];
  luaL_where(L, 2);
  lua_pushfstring(L, "%s: %s %s at evaluation %I", fname, callback_name(cb, name, sizeof name),
                  what, (lua_Integer)cb->calls);
  lua_concat(L, 2);
  return lua_error(L);
}

/* Describes a non-finite or non-number value at idx for an error message. */
static const char *bad_value(lua_State *L, int idx, char *buf, size_t size) {
  if (lua_type(L, idx) != LUA_TNUMBER) {
    const char *t = luaL_typename(L, idx); /* type name only: never call __tostring */
    snprintf(buf, size, "%s %s", strchr("aeiou", t[0]) ? "an" : "a", t);
    return buf;
  }
  double v = lua_tonumber(L, idx);
  return isnan(v) ? "NaN" : v > 0 ? "inf" : "-inf";
}

/* The protected body of one callback: builds fresh x (and grad) tables, calls
 * the Lua function, checks the result and copies the gradient back.
 * Arguments: [cb (light userdata), fn]. Any error raised here or by the Lua
 * function is caught by the trampoline's lua_pcall. */
static int callback_body(lua_State *L) {
  opt_callback *cb = lua_touserdata(L, 1);
  unsigned n = cb->run->n;
  char buf[64];
  lua_createtable(L, (int)n, 0); /* [cb, fn, x] */
  for (unsigned i = 0; i < n; i++) {
    lua_pushnumber(L, cb->x[i]);
    lua_rawseti(L, 3, (lua_Integer)i + 1);
  }
  if (cb->grad)
    lua_createtable(L, (int)n, 0); /* [cb, fn, x, grad] */
  else
    lua_pushnil(L);                /* [cb, fn, x, nil] */
  lua_pushvalue(L, 2);             /* [cb, fn, x, grad, fn] */
  lua_pushvalue(L, 3);             /* [cb, fn, x, grad, fn, x] */
  lua_pushvalue(L, 4);             /* [cb, fn, x, grad, fn, x, grad] */
  lua_call(L, 2, LUA_MULTRET);     /* [cb, fn, x, grad, results...] */
  if (lua_gettop(L) == 4) return callback_error(L, cb, "returned nothing");
  if (lua_type(L, 5) != LUA_TNUMBER || !isfinite(lua_tonumber(L, 5)))
    return callback_error(L, cb, lua_pushfstring(L, "returned %s", bad_value(L, 5, buf, sizeof buf)));
  cb->value = lua_tonumber(L, 5);
  if (cb->grad) {
    for (unsigned i = 0; i < n; i++) {
      lua_rawgeti(L, 4, (lua_Integer)i + 1); /* [..., grad[i]]: raw, the table is ours */
      if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
        return callback_error(L, cb, lua_pushfstring(L, "set gradient entry %d to %s", (int)i + 1,
                                                     bad_value(L, -1, buf, sizeof buf)));
      cb->grad[i] = lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
  }
  return 0;
}

/* The nlopt_func for every callback. Uses only Lua API calls that cannot
 * raise (pushes of light values, rawgeti on our own table, copy/settop) plus
 * one lua_pcall, so nothing ever longjmps through NLopt's frames. */
static double trampoline(unsigned n, const double *x, double *grad, void *data) {
  opt_callback *cb = data;
  opt_run *run = cb->run;
  lua_State *L = run->L;
  (void)n;
  if (run->failed) return HUGE_VAL; /* already stopping: never run Lua again */
  if (folio_cancel_requested(run->cancel)) { /* NLopt's own work between calls is
                                                              invisible to the hook */
    run->failed = run->cancelled = 1;
    nlopt_force_stop(run->opt);
    return HUGE_VAL;
  }
  cb->calls++;
  if (cb->kind == CB_OBJECTIVE) run->evaluations++;
  cb->x = x;
  cb->grad = grad;
  int top = lua_gettop(L);
  lua_pushcfunction(L, callback_body);   /* [..., body] (light C function: no allocation) */
  lua_pushlightuserdata(L, cb);          /* [..., body, cb] */
  lua_rawgeti(L, run->fns_idx, cb->fn);  /* [..., body, cb, fn] */
  int status = lua_pcall(L, 2, 0, 0);    /* [...] or [..., err] */
  if (status != LUA_OK) {
    lua_replace(L, run->err_idx);        /* [...]: park the error object as it is */
    run->failed = 1;
    nlopt_force_stop(run->opt);
    lua_settop(L, top);
    return HUGE_VAL;
  }
  lua_settop(L, top);
  return cb->value;
}

/* ---- argument reading ------------------------------------------------------ */

/* Length of the strict array t[1..n] at idx (no holes, no other keys); raises
 * naming `key`. Never iterates past max + 1 entries. */
static size_t check_array(lua_State *L, int idx, const char *key, size_t max) {
  idx = lua_absindex(L, idx);
  lua_Unsigned len = lua_rawlen(L, idx);
  if (len > max) fl_argerror(L, fname, "%s has more than %I entries", key, (lua_Integer)max);
  size_t count = 0;
  lua_pushnil(L); /* [..., nil] */
  while (lua_next(L, idx)) { /* [..., k, v] */
    lua_pop(L, 1);           /* [..., k] */
    int isint = 0;
    lua_Integer k = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
    if (!isint)
      fl_argerror(L, fname, "%s must be an array; it has a key of type %s", key,
                  luaL_typename(L, -1));
    if (k < 1 || (lua_Unsigned)k > len || ++count > len)
      fl_argerror(L, fname, "%s must be an array (keys 1..n, no holes); it has key %I", key, k);
  }
  return (size_t)len;
}

/* Reads the numeric array args[key] (or a single number broadcast to n
 * entries when allow_scalar) into out[n]. Returns 0 when absent. NaN is
 * always an error; infinities only when allow_inf. */
static int read_numbers(lua_State *L, const char *key, size_t n, double *out, int allow_scalar,
                        int allow_inf) {
  int t = lua_getfield(L, 1, key); /* [..., v] */
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  if (t == LUA_TNUMBER && allow_scalar) {
    double v = lua_tonumber(L, -1);
    if (isnan(v) || (!allow_inf && isinf(v))) fl_argerror(L, fname, "%s must not be %f", key, v);
    for (size_t i = 0; i < n; i++) out[i] = v;
    lua_pop(L, 1);
    return 1;
  }
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "%s must be an array of numbers%s, got %s", key,
                allow_scalar ? " or a number" : "", luaL_typename(L, -1));
  size_t len = check_array(L, -1, key, OPT_MAX_N);
  if (len != n)
    fl_argerror(L, fname, "%s has %I entries but x0 has %I", key, (lua_Integer)len, (lua_Integer)n);
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, -1, (lua_Integer)i + 1); /* [..., v, v[i]] */
    if (lua_type(L, -1) != LUA_TNUMBER)
      fl_argerror(L, fname, "%s[%I] must be a number, got %s", key, (lua_Integer)i + 1,
                  luaL_typename(L, -1));
    double v = lua_tonumber(L, -1);
    if (isnan(v) || (!allow_inf && isinf(v)))
      fl_argerror(L, fname, "%s[%I] must be finite, got %f", key, (lua_Integer)i + 1, v);
    out[i] = v;
    lua_pop(L, 1); /* [..., v] */
  }
  lua_pop(L, 1);
  return 1;
}

/* args[key] as a tolerance >= 0 (finite); def when absent. */
static double read_tolerance(lua_State *L, const char *key, double def) {
  double v = fl_opt_number(L, 1, fname, key, def);
  if (v < 0) fl_argerror(L, fname, "%s must be >= 0, got %f", key, v);
  return v;
}

/* Appends the functions of the array args[key] to the fns table at fns_idx;
 * returns how many. */
static int read_functions(lua_State *L, const char *key, int fns_idx, int *next) {
  int t = lua_getfield(L, 1, key); /* [..., list] */
  if (t == LUA_TNIL) {
    lua_pop(L, 1);
    return 0;
  }
  if (t != LUA_TTABLE)
    fl_argerror(L, fname, "%s must be an array of functions, got %s", key, luaL_typename(L, -1));
  size_t count = check_array(L, -1, key, OPT_MAX_CONSTRAINTS);
  for (size_t i = 0; i < count; i++) {
    if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TFUNCTION) /* [..., list, f] */
      fl_argerror(L, fname, "%s[%I] must be a function, got %s", key, (lua_Integer)i + 1,
                  luaL_typename(L, -1));
    lua_rawseti(L, fns_idx, (*next)++); /* [..., list]: snapshot, later edits of list do not matter */
  }
  lua_pop(L, 1);
  return (int)count;
}

/* ---- algorithms ------------------------------------------------------------ */

/* How NLopt's workspace grows, for the size check (doubles, estimated
 * generously from the algorithms' sources). */
typedef enum { WORK_LINEAR, WORK_SQUARE, WORK_POPULATION, WORK_PER_EVAL } work_class;

static work_class algorithm_work(nlopt_algorithm a) {
  switch (a) {
  case NLOPT_LD_LBFGS: case NLOPT_LD_LBFGS_NOCEDAL: case NLOPT_LD_MMA: case NLOPT_LD_CCSAQ:
  case NLOPT_LD_TNEWTON: case NLOPT_LD_TNEWTON_RESTART: case NLOPT_LD_TNEWTON_PRECOND:
  case NLOPT_LD_TNEWTON_PRECOND_RESTART: case NLOPT_LD_VAR1: case NLOPT_LD_VAR2:
    return WORK_LINEAR; /* limited-memory methods */
  case NLOPT_GN_ISRES: case NLOPT_GN_ESCH: case NLOPT_GN_CRS2_LM:
    return WORK_POPULATION; /* populations of 10-20 (n + 1) points */
  case NLOPT_GN_DIRECT: case NLOPT_GN_DIRECT_L: case NLOPT_GN_DIRECT_L_RAND:
  case NLOPT_GN_DIRECT_NOSCAL: case NLOPT_GN_DIRECT_L_NOSCAL: case NLOPT_GN_DIRECT_L_RAND_NOSCAL:
  case NLOPT_GN_ORIG_DIRECT: case NLOPT_GN_ORIG_DIRECT_L: case NLOPT_GN_MLSL: case NLOPT_GD_MLSL:
  case NLOPT_GN_MLSL_LDS: case NLOPT_GD_MLSL_LDS:
    return WORK_PER_EVAL; /* keep every rectangle or sample point */
  default:
    return WORK_SQUARE; /* quadratic models, simplices, dense QP work */
  }
}

/* 1 for the algorithms whose work between two objective calls grows like
 * n^3 (quadratic models, dense QP subproblems): OPT_MAX_N_DENSE applies. */
static int dense_steps(nlopt_algorithm a) {
  switch (a) {
  case NLOPT_LN_COBYLA: case NLOPT_LN_BOBYQA: case NLOPT_LN_NEWUOA: case NLOPT_LN_NEWUOA_BOUND:
  case NLOPT_LD_SLSQP:
    return 1;
  default:
    return 0;
  }
}

static double work_estimate(work_class c, double n, double m, double maxeval) {
  switch (c) {
  case WORK_LINEAR: return n * (2 * m + 64);
  case WORK_POPULATION: return 24 * (n + 1) * (n + 2 + m);
  case WORK_PER_EVAL: return maxeval * (2 * n + 4) + 8 * n * (n + m + 4);
  default: return 8 * n * (n + m + 4);
  }
}

static nlopt_algorithm check_algorithm(lua_State *L) {
  const char *name = fl_opt_string(L, 1, fname, "algorithm", "LN_COBYLA");
  int a = (int)nlopt_algorithm_from_string(name);
  if (a < 0 || a >= NLOPT_NUM_ALGORITHMS)
    fl_argerror(L, fname,
                "unknown algorithm '%s' (try LN_COBYLA, LN_BOBYQA, LN_NELDERMEAD, LN_SBPLX, "
                "LD_SLSQP, LD_LBFGS, LD_MMA, GN_DIRECT_L, GN_ISRES, GN_CRS2_LM)",
                name);
  switch (a) {
  case NLOPT_AUGLAG: case NLOPT_AUGLAG_EQ: case NLOPT_G_MLSL: case NLOPT_G_MLSL_LDS:
    fl_argerror(L, fname,
                "algorithm '%s' needs a separate local optimizer, which optimize does not take "
                "(use LN_AUGLAG, LD_AUGLAG, GN_MLSL or GD_MLSL)", name);
  default: break;
  }
  return (nlopt_algorithm)a;
}

/* Raises for a failed nlopt_set_* (out of memory or rejected arguments). */
static void check_nlopt(lua_State *L, nlopt_result r, nlopt_opt opt, const char *what) {
  if (r >= 0) return;
  const char *msg = nlopt_get_errmsg(opt);
  luaL_error(L, "%s: %s failed (%s%s%s)", fname, what, nlopt_result_to_string(r),
             msg ? ": " : "", msg ? msg : "");
}

/* ---- optimize ---------------------------------------------------------------- */

static int l_optimize(lua_State *L) {
  static const char *const keys[] = {"objective", "x0", "lower", "upper", "algorithm",
                                     "minimize", "maxeval", "maxtime", "xtol_rel", "ftol_rel",
                                     "ftol_abs", "xtol_abs", "seed", "inequality", "equality",
                                     NULL};
  fl_check_args(L, 1, fname, keys);
  lua_settop(L, 1); /* [args] */

  /* x0 first: it fixes n for every other array */
  if (lua_getfield(L, 1, "x0") != LUA_TTABLE) /* [args, x0] */
    fl_argerror(L, fname, "x0 must be a non-empty array of numbers, got %s", luaL_typename(L, -1));
  size_t n = check_array(L, -1, "x0", OPT_MAX_N);
  lua_pop(L, 1); /* [args] */
  if (n == 0) fl_argerror(L, fname, "x0 is empty");
  if (lua_getfield(L, 1, "objective") != LUA_TFUNCTION) /* [args, f] */
    fl_argerror(L, fname, "objective must be a function, got %s", luaL_typename(L, -1));
  lua_pop(L, 1); /* [args] */
  nlopt_algorithm alg = check_algorithm(L);
  const char *alg_name = nlopt_algorithm_to_string(alg);
  if (lua_getfield(L, 1, "maxeval") == LUA_TNIL) /* [args, maxeval] */
    fl_argerror(L, fname, "maxeval is required (1..%d): a hostile objective must be bounded",
                OPT_MAX_EVAL);
  lua_pop(L, 1); /* [args] */
  long long maxeval = fl_req_integer(L, 1, fname, "maxeval", 1, OPT_MAX_EVAL);
  int minimize = fl_opt_boolean(L, 1, fname, "minimize", 1);
  double maxtime = fl_opt_number(L, 1, fname, "maxtime", 0);
  if (maxtime < 0) fl_argerror(L, fname, "maxtime must be >= 0 seconds (0 = none), got %f", maxtime);
  double xtol_rel = read_tolerance(L, "xtol_rel", OPT_DEFAULT_XTOL_REL);
  double ftol_rel = read_tolerance(L, "ftol_rel", 0);
  double ftol_abs = read_tolerance(L, "ftol_abs", 0);
  long long seed = fl_opt_integer(L, 1, fname, "seed", OPT_DEFAULT_SEED, 0, 9007199254740991LL);

  /* buffers: Lua userdata, freed by the GC on every path */
  double *x = fl_scratch(L, n, sizeof(double));     /* [args, x] */
  double *lower = fl_scratch(L, n, sizeof(double)); /* [args, x, lower] */
  double *upper = fl_scratch(L, n, sizeof(double)); /* [args, x, lower, upper] */
  double *xtol_abs = fl_scratch(L, n, sizeof(double)); /* [args, x, lower, upper, xtol_abs] */
  read_numbers(L, "x0", n, x, 0, 0);
  int has_lower = read_numbers(L, "lower", n, lower, 1, 1);
  int has_upper = read_numbers(L, "upper", n, upper, 1, 1);
  if (!has_lower)
    for (size_t i = 0; i < n; i++) lower[i] = -HUGE_VAL;
  if (!has_upper)
    for (size_t i = 0; i < n; i++) upper[i] = HUGE_VAL;
  int has_xtol_abs = read_numbers(L, "xtol_abs", n, xtol_abs, 1, 0);
  for (size_t i = 0; i < n; i++) {
    lua_Integer k = (lua_Integer)i + 1;
    if (!(lower[i] <= upper[i]))
      fl_argerror(L, fname, "lower[%I] = %f is above upper[%I] = %f", k, lower[i], k, upper[i]);
    if (x[i] < lower[i] || x[i] > upper[i])
      fl_argerror(L, fname, "x0[%I] = %f is outside its bounds [%f, %f]", k, x[i], lower[i],
                  upper[i]);
    if (has_xtol_abs && xtol_abs[i] < 0)
      fl_argerror(L, fname, "xtol_abs[%I] must be >= 0, got %f", k, xtol_abs[i]);
    if (alg_name[0] == 'G' && (isinf(lower[i]) || isinf(upper[i])))
      fl_argerror(L, fname, "global algorithm %s needs finite lower and upper bounds (index %I)",
                  alg_name, k);
  }

  /* callbacks: a private snapshot of the functions, so the trampolines can
   * fetch them with rawgeti and later edits of the caller's tables are moot */
  lua_createtable(L, 8, 0); /* [..., fns] */
  int fns_idx = lua_gettop(L);
  int next_fn = 1;
  lua_getfield(L, 1, "objective"); /* [..., fns, objective] */
  lua_rawseti(L, fns_idx, next_fn++); /* [..., fns] */
  int n_ineq = read_functions(L, "inequality", fns_idx, &next_fn);
  int n_eq = read_functions(L, "equality", fns_idx, &next_fn);
  if (n_ineq + n_eq > OPT_MAX_CONSTRAINTS)
    fl_argerror(L, fname, "too many constraint functions (%d; at most %d)", n_ineq + n_eq,
                OPT_MAX_CONSTRAINTS);

  if (n > OPT_MAX_N_DENSE && dense_steps(alg))
    fl_argerror(L, fname,
                "%s does dense O(n^3) work between objective calls: at most %d variables "
                "(x0 has %I); use LD_LBFGS, LD_MMA or LD_CCSAQ for large problems",
                alg_name, OPT_MAX_N_DENSE, (lua_Integer)n);
  double work = work_estimate(algorithm_work(alg), (double)n, n_ineq + n_eq, (double)maxeval);
  if (work > OPT_MAX_WORK_DOUBLES)
    fl_argerror(L, fname,
                "%s with %I variables and maxeval %I needs about %d MiB of work space "
                "(limit %d MiB); use LD_LBFGS, LD_MMA or LD_CCSAQ for large problems",
                alg_name, (lua_Integer)n, (lua_Integer)maxeval, (int)(work * 8 / 1048576),
                (int)(OPT_MAX_WORK_DOUBLES * 8 / 1048576));

  int n_cb = 1 + n_ineq + n_eq;
  opt_callback *cbs = fl_scratch(L, (size_t)n_cb, sizeof *cbs); /* [..., fns, cbs] */
  lua_pushnil(L);                                               /* [..., fns, cbs, err] */
  int err_idx = lua_gettop(L);
  fl_box *box = fl_box_push(L, release_opt);                    /* [..., fns, cbs, err, box] */
  /* room for the trampoline's three pushes, checked now rather than inside NLopt */
  luaL_checkstack(L, 8, "optimize");

  opt_run run;
  run.L = L;
  run.n = (unsigned)n;
  run.fns_idx = fns_idx;
  run.err_idx = err_idx;
  run.failed = 0;
  run.cancelled = 0;
  run.cancel = fl_cancel_of(L); /* no Lua call (not even a registry lookup) inside NLopt */
  run.evaluations = 0;
  for (int i = 0; i < n_cb; i++) {
    cbs[i].run = &run;
    cbs[i].kind = i == 0 ? CB_OBJECTIVE : i <= n_ineq ? CB_INEQUALITY : CB_EQUALITY;
    cbs[i].number = i == 0 ? 1 : i <= n_ineq ? i : i - n_ineq;
    cbs[i].fn = i + 1;
    cbs[i].calls = 0;
    cbs[i].x = NULL;
    cbs[i].grad = NULL;
    cbs[i].value = 0;
  }

  /* From here an error (a rejected setting) leaves the opt to the box's __gc. */
  nlopt_opt opt = nlopt_create(alg, (unsigned)n);
  box->p = opt;
  if (!opt) return luaL_error(L, "%s: cannot create the %s optimiser (out of memory)", fname, alg_name);
  run.opt = opt;
  check_nlopt(L, minimize ? nlopt_set_min_objective(opt, trampoline, &cbs[0])
                          : nlopt_set_max_objective(opt, trampoline, &cbs[0]),
              opt, "setting the objective");
  check_nlopt(L, nlopt_set_lower_bounds(opt, lower), opt, "setting lower");
  check_nlopt(L, nlopt_set_upper_bounds(opt, upper), opt, "setting upper");
  for (int i = 1; i < n_cb; i++) {
    nlopt_result r = cbs[i].kind == CB_INEQUALITY
                         ? nlopt_add_inequality_constraint(opt, trampoline, &cbs[i], 1e-8)
                         : nlopt_add_equality_constraint(opt, trampoline, &cbs[i], 1e-8);
    if (r < 0)
      return luaL_error(L, "%s: algorithm %s does not support %s constraints", fname, alg_name,
                        cbs[i].kind == CB_INEQUALITY ? "inequality" : "equality");
  }
  check_nlopt(L, nlopt_set_maxeval(opt, (int)maxeval), opt, "setting maxeval");
  /* The run's deadline as NLopt's maxtime too (checked by NLopt's loops, not
   * only at our calls); a stop for it is reported as the budget kill below. */
  double left = fl_cancel_remaining(L);
  if (left > 0 && (maxtime <= 0 || left < maxtime)) maxtime = left;
  if (maxtime > 0) check_nlopt(L, nlopt_set_maxtime(opt, maxtime), opt, "setting maxtime");
  check_nlopt(L, nlopt_set_xtol_rel(opt, xtol_rel), opt, "setting xtol_rel");
  check_nlopt(L, nlopt_set_ftol_rel(opt, ftol_rel), opt, "setting ftol_rel");
  check_nlopt(L, nlopt_set_ftol_abs(opt, ftol_abs), opt, "setting ftol_abs");
  /* Always set xtol_abs, even to its default 0: NLopt 2.7.1 leaves it NULL
   * otherwise and its MLSL/AUGLAG paths then memcpy from NULL (a crash fixed
   * upstream by stevengj/nlopt#462). */
  check_nlopt(L, has_xtol_abs ? nlopt_set_xtol_abs(opt, xtol_abs) : nlopt_set_xtol_abs1(opt, 0),
              opt, "setting xtol_abs");

  /* NLopt's RNG is thread-local: seed it on this thread, right before the run */
  nlopt_srand((unsigned long)seed);
  double fval = HUGE_VAL;
  nlopt_result result = nlopt_optimize(opt, x, &fval);
  char nlopt_msg[256] = "";
  if (nlopt_get_errmsg(opt)) snprintf(nlopt_msg, sizeof nlopt_msg, "%s", nlopt_get_errmsg(opt));
  fl_box_release(box); /* NLopt's frames are gone: release it before raising anything */

  if (run.cancelled || (result == NLOPT_MAXTIME_REACHED && fl_cancel_expired(L))) {
    char where[160];
    snprintf(where, sizeof where, "%s: %s stopped at evaluation %ld", fname, alg_name,
             run.evaluations);
    return fl_cancel_raise(L, where); /* the budget kill, as the hook raises it */
  }
  if (run.failed) {
    lua_pushvalue(L, err_idx); /* [..., err, box, err]: the callback's error object, unchanged */
    return lua_error(L);
  }
  if (result == NLOPT_INVALID_ARGS || result == NLOPT_OUT_OF_MEMORY || result == NLOPT_FORCED_STOP)
    return luaL_error(L, "%s: %s with %s%s%s", fname, nlopt_result_to_string(result), alg_name,
                      nlopt_msg[0] ? ": " : "", nlopt_msg);

  lua_createtable(L, 0, 5);        /* [..., res] */
  lua_createtable(L, (int)n, 0);   /* [..., res, x] */
  for (size_t i = 0; i < n; i++) {
    lua_pushnumber(L, x[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "x");        /* [..., res] */
  fl_set_number(L, "f", fval);
  lua_pushstring(L, nlopt_result_to_string(result));
  lua_setfield(L, -2, "status");
  fl_set_integer(L, "evaluations", (lua_Integer)run.evaluations);
  if (result < 0 && nlopt_msg[0]) { /* FAILURE / ROUNDOFF_LIMITED: say why */
    lua_pushstring(L, nlopt_msg);
    lua_setfield(L, -2, "message");
  }
  return 1;
}

/* Pushes the folio.optimize function. */
int fl_open_optimize(lua_State *L) {
  lua_pushcfunction(L, l_optimize);       /* [optimize] */
  return 1;
}
