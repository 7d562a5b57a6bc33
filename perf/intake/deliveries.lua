-- wrk script for perf/bench_intake.py: signed pull_request deliveries, a unique delivery id each.
-- Arguments (after --): the file of "signature<TAB>body" lines, the number of wrk threads, a run id.
-- Thread t sends lines t, t+n, t+2n, ... in turn, so the threads never send the same PR at once.
local next_thread = 0

function setup(thread)
   thread:set("tid", next_thread)
   next_thread = next_thread + 1
end

local signatures, bodies, numbers, count = {}, {}, {}, 0
local run = "run"

function init(args)
   local threads = tonumber(args[2])
   run = args[3]
   local index = 0
   for line in io.lines(args[1]) do
      if index % threads == tid then
         local tab = line:find("\t", 1, true)
         table.insert(signatures, line:sub(1, tab - 1))
         table.insert(bodies, line:sub(tab + 1))
         table.insert(numbers, index)
      end
      index = index + 1
   end
end

function request()
   count = count + 1
   local i = (count - 1) % #bodies + 1
   -- The id names the body's line, so the benchmark can tell which PR each accepted delivery was.
   local headers = {
      ["Content-Type"] = "application/json",
      ["X-GitHub-Event"] = "pull_request",
      ["X-GitHub-Delivery"] = string.format("%s-%d-%d-%d", run, tid, count, numbers[i]),
      ["X-Hub-Signature-256"] = signatures[i],
      ["User-Agent"] = "GitHub-Hookshot/bench",
   }
   return wrk.format("POST", "/webhooks/github", headers, bodies[i])
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "WRK_REPORT {\"requests\": %d, \"duration_us\": %d, \"connect\": %d, \"read\": %d, \"write\": %d," ..
      " \"status\": %d, \"timeout\": %d, \"p50_us\": %d, \"p99_us\": %d, \"max_us\": %d}\n",
      summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(99), latency.max))
end
