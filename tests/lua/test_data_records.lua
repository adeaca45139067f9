-- folio.data.read_records: CSV files as text records through libcsv (the
-- positions and orders files): columns, rows, line numbers, quoting, and
-- its refusals; sandboxed, only below the working folder.
local T = dofile((arg[0]:match("^(.*)/") or ".") .. "/testlib.lua")
local folio = require "folio"

local p = T.tmpfile('symbol,quantity\n"USD,JPY",1\n\n"A""B",2\n"multi\nline",3\n')
local r = folio.data.read_records(p)
T.eq(table.concat(r.columns, "|"), "symbol|quantity")
T.eq(#r.rows, 3); T.eq(r.rows[1][1], "USD,JPY"); T.eq(r.rows[2][1], 'A"B'); T.eq(r.rows[3][1], "multi\nline")
T.eq(r.lines[1], 2); T.eq(r.lines[2], 4); T.eq(r.lines[3], 5)
-- the file the orders adapter writes reads back the same
local row = folio.data.csv_row{ "USD,JPY", 'A"B', "x" }
local q = T.tmpfile("a,b,c\n" .. row .. "\n")
local back = folio.data.read_records(q)
T.eq(back.rows[1][1], "USD,JPY"); T.eq(back.rows[1][2], 'A"B')
-- refusals, named by path and line
T.raises(function() folio.data.read_records(T.tmpfile("a,b\n1\n")) end, { ":2: ragged row" })
T.raises(function() folio.data.read_records(T.tmpfile("a,a\n")) end, { ":1: column 'a' appears twice" })
T.raises(function() folio.data.read_records(T.tmpfile("")) end, { "empty file" })
T.raises(function() folio.data.read_records(T.tmpfile('a\n"x\n')) end, { "unterminated quoted field" })
T.raises(function() folio.data.read_records("/no/such/file.csv") end, { "/no/such/file.csv" })
T.raises(function() folio.data.read_records("/tmp") end, { "/tmp" })
T.raises(function() folio.data.read_records() end, { "string expected" })
-- sandboxed: only below the working folder
local bin = (os.getenv("FOLIO_BIN") or "build/folio")
local script = T.tmpfile('print(pcall(folio.data.read_records, "/etc/passwd"))')
local h = io.popen(bin .. " run " .. script .. " 2>&1")
local out = h:read("a")
h:close()
T.check(out:find("false", 1, true) and out:find("/etc/passwd", 1, true), "a sandboxed script cannot read outside its folder: " .. out)
T.finish("test_data_records")
