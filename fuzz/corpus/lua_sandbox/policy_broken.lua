-- a policy file with a syntax error, for test_host_api
return folio.policy{name = "broken", size = function(ctx) return {} end
