-- wrk script for bench/load_reports.py: POST one report per request to the path in the URL.
-- Nine in ten reports name a fresh address (a new queue item: the costlier path); one in ten repeats one of
-- fifty addresses (joins the open item, report count rises). Status codes are counted across threads.
local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  accepted, refused, other = 0, 0, 0
  portal = args[1] or "gt"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local url
  if counter % 10 == 0 then
    url = string.format("https://repeat-%d.bench.example/x", counter % 50)
  else
    url = string.format("https://t%d-%d.bench.example/page?utm_source=mail&id=%d", id, counter, counter)
  end
  local body = string.format(
    '{"portal":"%s","urls":["%s"],"seen_on":"web","description":"load test report"}', portal, url)
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 then
    accepted = accepted + 1
  elseif status == 429 then
    refused = refused + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local a, r, o = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("accepted")
    r = r + t:get("refused")
    o = o + t:get("other")
  end
  io.write(string.format(
    "BENCH accepted=%d refused=%d other=%d errors=%d p50_us=%d p99_us=%d duration_us=%d\n",
    a, r, o, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
