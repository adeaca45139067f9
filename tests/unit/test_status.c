/*
 * test_status.c — the status table (status.c): every folio_status, the
 * core's and the policy runtime's (FOLIO_ELUA, FOLIO_ETIMEOUT,
 * FOLIO_EMEMORY), has its constant's name and a description; a value that is
 * no status gets the stated fallbacks "FOLIO_E?" and "unknown status";
 * folio_error_set / folio_error_clear keep status and message together.
 */
#include "folio/status.h"
#include "testlib.h"

static const struct {
  folio_status st;
  const char *name;
} every[] = {
    {FOLIO_OK, "FOLIO_OK"},
    {FOLIO_EINVAL, "FOLIO_EINVAL"},
    {FOLIO_ENOTFINITE, "FOLIO_ENOTFINITE"},
    {FOLIO_EDIM, "FOLIO_EDIM"},
    {FOLIO_ENOMEM, "FOLIO_ENOMEM"},
    {FOLIO_ESHORT, "FOLIO_ESHORT"},
    {FOLIO_ENOTPD, "FOLIO_ENOTPD"},
    {FOLIO_ENOTSYM, "FOLIO_ENOTSYM"},
    {FOLIO_EDUP, "FOLIO_EDUP"},
    {FOLIO_EPARSE, "FOLIO_EPARSE"},
    {FOLIO_EIO, "FOLIO_EIO"},
    {FOLIO_EMISSING, "FOLIO_EMISSING"},
    {FOLIO_EDEGENERATE, "FOLIO_EDEGENERATE"},
    {FOLIO_ENOTFOUND, "FOLIO_ENOTFOUND"},
    {FOLIO_EEMPTY, "FOLIO_EEMPTY"},
    {FOLIO_EBUSY, "FOLIO_EBUSY"},
    {FOLIO_ECANCELED, "FOLIO_ECANCELED"},
    {FOLIO_ELUA, "FOLIO_ELUA"},
    {FOLIO_ETIMEOUT, "FOLIO_ETIMEOUT"},
    {FOLIO_EMEMORY, "FOLIO_EMEMORY"},
};
#define N_EVERY (sizeof every / sizeof every[0])

static void test_names_and_messages(void) {
  for (size_t i = 0; i < N_EVERY; i++) {
    CHECK_MSG(strcmp(folio_status_name(every[i].st), every[i].name) == 0, "%s is named %s",
              every[i].name, folio_status_name(every[i].st));
    const char *text = folio_status_string(every[i].st);
    CHECK_MSG(text && text[0] && strcmp(text, "unknown status") != 0, "%s has no message",
              every[i].name);
    for (size_t j = 0; j < i; j++)
      CHECK_MSG(strcmp(text, folio_status_string(every[j].st)) != 0, "%s and %s share a message",
                every[i].name, every[j].name);
  }
}

static void test_runtime_values_kept(void) {
  /* The numeric values of the runtime's statuses are part of the ABI. */
  CHECK_EQ_INT(FOLIO_ELUA, -100);
  CHECK_EQ_INT(FOLIO_ETIMEOUT, -101);
  CHECK_EQ_INT(FOLIO_EMEMORY, -102);
  CHECK(strcmp(folio_status_name(FOLIO_ETIMEOUT), "FOLIO_ETIMEOUT") == 0);
}

static void test_unknown_codes(void) {
  const int unknown[] = {1, 7, -17, -99, -103, -1000};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    folio_status st = (folio_status)unknown[i];
    CHECK_MSG(strcmp(folio_status_name(st), "FOLIO_E?") == 0, "%d is named %s", unknown[i],
              folio_status_name(st));
    CHECK_MSG(strcmp(folio_status_string(st), "unknown status") == 0, "%d reads %s", unknown[i],
              folio_status_string(st));
  }
}

static void test_error(void) {
  folio_error err;
  CHECK_EQ_INT(folio_error_set(&err, FOLIO_ETIMEOUT, "run: %s", "deadline"), FOLIO_ETIMEOUT);
  CHECK_EQ_INT(err.status, FOLIO_ETIMEOUT);
  CHECK(strcmp(err.message, "run: deadline") == 0);
  folio_error_clear(&err);
  CHECK_EQ_INT(err.status, FOLIO_OK);
  CHECK(err.message[0] == '\0');
  CHECK_EQ_INT(folio_error_set(NULL, FOLIO_EINVAL, "x"), FOLIO_EINVAL);
  folio_error_clear(NULL);
}

int main(void) {
  test_names_and_messages();
  test_runtime_values_kept();
  test_unknown_codes();
  test_error();
  return tl_finish("test_status");
}
