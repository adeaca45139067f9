-- Prints the registered sizers (tests/install: the moved folio loads its shipped policies).
for _, n in ipairs(folio.registry.names()) do print(n) end
