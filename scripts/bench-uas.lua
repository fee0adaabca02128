-- The UAS of scripts/bench-transactions: no script handler, so the UA core answers every
-- OPTIONS itself (RFC 3261 §11.2). Legs come from --listen; max_transactions is raised so that
-- 100,000 transactions alive at once (Timer J keeps each for 32 s) are not refused with 503.
io.stdout:setvbuf("line")
sip.config{ max_transactions = tonumber(arg.max or "300000") }
for _, leg in ipairs(sip.legs()) do print("READY " .. leg.address) end
