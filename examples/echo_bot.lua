-- An echo bot: answers, explains itself with speech, beeps, then sends back whatever the caller
-- says. Each key the caller presses (RFC 4733, SIP INFO or an in-band tone) is logged; "#" ends
-- the call, and so does a minute without keys.
--
--   sipscript --listen udp:127.0.0.1:5060 examples/echo_bot.lua [once=1]
--   sipscript examples/echo_bot.lua demo=1 [heard=FILE]   # calls itself, talks (a tone), presses 1, #

io.stdout:setvbuf("line")
local legs = sip.legs()
if #legs == 0 then legs = assert(sip.config{ legs = { "udp:127.0.0.1:0" } }) end

sip.listen{
  handler = function(call)
    call:answer()
    call:say("Echo test. After the tone you will hear yourself. Press hash to hang up.")
    call:play_tone{ freq = 800, seconds = 0.3 }
    call:echo()
    print("echo_bot: echoing")
    while true do
      local key, how = call:wait_dtmf{ timeout = 60 }
      if not key then break end                      -- nil, "hangup" or "timeout"
      print(("echo_bot: key %s by %s"):format(key, how))
      if key == "#" then break end
    end
    if call:ready() then call:bye() end
    print("echo_bot: call ended, " .. tostring(call.hangup_cause))
  end,
  cb_cleanup = function() if arg.once == "1" then sip.add_timer(0.5, sip.stop) end end,
}
print("listening on " .. legs[1].address)

if arg.demo == "1" then
  local heard = arg.heard or (os.tmpname() .. ".wav")   -- heard=FILE keeps the recording
  local call = assert(sip.invite("sip:echo@127.0.0.1:" .. legs[1].port, {}))
  local rec = call:record(heard)
  -- "Talk" until the echo has begun (the greeting takes a few seconds), then press 1 and #.
  call:play_tone{ freq = 440, seconds = 9 }
  call:dtmf("1", { method = "rfc4733" })
  call:dtmf("#", { method = "info" })
  print("caller: hung up on,", call:wait_bye{ timeout = 10 })
  print("caller: recorded what came back,", select(2, rec:wait()))
  sip.sleep(0.3)
  if not arg.heard then os.remove(heard) end
  sip.stop()
end
