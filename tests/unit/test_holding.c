/*
 * test_holding.c — holding-period buckets: every bucket by name and by id,
 * the half-open boundaries (a period of exactly 5 days is weekly, not daily),
 * and the refusals (unknown name, NULLs, negative, NaN and Inf periods).
 */
#include <math.h>
#include <string.h>

#include "folio/holding.h"
#include "testlib.h"

static const char *const names[FOLIO_BUCKET_COUNT] = {"intraday", "daily",     "weekly",
                                                      "monthly",  "quarterly", "yearly"};

static void test_by_name(void) {
  folio_error e;
  for (int i = 0; i < FOLIO_BUCKET_COUNT; i++) {
    folio_bucket b;
    CHECK(folio_bucket_by_name(names[i], &b, &e) == FOLIO_OK);
    CHECK_EQ_INT(b.id, i);
    CHECK(strcmp(b.name, names[i]) == 0);
    CHECK(b.description && *b.description && !strchr(b.description, '\n'));
    CHECK(b.min_days < b.max_days);
    folio_bucket at = folio_bucket_at((folio_bucket_id)i);
    CHECK(at.id == b.id && at.name == b.name && at.min_days == b.min_days &&
          at.max_days == b.max_days && at.description == b.description);
    /* Buckets tile [0, inf): each starts where the previous one ends. */
    if (i > 0) CHECK(b.min_days == folio_bucket_at((folio_bucket_id)(i - 1)).max_days);
  }
  folio_bucket b;
  CHECK(folio_bucket_by_name("intraday", &b, &e) == FOLIO_OK);
  CHECK(b.min_days == 0 && b.max_days == 1);
  CHECK(folio_bucket_by_name("daily", &b, &e) == FOLIO_OK);
  CHECK(b.min_days == 1 && b.max_days == 5);
  CHECK(folio_bucket_by_name("weekly", &b, &e) == FOLIO_OK);
  CHECK(b.min_days == 5 && b.max_days == 21);
  CHECK(folio_bucket_by_name("monthly", &b, &e) == FOLIO_OK);
  CHECK(b.min_days == 21 && b.max_days == 63);
  CHECK(folio_bucket_by_name("quarterly", &b, &e) == FOLIO_OK);
  CHECK(b.min_days == 63 && b.max_days == 252);
  CHECK(folio_bucket_by_name("yearly", &b, &e) == FOLIO_OK);
  CHECK(b.min_days == 252 && isinf(b.max_days) && b.max_days > 0);

  folio_bucket keep = {FOLIO_BUCKET_WEEKLY, "sentinel", 1, 2, "x"};
  b = keep;
  CHECK_ERR(folio_bucket_by_name("hourly", &b, &e), e, FOLIO_ENOTFOUND,
            "bucket: unknown bucket 'hourly' (valid: intraday, daily, weekly, monthly, quarterly, "
            "yearly)");
  CHECK(strcmp(b.name, "sentinel") == 0); /* untouched on failure */
  CHECK_ERR(folio_bucket_by_name("Daily", &b, &e), e, FOLIO_ENOTFOUND, "'Daily'");
  CHECK_ERR(folio_bucket_by_name("", &b, &e), e, FOLIO_ENOTFOUND, "unknown bucket ''");
  CHECK_ERR(folio_bucket_by_name(" daily", &b, &e), e, FOLIO_ENOTFOUND, "valid:");
  CHECK_ERR(folio_bucket_by_name(NULL, &b, &e), e, FOLIO_EINVAL, "bucket: name is NULL");
  CHECK_ERR(folio_bucket_by_name("daily", NULL, &e), e, FOLIO_EINVAL, "out is NULL");
  CHECK(folio_bucket_by_name("nope", &b, NULL) == FOLIO_ENOTFOUND);
}

static void test_for_days(void) {
  static const struct {
    double days;
    folio_bucket_id want;
  } cases[] = {
      {0, FOLIO_BUCKET_INTRADAY},      {0.5, FOLIO_BUCKET_INTRADAY},
      {0.99, FOLIO_BUCKET_INTRADAY},   {1, FOLIO_BUCKET_DAILY},
      {4.99, FOLIO_BUCKET_DAILY},      {5, FOLIO_BUCKET_WEEKLY},
      {20.999, FOLIO_BUCKET_WEEKLY},   {21, FOLIO_BUCKET_MONTHLY},
      {62, FOLIO_BUCKET_MONTHLY},      {63, FOLIO_BUCKET_QUARTERLY},
      {251.9, FOLIO_BUCKET_QUARTERLY}, {252, FOLIO_BUCKET_YEARLY},
      {1e6, FOLIO_BUCKET_YEARLY},      {1e300, FOLIO_BUCKET_YEARLY},
      {-0.0, FOLIO_BUCKET_INTRADAY},
  };
  folio_error e;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    folio_bucket b;
    folio_status st = folio_bucket_for_days(cases[k].days, &b, &e);
    CHECK_MSG(st == FOLIO_OK && b.id == cases[k].want, "days %g: status %d, bucket %d, want %d",
              cases[k].days, st, st == FOLIO_OK ? (int)b.id : -1, (int)cases[k].want);
    if (st == FOLIO_OK) CHECK(strcmp(b.name, names[cases[k].want]) == 0);
  }
  folio_bucket b = {FOLIO_BUCKET_WEEKLY, "sentinel", 1, 2, "x"};
  CHECK_ERR(folio_bucket_for_days(-1, &b, &e), e, FOLIO_EINVAL,
            "bucket_for_days: trading_days must be >= 0 (got -1)");
  CHECK_ERR(folio_bucket_for_days(-1e-9, &b, &e), e, FOLIO_EINVAL, ">= 0");
  CHECK_ERR(folio_bucket_for_days(NAN, &b, &e), e, FOLIO_ENOTFINITE,
            "bucket_for_days: trading_days must be finite");
  CHECK_ERR(folio_bucket_for_days(INFINITY, &b, &e), e, FOLIO_ENOTFINITE, "finite");
  CHECK_ERR(folio_bucket_for_days(-INFINITY, &b, &e), e, FOLIO_ENOTFINITE, "finite");
  CHECK_ERR(folio_bucket_for_days(3, NULL, &e), e, FOLIO_EINVAL, "out is NULL");
  CHECK(strcmp(b.name, "sentinel") == 0);
}

static void test_at(void) {
  folio_bucket b = folio_bucket_at(FOLIO_BUCKET_QUARTERLY);
  CHECK(strcmp(b.name, "quarterly") == 0);
  /* Out of range: a recognisable non-bucket, never a read past the table. */
  folio_bucket none = folio_bucket_at(FOLIO_BUCKET_COUNT);
  CHECK(none.id == FOLIO_BUCKET_COUNT && none.name && !*none.name && isnan(none.min_days));
  none = folio_bucket_at((folio_bucket_id)-1);
  CHECK(none.id == FOLIO_BUCKET_COUNT);
}

int main(void) {
  test_by_name();
  test_for_days();
  test_at();
  return tl_finish("test_holding");
}
