-- A SIP round trip on loopback, no outside server: one sipscript answers MESSAGE requests and
-- pings itself with OPTIONS and MESSAGE over UDP and TCP.
--   sipscript examples/loopback.lua [count=3]
local count = tonumber(arg.count or "3")

local legs = assert(sip.config{ legs = { "udp:127.0.0.1:0", "tcp:127.0.0.1:0" } })
for _, leg in ipairs(legs) do print("listening on " .. leg.address) end

local received = 0
sip.listen{ cb_request = function(req, info)
  received = received + 1
  return 200, "OK", { ["X-Echo"] = req.body }, "got " .. req.body
end }

for _, leg in ipairs(legs) do
  local target = string.format("sip:echo@%s:%d;transport=%s", leg.host, leg.port, leg.transport)
  local pong = assert(sip.request("OPTIONS", target))
  print(leg.transport, "OPTIONS", pong.code, pong.reason, "Allow: " .. table.concat(pong:headers("Allow"), ","))
  for i = 1, count do
    local r = assert(sip.request("MESSAGE", target, { body = "ping " .. i }))
    print(leg.transport, "MESSAGE", r.code, r:header("X-Echo"), r.body)
  end
end
print(string.format("the UAS answered %d MESSAGE requests", received))
sip.stop()
