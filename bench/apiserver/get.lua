-- wrk script: GET pods in rotation (path prefix, count, query from the arguments after "--"),
-- and one JSON line with the figures at the end.
local prefix, count, query
local i = 0

function init(args)
  prefix, count, query = args[1], tonumber(args[2]), args[3] or ""
end

function request()
  i = i + 1
  return wrk.format("GET", string.format("%s%06d%s", prefix, i % count, query))
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"durationUs":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"timeouts":%d,"statusErrors":%d,' ..
    '"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d,"meanUs":%.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
