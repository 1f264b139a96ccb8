-- wrk script: POSTs the Omaha request in $BODY_FILE to /v1/update/, as $MACHINES different machines in turn
-- (the sample's machine id is replaced by a counter), or to $WRK_PATH when set (the echo baseline).
local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local template = file:read("*a")
file:close()
local machines = tonumber(os.getenv("MACHINES") or "10000")
local path = os.getenv("WRK_PATH") or "/v1/update/"
local counter = 0

-- Each thread of each run starts at its own place, so that with a large $MACHINES every check is a new machine.
local base = os.time() * 1000
setup = function(thread)
  thread:set("offset", base + counter * 100000000)
  counter = counter + 1
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml"
local n = 0
request = function()
  n = n + 1
  local id = string.format("%032x", (n + (offset or 0)) % machines)
  return wrk.format(nil, path, nil, (template:gsub("abce671d61774703ac7be60715220bfe", id)))
end
