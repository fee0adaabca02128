-- sipscript as UAS: answers every INVITE, sends nothing and records what it receives
-- (media_recv_echo with a negative delay = receive only), for case *-sipscript-record.
--   sipscript --listen udp:127.0.0.1:PORT uas-record.lua record=rx.wav [once=1]
io.stdout:setvbuf("line")
assert(arg.record, "record=FILE is required")
local established = 0
sip.listen{
  init_media = sip.rtp("media_recv_echo", arg.record, -1),
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
