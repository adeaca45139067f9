/*
 * status.h — status codes and error messages shared by every folio function.
 *
 * Every fallible function returns a folio_status (FOLIO_OK == 0, failures are
 * negative, so `if (st < 0)` is the contract) and, when given a non-NULL
 * folio_error, fills it with the same status and a human message that names
 * the function and the offending parameter, symbol or index, e.g.
 *   "kelly_fraction: cov is not positive definite (symbol XYZ)".
 * There is no global errno: each call carries its own error.
 */
#ifndef FOLIO_STATUS_H
#define FOLIO_STATUS_H

#include <stddef.h>

/* FOLIO_API marks the public API: libfolio is built with hidden visibility,
 * so only what carries it is exported (folio_*, folio_host_*, luaopen_folio). */
#ifndef FOLIO_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define FOLIO_API __attribute__((visibility("default")))
#else
#define FOLIO_API
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum folio_status {
  FOLIO_OK = 0,
  FOLIO_EINVAL = -1,     /* a parameter is outside its documented range */
  FOLIO_ENOTFINITE = -2, /* NaN or Inf where a finite number is required */
  FOLIO_EDIM = -3,       /* sizes that do not match, or exceed FOLIO_MAX_DIM */
  FOLIO_ENOMEM = -4,     /* an allocation failed */
  FOLIO_ESHORT = -5,     /* not enough history (rows) for the requested window */
  FOLIO_ENOTPD = -6,     /* a matrix is not positive definite */
  FOLIO_ENOTSYM = -7,    /* a matrix that must be symmetric is not */
  FOLIO_EDUP = -8,       /* a duplicate symbol or label */
  FOLIO_EPARSE = -9,     /* malformed input text (CSV, dates, numbers) */
  FOLIO_EIO = -10,       /* a file could not be opened or read */
  FOLIO_EMISSING = -11,  /* a missing value where none is allowed */
  FOLIO_EDEGENERATE = -12, /* a quantity that must be > 0 is 0 (zero volatility, ...) */
  FOLIO_ENOTFOUND = -13, /* an unknown name (symbol, bucket, ...) */
  FOLIO_EEMPTY = -14,    /* an empty input where at least one element is needed */
  FOLIO_EBUSY = -15,     /* held by someone else (the store's run lock); try again later */
  FOLIO_ECANCELED = -16, /* stopped by the caller's folio_cancel poll (cancel.h) */
  /* Statuses of the policy runtime (folio/host.h). */
  FOLIO_ELUA = -100,     /* the policy or script raised an error */
  FOLIO_ETIMEOUT = -101, /* instruction budget or deadline exceeded */
  FOLIO_EMEMORY = -102   /* memory budget of the engine exceeded */
} folio_status;

/* Longest message kept, including the terminating NUL; longer ones are truncated. */
#define FOLIO_ERROR_MAX 512

typedef struct folio_error {
  folio_status status;
  char message[FOLIO_ERROR_MAX];
} folio_error;

/* Resets err to FOLIO_OK with an empty message. err may be NULL. */
FOLIO_API void folio_error_clear(folio_error *err);

/* Sets err (if non-NULL) to status st and a printf-formatted message; returns st,
 * so that `return folio_error_set(err, FOLIO_EINVAL, "...", ...);` reads naturally. */
FOLIO_API folio_status folio_error_set(folio_error *err, folio_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The constant's name, e.g. "FOLIO_ENOTPD"; "FOLIO_E?" for a value that is not
 * one of the constants above. Static storage. */
FOLIO_API const char *folio_status_name(folio_status st);

/* A short description, e.g. "matrix is not positive definite"; "unknown status"
 * for a value that is not one of the constants above. Static storage. */
FOLIO_API const char *folio_status_string(folio_status st);

/* The library's version, e.g. "0.1.0". Static storage. */
FOLIO_API const char *folio_version(void);

#ifdef __cplusplus
}
#endif
#endif
