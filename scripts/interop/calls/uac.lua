-- sipscript as UAC: calls `uri`, plays `play` in a loop and records to `record`
-- (media_send_recv), sends `digits` as RFC 4733 events, holds and resumes with re-INVITEs
-- when hold=1, and hangs up after `duration` seconds unless the peer hung up first. For the
-- cases sipscript-*-{echo,play,record,dtmf,dtmf-info,hold}.
--   sipscript --listen udp:127.0.0.1:PORT uac.lua uri=sip:peer@127.0.0.1:5070 play=in.wav
--             [record=out.wav] [digits=1234#] [dtmf_method=rfc4733|info] [hold=1] [duration=5]
--             [dtmf_delay=1]
io.stdout:setvbuf("line")
assert(arg.uri and arg.play, "uri=URI and play=FILE are required")
local duration = tonumber(arg.duration or "5")
local dtmf_delay = tonumber(arg.dtmf_delay or "1")
local peer_hung_up = false

local call, code, reason = sip.invite(arg.uri, {
  init_media = sip.rtp("media_send_recv", arg.play, -1, arg.record),
  cb_preliminary = function(call, status)
    if status == 180 or status == 183 then print("RINGING") end
  end,
  recv_bye = function()
    peer_hung_up = true
    print("BYE received")
  end,
})
if not call then
  print("FINAL " .. tostring(code))
  print("RESULT failed " .. tostring(code) .. " " .. tostring(reason))
  print("SUMMARY role=uac established=0 dtmf=- ok=0")
  os.exit(1)
end
print("FINAL 200")
print("RESULT established")
local started = sip.now()

-- Sleeps until `at` seconds after the answer, in 0.1 s steps so that a BYE from the peer ends
-- the wait; false when the peer hung up.
local function until_(at)
  while not peer_hung_up and call:ready() do
    local left = at - (sip.now() - started)
    if left <= 0 then break end
    sip.sleep(math.min(left, 0.1))
  end
  return not peer_hung_up and call:ready()
end

local function finish(ok)
  print(string.format("SUMMARY role=uac established=1 dtmf=- ok=%d", ok and 1 or 0))
  os.exit(ok and 0 or 1)
end

if arg.digits and arg.digits ~= "" then
  if not until_(dtmf_delay) then finish(true) end
  local method = arg.dtmf_method or "rfc4733"
  local ok, err = call:dtmf(arg.digits, { method = method })
  if ok == nil and err then print("ERROR dtmf: " .. tostring(err)) else print("DTMF_SENT " .. arg.digits .. " " .. method) end
end
if arg.hold == "1" then
  local dtmf_end = (arg.digits and #arg.digits > 0) and dtmf_delay + 0.3 * #arg.digits + 0.5 or 0
  if not until_(math.max(0.3 * duration, dtmf_end)) then finish(true) end
  print("HOLD sent")
  local ok, err = call:reinvite{ call_on_hold = true }
  print(ok and "HOLD ok" or ("HOLD failed " .. tostring(err)))
  if not until_(math.max(0.6 * duration, dtmf_end + 1)) then finish(true) end
  print("UNHOLD sent")
  ok, err = call:reinvite{ call_on_hold = false }
  print(ok and "UNHOLD ok" or ("UNHOLD failed " .. tostring(err)))
end
if until_(duration) then
  print("BYE sent")
  call:bye()
else
  sip.sleep(0.3) -- let the 200 to the peer's BYE leave
end
finish(true)
