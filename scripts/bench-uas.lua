-- The UAS of scripts/bench-transactions. mode=core (default): no script handler, so the UA core
-- answers every OPTIONS itself (RFC 3261 §11.2). mode=lua: cb_request answers each OPTIONS (one
-- Lua task per request). Legs come from --listen; max_transactions is raised so that 100,000
-- transactions alive at once (Timer J keeps each for 32 s) are not refused with 503.
io.stdout:setvbuf("line")
sip.config{ max_transactions = tonumber(arg.max or "300000") }
if arg.mode == "lua" then
  sip.listen{ options = true, cb_request = function() return 200 end }
end
for _, leg in ipairs(sip.legs()) do print("READY " .. leg.address) end
