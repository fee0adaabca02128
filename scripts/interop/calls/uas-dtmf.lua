-- sipscript as UAS, IVR style: answers, plays a prompt, collects DTMF until it has as many
-- digits as expected (or 15 s pass without a digit), prints each one, then hangs up. For the
-- cases *-sipscript-dtmf (RFC 4733) and pjsua2-sipscript-dtmf-info (SIP INFO).
--   sipscript --listen udp:127.0.0.1:PORT uas-dtmf.lua play=prompt.wav expect=1234# [once=1]
io.stdout:setvbuf("line")
assert(arg.play and arg.expect, "play=FILE and expect=DIGITS are required")
local established, digits = 0, ""
sip.listen{
  handler = function(call)
    local ok, err = call:answer()
    if not ok then print("ERROR answer: " .. tostring(err)); return end
    established = 1
    print("RESULT established")
    -- cb_final: the prompt plays (three times, longer than the caller stays) while the handler
    -- goes on to wait for digits (the waiting rule, DESIGN §3). A play that ignored cb_final and
    -- blocked would never let the handler collect the digits and hang up: the case would fail.
    call:play(arg.play, { loop = 3, cb_final = function() end })
    while #digits < #arg.expect do
      local digit, why = call:wait_dtmf{ timeout = 15 }
      if not digit then print("ERROR wait_dtmf: " .. tostring(why)); break end
      digits = digits .. digit
      print("DTMF " .. digit)
    end
    if call:ready() then
      print("BYE sent")
      call:bye()
    else
      print("BYE received")
    end
  end,
  cb_cleanup = function(call)
    if arg.once == "1" then
      local ok = established == 1 and digits == arg.expect
      print(string.format("SUMMARY role=uas established=%d dtmf=%s ok=%d", established,
        digits ~= "" and digits or "-", ok and 1 or 0))
      sip.stop()
    end
  end,
}
for _, leg in ipairs(sip.legs()) do print("READY " .. leg.address) end
