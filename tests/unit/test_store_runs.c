/*
 * test_store_runs.c — runs and their orders in the event store (store.h):
 * run_open (new run, rerun, mismatched rerun, every bad input), run_get,
 * mark_submitted (idempotent, unknown ids, done runs), record_rebalance
 * completing a run (never while an order is intended), turnover_since with
 * a half-submitted open run (no double counting once done), count of runs
 * and orders, and writes refused on a read-only handle. Nothing is written
 * by a call that fails.
 */
#include <sqlite3.h>
#include <sys/stat.h>

#include "storetest.h"
#include "testlib.h"

static const int64_t T = 1718928000; /* 2024-06-21 */

static folio_store *open_new(const char *name) {
  folio_error err;
  folio_store *s = NULL;
  st_remove(st_path(name));
  CHECK(folio_store_open(st_path(name), FOLIO_STORE_CREATE, &s, &err) == FOLIO_OK);
  return s;
}

static void test_open_and_get(void) {
  folio_error err;
  folio_store *s = open_new("runs.db");
  st_orders b;
  st_make_orders(&b, "k1", 3);
  folio_store_run run = {"k1", "fund-a", T, "digest-1", 3, b.o};
  int existed = -1;
  CHECK(folio_store_run_open(s, &run, &existed, &err) == FOLIO_OK);
  CHECK_EQ_INT(existed, 0);
  CHECK_EQ_INT(st_count(s, "runs"), 1);
  CHECK_EQ_INT(st_count(s, "orders"), 3);
  /* a rerun with the same key writes nothing and says so */
  existed = -1;
  CHECK(folio_store_run_open(s, &run, &existed, &err) == FOLIO_OK);
  CHECK_EQ_INT(existed, 1);
  CHECK_EQ_INT(st_count(s, "orders"), 3);
  /* ... even with other orders: the recorded ones are what counts */
  folio_store_run other = run;
  other.n_orders = 1;
  CHECK(folio_store_run_open(s, &other, &existed, &err) == FOLIO_OK && existed == 1);
  CHECK_EQ_INT(st_count(s, "orders"), 3);
  /* same key, other fund / asof / digest: refused, naming the mismatch */
  other = run;
  other.fund = "fund-b";
  CHECK_ERR(folio_store_run_open(s, &other, &existed, &err), err, FOLIO_EINVAL,
            "run 'k1' exists with fund 'fund-a', not 'fund-b'");
  other = run;
  other.asof = T + 1;
  CHECK_ERR(folio_store_run_open(s, &other, &existed, &err), err, FOLIO_EINVAL, "exists with asof");
  other = run;
  other.inputs_digest = NULL;
  CHECK_ERR(folio_store_run_open(s, &other, &existed, &err), err, FOLIO_EINVAL,
            "exists with inputs_digest 'digest-1', not ''");

  folio_store_run_info *info = NULL;
  CHECK(folio_store_run_get(s, "k1", &info, &err) == FOLIO_OK && info);
  if (info) {
    CHECK(strcmp(info->key, "k1") == 0 && strcmp(info->fund, "fund-a") == 0);
    CHECK(strcmp(info->state, "open") == 0 && strcmp(info->inputs_digest, "digest-1") == 0);
    CHECK(info->asof == T && info->rebalance_id == 0 && info->created > 0);
    CHECK_EQ_INT(info->n_orders, 3);
    for (size_t i = 0; i < info->n_orders && i < 3; i++) {
      const folio_store_order *o = &info->orders[i];
      CHECK(o->seq == (int64_t)i + 1 && strcmp(o->client_id, b.ids[i]) == 0);
      CHECK(strcmp(o->symbol, b.o[i].symbol) == 0 && strcmp(o->side, b.o[i].side) == 0);
      CHECK(o->quantity == b.o[i].quantity && o->price == 100.0 && o->notional == b.o[i].notional);
      CHECK(o->weight == b.o[i].weight);
      CHECK(o->state == FOLIO_STORE_INTENDED && o->submitted_at == 0);
    }
  }
  folio_store_run_info_free(info);
  folio_store_run_info_free(NULL);
  info = NULL;
  CHECK_ERR(folio_store_run_get(s, "nope", &info, &err), err, FOLIO_ENOTFOUND, "no run 'nope'");
  CHECK(info == NULL);
  CHECK_ERR(folio_store_run_get(s, "", &info, &err), err, FOLIO_EINVAL, "key is empty");
  CHECK_ERR(folio_store_run_get(s, "k1", NULL, &err), err, FOLIO_EINVAL, "out is NULL");
  CHECK_ERR(folio_store_run_get(NULL, "k1", &info, &err), err, FOLIO_EINVAL, "store is NULL");

  /* orders are read back by seq whatever the order given; a run may have none */
  folio_store_order rev[3] = {b.o[2], b.o[0], b.o[1]};
  st_make_orders(&b, "k2", 3);
  rev[0] = b.o[2], rev[1] = b.o[0], rev[2] = b.o[1];
  folio_store_run run2 = {"k2", "fund-a", T, NULL, 3, rev};
  CHECK(folio_store_run_open(s, &run2, &existed, &err) == FOLIO_OK && existed == 0);
  CHECK(folio_store_run_get(s, "k2", &info, &err) == FOLIO_OK);
  CHECK(info && info->n_orders == 3 && info->orders[0].seq == 1 && info->orders[2].seq == 3);
  CHECK(info && strcmp(info->inputs_digest, "") == 0);
  folio_store_run_info_free(info);
  folio_store_run empty = {"k3", "fund-a", T, NULL, 0, NULL};
  CHECK(folio_store_run_open(s, &empty, &existed, &err) == FOLIO_OK && existed == 0);
  CHECK(folio_store_run_get(s, "k3", &info, &err) == FOLIO_OK && info && info->n_orders == 0);
  folio_store_run_info_free(info);
  folio_store_close(s);
  st_remove(st_path("runs.db"));
}

/* Every bad input of run_open fails with its message and writes nothing. */
static void test_open_bad_inputs(void) {
  folio_error err;
  folio_store *s = open_new("bad.db");
  st_orders b;
  st_make_orders(&b, "k", 3);
  folio_store_run run = {"k", "fund", T, "d", 3, b.o};
  int existed;
  const struct {
    int field;
    double value;
    const char *text;
    folio_status want;
    const char *needle;
  } cases[] = {
      {0, 0, "", FOLIO_EINVAL, "order #2 has an empty client_id"},
      {0, 0, NULL, FOLIO_EINVAL, "order #2 has an empty client_id"},
      {1, 0, "", FOLIO_EINVAL, "order #2 (k-2) has an empty symbol"},
      {1, 0, NULL, FOLIO_EINVAL, "order #2 (k-2) has an empty symbol"},
      {2, 0, "buy", FOLIO_EINVAL, "order #2 (k-2): side must be \"BUY\" or \"SELL\" (got 'buy')"},
      {2, 0, NULL, FOLIO_EINVAL, "side must be"},
      {3, 0, NULL, FOLIO_EINVAL, "order #2 (k-2): quantity must be > 0 (got 0)"},
      {3, -5, NULL, FOLIO_EINVAL, "quantity must be > 0 (got -5)"},
      {3, NAN, NULL, FOLIO_ENOTFINITE, "order #2 (k-2): quantity is not finite"},
      {3, INFINITY, NULL, FOLIO_ENOTFINITE, "quantity is not finite"},
      {4, -1, NULL, FOLIO_EINVAL, "order #2 (k-2): price must be >= 0"},
      {4, NAN, NULL, FOLIO_ENOTFINITE, "price is not finite"},
      {5, -INFINITY, NULL, FOLIO_ENOTFINITE, "order #2 (k-2): notional is not finite"},
      {6, NAN, NULL, FOLIO_ENOTFINITE, "order #2 (k-2): weight is not finite"},
      {7, 0, "k-1", FOLIO_EDUP, "client_id 'k-1' is used by two orders"},
      {8, 1, NULL, FOLIO_EDUP, "seq 1 is used by two orders"},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    folio_store_order o[3] = {b.o[0], b.o[1], b.o[2]};
    folio_store_order *x = &o[1];
    switch (cases[c].field) {
    case 0: x->client_id = cases[c].text; break;
    case 1: x->symbol = cases[c].text; break;
    case 2: x->side = cases[c].text; break;
    case 3: x->quantity = cases[c].value; break;
    case 4: x->price = cases[c].value; break;
    case 5: x->notional = cases[c].value; break;
    case 6: x->weight = cases[c].value; break;
    case 7: x->client_id = cases[c].text; break;
    default: x->seq = (int64_t)cases[c].value; break;
    }
    folio_store_run r = run;
    r.orders = o;
    CHECK_ERR(folio_store_run_open(s, &r, &existed, &err), err, cases[c].want, cases[c].needle);
  }
  folio_store_run r = run;
  r.key = "";
  CHECK_ERR(folio_store_run_open(s, &r, &existed, &err), err, FOLIO_EINVAL, "run_open: key is empty");
  r.key = NULL;
  CHECK_ERR(folio_store_run_open(s, &r, &existed, &err), err, FOLIO_EINVAL, "key is empty");
  r = run;
  r.fund = "";
  CHECK_ERR(folio_store_run_open(s, &r, &existed, &err), err, FOLIO_EINVAL, "fund is empty");
  r = run;
  r.orders = NULL;
  CHECK_ERR(folio_store_run_open(s, &r, &existed, &err), err, FOLIO_EINVAL, "orders is NULL");
  CHECK_ERR(folio_store_run_open(s, NULL, &existed, &err), err, FOLIO_EINVAL, "run or existed is NULL");
  CHECK_ERR(folio_store_run_open(s, &run, NULL, &err), err, FOLIO_EINVAL, "run or existed is NULL");
  CHECK_ERR(folio_store_run_open(NULL, &run, &existed, &err), err, FOLIO_EINVAL, "store is NULL");
  CHECK_EQ_INT(st_count(s, "runs"), 0);
  CHECK_EQ_INT(st_count(s, "orders"), 0);
  /* a client id of another run: the whole new run is refused */
  CHECK(folio_store_run_open(s, &run, &existed, &err) == FOLIO_OK);
  st_orders b2;
  st_make_orders(&b2, "k9", 3);
  b2.o[2].client_id = "k-3";
  folio_store_run clash = {"k9", "fund", T, "d", 3, b2.o};
  CHECK_ERR(folio_store_run_open(s, &clash, &existed, &err), err, FOLIO_EDUP,
            "order #3: client_id 'k-3' already belongs to run 'k'");
  CHECK_EQ_INT(st_count(s, "runs"), 1);
  CHECK_EQ_INT(st_count(s, "orders"), 3);
  folio_store_close(s);
  st_remove(st_path("bad.db"));
}

static folio_store_order_state state_of(folio_store *s, const char *key, size_t i, int64_t *at) {
  folio_store_run_info *info = NULL;
  folio_store_order_state st = (folio_store_order_state)-1;
  if (folio_store_run_get(s, key, &info, NULL) == FOLIO_OK && i < info->n_orders) {
    st = info->orders[i].state;
    if (at) *at = info->orders[i].submitted_at;
  }
  folio_store_run_info_free(info);
  return st;
}

static void test_mark_and_complete(void) {
  folio_error err;
  folio_store *s = open_new("mark.db");
  st_orders b;
  st_make_orders(&b, "r1", 3);
  folio_store_run run = {"r1", "fund", T, "d", 3, b.o};
  int existed;
  CHECK(folio_store_run_open(s, &run, &existed, &err) == FOLIO_OK);
  const char *first[] = {"r1-1"};
  CHECK(folio_store_mark_submitted(s, "r1", 1, first, T + 10, &err) == FOLIO_OK);
  int64_t at = 0;
  CHECK(state_of(s, "r1", 0, &at) == FOLIO_STORE_SUBMITTED && at == T + 10);
  CHECK(state_of(s, "r1", 1, NULL) == FOLIO_STORE_INTENDED);
  /* idempotent: the first time stays */
  CHECK(folio_store_mark_submitted(s, "r1", 1, first, T + 99, &err) == FOLIO_OK);
  CHECK(state_of(s, "r1", 0, &at) == FOLIO_STORE_SUBMITTED && at == T + 10);
  /* an unknown id anywhere in the list: nothing is marked */
  const char *mixed[] = {"r1-2", "zz-1"};
  CHECK_ERR(folio_store_mark_submitted(s, "r1", 2, mixed, T, &err), err, FOLIO_ENOTFOUND,
            "run 'r1' has no order with client_id 'zz-1' (#2)");
  CHECK(state_of(s, "r1", 1, NULL) == FOLIO_STORE_INTENDED);
  const char *blank[] = {"r1-2", ""};
  CHECK_ERR(folio_store_mark_submitted(s, "r1", 2, blank, T, &err), err, FOLIO_EINVAL, "client id #2 is empty");
  const char *null_id[] = {NULL};
  CHECK_ERR(folio_store_mark_submitted(s, "r1", 1, null_id, T, &err), err, FOLIO_EINVAL, "client id #1 is empty");
  CHECK_ERR(folio_store_mark_submitted(s, "r1", 1, NULL, T, &err), err, FOLIO_EINVAL, "client_ids is NULL");
  CHECK_ERR(folio_store_mark_submitted(s, "", 1, first, T, &err), err, FOLIO_EINVAL, "key is empty");
  CHECK_ERR(folio_store_mark_submitted(s, "nope", 1, first, T, &err), err, FOLIO_ENOTFOUND, "no run 'nope'");
  CHECK(folio_store_mark_submitted(s, "r1", 0, NULL, T, &err) == FOLIO_OK); /* nothing to mark */

  /* completing the run: refused while an order is intended */
  folio_store_rebalance rec = {0, T, "fund", "d", NULL, NULL, "[]", NULL, 0.06, "r1"};
  CHECK_ERR(folio_store_record_rebalance(s, &rec, NULL, 0, NULL, &err), err, FOLIO_EINVAL,
            "run 'r1': order r1-2 was never submitted");
  CHECK_EQ_INT(st_count(s, "rebalances"), 0);
  const char *rest[] = {"r1-2", "r1-3", "r1-2"};
  CHECK(folio_store_mark_submitted(s, "r1", 3, rest, T + 20, &err) == FOLIO_OK);
  rec.fund = "other";
  CHECK_ERR(folio_store_record_rebalance(s, &rec, NULL, 0, NULL, &err), err, FOLIO_EINVAL,
            "run 'r1' is of fund 'fund', not 'other'");
  rec.fund = "fund";
  rec.asof = T + 1;
  CHECK_ERR(folio_store_record_rebalance(s, &rec, NULL, 0, NULL, &err), err, FOLIO_EINVAL, "has asof");
  rec.asof = T;
  rec.run_key = "nope";
  CHECK_ERR(folio_store_record_rebalance(s, &rec, NULL, 0, NULL, &err), err, FOLIO_ENOTFOUND, "no run 'nope'");
  rec.run_key = "";
  CHECK_ERR(folio_store_record_rebalance(s, &rec, NULL, 0, NULL, &err), err, FOLIO_EINVAL, "run_key is empty");
  CHECK_EQ_INT(st_count(s, "rebalances"), 0);
  rec.run_key = "r1";
  folio_store_trade tr[] = {{"AAPL", 0.01}};
  int64_t id = 0;
  CHECK(folio_store_record_rebalance(s, &rec, tr, 1, &id, &err) == FOLIO_OK && id == 1);
  folio_store_run_info *info = NULL;
  CHECK(folio_store_run_get(s, "r1", &info, &err) == FOLIO_OK);
  CHECK(info && strcmp(info->state, "done") == 0 && info->rebalance_id == id);
  folio_store_run_info_free(info);
  folio_store_rebalance_list *list = NULL;
  CHECK(folio_store_rebalances(s, T, T, &list, &err) == FOLIO_OK);
  CHECK(list && list->count == 1 && list->items[0].run_key && strcmp(list->items[0].run_key, "r1") == 0);
  folio_store_rebalance_list_free(list);
  /* done: a second completion is refused; marks of submitted orders are still fine */
  CHECK_ERR(folio_store_record_rebalance(s, &rec, NULL, 0, NULL, &err), err, FOLIO_EINVAL,
            "run 'r1' is already done (rebalance 1)");
  CHECK(folio_store_mark_submitted(s, "r1", 3, rest, T + 30, &err) == FOLIO_OK);
  CHECK_EQ_INT(st_count(s, "rebalances"), 1);
  CHECK_EQ_INT(st_count(s, "trades"), 1);

  /* a done run's intended order cannot be marked (possible only in a file written by hand) */
  st_orders b2;
  st_make_orders(&b2, "r2", 2);
  folio_store_run run2 = {"r2", "fund", T, "d", 2, b2.o};
  CHECK(folio_store_run_open(s, &run2, &existed, &err) == FOLIO_OK);
  const char *r2_ids[] = {"r2-1", "r2-2"};
  CHECK(folio_store_mark_submitted(s, "r2", 2, r2_ids, T, &err) == FOLIO_OK);
  rec.run_key = "r2";
  CHECK(folio_store_record_rebalance(s, &rec, NULL, 0, NULL, &err) == FOLIO_OK);
  folio_store_close(s);
  sqlite3 *db;
  sqlite3_open(st_path("mark.db"), &db);
  sqlite3_exec(db, "UPDATE orders SET state = 'intended', submitted_at = NULL WHERE client_id = 'r2-2'", NULL,
               NULL, NULL);
  sqlite3_close(db);
  s = NULL;
  CHECK(folio_store_open(st_path("mark.db"), 0, &s, &err) == FOLIO_OK);
  CHECK_ERR(folio_store_mark_submitted(s, "r2", 2, r2_ids, T, &err), err, FOLIO_EINVAL,
            "run 'r2' is done, but its order r2-2 was never marked submitted");
  CHECK(folio_store_mark_submitted(s, "r2", 1, r2_ids, T, &err) == FOLIO_OK);
  folio_store_close(s);

  /* a read-only handle reads runs and writes nothing */
  CHECK(folio_store_open(st_path("mark.db"), FOLIO_STORE_READONLY, &s, &err) == FOLIO_OK);
  CHECK(folio_store_run_get(s, "r1", &info, &err) == FOLIO_OK);
  folio_store_run_info_free(info);
  CHECK_ERR(folio_store_run_open(s, &run, &existed, &err), err, FOLIO_EIO, "read-only");
  CHECK_ERR(folio_store_mark_submitted(s, "r1", 1, first, T, &err), err, FOLIO_EIO, "read-only");
  folio_store_close(s);
  st_remove(st_path("mark.db"));
}

static void test_turnover_with_open_runs(void) {
  folio_error err;
  folio_store *s = open_new("turn.db");
  const int64_t day = 86400;
  /* a done rebalance 2 days ago: counted through rebalances.turnover */
  st_orders b;
  st_make_orders(&b, "old", 2); /* |weights| 0.01 + 0.02 */
  folio_store_run old = {"old", "f", T - 2 * day, "d", 2, b.o};
  int existed;
  CHECK(folio_store_run_open(s, &old, &existed, &err) == FOLIO_OK);
  const char *old_ids[] = {"old-1", "old-2"};
  CHECK(folio_store_mark_submitted(s, "old", 2, old_ids, T - 2 * day, &err) == FOLIO_OK);
  double tot = -1;
  CHECK(folio_store_turnover_since(s, T, 7, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 0.03, 1e-15); /* open, fully submitted: its orders */
  folio_store_rebalance rec = {0, T - 2 * day, "f", "d", NULL, NULL, NULL, NULL, 0.03, "old"};
  CHECK(folio_store_record_rebalance(s, &rec, NULL, 0, NULL, &err) == FOLIO_OK);
  CHECK(folio_store_turnover_since(s, T, 7, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 0.03, 1e-15); /* done: once, through the rebalance */
  /* a crashed run today: 2 of 4 orders reached the OMS (|w| 0.01 and 0.02) */
  st_make_orders(&b, "now", 4);
  folio_store_run now = {"now", "f", T, "d", 4, b.o};
  CHECK(folio_store_run_open(s, &now, &existed, &err) == FOLIO_OK);
  CHECK(folio_store_turnover_since(s, T, 7, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 0.03, 1e-15); /* intended orders do not count */
  const char *half[] = {"now-1", "now-2"};
  CHECK(folio_store_mark_submitted(s, "now", 2, half, T, &err) == FOLIO_OK);
  CHECK(folio_store_turnover_since(s, T, 7, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 0.06, 1e-15);
  /* the window is on the run's asof: (asof - days, asof] */
  CHECK(folio_store_turnover_since(s, T - 1, 7, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 0.03, 1e-15);
  CHECK(folio_store_turnover_since(s, T + 7 * day, 7, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 0.0, 0);
  CHECK(folio_store_turnover_since(s, T + 7 * day - 1, 7, &tot, &err) == FOLIO_OK);
  CHECK_NEAR(tot, 0.03, 1e-15);
  CHECK_EQ_INT(st_count(s, "runs"), 2);
  CHECK_EQ_INT(st_count(s, "orders"), 6);
  folio_store_close(s);
  st_remove(st_path("turn.db"));
}

int main(void) {
  if (st_make_dir("folio_runs_") != 0) return 1;
  test_open_and_get();
  test_open_bad_inputs();
  test_mark_and_complete();
  test_turnover_with_open_runs();
  rmdir(st_dir);
  return tl_finish("test_store_runs");
}
