/*
 * test_json.c — folio's JSON on jansson (json.h, json_internal.h): what the
 * strict checker accepts and refuses (with "json:<line>:<column>: ..."),
 * duplicates refused where a reader asks, the depth limit, NaN/Infinity and
 * overflow refused, the number writer, the document writer (sorted keys,
 * reals that round-trip bit for bit with the fewest of 15/16/17 digits) and
 * the position index the stats reader points its messages with.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "folio/json.h"
#include "json_internal.h"
#include "testlib.h"

static void test_check(void) {
  folio_error err;
  static const char *const good[] = {
      "null", " true ", "false", "0", "-0", "1.5e-3", "-12E+2", "\"\"", "\"a\\\"b\\\\c\\/\\n\\u00e9\"",
      "[]", "{}", "[1,[2,[3]],{\"a\":{\"b\":[]}}]", "{\"k\":null,\"x\":\"\xc3\xa9\"}", "\"\xf0\x9f\x98\x80\"",
      "\"\\u0000\"", "18446744073709551616", "[1e-400]", "\"\\ud83d\\ude00\""};
  for (size_t i = 0; i < sizeof good / sizeof *good; i++)
    CHECK_MSG(folio_json_check(good[i], strlen(good[i]), &err) == FOLIO_OK, "%s: %s", good[i], err.message);
  /* every refusal keeps FOLIO_EPARSE; the needle is jansson's account of it */
  static const struct { const char *text, *needle; } bad[] = {
      {"", "json:1:0: unexpected token near end of file"}, {"NaN", "NaN and Infinity are not JSON"},
      {"[Infinity]", "NaN and Infinity are not JSON"}, {"-Infinity", "NaN and Infinity are not JSON"},
      {"[1,]", "json:1:4: unexpected token near ']'"}, {"{\"a\":1,}", "string or '}' expected"},
      {"{'a':1}", "string or '}' expected"}, {"01", "invalid token near '0'"}, {"1.", "invalid token near '1.'"},
      {"1e", "invalid token near '1e'"}, {"\"a", "premature end of input"}, {"\"\\x\"", "invalid escape"},
      {"\"\\u12g4\"", "invalid escape"}, {"\"a\tb\"", "control character 0x9"},
      {"[1] 2", "end of file expected near '2'"}, {"{\"a\" 1}", "':' expected"}, {"[1 2]", "']' expected"},
      {"tru", "invalid token near 'tru'"}, {"\"\xc3\"", "invalid UTF-8"}, {"\"\xed\xa0\x80\"", "invalid UTF-8"},
      {"\"\xc0\xaf\"", "invalid UTF-8"}, {"[1e999]", "real number overflow"}, {"[-1e999]", "overflows a double"},
      {"\"\\ud800\"", "invalid Unicode"}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK_ERR(folio_json_check(bad[i].text, strlen(bad[i].text), &err), err, FOLIO_EPARSE, bad[i].needle);
  /* the NaN/Infinity hint only where the bad token is one */
  CHECK_ERR(folio_json_check("{\"Info\": tru}", 14, &err), err, FOLIO_EPARSE, "invalid token near 'tru'");
  CHECK(strstr(err.message, "NaN") == NULL);
  /* line and column of a syntax error on a later line */
  const char *multi = "{\n  \"a\": [1, 2],\n  \"b\": [3,, 4]\n}";
  CHECK_ERR(folio_json_check(multi, strlen(multi), &err), err, FOLIO_EPARSE, "json:3:");
  /* depth: 32 levels are fine, 33 are not; jansson's own stack limit is FOLIO_EDIM too */
  char deep[80];
  memset(deep, '[', 32);
  memset(deep + 32, ']', 32);
  CHECK(folio_json_check(deep, 64, &err) == FOLIO_OK);
  memset(deep, '[', 33);
  memset(deep + 33, ']', 33);
  CHECK_ERR(folio_json_check(deep, 66, &err), err, FOLIO_EDIM, "deeper than 32");
  char *huge = malloc(5000);
  memset(huge, '[', 5000);
  CHECK_ERR(folio_json_check(huge, 5000, &err), err, FOLIO_EDIM, "depth");
  free(huge);
  /* the text is read up to len, not to a NUL */
  CHECK(folio_json_check("[1]xyz", 3, &err) == FOLIO_OK);
  CHECK_ERR(folio_json_check(NULL, 0, &err), err, FOLIO_EINVAL, "NULL");
}

static void test_parse(void) {
  folio_error err;
  json_t *v = NULL;
  /* duplicates: refused by every reader (never "last wins"), naming the key, line and column */
  const char *dup = "{\"a\": 1,\n \"b\": 2,\n \"a\": 3}";
  CHECK_ERR(folio_i_json_parse("f.json", dup, strlen(dup), 0, &v, &err), err, FOLIO_EPARSE, "f.json:3:");
  CHECK(v == NULL);
  CHECK_ERR(folio_json_check("{\"a\":1,\"a\":2}", 13, &err), err, FOLIO_EPARSE, "json:1:10: duplicate object key");
  CHECK_ERR(folio_json_check("[1, 1e999]", 10, &err), err, FOLIO_EPARSE, "json:1:9: real number overflow");
  CHECK_ERR(folio_i_json_parse("f.json", dup, strlen(dup), JSON_REJECT_DUPLICATES, &v, &err), err, FOLIO_EPARSE,
            "f.json:3:");
  CHECK(strstr(err.message, "duplicate object key") && strstr(err.message, "\"a\""));
  CHECK(v == NULL);
  /* an integer beyond 64 bits is read as a real; the others stay integers */
  CHECK(folio_i_json_parse("x", "[18446744073709551616, 1]", 25, 0, &v, &err) == FOLIO_OK);
  CHECK(v && json_is_real(json_array_get(v, 0)) && json_real_value(json_array_get(v, 0)) == 18446744073709551616.0);
  CHECK(v && json_is_integer(json_array_get(v, 1)) && json_integer_value(json_array_get(v, 1)) == 1);
  json_decref(v);
  {
    static const char edge[] = "{\"seq\": 5, \"s\": \"99999999999999999999\", \"lo\": -9223372036854775808, "
                               "\"hi\": 9223372036854775807, \"over\": 9223372036854775808, "
                               "\"under\": -9223372036854775809, \"big\": 12345678901234567891, "
                               "\"huge\": 123456789012345678901234567890123456789}";
    CHECK_MSG(folio_i_json_parse("x", edge, strlen(edge), 0, &v, &err) == FOLIO_OK, "%s", err.message);
    CHECK(json_is_integer(json_object_get(v, "seq")) && json_integer_value(json_object_get(v, "seq")) == 5);
    CHECK(json_is_string(json_object_get(v, "s")));
    CHECK(json_is_integer(json_object_get(v, "lo")) && json_integer_value(json_object_get(v, "lo")) == INT64_MIN);
    CHECK(json_is_integer(json_object_get(v, "hi")) && json_integer_value(json_object_get(v, "hi")) == INT64_MAX);
    CHECK(json_is_real(json_object_get(v, "over")) && json_real_value(json_object_get(v, "over")) == 9223372036854775808.0);
    CHECK(json_is_real(json_object_get(v, "under")) &&
          json_real_value(json_object_get(v, "under")) == strtod("-9223372036854775809", NULL));
    CHECK(json_is_real(json_object_get(v, "big")) &&
          json_real_value(json_object_get(v, "big")) == strtod("12345678901234567891", NULL));
    CHECK(json_is_real(json_object_get(v, "huge")) &&
          json_real_value(json_object_get(v, "huge")) == strtod("123456789012345678901234567890123456789", NULL));
    json_decref(v);
  }
  /* a later error keeps its line and column after a big integer */
  CHECK_ERR(folio_i_json_parse("f.json", "[99999999999999999999,\n 1,, 2]", 31, 0, &v, &err), err, FOLIO_EPARSE,
            "f.json:2:");
  /* NaN refused with the name of the text */
  CHECK_ERR(folio_i_json_parse("stats.json", "{\"r\":\n NaN}", 11, 0, &v, &err), err, FOLIO_EPARSE,
            "stats.json:2:");
  CHECK(strstr(err.message, "NaN") != NULL);
}

/* Dumps v compact and returns the text (freed by the caller). */
static char *dump(json_t *v) {
  char *text = NULL;
  folio_error err;
  CHECK_MSG(folio_i_json_dump("test", v, JSON_COMPACT, &text, NULL, &err) == FOLIO_OK, "%s", err.message);
  return text;
}

static void test_numbers(void) {
  folio_error err;
  char buf[FOLIO_JSON_NUMBER_MAX];
  static const struct { double x; const char *text; } fixed[] = {
      {0.1, "0.1"}, {1.0, "1.0"}, {-0.0, "-0.0"}, {1e300, "1e+300"}, {1e308, "1e+308"}, {1e-5, "1e-05"},
      {5e-324, "4.94065645841247e-324"}, {-1.0 / 3, "-0.3333333333333333"}, {DBL_MAX, "1.7976931348623157e+308"},
      {3.14159e-7, "3.14159e-07"}, {1e16, "1e+16"}, {9007199254740992.0, "9007199254740992.0"}};
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
    CHECK_MSG(folio_json_number(fixed[i].x, buf, &err) == FOLIO_OK && strcmp(buf, fixed[i].text) == 0,
              "%.17g -> '%s', want '%s'", fixed[i].x, buf, fixed[i].text);
    CHECK(strtod(buf, NULL) == fixed[i].x);
  }
  CHECK(folio_json_number(-0.0, buf, &err) == FOLIO_OK && signbit(strtod(buf, NULL)));
  CHECK_ERR(folio_json_number(NAN, buf, &err), err, FOLIO_ENOTFINITE, "NaN");
  CHECK_ERR(folio_json_number(-INFINITY, buf, &err), err, FOLIO_ENOTFINITE, "-Infinity");
  CHECK_ERR(folio_json_number(1.0, NULL, &err), err, FOLIO_EINVAL, "NULL");
  /* random bit patterns: written, checked, read back bit for bit, by the writer and through a document */
  tl_rng rng = {42};
  int round_trips = 1, tested = 0;
  for (int i = 0; i < 20000 && round_trips; i++) {
    uint64_t bits = tl_next(&rng);
    double x;
    memcpy(&x, &bits, sizeof x);
    if (!isfinite(x)) continue;
    tested++;
    if (folio_json_number(x, buf, &err) != FOLIO_OK || strtod(buf, NULL) != x ||
        folio_json_check(buf, strlen(buf), &err) != FOLIO_OK) {
      round_trips = 0;
      fprintf(stderr, "number %.17g -> %s\n", x, buf);
    }
  }
  CHECK(round_trips && tested > 19000);
  /* a document: the extremes and ordinary decimals come back bit for bit */
  static const double xs[] = {5e-324, 1e308, -0.0, 0.1, DBL_MAX, -DBL_MIN, 1.0 / 3, 2.5, 1e23, 123456789.125};
  json_t *arr = json_array();
  for (size_t i = 0; i < sizeof xs / sizeof *xs; i++) json_array_append_new(arr, json_real(xs[i]));
  char *text = dump(arr);
  json_t *back = NULL;
  CHECK(text && folio_i_json_parse("t", text, strlen(text), 0, &back, &err) == FOLIO_OK);
  for (size_t i = 0; back && i < sizeof xs / sizeof *xs; i++) {
    double y = json_real_value(json_array_get(back, i));
    CHECK_MSG(memcmp(&y, &xs[i], sizeof y) == 0, "#%zu: %.17g came back as %.17g (%s)", i, xs[i], y, text);
  }
  json_decref(back);
  free(text);
  json_decref(arr);
  /* each real in its own shortest form, whatever its neighbours need; in keys' order */
  json_t *mixed = json_pack("{s:[f,f,f,f,f], s:{s:f, s:f}, s:f, s:s}", "a", 0.1, 2.5, 1e300, 1.0 / 3, 0.1 + 0.2, "b",
                            "y", -0.0, "x", 1e-7, "c", 3.0, "d", "1.5e3");
  text = dump(mixed);
  CHECK_MSG(text && strcmp(text, "{\"a\":[0.1,2.5,1e+300,0.3333333333333333,0.30000000000000004],"
                                 "\"b\":{\"x\":1e-07,\"y\":-0.0},\"c\":3.0,\"d\":\"1.5e3\"}") == 0,
            "%s", text ? text : "(null)");
  free(text);
  char *pretty = NULL;
  CHECK(folio_i_json_dump("test", mixed, JSON_INDENT(2), &pretty, NULL, &err) == FOLIO_OK);
  CHECK_MSG(pretty && strstr(pretty, "\n    0.1,\n    2.5,\n    1e+300,\n") != NULL, "%s", pretty ? pretty : "(null)");
  free(pretty);
  json_decref(mixed);
}

static void test_writer(void) {
  folio_error err;
  /* keys come out sorted bytewise whatever the insertion order; integers stay integers */
  json_t *o = json_object();
  const char *keys[] = {"b", "a", "B", "aa", "_", "\xc3\xa9", "A1"};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) json_object_set_new(o, keys[i], json_integer((json_int_t)i));
  json_object_set_new(o, "nested", json_pack("{s:[i,f,b,n], s:s}", "z", 1, 2.0, 1, "y", "t\"\\\n\x01"));
  char *text = dump(o);
  CHECK_MSG(text && strcmp(text, "{\"A1\":6,\"B\":2,\"_\":4,\"a\":1,\"aa\":3,\"b\":0,"
                                 "\"nested\":{\"y\":\"t\\\"\\\\\\n\\u0001\",\"z\":[1,2.0,true,null]},\"\xc3\xa9\":5}") == 0,
            "%s", text ? text : "(null)");
  free(text);
  /* the same data in another order gives the same bytes */
  json_t *o2 = json_object();
  for (size_t i = sizeof keys / sizeof *keys; i-- > 0;) json_object_set_new(o2, keys[i], json_integer((json_int_t)i));
  json_object_set_new(o2, "nested", json_pack("{s:s, s:[i,f,b,n]}", "y", "t\"\\\n\x01", "z", 1, 2.0, 1));
  char *a = dump(o), *b = dump(o2);
  CHECK(a && b && strcmp(a, b) == 0);
  free(a);
  free(b);
  /* indented output (portfolio_config.json): sorted too */
  char *pretty = NULL;
  CHECK(folio_i_json_dump("test", o, JSON_INDENT(2), &pretty, NULL, &err) == FOLIO_OK);
  CHECK(pretty && strncmp(pretty, "{\n  \"A1\": 6,\n  \"B\": 2,", 22) == 0);
  free(pretty);
  /* scalars at the top */
  json_t *s = json_string("x");
  text = dump(s);
  CHECK(text && strcmp(text, "\"x\"") == 0);
  free(text);
  json_decref(s);
  json_decref(o);
  json_decref(o2);
  CHECK_ERR(folio_i_json_dump("test", NULL, 0, &text, NULL, &err), err, FOLIO_EINVAL, "test:");
}

static void test_positions(void) {
  folio_error err;
  const char *text = "{\"a\": [1, \"x,]}\"],\r\n  \"b\": {\"c\": null}\n}";
  json_t *v = NULL;
  CHECK(folio_i_json_parse("t", text, strlen(text), JSON_REJECT_DUPLICATES, &v, &err) == FOLIO_OK);
  folio_i_json_pos *pos = NULL;
  size_t n = 0;
  CHECK(folio_i_json_positions("t", text, strlen(text), &pos, &n, &err) == FOLIO_OK);
  /* pre-order: {, "a", [, 1, "x,]}", "b", {, "c", null */
  CHECK_EQ_INT(n, 9);
  CHECK_EQ_INT(folio_i_json_count(v), 9);
  static const size_t want[9][2] = {{1, 1}, {1, 2}, {1, 7}, {1, 8}, {1, 11}, {2, 3}, {2, 8}, {2, 9}, {2, 14}};
  for (size_t i = 0; pos && i < 9 && i < n; i++)
    CHECK_MSG(pos[i].line == want[i][0] && pos[i].col == want[i][1], "#%zu at %zu:%zu, want %zu:%zu", i,
              pos[i].line, pos[i].col, want[i][0], want[i][1]);
  free(pos);
  json_decref(v);
  /* found by fuzz_json: jansson takes a NUL after a top-level number as the
   * end of the text; the index once looped on it, growing without bound */
  static const char nul[] = "9\0";
  v = NULL;
  pos = NULL;
  /* the index ends whatever the parser says (it used to loop here) */
  CHECK(folio_i_json_positions("t", nul, 2, &pos, &n, &err) == FOLIO_OK);
  CHECK(folio_i_json_parse("t", nul, 2, JSON_REJECT_DUPLICATES, &v, &err) == FOLIO_OK); /* jansson: 9 */
  if (v) CHECK_EQ_INT(n, folio_i_json_count(v));
  free(pos);
  json_decref(v);
}

int main(void) {
  test_check();
  test_parse();
  test_numbers();
  test_writer();
  test_positions();
  return tl_finish("test_json");
}
