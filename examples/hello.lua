-- hello.lua — the runtime in one page: tasks, sleep, timers, wait_all, and sip.parse.
-- Run: sipscript examples/hello.lua name=world
local sip = require "sip"

local name = arg.name or "stranger"
print("hello, " .. name)

-- A repeating timer: fires after 0.1 s, then every 0.1 s, until it cancels itself.
local ticks = 0
sip.add_timer(0.1, function(timer)
  ticks = ticks + 1
  print("tick " .. ticks)
  if ticks == 3 then timer:cancel() end
end, 0.1)

-- Two tasks that sleep; wait_all returns their results in order.
local slow = sip.spawn(function() sip.sleep(0.6); return "slow" end)
local fast = sip.spawn(function() sip.sleep(0.05); return "fast" end)
local results = sip.wait_all({slow, fast})
print("tasks finished: " .. results[1][1] .. ", " .. results[2][1])

-- Parse a SIP request written inline.
local invite = table.concat({
  "INVITE sip:bob@example.com SIP/2.0",
  "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds",
  "Max-Forwards: 70",
  "To: Bob <sip:bob@example.com>",
  "From: Alice <sip:alice@example.com>;tag=1928301774",
  "Call-ID: a84b4c76e66710@pc33.example.com",
  "CSeq: 314159 INVITE",
  "Contact: <sip:alice@192.0.2.1>",
  "Content-Length: 0",
  "", "",
}, "\r\n")
local msg, err = sip.parse(invite)
if not msg then error(err) end
print(msg.method .. " to " .. msg.uri)
print("Call-ID: " .. msg:header("Call-ID"))
