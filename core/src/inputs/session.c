/*
 * session.c — which trading session an instant falls in (see session.h):
 * the names of sessions and asset classes, and the session of an instant for
 * each asset class under a checked calendar. The instant becomes a New York
 * minute of a day (civil_time.c's offset rule), equities ask the calendar
 * whether that day and the next trade (calendar.c); crypto, fx and futures
 * follow their weekly hours. A lookup is a few dozen integer operations.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "folio/session.h"
#include "names.h"
#include "time_rules.h"

static const char *const session_names[FOLIO_SESSION_COUNT] = {"closed", "pre",   "RTH",
                                                               "post",   "IBEOS", "24h"};
static const char *const asset_names[FOLIO_ASSET_COUNT] = {"equities", "crypto", "fx", "futures"};

/* ==== names =============================================================== */

const char *folio_session_name(folio_session_id id) {
  return (unsigned)id < (unsigned)FOLIO_SESSION_COUNT ? session_names[id] : "";
}

folio_status folio_session_by_name(const char *name, folio_session_id *out, folio_error *err) {
  folio_error_clear(err);
  if (!name || !out) return folio_error_set(err, FOLIO_EINVAL, "session: name or out is NULL");
  int i = folio_i_name_index(session_names, FOLIO_SESSION_COUNT, name);
  if (i >= 0) {
    *out = (folio_session_id)i;
    return FOLIO_OK;
  }
  return folio_error_set(
      err, FOLIO_ENOTFOUND,
      "session: unknown session '%.64s' (valid: closed, pre, RTH, post, IBEOS, 24h)", name);
}

const char *folio_asset_class_name(folio_asset_class ac) {
  return (unsigned)ac < (unsigned)FOLIO_ASSET_COUNT ? asset_names[ac] : "";
}

folio_status folio_asset_class_by_name(const char *name, folio_asset_class *out, folio_error *err) {
  folio_error_clear(err);
  if (!name || !out) return folio_error_set(err, FOLIO_EINVAL, "asset_class: name or out is NULL");
  int i = folio_i_name_index(asset_names, FOLIO_ASSET_COUNT, name);
  if (i >= 0) {
    *out = (folio_asset_class)i;
    return FOLIO_OK;
  }
  return folio_error_set(
      err, FOLIO_ENOTFOUND,
      "asset_class: unknown asset class '%.64s' (valid: equities, crypto, fx, futures)", name);
}

static folio_session_id equities_at(const folio_calendar *cal, int32_t days, int mod) {
  if (mod < cal->ibeos_end) /* the tail of the overnight session that opened yesterday */
    return folio_i_trading_day(cal, days, NULL) ? FOLIO_SESSION_IBEOS : FOLIO_SESSION_CLOSED;
  if (mod >= cal->ibeos_start) /* tonight's overnight session, if tomorrow trades */
    return folio_i_trading_day(cal, days + 1, NULL) ? FOLIO_SESSION_IBEOS : FOLIO_SESSION_CLOSED;
  int early = 0;
  if (!folio_i_trading_day(cal, days, &early)) return FOLIO_SESSION_CLOSED;
  if (mod >= cal->pre_start && mod < cal->pre_end) return FOLIO_SESSION_PRE;
  if (mod >= cal->rth_start && mod < (early ? cal->early_close : cal->rth_end))
    return FOLIO_SESSION_RTH;
  if (early ? (mod >= cal->early_close && mod < cal->early_post_close)
            : (mod >= cal->post_start && mod < cal->post_end))
    return FOLIO_SESSION_POST;
  return FOLIO_SESSION_CLOSED;
}

/* Sunday `open` to Friday `close`, with an optional daily break Monday-Thursday. */
static folio_session_id weekly_at(int wd, int mod, int open, int close, int brk_start,
                                  int brk_end) {
  switch (wd) {
    case 0: return mod >= open ? FOLIO_SESSION_H24 : FOLIO_SESSION_CLOSED;
    case 5: return mod < close ? FOLIO_SESSION_H24 : FOLIO_SESSION_CLOSED;
    case 6: return FOLIO_SESSION_CLOSED;
    default: return mod >= brk_start && mod < brk_end ? FOLIO_SESSION_CLOSED : FOLIO_SESSION_H24;
  }
}

folio_status folio_session_at(const folio_calendar *cal, folio_asset_class ac,
                              int64_t epoch_seconds, folio_session_id *out, folio_error *err) {
  folio_error_clear(err);
  if (!out) return folio_error_set(err, FOLIO_EINVAL, "session_at: out is NULL");
  if (!cal) cal = &folio_i_default_calendar;
  if (!cal->checked)
    return folio_error_set(err, FOLIO_EINVAL,
                           "session_at: calendar not checked (call folio_calendar_check)");
  if ((unsigned)ac >= (unsigned)FOLIO_ASSET_COUNT)
    return folio_error_set(err, FOLIO_EINVAL, "session_at: unknown asset class %d", (int)ac);
  folio_status st = folio_i_check_instant("session_at", epoch_seconds, err);
  if (st != FOLIO_OK) return st;
  if (ac == FOLIO_ASSET_CRYPTO) {
    *out = FOLIO_SESSION_H24;
    return FOLIO_OK;
  }
  int64_t local = epoch_seconds + folio_i_ny_offset(epoch_seconds);
  int32_t days = (int32_t)(local / 86400);
  int mod = (int)(local - (int64_t)days * 86400) / 60;
  switch (ac) {
    case FOLIO_ASSET_EQUITIES: *out = equities_at(cal, days, mod); break;
    case FOLIO_ASSET_FX:
      *out = weekly_at(folio_i_weekday(days), mod, cal->fx_open, cal->fx_close, 0, 0);
      break;
    default:
      *out = weekly_at(folio_i_weekday(days), mod, cal->futures_open, cal->futures_close,
                       cal->futures_break_start, cal->futures_break_end);
      break;
  }
  return FOLIO_OK;
}
