-- wrk script of the static row of bench/run: a plain GET (the URL argument).

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
