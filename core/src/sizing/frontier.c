/*
 * frontier.c — the efficient-frontier problems of frontier.h, each written
 * as one convex QP (qp.h) on the variables
 *
 *   [ w (or y = κw for max_sharpe) | κ (max_sharpe only) | u⁺ u⁻ (with current: w − c = u⁺ − u⁻) ]
 *
 * The problem is built into one workspace; validation comes first, so every
 * error names a symbol, a sector or a value before any solve. Binding
 * constraints and the reported return, volatility and Sharpe ratio are
 * computed from the final weights, never from the solver's internals.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/frontier.h"
#include "internal.h"

folio_frontier_opts folio_frontier_defaults(void) {
  folio_frontier_opts o;
  memset(&o, 0, sizeof o);
  o.max_turnover = INFINITY;
  o.risk_aversion = 1.0;
  o.qp = folio_qp_defaults();
  return o;
}

/* ==== the problem being built ============================================= */

typedef enum {
  FR_MINVOL,  /* min w'Σw + γ|w|² + k|w − c|₁ */
  FR_UTILITY, /* min δ/2 w'Σw − μ'w + γ|w|² + k|w − c|₁ */
  FR_RETURN,  /* FR_MINVOL s.t. μ'w >= r */
  FR_RISK,    /* min (1 − λ) w'Σw + λ (−μ'w + γ|w|² + k|w − c|₁) */
  FR_MAXRET,  /* min −μ'w (an LP: the largest reachable return) */
  FR_SHARPE   /* the homogenised max-Sharpe problem in (y, κ) */
} fr_kind;

typedef struct fr_ctx {
  const char *who;
  size_t n, ns;
  const char *const *symbols;
  const double *mu, *cov;
  size_t ld;
  folio_frontier_opts o;
  const double *lo, *hi;          /* effective bounds */
  double *dlo, *dhi;              /* their storage when defaulted */
  int split;                      /* current with a turnover cap or a cost */
  size_t nv_max, neq_max, nin_max;
  double *q, *c, *aeq, *beq, *ain, *bin, *vlo, *vup, *x, *w;
  void *qpwork;
  folio_qp_problem p;
  int force_prox;
  signed char *hint;              /* the last solution's bounds, for the next solve of a sequence */
  signed char *hint_prev;         /* efficient_risk: the solve before's */
  double *w_prev, *dw, *sdw;      /* efficient_risk: its weights, the difference, Σ times it */
  int use_hint, have_hint;
  int iterations, solves;
  folio_qp_kkt kkt;
  double budget;                  /* Σw: 1, or 0 when market neutral */
} fr_ctx;

static void fr_carve(folio_i_arena *ar, size_t n, size_t ns, int split, fr_ctx *c) {
  c->nv_max = n + 1 + (split ? 2 * n : 0);
  c->neq_max = 2 + (split ? n : 0);
  c->nin_max = 2 * ns + 2 + 2 * n;
  size_t nv = c->nv_max;
  c->q = folio_i_take_mat(ar, nv, nv, sizeof(double));
  c->aeq = folio_i_take_mat(ar, c->neq_max, nv, sizeof(double));
  c->ain = folio_i_take_mat(ar, c->nin_max, nv, sizeof(double));
  c->beq = folio_i_take(ar, c->neq_max, sizeof(double));
  c->bin = folio_i_take(ar, c->nin_max, sizeof(double));
  double **vecs[] = {&c->c, &c->vlo, &c->vup, &c->x};
  for (size_t k = 0; k < sizeof vecs / sizeof *vecs; k++) *vecs[k] = folio_i_take(ar, nv, sizeof(double));
  c->w = folio_i_take(ar, n, sizeof(double));
  c->hint = folio_i_take(ar, nv, 1);
  c->hint_prev = folio_i_take(ar, nv, 1);
  c->w_prev = folio_i_take(ar, n, sizeof(double));
  c->dw = folio_i_take(ar, n, sizeof(double));
  c->sdw = folio_i_take(ar, n, sizeof(double));
  c->dlo = folio_i_take(ar, n, sizeof(double));
  c->dhi = folio_i_take(ar, n, sizeof(double));
  size_t qb = folio_qp_work_size(nv, c->neq_max, c->nin_max);
  if (qb == 0) ar->overflow = 1;
  c->qpwork = folio_i_take(ar, qb ? qb : 1, 1);
}

size_t folio_frontier_work_size(size_t n_assets, size_t n_sectors, int with_current) {
  if (n_assets > FOLIO_MAX_DIM || n_sectors > FOLIO_MAX_DIM) return 0;
  folio_i_arena ar = {NULL, 0, 0};
  fr_ctx c;
  fr_carve(&ar, n_assets, n_sectors, with_current != 0, &c);
  return ar.overflow ? 0 : ar.used;
}

static const char *sym(const fr_ctx *c, size_t i, char *buf, size_t size) {
  return folio_i_symbol(c->symbols, i, buf, size);
}

static const char *sector_name(const fr_ctx *c, size_t s, char *buf, size_t size) {
  if (c->o.sector_names && c->o.sector_names[s]) return c->o.sector_names[s];
  snprintf(buf, size, "sector #%zu", s);
  return buf;
}

/* ==== validation ========================================================== */

static folio_status validate(fr_ctx *c, int need_mu, folio_error *err) {
  const char *who = c->who;
  size_t n = c->n;
  char b1[64], b2[64];
  if (n == 0) return folio_error_set(err, FOLIO_EEMPTY, "%s: no assets", who);
  if (!c->cov) return folio_error_set(err, FOLIO_EINVAL, "%s: cov is NULL", who);
  if (need_mu && !c->mu) return folio_error_set(err, FOLIO_EINVAL, "%s: mu is NULL", who);
  folio_status st = folio_i_check_cov_shape(who, n, c->ld, err);
  if (st < 0) return st;
  const folio_frontier_opts *o = &c->o;
  if (c->mu)
    for (size_t i = 0; i < n; i++)
      if (!isfinite(c->mu[i]))
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: mu is not finite (symbol %s: %g)", who,
                               sym(c, i, b1, sizeof b1), c->mu[i]);
  for (size_t j = 0; j < n; j++)
    for (size_t i = 0; i < n; i++)
      if (!isfinite(c->cov[i + j * c->ld]))
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: cov is not finite (symbols %s, %s: %g)",
                               who, sym(c, i, b1, sizeof b1), sym(c, j, b2, sizeof b2),
                               c->cov[i + j * c->ld]);
  for (size_t i = 0; i < n; i++)
    if (c->cov[i + i * c->ld] < 0)
      return folio_error_set(err, FOLIO_ENOTPD,
                             "%s: cov is not positive semidefinite (negative variance %g, symbol %s)",
                             who, c->cov[i + i * c->ld], sym(c, i, b1, sizeof b1));
  for (size_t j = 0; j < n; j++)
    for (size_t i = j + 1; i < n; i++) {
      double x = c->cov[i + j * c->ld], y = c->cov[j + i * c->ld];
      double scale = sqrt(c->cov[i + i * c->ld] * c->cov[j + j * c->ld]);
      if (fabs(x - y) > 1e-10 * scale)
        return folio_error_set(err, FOLIO_ENOTSYM,
                               "%s: cov is not symmetric (symbols %s and %s: %.17g vs %.17g)", who,
                               sym(c, j, b1, sizeof b1), sym(c, i, b2, sizeof b2), y, x);
    }
  if (!isfinite(o->gamma) || o->gamma < 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: gamma must be >= 0, got %g", who, o->gamma);
  if (!isfinite(o->risk_free_rate))
    return folio_error_set(err, FOLIO_EINVAL, "%s: risk_free_rate is not finite", who);
  if (!(o->risk_aversion > 0) || !isfinite(o->risk_aversion))
    return folio_error_set(err, FOLIO_EINVAL, "%s: risk_aversion must be > 0, got %g", who,
                           o->risk_aversion);
  if (!(o->cost_bps >= 0) || !isfinite(o->cost_bps))
    return folio_error_set(err, FOLIO_EINVAL, "%s: cost_bps must be >= 0, got %g", who, o->cost_bps);
  if (isnan(o->max_turnover) || o->max_turnover < 0)
    return folio_error_set(err, FOLIO_EINVAL, "%s: max_turnover must be >= 0, got %g", who,
                           o->max_turnover);
  if (!o->current && (isfinite(o->max_turnover) || o->cost_bps > 0))
    return folio_error_set(err, FOLIO_EINVAL, "%s: max_turnover and cost_bps need current weights",
                           who);
  if (o->current)
    for (size_t i = 0; i < n; i++)
      if (!isfinite(o->current[i]))
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: current is not finite (symbol %s: %g)",
                               who, sym(c, i, b1, sizeof b1), o->current[i]);
  /* bounds */
  c->budget = o->market_neutral ? 0.0 : 1.0;
  double slo = 0, shi = 0;
  int any_short = 0;
  for (size_t i = 0; i < n; i++) {
    double l = o->lower ? o->lower[i] : 0.0, u = o->upper ? o->upper[i] : 1.0;
    if (isnan(l) || isnan(u))
      return folio_error_set(err, FOLIO_EINVAL, "%s: bound of %s is NaN", who, sym(c, i, b1, sizeof b1));
    if (l > u || l == INFINITY || u == -INFINITY)
      return folio_error_set(err, FOLIO_EINVAL, "%s: lower bound %g > upper bound %g (symbol %s)",
                             who, l, u, sym(c, i, b1, sizeof b1));
    c->dlo[i] = l;
    c->dhi[i] = u;
    slo += l;
    shi += u;
    if (l < 0) any_short = 1;
  }
  c->lo = c->dlo;
  c->hi = c->dhi;
  if (o->market_neutral && !any_short)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: market_neutral needs shorts, but every lower bound is >= 0", who);
  if (slo > c->budget + 1e-12)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: the lower bounds sum to %.10g, more than the weights' sum %g", who,
                           slo, c->budget);
  if (shi < c->budget - 1e-12)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: the upper bounds sum to %.10g, less than the weights' sum %g", who,
                           shi, c->budget);
  /* sectors */
  if (c->ns) {
    if (!o->sector) return folio_error_set(err, FOLIO_EINVAL, "%s: n_sectors > 0 without sector", who);
    for (size_t i = 0; i < n; i++)
      if (o->sector[i] != FOLIO_FRONTIER_NO_SECTOR && o->sector[i] >= c->ns)
        return folio_error_set(err, FOLIO_EINVAL, "%s: sector index %zu of %s is out of range", who,
                               o->sector[i], sym(c, i, b1, sizeof b1));
    for (size_t s = 0; s < c->ns; s++) {
      double L = o->sector_lower ? o->sector_lower[s] : -INFINITY;
      double U = o->sector_upper ? o->sector_upper[s] : INFINITY;
      if (isnan(L) || isnan(U) || L > U)
        return folio_error_set(err, FOLIO_EINVAL, "%s: sector %s: lower limit %g > upper limit %g",
                               who, sector_name(c, s, b1, sizeof b1), L, U);
      double ml = 0, mh = 0;
      for (size_t i = 0; i < n; i++)
        if (o->sector[i] == s) {
          ml += c->lo[i];
          mh += c->hi[i];
        }
      if (ml > U + 1e-12)
        return folio_error_set(err, FOLIO_EINVAL,
                               "%s: sector %s: its members' lower bounds sum to %g, above its "
                               "upper limit %g",
                               who, sector_name(c, s, b1, sizeof b1), ml, U);
      if (mh < L - 1e-12)
        return folio_error_set(err, FOLIO_EINVAL,
                               "%s: sector %s: its members' upper bounds sum to %g, below its "
                               "lower limit %g",
                               who, sector_name(c, s, b1, sizeof b1), mh, L);
    }
  }
  return FOLIO_OK;
}

/* ==== building and solving one QP ========================================= */

/* Builds the QP of `kind` (param: r for FR_RETURN, λ for FR_RISK). */
static void build(fr_ctx *c, fr_kind kind, double param) {
  size_t n = c->n;
  const folio_frontier_opts *o = &c->o;
  int sharpe = kind == FR_SHARPE;
  size_t kap = n, uofs = n + (sharpe ? 1 : 0);
  size_t nv = uofs + (c->split ? 2 * n : 0);
  int lo_nonneg = 1;
  for (size_t i = 0; i < n; i++)
    if (c->lo[i] < 0) lo_nonneg = 0;
  /* counts */
  size_t neq = (sharpe ? 2 : 1) + (c->split ? n : 0), nin = 0;
  for (size_t s = 0; s < c->ns; s++) {
    if (o->sector_lower && isfinite(o->sector_lower[s])) nin++;
    if (o->sector_upper && isfinite(o->sector_upper[s])) nin++;
  }
  if (c->split && isfinite(o->max_turnover)) nin++;
  if (kind == FR_RETURN) nin++;
  if (sharpe)
    for (size_t i = 0; i < n; i++) {
      if (isfinite(c->lo[i]) && c->lo[i] != 0.0) nin++;
      if (isfinite(c->hi[i]) && !(c->hi[i] >= 1.0 && lo_nonneg)) nin++;
    }
  memset(c->q, 0, nv * nv * sizeof(double));
  memset(c->c, 0, nv * sizeof(double));
  memset(c->aeq, 0, neq * nv * sizeof(double));
  memset(c->ain, 0, (nin ? nin : 1) * nv * sizeof(double));
  /* the quadratic term on w (or y) */
  double fs, fi;
  switch (kind) {
    case FR_UTILITY: fs = o->risk_aversion; fi = 2.0 * o->gamma; break;
    case FR_RISK: fs = 2.0 * (1.0 - param); fi = 2.0 * param * o->gamma; break;
    case FR_MAXRET: fs = 0.0; fi = 0.0; break;
    default: fs = 2.0; fi = 2.0 * o->gamma; break;
  }
  for (size_t j = 0; j < n; j++) {
    for (size_t i = j; i < n; i++) {
      double v = c->cov[(i > j ? i : j) + (i > j ? j : i) * c->ld]; /* row of the later index */
      c->q[i + j * nv] = fs * v;
      c->q[j + i * nv] = fs * v;
    }
    c->q[j + j * nv] += fi;
  }
  if (sharpe) { /* + ρ (1'y − κ)²: zero on the feasible set, makes the Hessian definite in κ */
    double rho = 0.0;
    for (size_t i = 0; i < n; i++) rho += c->cov[i + i * c->ld];
    rho = rho > 0 ? rho / (double)n : 1.0;
    for (size_t j = 0; j <= n; j++)
      for (size_t i = 0; i <= n; i++) c->q[i + j * nv] += rho * (i == kap ? -1.0 : 1.0) * (j == kap ? -1.0 : 1.0);
  }
  /* the linear term */
  if (kind == FR_UTILITY || kind == FR_MAXRET)
    for (size_t i = 0; i < n; i++) c->c[i] = -c->mu[i];
  if (kind == FR_RISK)
    for (size_t i = 0; i < n; i++) c->c[i] = -param * c->mu[i];
  if (c->split && kind != FR_MAXRET && kind != FR_SHARPE) {
    double k = o->cost_bps / 1e4 * (kind == FR_RISK ? param : 1.0);
    for (size_t i = 0; i < 2 * n; i++) c->c[uofs + i] = k;
  }
  /* variable bounds */
  for (size_t i = 0; i < nv; i++) {
    c->vlo[i] = i < n ? c->lo[i] : 0.0;
    c->vup[i] = i < n ? c->hi[i] : INFINITY;
  }
  if (sharpe)
    for (size_t i = 0; i < n; i++) {
      c->vlo[i] = c->lo[i] == 0.0 ? 0.0 : -INFINITY;
      c->vup[i] = INFINITY;
    }
  if (kind == FR_MAXRET && o->gamma == 0.0) c->force_prox = 1;
  /* equalities (ld neq) */
  size_t e = 0;
  if (sharpe) {
    /* (μ − r_f)'y = s for any s > 0 (the problem is homogeneous); s = the largest
     * excess return keeps y = κw of the size of w, and the residuals comparable */
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s = fmax(s, c->mu[i] - o->risk_free_rate);
    for (size_t i = 0; i < n; i++) c->aeq[e + i * neq] = c->mu[i] - o->risk_free_rate;
    c->beq[e++] = s;
    for (size_t i = 0; i < n; i++) c->aeq[e + i * neq] = 1.0;
    c->aeq[e + kap * neq] = -1.0;
    c->beq[e++] = 0.0;
  } else {
    for (size_t i = 0; i < n; i++) c->aeq[e + i * neq] = 1.0;
    c->beq[e++] = c->budget;
  }
  if (c->split)
    for (size_t i = 0; i < n; i++, e++) {
      c->aeq[e + i * neq] = 1.0;
      c->aeq[e + (uofs + i) * neq] = -1.0;
      c->aeq[e + (uofs + n + i) * neq] = 1.0;
      if (sharpe) {
        c->aeq[e + kap * neq] = -o->current[i];
        c->beq[e] = 0.0;
      } else {
        c->beq[e] = o->current[i];
      }
    }
  /* inequalities A x <= b (ld nin) */
  size_t r = 0;
  for (size_t s = 0; s < c->ns; s++)
    for (int side = 0; side < 2; side++) {
      const double *lim = side ? o->sector_upper : o->sector_lower;
      if (!lim || !isfinite(lim[s])) continue;
      double sg = side ? 1.0 : -1.0; /* upper: Σw <= U; lower: −Σw <= −L */
      for (size_t i = 0; i < n; i++)
        if (o->sector[i] == s) c->ain[r + i * nin] = sg;
      if (sharpe) {
        c->ain[r + kap * nin] = -sg * lim[s];
        c->bin[r++] = 0.0;
      } else {
        c->bin[r++] = sg * lim[s];
      }
    }
  if (c->split && isfinite(o->max_turnover)) {
    for (size_t i = 0; i < 2 * n; i++) c->ain[r + (uofs + i) * nin] = 1.0;
    if (sharpe) {
      c->ain[r + kap * nin] = -o->max_turnover;
      c->bin[r++] = 0.0;
    } else {
      c->bin[r++] = o->max_turnover;
    }
  }
  if (kind == FR_RETURN) {
    for (size_t i = 0; i < n; i++) c->ain[r + i * nin] = -c->mu[i];
    c->bin[r++] = -param;
  }
  if (sharpe) {
    for (size_t i = 0; i < n; i++) {
      if (isfinite(c->lo[i]) && c->lo[i] != 0.0) { /* −y_i + l_i κ <= 0 */
        c->ain[r + i * nin] = -1.0;
        c->ain[r + kap * nin] = c->lo[i];
        c->bin[r++] = 0.0;
      }
      if (isfinite(c->hi[i]) && !(c->hi[i] >= 1.0 && lo_nonneg)) { /* y_i − u_i κ <= 0 */
        c->ain[r + i * nin] = 1.0;
        c->ain[r + kap * nin] = -c->hi[i];
        c->bin[r++] = 0.0;
      }
    }
    c->vlo[kap] = 0.0;
    c->vup[kap] = INFINITY;
  }
  folio_qp_problem *p = &c->p;
  memset(p, 0, sizeof *p);
  p->n_vars = nv;
  p->q = c->q;
  p->ld_q = nv;
  p->c = c->c;
  p->n_eq = neq;
  p->a_eq = c->aeq;
  p->ld_a_eq = neq;
  p->b_eq = c->beq;
  p->n_ineq = nin;
  p->a_in = c->ain;
  p->ld_a_in = nin ? nin : 1;
  p->b_in = c->bin;
  p->lower = c->vlo;
  p->upper = c->vup;
  if (c->split) c->force_prox = 1;
}

/* Solves the built QP; on success c->w holds the weights. infeasible (may
 * be NULL) is set to 1 when the QP said the constraints admit no point, in
 * which case the error message is left for the caller to write. */
static folio_status solve(fr_ctx *c, fr_kind kind, int *infeasible, folio_error *err) {
  folio_qp_opts qo = c->o.qp;
  qo.force_prox = c->force_prox;
  c->force_prox = 0;
  if (c->use_hint && c->have_hint) qo.start = c->hint; /* a sequence of close problems */
  folio_qp_info qi;
  folio_error qe;
  folio_error_clear(&qe);
  if (infeasible) *infeasible = 0;
  folio_status st = folio_qp_solve(&c->p, &qo, c->x, NULL, NULL, NULL, NULL, c->qpwork, &qi, &qe);
  c->solves++;
  if (st == FOLIO_EINVAL && strstr(qe.message, "infeasible")) {
    if (infeasible) {
      *infeasible = 1;
      return st;
    }
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: the constraints admit no portfolio (bounds, sectors, turnover "
                           "together; %s)",
                           c->who, qe.message);
  }
  if (st == FOLIO_ENOTPD) {
    int v = 0;
    const char *at = strstr(qe.message, "variable ");
    if (at) v = atoi(at + 9);
    char b1[64];
    return folio_error_set(err, FOLIO_ENOTPD, "%s: cov is not positive semidefinite (symbol %s)",
                           c->who, sym(c, (size_t)v < c->n ? (size_t)v : 0, b1, sizeof b1));
  }
  if (st < 0) return folio_error_set(err, st, "%s: %s", c->who, qe.message);
  c->iterations += qi.iterations;
  c->kkt = qi.kkt;
  if (c->use_hint) { /* bounds are met exactly by the solver (they are set, not computed) */
    for (size_t i = 0; i < c->p.n_vars; i++)
      c->hint[i] = c->x[i] == c->vlo[i] ? -1 : c->x[i] == c->vup[i] ? 1 : 0;
    c->have_hint = 1;
  }
  size_t n = c->n;
  if (kind == FR_SHARPE) {
    double kappa = c->x[n];
    if (!(kappa > 0))
      return folio_error_set(err, FOLIO_EDEGENERATE, "%s: the homogenised problem gave κ = %g",
                             c->who, kappa);
    for (size_t i = 0; i < n; i++) c->w[i] = c->x[i] / kappa;
  } else {
    memcpy(c->w, c->x, n * sizeof(double));
  }
  for (size_t i = 0; i < n; i++)
    if (!isfinite(c->w[i]))
      return folio_error_set(err, FOLIO_EDEGENERATE, "%s: a weight is not finite", c->who);
  return FOLIO_OK;
}

/* w'Σw from the lower triangle (the row of the later index, as everywhere here). */
static double port_var(const fr_ctx *c, const double *w) {
  double *s = c->x + c->n; /* scratch: x's tail past the weights is not read after a solve */
  double v = 0.0;
  if (c->nv_max >= 2 * c->n) {
    cblas_dsymv(CblasColMajor, CblasLower, (int)c->n, 1.0, c->cov, (int)c->ld, w, 1, 0.0, s, 1);
    v = cblas_ddot((int)c->n, s, 1, w, 1);
  } else {
    for (size_t j = 0; j < c->n; j++) {
      double t = c->cov[j + j * c->ld] * w[j];
      for (size_t i = j + 1; i < c->n; i++) t += 2.0 * c->cov[i + j * c->ld] * w[i];
      v += w[j] * t;
    }
  }
  return v > 0 ? v : 0.0;
}

static double port_ret(const fr_ctx *c, const double *w) {
  if (!c->mu) return NAN;
  double r = 0.0;
  for (size_t i = 0; i < c->n; i++) r += c->mu[i] * w[i];
  return r;
}

/* Writes weights, binding and info from c->w. target_binding: the target's own test. */
static void finish(fr_ctx *c, double *weights, folio_frontier_binding *b, folio_frontier_info *info,
                   int target_binding) {
  size_t n = c->n;
  const folio_frontier_opts *o = &c->o;
  memcpy(weights, c->w, n * sizeof(double));
  if (b) {
    for (size_t i = 0; i < n; i++) {
      if (b->lower) b->lower[i] = isfinite(c->lo[i]) && c->w[i] - c->lo[i] <= 1e-9 * (1 + fabs(c->lo[i]));
      if (b->upper) b->upper[i] = isfinite(c->hi[i]) && c->hi[i] - c->w[i] <= 1e-9 * (1 + fabs(c->hi[i]));
    }
    for (size_t s = 0; s < c->ns; s++) {
      double sum = 0.0;
      for (size_t i = 0; i < n; i++)
        if (o->sector[i] == s) sum += c->w[i];
      double L = o->sector_lower ? o->sector_lower[s] : -INFINITY;
      double U = o->sector_upper ? o->sector_upper[s] : INFINITY;
      if (b->sector_lower) b->sector_lower[s] = isfinite(L) && sum - L <= 1e-9 * (1 + fabs(L));
      if (b->sector_upper) b->sector_upper[s] = isfinite(U) && U - sum <= 1e-9 * (1 + fabs(U));
    }
    b->max_turnover = 0;
    if (o->current && isfinite(o->max_turnover)) {
      double t = 0.0;
      for (size_t i = 0; i < n; i++) t += fabs(c->w[i] - o->current[i]);
      b->max_turnover = o->max_turnover - t <= 1e-9 * (1 + o->max_turnover);
    }
    b->target = target_binding;
  }
  if (info) {
    info->expected_return = port_ret(c, c->w);
    info->volatility = sqrt(port_var(c, c->w));
    info->sharpe = info->volatility > 0 ? (info->expected_return - o->risk_free_rate) / info->volatility : NAN;
    info->iterations = c->iterations;
    info->qp_solves = c->solves;
    info->kkt = c->kkt;
  }
}

/* The common prologue: options, workspace, validation. *owned gets the block to free. */
static folio_status begin(fr_ctx *c, const char *who, size_t n, const double *mu, const double *cov,
                          size_t ld, const char *const *symbols, const folio_frontier_opts *opts,
                          const double *weights, int need_mu, void *work, void **owned,
                          folio_error *err) {
  memset(c, 0, sizeof *c);
  *owned = NULL;
  c->who = who;
  c->n = n;
  c->mu = mu;
  c->cov = cov;
  c->ld = ld;
  c->symbols = symbols;
  c->o = opts ? *opts : folio_frontier_defaults();
  c->ns = c->o.n_sectors;
  c->split = c->o.current && (isfinite(c->o.max_turnover) || c->o.cost_bps > 0);
  if (!weights) return folio_error_set(err, FOLIO_EINVAL, "%s: weights is NULL", who);
  if (n > FOLIO_MAX_DIM) return folio_error_set(err, FOLIO_EDIM, "%s: too many assets", who);
  size_t bytes = folio_frontier_work_size(n, c->ns, c->split);
  if (bytes == 0) return folio_error_set(err, FOLIO_EDIM, "%s: workspace size overflows", who);
  void *mem = folio_i_workspace(work, bytes, owned);
  if (!mem) return folio_error_set(err, FOLIO_ENOMEM, "%s: out of memory (%zu bytes)", who, bytes);
  folio_i_arena ar = {mem, 0, 0};
  fr_carve(&ar, n, c->ns, c->split, c);
  return validate(c, need_mu, err);
}

/* ==== the problems ======================================================== */

folio_status folio_frontier_min_volatility(size_t n, const double *mu, const double *cov, size_t ld,
                                           const char *const *symbols,
                                           const folio_frontier_opts *opts, double *weights,
                                           folio_frontier_binding *b, folio_frontier_info *info,
                                           void *work, folio_error *err) {
  fr_ctx c;
  void *owned;
  folio_status st = begin(&c, "min_volatility", n, mu, cov, ld, symbols, opts, weights, 0, work,
                          &owned, err);
  if (st == FOLIO_OK && c.o.market_neutral)
    st = folio_error_set(err, FOLIO_EINVAL,
                         "min_volatility: market_neutral is not supported (the minimum of a "
                         "zero-sum portfolio is w = 0)");
  if (st == FOLIO_OK) {
    build(&c, FR_MINVOL, 0.0);
    st = solve(&c, FR_MINVOL, NULL, err);
  }
  if (st == FOLIO_OK) finish(&c, weights, b, info, 0);
  free(owned);
  return st;
}

folio_status folio_frontier_max_quadratic_utility(size_t n, const double *mu, const double *cov,
                                                  size_t ld, const char *const *symbols,
                                                  const folio_frontier_opts *opts, double *weights,
                                                  folio_frontier_binding *b,
                                                  folio_frontier_info *info, void *work,
                                                  folio_error *err) {
  fr_ctx c;
  void *owned;
  folio_status st = begin(&c, "max_quadratic_utility", n, mu, cov, ld, symbols, opts, weights, 1,
                          work, &owned, err);
  if (st == FOLIO_OK) {
    build(&c, FR_UTILITY, 0.0);
    st = solve(&c, FR_UTILITY, NULL, err);
  }
  if (st == FOLIO_OK) finish(&c, weights, b, info, 0);
  free(owned);
  return st;
}

folio_status folio_frontier_max_sharpe(size_t n, const double *mu, const double *cov, size_t ld,
                                       const char *const *symbols, const folio_frontier_opts *opts,
                                       double *weights, folio_frontier_binding *b,
                                       folio_frontier_info *info, void *work, folio_error *err) {
  fr_ctx c;
  void *owned;
  char b1[64];
  folio_status st =
      begin(&c, "max_sharpe", n, mu, cov, ld, symbols, opts, weights, 1, work, &owned, err);
  if (st == FOLIO_OK && c.o.market_neutral)
    st = folio_error_set(err, FOLIO_EINVAL,
                         "max_sharpe: market_neutral is not supported (a zero-sum portfolio has "
                         "no scale for the ratio)");
  if (st == FOLIO_OK && c.o.cost_bps > 0)
    st = folio_error_set(err, FOLIO_EINVAL,
                         "max_sharpe: cost_bps is not supported (a cost has no place in the "
                         "homogenised problem); use max_turnover");
  if (st == FOLIO_OK) {
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
      if (mu[i] > mu[best]) best = i;
    if (!(mu[best] > c.o.risk_free_rate))
      st = folio_error_set(err, FOLIO_EINVAL,
                           "max_sharpe: no asset has an expected return above the risk-free rate "
                           "%g (the largest is %g, symbol %s)",
                           c.o.risk_free_rate, mu[best], sym(&c, best, b1, sizeof b1));
  }
  if (st == FOLIO_OK) {
    build(&c, FR_SHARPE, 0.0);
    int inf = 0;
    st = solve(&c, FR_SHARPE, &inf, err);
    if (inf)
      st = folio_error_set(err, FOLIO_EINVAL,
                           "max_sharpe: no portfolio within the constraints has an expected return "
                           "above the risk-free rate %g",
                           c.o.risk_free_rate);
  }
  if (st == FOLIO_OK) finish(&c, weights, b, info, 0);
  free(owned);
  return st;
}

/* The largest reachable return (an LP); infeasible constraints are an error. */
static folio_status max_return(fr_ctx *c, double *out, folio_error *err) {
  build(c, FR_MAXRET, 0.0);
  folio_status st = solve(c, FR_MAXRET, NULL, err);
  if (st == FOLIO_OK) *out = port_ret(c, c->w);
  return st;
}

/* efficient_return's QP at r; below-the-minimum is checked by the caller. */
static folio_status at_return(fr_ctx *c, double r, folio_error *err) {
  build(c, FR_RETURN, r);
  int inf = 0;
  folio_status st = solve(c, FR_RETURN, &inf, err);
  if (!inf) return st;
  double rmax = 0.0;
  st = max_return(c, &rmax, err);
  if (st < 0) return st;
  if (r > rmax)
    return folio_error_set(err, FOLIO_EINVAL,
                           "%s: target_return %.10g is above the largest reachable return %.10g "
                           "(at these bounds and constraints)",
                           c->who, r, rmax);
  return folio_error_set(err, FOLIO_EINVAL,
                         "%s: no portfolio reaches target_return %.10g within the constraints "
                         "(largest reachable return %.10g)",
                         c->who, r, rmax);
}

folio_status folio_frontier_efficient_return(size_t n, const double *mu, const double *cov,
                                             size_t ld, double target, const char *const *symbols,
                                             const folio_frontier_opts *opts, double *weights,
                                             folio_frontier_binding *b, folio_frontier_info *info,
                                             void *work, folio_error *err) {
  fr_ctx c;
  void *owned;
  folio_status st = begin(&c, "efficient_return", n, mu, cov, ld, symbols, opts, weights, 1, work,
                          &owned, err);
  if (st == FOLIO_OK && !isfinite(target))
    st = folio_error_set(err, FOLIO_EINVAL, "efficient_return: target_return is not finite");
  if (st == FOLIO_OK) st = at_return(&c, target, err);
  if (st == FOLIO_OK) {
    double r = port_ret(&c, c.w);
    if (r - target > 1e-9 * (1 + fabs(target)))
      st = folio_error_set(err, FOLIO_EINVAL,
                           "efficient_return: target_return %.10g is below the return %.10g of "
                           "the minimum-volatility portfolio (where the frontier starts; use "
                           "min_volatility)",
                           target, r);
  }
  if (st == FOLIO_OK) finish(&c, weights, b, info, 1);
  free(owned);
  return st;
}

/* efficient_risk's QP at λ; *vol receives the volatility. */
/* The predictor of the search: with γ = 0 the problem at λ is, divided by
 * 1 − λ, min w'Σw + t (−μ'w + k|w − c|₁) with t = λ / (1 − λ), and on a fixed
 * active set w(t) is affine in t. When two consecutive solves end on the same
 * active bounds, w(t) = w_b + (t − t_b) dw with dw = (w_b − w_a) / (t_b − t_a),
 * and vol(t) = target is a quadratic equation. Returns the λ of its root
 * beyond t_b, or NAN (no prediction: another active set, or none in range). */
typedef struct risk_track {
  int have;      /* a previous solve is recorded */
  double t;      /* its t */
  size_t nv;
} risk_track;

static double predict(fr_ctx *c, risk_track *tr, double lambda, double target) {
  size_t n = c->n, nv = c->p.n_vars;
  double t = lambda / (1.0 - lambda), out = NAN;
  if (tr->have && c->o.gamma == 0.0 && tr->nv == nv && t != tr->t &&
      memcmp(c->hint, c->hint_prev, nv) == 0) {
    for (size_t i = 0; i < n; i++) c->dw[i] = (c->w[i] - c->w_prev[i]) / (t - tr->t);
    cblas_dsymv(CblasColMajor, CblasLower, (int)n, 1.0, c->cov, (int)c->ld, c->dw, 1, 0.0, c->sdw, 1);
    double a2 = cblas_ddot((int)n, c->dw, 1, c->sdw, 1), a1 = 2.0 * cblas_ddot((int)n, c->w, 1, c->sdw, 1);
    double a0 = port_var(c, c->w) - target * target;
    double disc = a1 * a1 - 4.0 * a2 * a0;
    if (a2 > 0 && disc >= 0) {
      double sq = sqrt(disc), s1 = (-a1 + sq) / (2 * a2), s2 = (-a1 - sq) / (2 * a2);
      double best = NAN; /* the root nearest to t_b on the side that moves toward the target */
      for (int k = 0; k < 2; k++) {
        double sk = k ? s2 : s1;
        if (t + sk > 0 && (isnan(best) || fabs(sk) < fabs(best))) best = sk;
      }
      if (!isnan(best) && isfinite(t + best)) out = (t + best) / (1.0 + t + best);
    }
  }
  memcpy(c->w_prev, c->w, n * sizeof(double));
  memcpy(c->hint_prev, c->hint, nv);
  tr->have = 1;
  tr->t = t;
  tr->nv = nv;
  return out;
}

static folio_status at_lambda(fr_ctx *c, double lambda, double *vol, folio_error *err) {
  build(c, FR_RISK, lambda);
  if (lambda == 1.0 && c->o.gamma == 0.0) c->force_prox = 1;
  folio_status st = solve(c, FR_RISK, NULL, err);
  if (st == FOLIO_OK) *vol = sqrt(port_var(c, c->w));
  return st;
}

folio_status folio_frontier_efficient_risk(size_t n, const double *mu, const double *cov, size_t ld,
                                           double target, const char *const *symbols,
                                           const folio_frontier_opts *opts, double *weights,
                                           folio_frontier_binding *b, folio_frontier_info *info,
                                           void *work, folio_error *err) {
  fr_ctx c;
  void *owned;
  folio_status st = begin(&c, "efficient_risk", n, mu, cov, ld, symbols, opts, weights, 1, work,
                          &owned, err);
  if (st == FOLIO_OK && !(target > 0 && isfinite(target)))
    st = folio_error_set(err, FOLIO_EINVAL, "efficient_risk: target_volatility must be > 0, got %g",
                         target);
  double v0 = 0;
  int binding = 1;
  c.use_hint = 1; /* every solve after the first warm-started from the one before */
  risk_track tr = {0, 0.0, 0};
  double pred = NAN;
  if (st == FOLIO_OK) st = at_lambda(&c, 0.0, &v0, err);
  if (st == FOLIO_OK) pred = predict(&c, &tr, 0.0, target);
  if (st == FOLIO_OK && target < v0 * (1 - 1e-12))
    st = folio_error_set(err, FOLIO_EINVAL,
                         "efficient_risk: target_volatility %.10g is below the minimum volatility "
                         "%.10g (at these bounds and constraints)",
                         target, v0);
  if (st == FOLIO_OK && target > v0 * (1 + 1e-12)) {
    /* bracket the target: λ = 1e-4, 4e-4, ..., 1 (vol grows with λ); at λ = 1 still
     * below it, the largest-return portfolio is the answer and the target does not bind */
    double lo = 0.0, hi = 1.0, glo = v0 * v0 - target * target, ghi = 0.0;
    for (double lam = 1e-4;;) {
      double v = 0.0;
      st = at_lambda(&c, lam, &v, err);
      if (st < 0) goto out;
      pred = lam < 1.0 ? predict(&c, &tr, lam, target) : NAN;
      double g = v * v - target * target;
      if (fabs(v - target) <= 1e-11 * target) goto out;
      if (g >= 0) {
        hi = lam;
        ghi = g;
        break;
      }
      lo = lam;
      glo = g;
      if (lam == 1.0) {
        binding = v >= target * (1 - 1e-9);
        goto out;
      }
      /* the next trial: the predicted root (a little beyond it, to bracket it), else 4x */
      lam = pred > lam && pred < 1.0 ? fmin(1.0, pred * (1 + 1e-9)) : fmin(1.0, 4.0 * lam);
    }
    /* Illinois regula falsi on g(λ) = vol² − target², with a bisection every fourth
     * step (geometric when the bracket spans decades: the volatility can rise
     * steeply at a tiny λ) so a one-sided run cannot stall */
    int side = 0;
    for (int it = 0;; it++) {
      double lam;
      if (pred > lo && pred < hi)
        lam = pred; /* exact when the active set stays */
      else if (it % 4 == 3)
        lam = lo > 0 && hi > 16 * lo ? sqrt(lo * hi) : lo == 0 && hi > 1e-12 ? 1e-3 * hi : 0.5 * (lo + hi);
      else
        lam = (lo * ghi - hi * glo) / (ghi - glo);
      if (!(lam > lo && lam < hi)) lam = 0.5 * (lo + hi);
      double v = 0.0;
      st = at_lambda(&c, lam, &v, err);
      if (st < 0) break;
      pred = predict(&c, &tr, lam, target);
      double g = v * v - target * target;
      if (fabs(v - target) <= 1e-11 * target || hi - lo <= 1e-15 * hi) break;
      if (it == 300) {
        if (fabs(v - target) > 1e-9 * target) /* else: at the solver's rounding floor */
          st = folio_error_set(err, FOLIO_EDEGENERATE,
                               "efficient_risk: no convergence of the search for the target "
                               "volatility (last %.17g)", v);
        break;
      }
      if (g < 0) {
        if (side == -1) ghi *= 0.5;
        lo = lam;
        glo = g;
        side = -1;
      } else {
        if (side == 1) glo *= 0.5;
        hi = lam;
        ghi = g;
        side = 1;
      }
    }
  }
out:
  if (st == FOLIO_OK) finish(&c, weights, b, info, binding);
  free(owned);
  return st;
}

folio_status folio_frontier_curve(size_t n, const double *mu, const double *cov, size_t ld,
                                  size_t points, const char *const *symbols,
                                  const folio_frontier_opts *opts, double *weights,
                                  double *returns, double *vols, double *sharpes,
                                  folio_frontier_info *info, void *work, folio_error *err) {
  fr_ctx c;
  void *owned;
  folio_status st = begin(&c, "curve", n, mu, cov, ld, symbols, opts, weights, 1, work, &owned, err);
  if (st == FOLIO_OK && (points < 2 || points > FOLIO_MAX_DIM || points * n > FOLIO_MAX_ELEMS))
    st = folio_error_set(err, FOLIO_EINVAL, "curve: points must be >= 2, got %zu", points);
  double rlo = 0, rmax = 0;
  folio_qp_kkt worst = {0, 0, 0, 0};
  double *stage = NULL;
  if (st == FOLIO_OK) {
    stage = malloc(points * n * sizeof(double)); /* outputs are written only on success */
    if (!stage) st = folio_error_set(err, FOLIO_ENOMEM, "curve: out of memory");
  }
  if (st == FOLIO_OK) st = max_return(&c, &rmax, err);
  c.use_hint = 1; /* every point warm-started from the one before */
  if (st == FOLIO_OK) {
    build(&c, FR_MINVOL, 0.0);
    st = solve(&c, FR_MINVOL, NULL, err);
  }
  if (st == FOLIO_OK) {
    rlo = port_ret(&c, c.w);
    memcpy(stage, c.w, n * sizeof(double));
    worst = c.kkt;
    double rhi = rmax - 1e-9 * (1 + fabs(rmax));
    if (rhi < rlo) rhi = rlo;
    for (size_t k = 1; k < points && st == FOLIO_OK; k++) {
      double r = rlo + (rhi - rlo) * (double)k / (double)(points - 1);
      st = at_return(&c, r, err);
      if (st < 0) break;
      memcpy(stage + k * n, c.w, n * sizeof(double));
      worst.primal = fmax(worst.primal, c.kkt.primal);
      worst.dual = fmax(worst.dual, c.kkt.dual);
      worst.complementarity = fmax(worst.complementarity, c.kkt.complementarity);
      worst.stationarity = fmax(worst.stationarity, c.kkt.stationarity);
    }
  }
  if (st == FOLIO_OK) {
    for (size_t k = 0; k < points; k++) {
      const double *w = stage + k * n;
      double r = port_ret(&c, w), v = sqrt(port_var(&c, w));
      if (returns) returns[k] = r;
      if (vols) vols[k] = v;
      if (sharpes) sharpes[k] = v > 0 ? (r - c.o.risk_free_rate) / v : NAN;
    }
    memcpy(weights, stage, points * n * sizeof(double));
    memcpy(c.w, stage + (points - 1) * n, n * sizeof(double));
    c.kkt = worst;
    if (info) {
      info->expected_return = port_ret(&c, c.w);
      info->volatility = sqrt(port_var(&c, c.w));
      info->sharpe = info->volatility > 0 ? (info->expected_return - c.o.risk_free_rate) / info->volatility : NAN;
      info->iterations = c.iterations;
      info->qp_solves = c.solves;
      info->kkt = worst;
    }
  }
  free(stage);
  free(owned);
  return st;
}

folio_status folio_frontier_performance(size_t n, const double *w, const double *mu,
                                        const double *cov, size_t ld, double rf,
                                        const char *const *symbols, double *ret, double *vol,
                                        double *sharpe, folio_error *err) {
  const char *who = "performance";
  char b1[64], b2[64];
  if (n == 0) return folio_error_set(err, FOLIO_EEMPTY, "%s: no assets", who);
  if (!w || !cov) return folio_error_set(err, FOLIO_EINVAL, "%s: weights or cov is NULL", who);
  folio_status st = folio_i_check_cov_shape(who, n, ld, err);
  if (st < 0) return st;
  if (!isfinite(rf)) return folio_error_set(err, FOLIO_EINVAL, "%s: risk_free_rate is not finite", who);
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(w[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: weight is not finite (symbol %s: %g)", who,
                             folio_i_symbol(symbols, i, b1, sizeof b1), w[i]);
    if (mu && !isfinite(mu[i]))
      return folio_error_set(err, FOLIO_ENOTFINITE, "%s: mu is not finite (symbol %s: %g)", who,
                             folio_i_symbol(symbols, i, b1, sizeof b1), mu[i]);
  }
  double var = 0.0, r = 0.0;
  for (size_t j = 0; j < n; j++) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
      double v = cov[i + j * ld];
      if (!isfinite(v))
        return folio_error_set(err, FOLIO_ENOTFINITE, "%s: cov is not finite (symbols %s, %s: %g)",
                               who, folio_i_symbol(symbols, i, b1, sizeof b1),
                               folio_i_symbol(symbols, j, b2, sizeof b2), v);
      s += v * w[i];
    }
    var += w[j] * s;
    if (mu) r += mu[j] * w[j];
  }
  if (var < 0) {
    if (var < -1e-12 * (1 + fabs(var)))
      return folio_error_set(err, FOLIO_ENOTPD, "%s: the portfolio variance is negative (%g): cov is "
                             "not positive semidefinite", who, var);
    var = 0.0;
  }
  double v = sqrt(var);
  if (ret) *ret = mu ? r : NAN;
  if (vol) *vol = v;
  if (sharpe) *sharpe = mu && v > 0 ? (r - rf) / v : NAN;
  return FOLIO_OK;
}

folio_status folio_clean_weights(size_t n, const double *w, double cutoff, int digits, double *out,
                                 folio_error *err) {
  static const char fn[] = "clean_weights";
  folio_error_clear(err);
  if (n > 0 && (!w || !out)) return folio_error_set(err, FOLIO_EINVAL, "%s: weights or out is NULL", fn);
  if (!(cutoff >= 0) || !isfinite(cutoff))
    return folio_error_set(err, FOLIO_EINVAL, "%s: cutoff must be a finite number >= 0, got %g", fn, cutoff);
  if (digits < 0 || digits > 15) return folio_error_set(err, FOLIO_EINVAL, "%s: rounding must be 0..15, got %d", fn, digits);
  for (size_t k = 0; k < n; k++)
    if (!isfinite(w[k])) return folio_error_set(err, FOLIO_ENOTFINITE, "%s: weight %zu is not finite", fn, k + 1);
  double scale = pow(10.0, (double)digits);
  for (size_t k = 0; k < n; k++) {
    double x = w[k];
    if (fabs(x) < cutoff) x = 0.0;
    else if (digits > 0) x = nearbyint(x * scale) / scale; /* half to even, as numpy.round */
    out[k] = x + 0.0; /* no negative zero */
  }
  return FOLIO_OK;
}
