-- sipscript calls itself over loopback: an echo service answers (Net::SIP's
-- media_recv_echo), a caller sends DTMF over RTP and over SIP INFO, holds and resumes the
-- call, reads its RTP statistics and hangs up. No outside server is needed.
--
--   sipscript examples/call_loopback.lua [seconds=2]

local seconds = tonumber(arg.seconds) or 2
local legs = assert(sip.config{ legs = { "udp:127.0.0.1:0" } })
local me = "sip:echo@127.0.0.1:" .. legs[1].port

-- The answering side, in the sequential style: each call runs in its own task.
sip.listen{ handler = function(call)
  call:ringing()
  call:answer()
  call:echo()                                   -- send back what arrives
  while true do
    local key, how = call:wait_dtmf{ timeout = 30 }
    if not key then break end                   -- nil, "hangup" once the caller is gone
    print(("echo: key %s by %s"):format(key, how))
  end
  print("echo: call ended, " .. call.hangup_cause)
end }

-- The calling side: sip.invite waits for the final response.
local call, code, reason = sip.invite(me, { dtmf_methods = { "rfc4733" } })
if not call then error(("call failed: %s %s"):format(code, reason)) end
print("caller: " .. call.state)
call:dtmf("12")                                 -- RFC 4733 events in the RTP stream
call:dtmf("#", { method = "info" })             -- SIP INFO, application/dtmf-relay
print("caller: hold", call:reinvite{ call_on_hold = true })
print("caller: resume", call:reinvite{ call_on_hold = false })
call:play_tone{ freq = 440, seconds = seconds }  -- audio for the echo to return
local stats = call.rtp_stats
print(("caller: sent %s RTP packets, received %s"):format(
  stats.packets_sent > 0 and "some" or "no", stats.packets_received > 0 and "some" or "no"))
print("caller: bye", call:bye())
sip.sleep(0.1)
sip.stop()
