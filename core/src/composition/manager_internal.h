/*
 * manager_internal.h — what the manager's units (manager*.c) share and the
 * rest of libfolio does not see: the options check every entry point runs.
 */
#ifndef FOLIO_MANAGER_INTERNAL_H
#define FOLIO_MANAGER_INTERNAL_H

#include "folio/manager.h"

/* Checks an options struct: a finite target_vol > 0, max_leverage >= 0,
 * account_value > 0, window in [2, FOLIO_MAX_DIM], at most 1000 random
 * starts. Errors: FOLIO_EINVAL "manager: <field> must be ...". */
folio_status folio_i_manager_check_options(const folio_manager_opts *o, folio_error *err);

#endif
