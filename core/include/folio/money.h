/*
 * money.h — the rounding rules for amounts that reach a user or an order.
 *
 * USD amounts are kept as doubles holding a whole number of cents. Because
 * binary doubles cannot hold most cent values exactly, every rule first snaps
 * x * 100 to the nearest integer when it is within a few ulps of it (at most
 * 1e-3 cent), so that 0.29 rounds down to 0.29 and not to 0.28.
 */
#ifndef FOLIO_MONEY_H
#define FOLIO_MONEY_H

#include "folio/status.h" /* FOLIO_API */

#ifdef __cplusplus
extern "C" {
#endif

/* Largest amount (USD) the rounding rules accept: 1e13 (ten trillion). */
#define FOLIO_MAX_USD 1e13

/* Rounds down (towards -Inf) to the cent. Non-finite input is returned unchanged (the
 * caller checks it: numbers.h); so is |usd| >= 2^52, already a whole number. */
FOLIO_API double folio_usd_floor_cents(double usd);
/* Rounds to the nearest cent, halves away from zero. Non-finite input is returned
 * unchanged (the caller checks it: numbers.h); so is |usd| >= 2^52, already a whole number. */
FOLIO_API double folio_usd_round_cents(double usd);

#ifdef __cplusplus
}
#endif
#endif
