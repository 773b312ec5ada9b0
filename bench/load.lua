-- wrk script of bench/load.py: a random path from $LOAD_PATHS for each request, the API
-- token of $LOAD_TOKEN, non-2xx answers counted per thread, and one JSON line at the end
-- with the percentiles wrk's own report leaves out (p95).

local threads = {}
local counter = 0

-- With $LOAD_PAUSE_MS, each connection waits a random 0 to twice that many ms before each
-- request (a client that thinks), instead of asking again at once.
local pause = tonumber(os.getenv("LOAD_PAUSE_MS") or "0") or 0
if pause > 0 then
  function delay()
    return math.random(0, 2 * pause)
  end
end

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + seed)
  paths = {}
  for line in io.lines(os.getenv("LOAD_PATHS")) do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  headers = {
    ["Authorization"] = "Bearer " .. os.getenv("LOAD_TOKEN"),
    -- What the TLS-terminating reverse proxy in front of gunicorn sets.
    ["X-Forwarded-Proto"] = "https",
    ["Accept"] = "application/json",
  }
  non2xx = 0
end

function request()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total = 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    'LOAD_JSON {"requests": %d, "duration_us": %d, "non2xx": %d, '
      .. '"socket": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %d}\n',
    summary.requests, summary.duration, non2xx_total,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean
  ))
end
