-- wrk script for bench/surge.py: each request carries the next signed-in employee's session cookie
-- (from the file named by $SURGE_COOKIES, one session key a line; none when it is empty) and the
-- header a TLS-ending proxy sets; answers other than 200 are counted; the figures end as one JSON line.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  cookies = {}
  local file = os.getenv("SURGE_COOKIES") or ""
  if file ~= "" then
    for line in io.lines(file) do
      cookies[#cookies + 1] = line
    end
  end
  index = math.random(math.max(#cookies, 1))
end

function request()
  local headers = { ["X-Forwarded-Proto"] = "https" }
  if #cookies > 0 then
    index = index % #cookies + 1
    headers["Cookie"] = "sessionid=" .. cookies[index]
  end
  return wrk.format("GET", nil, headers)
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, thread in ipairs(threads) do
    total_bad = total_bad + thread:get("bad")
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'SURGE {"requests": %d, "seconds": %.6f, "p50": %.3f, "p95": %.3f, "p99": %.3f, "max": %.3f, "bad": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, total_bad, errors))
end
