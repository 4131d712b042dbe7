-- The peer's create: one policy-shaped row per request, each with its own order reference.
local run = os.getenv("BENCH_RUN") or "r"
local thread_ids = 0
local counter = 0

function setup(thread)
  thread_ids = thread_ids + 1
  thread:set("me", thread_ids)
end

request = function()
  counter = counter + 1
  local body = string.format(
    '{"merchant_id":1,"order_ref":"%s-%d-%d","buyer_ref":"buyer-%d","product":"shipping_return",'
    .. '"premium":"1.80","cover":"12.00","status":"active"}',
    run, me, counter, math.random(1, 200000))
  return wrk.format("POST", "/policies", {["Content-Type"] = "application/json"}, body)
end
