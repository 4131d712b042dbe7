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
