-- What bench/load.py and bench/soak.py read from wrk: one JSON line at the end with the
-- requests, the responses that were not 2xx (wrk itself counts only statuses from 400 up, so
-- a redirect to the login page would pass for a success), socket errors and latency
-- percentiles in microseconds.
--
-- Without arguments wrk asks for its one URL (with the -H headers). With arguments
-- (`wrk ... -s wrk_report.lua URL -- ARG...`), each ARG is a path followed by its headers,
-- separated by tabs ("/healthz", "/agreements/\tCookie: sessionid=..."), and the requests
-- go through them in turn.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

local targets = {}
local next_target = 1

local function request_in_turn()
   local target = targets[next_target]
   next_target = next_target % #targets + 1
   -- wrk.format adds Host to the table it is given: give it a copy.
   local headers = {}
   for name, value in pairs(target.headers) do
      headers[name] = value
   end
   return wrk.format("GET", target.path, headers)
end

function init(args)
   non2xx = 0
   first_bad = ""
   for _, arg in ipairs(args) do
      local fields = {}
      for field in string.gmatch(arg, "[^\t]+") do
         table.insert(fields, field)
      end
      local headers = {}
      for i = 2, #fields do
         local name, value = string.match(fields[i], "^([^:]+):%s*(.*)$")
         headers[name] = value
      end
      table.insert(targets, {path = fields[1], headers = headers})
   end
   -- Only with targets: without a request function wrk builds its one request once.
   if #targets > 0 then
      request = request_in_turn
   end
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if first_bad == "" then
         first_bad = tostring(status)
      end
   end
end

function done(summary, latency, requests)
   local bad, first = 0, ""
   for _, thread in ipairs(threads) do
      bad = bad + thread:get("non2xx")
      if first == "" then
         first = thread:get("first_bad")
      end
   end
   local errors = summary.errors
   io.write(string.format(
      'WRK_REPORT {"requests": %d, "duration_us": %d, "bytes": %d, "non2xx": %d, ' ..
      '"first_bad_status": "%s", "connect": %d, "read": %d, "write": %d, "timeout": %d, ' ..
      '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
      summary.requests, summary.duration, summary.bytes, bad, first,
      errors.connect, errors.read, errors.write, errors.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
