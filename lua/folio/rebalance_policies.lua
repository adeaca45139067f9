-- Policies from the fund file (part of folio.rebalance, docs/rebalance.md
-- section 2): the fund's policy_path folders, --policy-path folders and the
-- sleeves' policy files, loaded into the registry without ever replacing a
-- shipped policy or a built-in, each path kept inside the fund's folder.
local folio, internal = ...

local ipairs, type, tostring, pcall, load = ipairs, type, tostring, pcall, load
local string_format = string.format
local parts = internal.rebalance
local fail = parts.fail

local policy_files = {} -- policy name -> the real path of the file that last declared it (any run)

local function dirname(path) return path:match("^(.*)/[^/]*$") or "." end

local function real(path)
  local info = folio.reconcile.file_info(path)
  return info and info.realpath, info
end

-- Loads one policy file (trusted engines only) and registers it; returns its
-- name. A file may not take the name of a shipped policy or a built-in, nor
-- of another file's policy.
local function load_policy_file(run, path, where, inside)
  local rp, info = real(path)
  if not rp then fail(string_format("%spolicy file '%s' does not exist", where, path), 3) end
  if info.kind ~= "file" then fail(string_format("%spolicy file '%s' is not a regular file", where, path), 3) end
  if inside and rp:sub(1, #inside + 1) ~= inside .. "/" then
    fail(string_format("%spolicy file '%s' leads outside the fund file's folder (%s)", where, path, rp), 3)
  end
  local text, why = folio.reconcile.read_file(path)
  if not text then fail(where .. tostring(why), 3) end
  local chunk, err = load(text, "@" .. path, "t")
  if not chunk then fail(where .. tostring(err), 3) end
  local ok, pol = pcall(chunk)
  if not ok then fail(where .. tostring(pol), 3) end
  if not (folio.is_policy(pol) or (folio.is_pipeline and folio.is_pipeline(pol))) then
    fail(string_format("%s%s must return folio.policy{...} (it returned %s)", where, path, type(pol)), 3)
  end
  local name = pol.name
  local owner = run.policy_files[name]
  if owner and owner ~= rp then
    fail(string_format("%stwo policy files declare '%s': %s and %s", where, name, owner, rp), 3)
  end
  -- the host's rule for policy folders (policy.lua's policy_shadowed, docs/sandbox.md): no file
  -- takes the name of a built-in, a shipped policy or another file's policy
  local shadowed = not policy_files[name] and internal.policy_shadowed(name, rp)
  if shadowed then
    fail(string_format("%s%s declares '%s', which is already registered (%s): rename it",
      where, path, name, shadowed), 3)
  end
  internal.host.register_file(pol, rp, "folder", true)
  policy_files[name], run.policy_files[name] = rp, rp
  return name
end

local function is_path(s) return s:find("/", 1, true) ~= nil or s:sub(-4) == ".lua" end

-- Loads the policy folders (every *.lua, in name order) and the sleeves' policy files.
function parts.load_policies(run)
  local cfg = run.cfg
  run.policy_files = {}
  local dir = dirname(cfg.path or "./fund.yaml")
  local root = real(dir)
  local folders = {}
  for _, d in ipairs(cfg.policy_path or {}) do
    local rp, info = real(dir .. "/" .. d)
    if not rp or info.kind ~= "directory" then
      fail(string_format("%s: policy_path: folder '%s' does not exist (relative to %s)", cfg.path, d, dir), 3)
    end
    if root and rp ~= root and rp:sub(1, #root + 1) ~= root .. "/" then
      fail(string_format("%s: policy_path: folder '%s' leads outside the fund file's folder", cfg.path, d), 3)
    end
    folders[#folders + 1] = { path = dir .. "/" .. d, inside = root }
  end
  local extra = run.args.policy_path
  if type(extra) == "string" then
    local list = {}
    for d in extra:gmatch("[^:]+") do list[#list + 1] = d end
    extra = list
  end
  for _, d in ipairs(extra or {}) do
    local rp, info = real(d)
    if not rp or info.kind ~= "directory" then fail(string_format("--policy-path: folder '%s' does not exist", d), 3) end
    folders[#folders + 1] = { path = d }
  end
  for _, f in ipairs(folders) do
    local names = folio.reconcile.list_dir(f.path) or {}
    for _, n in ipairs(names) do
      if n:sub(-4) == ".lua" and n:sub(1, 1) ~= "." then
        load_policy_file(run, f.path .. "/" .. n, f.path .. ": ", f.inside and real(f.path))
      end
    end
  end
  for i, sleeve in ipairs(cfg.sleeves) do
    if sleeve.policy and is_path(sleeve.policy) then
      local where = string_format("%s: sleeves[%d].policy: ", sleeve.where and sleeve.where.sleeve or cfg.path, i)
      sleeve.policy_name = load_policy_file(run, dir .. "/" .. sleeve.policy, where, root)
    elseif sleeve.policy then
      sleeve.policy_name = sleeve.policy
    end
  end
end

