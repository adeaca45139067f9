local function l() return 1 + l() end xpcall(l, l)
