-- wrk script: GET with the bearer token of bench/run (BENCH_TOKEN).
-- The path comes from wrk's URL argument.
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")
wrk.headers["Accept"] = "application/json"
