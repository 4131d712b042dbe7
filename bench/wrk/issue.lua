-- Issue policies: a single bind per request, or a cart of ITEMS policies per request (batch).
-- Every request carries new order references, so each one really issues policies.
local key = os.getenv("BENCH_API_KEY")
local items = tonumber(os.getenv("BENCH_ITEMS") or "1")
local run = os.getenv("BENCH_RUN") or "r"
local categories = {"apparel", "shoes", "electronics", "home", "beauty", "books"}
local regions = {"CN-SH/Shanghai", "CN-ZJ/Hangzhou", "CN-ZJ/Ningbo", "CN-GD/Shenzhen", "CN-XJ/Urumqi"}
local thread_ids = 0
local counter = 0

-- Each wrk thread has its own Lua state; setup() gives each one a number (the global `me`)
-- so that order references never repeat across threads.
function setup(thread)
  thread_ids = thread_ids + 1
  thread:set("me", thread_ids)
end

function init(args)
  math.randomseed(me * 7919 + os.time())
end

local function item(order_ref)
  return string.format(
    '{"product":"shipping_return","order_ref":"%s","buyer_ref":"buyer-%d","order_value":"%d.00",'
    .. '"category":"%s","buyer_region":"%s"}',
    order_ref, math.random(1, 200000), math.random(20, 900),
    categories[math.random(#categories)], regions[math.random(#regions)])
end

request = function()
  counter = counter + 1
  local order_ref = string.format("%s-%d-%d", run, me, counter)
  -- A careful checkout sends an Idempotency-Key with every issue request.
  local headers = {["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json",
                   ["Idempotency-Key"] = order_ref}
  if items == 1 then
    return wrk.format("POST", "/api/v1/policies", headers, item(order_ref))
  end
  local parts = {}
  for n = 1, items do
    parts[n] = item(order_ref .. "-" .. n)
  end
  return wrk.format("POST", "/api/v1/policies/batch", headers,
                    '{"items":[' .. table.concat(parts, ",") .. ']}')
end

-- Overload runs (BENCH_OFFERED_PER_S): each connection waits its share of the offered rate
-- before each request, so the load is offered at that rate rather than as fast as answers come
-- back; statuses are counted, and done() reports what was accepted and shed.
local offered = tonumber(os.getenv("BENCH_OFFERED_PER_S") or "0")
if offered > 0 then
  local threads = {}
  local connections = tonumber(os.getenv("BENCH_CONNECTIONS"))
  accepted, shed, other = 0, 0, 0

  function setup(thread)
    thread_ids = thread_ids + 1
    thread:set("me", thread_ids)
    table.insert(threads, thread)
  end

  function delay()
    return connections * 1000 / offered
  end

  function response(status, headers, body)
    if status == 201 then
      accepted = accepted + 1
    elseif status == 503 or status == 429 then
      shed = shed + 1
    else
      other = other + 1
    end
  end

  function done(summary, latency, requests)
    local a, s, o = 0, 0, 0
    for _, thread in ipairs(threads) do
      a, s, o = a + thread:get("accepted"), s + thread:get("shed"), o + thread:get("other")
    end
    -- The slowest 1% of accepted answers are among the slowest (1% of accepted) of all
    -- answers, so this percentile of all answers is at least the accepted answers' p99.
    local total = math.max(a + s + o, 1)
    local p = 100 - math.max(a, 1) / total
    print(string.format("OVERLOAD accepted=%d shed=%d other=%d accepted_p99_us=%d",
                        a, s, o, latency:percentile(p)))
  end
end
