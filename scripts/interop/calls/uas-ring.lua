-- sipscript as UAS that rings and never answers: the caller is expected to CANCEL. For the
-- cases *-sipscript-cancel.
--   sipscript --listen udp:127.0.0.1:PORT uas-ring.lua [once=1]
-- Prints RINGING, then CANCEL received when the caller cancels (the call ends unanswered).
io.stdout:setvbuf("line")
local cancelled = false
sip.listen{
  handler = function(call)
    print("INCOMING " .. tostring(call.from))
    call:ringing()
    print("RINGING")
    local _, why = call:wait_bye{ timeout = 20 }
    if call.hangup_cause == "remote_cancel" then
      cancelled = true
      print("CANCEL received")
    elseif call:ready() then
      print("ERROR still ringing: " .. tostring(why))
      call:reject(480)
    else
      print("ERROR ended by " .. tostring(call.hangup_cause))
    end
  end,
  cb_cleanup = function(call)
    if arg.once == "1" then
      print(string.format("SUMMARY role=uas established=0 dtmf=- ok=%d", cancelled and 1 or 0))
      sip.stop()
    end
  end,
}
for _, leg in ipairs(sip.legs()) do print("READY " .. leg.address) end
