local m = folio.matrix{ {0.01, 0.02}, {-0.01, 0.005}, {0.003, -0.002}, rows = {"d1", "d2", "d3"}, cols = {"A", "B"} }
local cov = m:cov()
local w = folio.sizers.kelly_fraction{ expected_returns = {A = 0.001, B = 0.0005}, cov = cov, risk_aversion = 2, cap = 0.2 }
local t = folio.store.decode_json(folio.store.encode_json{ w = w, s = ("x"):rep(10) })
print(string.format("%q %s", t.s, utf8.char(233)), math.type(#t.s), os.time{year = 2024, month = 1, day = 2})
return t
