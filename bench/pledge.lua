-- wrk script for bench/pledge_run.py: every request pledges 1 unit of a random hot need item.
--
--   wrk -t32 -c32 -d25s --latency -s bench/pledge.lua http://127.0.0.1:8000 -- bench/var/pledge_targets.txt
--
-- The targets file (written by bench/pledge_seed.py) holds "token <secret>" and "item <id>" lines.
-- Run one connection per thread (-t equal to -c): thread n then uses token n, so each connection
-- is one donor. Responses are counted by status (201 pledged, 409 over_pledged, anything else) and
-- by second, and one machine-readable JSON line is printed at the end.

local threads = {}
local tokens, items = {}, {}
local headers = {}
created, refused, conflict, other = 0, 0, 0, 0
-- Per-second counts: finished seconds as "second 201 409 other;" text, plus the current one.
-- (Plain strings and numbers: wrk crashes copying nested tables out of a thread.)
finished, second, per201, per409, perOther = "", 0, 0, 0, 0

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1] or "bench/var/pledge_targets.txt"
  for line in io.lines(path) do
    local kind, value = line:match("^(%a+) (%S+)$")
    if kind == "token" then table.insert(tokens, value) end
    if kind == "item" then table.insert(items, value) end
  end
  assert(#tokens > 0 and #items > 0, "no tokens or items in " .. path)
  headers["Authorization"] = "Bearer " .. tokens[(id % #tokens) + 1]
  headers["Content-Type"] = "application/json"
  math.randomseed(os.time() * 1000 + id)
end

function request()
  local item = items[math.random(#items)]
  return wrk.format("POST", "/api/v1/pledges", headers, '{"need_item": ' .. item .. ', "quantity": 1}')
end

function response(status, _, body)
  local now = os.time()
  if now ~= second then
    if second ~= 0 then
      finished = finished .. string.format("%d %d %d %d;", second, per201, per409, perOther)
    end
    second, per201, per409, perOther = now, 0, 0, 0
  end
  if status == 201 then
    created = created + 1
    per201 = per201 + 1
  elseif status == 409 and body:find('"over_pledged"', 1, true) then
    refused = refused + 1
    per409 = per409 + 1
  else
    if status == 409 then conflict = conflict + 1 else other = other + 1 end
    perOther = perOther + 1
  end
end

local function add(merged, at, a, b, c)
  local into = merged[at] or {0, 0, 0}
  into[1], into[2], into[3] = into[1] + a, into[2] + b, into[3] + c
  merged[at] = into
end

function done(summary, latency, requests)
  local totals = {created = 0, refused = 0, conflict = 0, other = 0}
  local merged = {}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
    for at, a, b, c in (thread:get("finished") or ""):gmatch("(%d+) (%d+) (%d+) (%d+);") do
      add(merged, tonumber(at), tonumber(a), tonumber(b), tonumber(c))
    end
    if (thread:get("second") or 0) ~= 0 then
      add(merged, thread:get("second"), thread:get("per201"), thread:get("per409"), thread:get("perOther"))
    end
  end
  local keys = {}
  for at, _ in pairs(merged) do table.insert(keys, at) end
  table.sort(keys)
  local timeline = {}
  for _, at in ipairs(keys) do
    local c = merged[at]
    table.insert(timeline, string.format("[%d, %d, %d, %d]", at, c[1], c[2], c[3]))
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"status": {"201": %d, "409_over_pledged": %d, "409_other": %d, "other": %d}, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"mean": %.1f, "stdev": %.1f, "min": %d, "max": %d, '
      .. '"p50": %d, "p75": %d, "p90": %d, "p99": %d, "p999": %d}, '
      .. '"timeline": [%s]}\n',
    summary.requests, summary.duration, summary.bytes,
    totals.created, totals.refused, totals.conflict, totals.other,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.stdev, latency.min, latency.max,
    latency:percentile(50), latency:percentile(75), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9),
    table.concat(timeline, ", ")
  ))
end
