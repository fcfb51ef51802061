-- wrk script: POST /api/v1/deals, one new deal per request.
-- Names are "bench-<run id>-<thread>-<n>" (BENCH_RUN_ID) so that bench/run can
-- find and delete exactly this run's deals afterwards.
local run = os.getenv("BENCH_RUN_ID") or "x"
local token = os.getenv("BENCH_TOKEN") or ""
local counter = 0
local nthreads = 0

-- runs in the main Lua state once per thread: number the threads
function setup(thread)
   nthreads = nthreads + 1
   thread:set("tid", nthreads)
end

function request()
   counter = counter + 1
   local body = string.format(
      '{"name":"bench-%s-%d-%d","target_company":"Bench Target Ltd","stage":"evaluation",' ..
      '"value":1250000.50,"currency":"GBP","description":"created by bench/run"}',
      run, tid or 0, counter)
   return wrk.format("POST", nil, {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["Accept"] = "application/json",
   }, body)
end
