-- sipscript as UAS: answers every INVITE and echoes the audio it receives (Net::SIP's
-- media_recv_echo), for scripts/interop/calls/run (case *-sipscript-echo).
--   sipscript --listen udp:127.0.0.1:PORT uas-echo.lua [once=1]
-- Prints READY, RESULT established, BYE received, SUMMARY; with once=1 it ends after the first call.
io.stdout:setvbuf("line")
local established = 0
sip.listen{
  init_media = sip.rtp("media_recv_echo"),
  cb_established = function(status, call)
    established = established + 1
    print("RESULT established")
  end,
  recv_bye = function() print("BYE received") end,
  cb_cleanup = function(call)
    if arg.once == "1" then
      print(string.format("SUMMARY role=uas established=%d dtmf=- ok=%d", established, established > 0 and 1 or 0))
      sip.stop()
    end
  end,
}
for _, leg in ipairs(sip.legs()) do print("READY " .. leg.address) end
