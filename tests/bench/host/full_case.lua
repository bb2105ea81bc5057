-- wrk script: full cases through fuma-host, one connection per thread.
-- Each thread drives one unit's 申请补领 from start to 办结:
--   application.start -> save -> submit (the unit), accept (受理), approve
--   (复核, another person), notify, complete (受理)
-- and counts completed cases. The cookies come from the file named by the
-- environment variable FUMA_BENCH_COOKIES, written by run.py: one line per
-- unit "unit <cookie>", then "shouli <cookie>", "fuhe <cookie>" and
-- "csrf <token>".

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("index", counter)
  table.insert(threads, thread)
end

local units, staff, csrf = {}, {}, nil
local unit_cookie, step, id
-- Globals, so that done() can read them through thread:get.
cases, errors = 0, 0

local function read_cookies()
  local path = os.getenv("FUMA_BENCH_COOKIES")
  for line in io.lines(path) do
    local kind, value = line:match("^(%S+) (%S+)$")
    if kind == "unit" then
      table.insert(units, value)
    elseif kind == "csrf" then
      csrf = value
    else
      staff[kind] = value
    end
  end
end

function init(args)
  read_cookies()
  unit_cookie = units[index]
  step, id = 1, nil
end

local steps = {
  {"/api/application.start", "unit", function() return '{"business":"reissue"}' end},
  {"/api/application.save", "unit",
   function() return '{"id":' .. id .. ',"fields":{"reason":"证书遗失，申请补领"}}' end},
  {"/api/application.submit", "unit", function() return '{"id":' .. id .. '}' end},
  {"/api/staff/application.accept", "shouli", function() return '{"id":' .. id .. '}' end},
  {"/api/staff/application.approve", "fuhe", function() return '{"id":' .. id .. '}' end},
  {"/api/staff/application.notify", "shouli",
   function() return '{"id":' .. id .. ',"reply":"请将签章后的申请表寄送登记管理机关"}' end},
  {"/api/staff/application.complete", "shouli", function() return '{"id":' .. id .. '}' end},
}

function request()
  local s = steps[step]
  local cookie
  if s[2] == "unit" then
    cookie = "fuma_unit=" .. unit_cookie
  else
    cookie = "fuma_staff=" .. staff[s[2]]
  end
  local headers = {
    ["Content-Type"] = "application/json",
    ["Cookie"] = cookie .. "; fuma_csrf=" .. csrf,
    ["X-CSRF-Token"] = csrf,
  }
  return wrk.format("POST", s[1], headers, s[3]())
end

function response(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
    if errors <= 3 then io.stderr:write("step " .. step .. ": " .. status .. " " .. body .. "\n") end
    -- A failed start leaves nothing to continue; any other step is retried.
    return
  end
  if step == 1 then id = body:match('"application":{"id":(%d+)') end
  if step == #steps then
    cases = cases + 1
    step = 1
  else
    step = step + 1
  end
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
