-- The Lua side of `scripts/bench parse`: sip.parse on the bytes sipbench and Net::SIP read.
--   sipscript bench/parse.lua dir=bench/messages reps=5
-- Prints one line per measurement, `NAME MESSAGES_PER_SECOND`, the best of `reps` batches.
-- Time is os.clock(), this process's CPU time, as on the Swift and Perl sides.
local sip = sip or require "sip"

local dir = (arg and arg.dir) or "bench/messages"
local reps = tonumber(arg and arg.reps) or 5

local function slurp(path)
  local file = assert(io.open(path, "rb"))
  local bytes = file:read("a")
  file:close()
  return bytes
end

local invite = slurp(dir .. "/invite.sip")
local ok = slurp(dir .. "/ok200.sip")

-- Batches sized to take about 0.2 s, then the best rate of `reps` batches.
local function best_rate(body)
  local count = 1000
  while true do
    local start = os.clock()
    for _ = 1, count do body() end
    if os.clock() - start > 0.2 then break end
    count = count * 2
  end
  local best = 0
  for _ = 1, reps do
    local start = os.clock()
    for _ = 1, count do body() end
    local rate = count / (os.clock() - start)
    if rate > best then best = rate end
  end
  return best
end

local parsed, err = sip.parse(invite)
if not parsed then error("sip.parse(invite.sip) failed: " .. tostring(err)) end
assert(parsed:header("Call-ID"), "invite.sip has no Call-ID")

local sink = 0
local invite_parse = best_rate(function()
  local message = sip.parse(invite)
  sink = sink + #message:header("Call-ID")
end)
local ok_parse = best_rate(function()
  local message = sip.parse(ok)
  sink = sink + #message:header("Call-ID")
end)
local invite_serialize = best_rate(function()
  sink = sink + #tostring(parsed)
end)
assert(sink > 0)
print(string.format("invite_parse %.1f", invite_parse))
print(string.format("ok_parse %.1f", ok_parse))
print(string.format("invite_serialize %.1f", invite_serialize))
