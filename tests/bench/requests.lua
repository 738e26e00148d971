-- wrk script of tests/bench/run.py: plays the requests of a file, one a line,
-- tab-separated: METHOD, HOST, PATH, AUTH ("-", "bearer:TOKEN" or
-- "cookie:TOKEN"), BODY ("-" for none).
--
--   wrk -t2 -c50 -d10s --latency -s tests/bench/requests.lua URL -- FILE MODE
--
-- MODE "random": every thread picks lines at random (reads).
-- MODE "once": thread k of n plays lines k, k+n, k+2n… in order, so no line is
-- sent twice while there are lines left (writes by distinct citizens); then it
-- starts over.
local counter = 1
local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

local reqs = {}
local mode = "random"
local nthreads = 1

function init(args)
   local file = args[1]
   mode = args[2] or "random"
   nthreads = tonumber(args[3] or "1")
   local i = 0
   for line in io.lines(file) do
      local method, host, path, auth, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      if method then
         local keep = mode == "random" or (i % nthreads) == tid
         i = i + 1
         if keep then
            local headers = { ["Host"] = host, ["Accept"] = "application/json" }
            if auth:sub(1, 7) == "bearer:" then
               headers["Authorization"] = "Bearer " .. auth:sub(8)
            elseif auth:sub(1, 7) == "cookie:" then
               headers["Cookie"] = "participation_session=" .. auth:sub(8)
               headers["Accept"] = "text/html"
            elseif path:sub(1, 5) ~= "/api/" then
               headers["Accept"] = "text/html"
            end
            if body ~= "-" then
               headers["Content-Type"] = "application/json"
            else
               body = nil
            end
            table.insert(reqs, wrk.format(method, path, headers, body))
         end
      end
   end
   math.randomseed(os.time() + tid * 7919)
end

function request()
   if mode == "random" then
      return reqs[math.random(#reqs)]
   end
   local r = reqs[counter]
   counter = counter + 1
   if counter > #reqs then
      counter = 1
   end
   return r
end
