-- SPDX-License-Identifier: Apache-2.0
-- wrk script: full cases through fuma-host.
-- Each unit drives its own 申请补领 from start to 办结, again and again:
--   application.start -> save -> submit (the unit), accept (受理), approve
--   (复核, another person), notify, complete (受理)
-- and the script counts completed cases. The cookies come from the file
-- named by the environment variable FUMA_BENCH_COOKIES, written by run.py:
-- one line per unit "unit <uscc> <cookie> <csrf>", then "shouli <cookie>
-- <csrf>" and "fuhe <cookie> <csrf>", each with the CSRF token the host made
-- for that session.
--
-- A wrk thread serves many connections but does not say which connection a
-- response arrived on. Each thread therefore owns a set of units (one per
-- connection), keeps the units whose next request is ready in a queue, and
-- recognises the unit of each response by the uscc every answer carries.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  thread:set("count", 0)
  table.insert(threads, thread)
end

local staff = {}    -- name -> {cookie, csrf}
local flows = {}    -- uscc -> {cookie, csrf, step, id}
local ready = {}    -- queue of flows whose next request may be sent
local head, tail = 1, 0
-- Globals, so that done() can read them through thread:get.
cases, errors = 0, 0

local function push(flow)
  tail = tail + 1
  ready[tail] = flow
end

local function pop()
  if head > tail then return nil end
  local flow = ready[head]
  ready[head] = nil
  head = head + 1
  return flow
end

function init(args)
  local path = os.getenv("FUMA_BENCH_COOKIES")
  local threads_total = tonumber(os.getenv("FUMA_BENCH_THREADS"))
  local n = 0
  for line in io.lines(path) do
    local kind, a, b, c = line:match("^(%S+) (%S+) (%S+) ?(%S*)$")
    if kind == "unit" then
      if n % threads_total == index - 1 then
        local flow = {uscc = a, cookie = b, csrf = c, step = 1, id = nil}
        flows[a] = flow
        push(flow)
      end
      n = n + 1
    else
      staff[kind] = {cookie = a, csrf = b}
    end
  end
end

local steps = {
  {"/api/application.start", "unit", function(f) return '{"business":"reissue"}' end},
  {"/api/application.save", "unit",
   function(f) return '{"id":' .. f.id .. ',"fields":{"reason":"证书遗失，申请补领"}}' end},
  {"/api/application.submit", "unit", function(f) return '{"id":' .. f.id .. '}' end},
  {"/api/staff/application.accept", "shouli", function(f) return '{"id":' .. f.id .. '}' end},
  {"/api/staff/application.approve", "fuhe", function(f) return '{"id":' .. f.id .. '}' end},
  {"/api/staff/application.notify", "shouli",
   function(f) return '{"id":' .. f.id .. ',"reply":"请将签章后的申请表寄送登记管理机关"}' end},
  {"/api/staff/application.complete", "shouli", function(f) return '{"id":' .. f.id .. '}' end},
}

function request()
  local f = pop()
  if f == nil then
    -- Only after a failed answer whose unit cannot be told (run.py gives
    -- each thread a spare unit): keep the connection busy with something
    -- harmless.
    return wrk.format("GET", "/healthz")
  end
  local s = steps[f.step]
  local cookie, csrf
  if s[2] == "unit" then
    cookie, csrf = "fuma_unit=" .. f.cookie, f.csrf
  else
    cookie, csrf = "fuma_staff=" .. staff[s[2]].cookie, staff[s[2]].csrf
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["Cookie"] = cookie .. "; fuma_csrf=" .. csrf,
    ["X-CSRF-Token"] = csrf,
  }
  return wrk.format("POST", s[1], headers, s[3](f))
end

-- The unit of an answer: the 18 characters after "uscc":" (a code has no
-- quote or escape in it). A plain find, not a pattern match: a pattern is
-- tried at every byte before the match, which late in a case page costs the
-- client more time than the host takes to answer.
local function uscc_of(body)
  local at = body:find('"uscc":"', 1, true)
  if at == nil then return nil end
  return body:sub(at + 8, at + 25)
end

function response(status, headers, body)
  local uscc = uscc_of(body)
  local f = uscc and flows[uscc]
  if status ~= 200 or f == nil then
    if status == 200 and body:find('"schema_version"', 1, true) then return end  -- /healthz
    errors = errors + 1
    if errors <= 3 then io.stderr:write(status .. " " .. body:sub(1, 300) .. "\n") end
    -- The unit is known from its uscc when the answer names it: retry its step.
    if f then push(f) end
    return
  end
  if f.step == 1 then f.id = body:match('"application":{"id":(%d+)') end
  if f.step == #steps then
    cases = cases + 1
    f.step = 1
  else
    f.step = f.step + 1
  end
  push(f)
end

function done(summary, latency, requests)
  local total_cases, total_errors = 0, 0
  for _, t in ipairs(threads) do
    total_cases = total_cases + (t:get("cases") or 0)
    total_errors = total_errors + (t:get("errors") or 0)
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("full_cases %d errors %d seconds %.2f cases_per_second %.1f\n",
                         total_cases, total_errors, seconds, total_cases / seconds))
end
