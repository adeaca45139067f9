/* folio.h — umbrella header: everything in libfolio. */
#ifndef FOLIO_H
#define FOLIO_H

#include "folio/status.h"
#include "folio/panel.h"
#include "folio/money.h"
#include "folio/csv.h"
#include "folio/returns.h"
#include "folio/risk_model.h"
#include "folio/correlation.h"
#include "folio/hrp.h"
#include "folio/repair.h"
#include "folio/sizers.h"
#include "folio/risk_sizers.h"
#include "folio/allocator.h"
#include "folio/black_litterman.h"
#include "folio/capacity.h"
#include "folio/multi_sleeve.h"
#include "folio/turnover.h"
#include "folio/holding.h"
#include "folio/config.h"
#include "folio/session.h"
#include "folio/orders.h"
#include "folio/guards.h"
#include "folio/state.h"
#include "folio/position_sizers.h"
#include "folio/portfolio_allocator.h"
#include "folio/json.h"
#include "folio/store.h"
#include "folio/manager.h"

#endif
