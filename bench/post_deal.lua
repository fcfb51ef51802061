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

-- at the end: one machine-readable line for bench/run and bench/scale with the
-- throughput, the latency percentiles wrk recorded (microseconds) and the errors
done = function(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "BENCH_RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d p999_us=%d max_us=%d " ..
        "non2xx=%d timeouts=%d read_errors=%d connect_errors=%d write_errors=%d\n",
        summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max,
        e.status, e.timeout, e.read, e.connect, e.write))
end
