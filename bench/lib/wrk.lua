-- One wrk thread's requests for a scenario, and the count of every answer that is not 2xx.
-- Configured by bench/lib/load.mjs through the globals it prepends: METHOD, PATH, HEADERS,
-- MODE ("static" | "list" | "chain" | "header": each item sent once in the header ITEMHEADER),
-- PREFIX, SUFFIX (the body around an item), DATAFILE.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx, exhausted, firstbad = 0, 0, nil
  items, head, tail = {}, 1, 0
  if DATAFILE ~= "" then
    for line in io.lines(DATAFILE) do
      tail = tail + 1
      items[tail] = line
    end
  end
  if MODE == "static" then static = wrk.format(METHOD, PATH, HEADERS, PREFIX) end
end

function request()
  if MODE == "static" then return static end
  local item = items[head]
  if item == nil then
    -- Out of single-use items: the request still goes out (and fails), so the run is void.
    exhausted = exhausted + 1
    item = "exhausted"
  else
    items[head] = nil
    head = head + 1
  end
  if MODE == "header" then
    local headers = {}
    for name, value in pairs(HEADERS) do headers[name] = value end
    headers[ITEMHEADER] = item
    return wrk.format(METHOD, PATH, headers, PREFIX)
  end
  return wrk.format(METHOD, PATH, HEADERS, PREFIX .. item .. SUFFIX)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if firstbad == nil then firstbad = status .. " " .. string.sub(body or "", 1, 160) end
  elseif MODE == "chain" then
    -- Refresh rotation: the new refresh token goes to the back of the queue.
    local token = string.match(body, '"refresh_token":"([^"]+)"')
    if token then
      tail = tail + 1
      items[tail] = token
    end
  end
end

function done(summary, latency, requests)
  local bad, ex, first = 0, 0, nil
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    ex = ex + t:get("exhausted")
    first = first or t:get("firstbad")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"non2xx":%d,"exhausted":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max, bad, ex,
    e.connect + e.read + e.write + e.timeout))
  if first then io.write("BENCH_FIRSTBAD " .. first .. "\n") end
end
