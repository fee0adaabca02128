-- sipscript as UAS: answers every INVITE, plays a file in a loop and records what it receives
-- (Net::SIP's media_send_recv), and reports re-INVITEs, hold and unhold; for the cases
-- *-sipscript-play and *-sipscript-hold.
--   sipscript --listen udp:127.0.0.1:PORT uas-play.lua play=prompt.wav [record=rx.wav] [once=1]
io.stdout:setvbuf("line")
assert(arg.play, "play=FILE is required")
local established, invites, held = 0, 0, false

-- RFC 3264 §8.4 hold (a=sendonly / a=inactive) and the older RFC 2543 form (c=0.0.0.0).
local function is_hold(sdp_text)
  if not sdp_text then return false end
  return sdp_text:find("a=sendonly", 1, true) ~= nil or sdp_text:find("a=inactive", 1, true) ~= nil
    or sdp_text:find("c=IN IP4 0.0.0.0", 1, true) ~= nil
end

sip.listen{
  -- repeat -1: loop the file until the call ends (Net::SIP: <= 0 is forever)
  init_media = sip.rtp("media_send_recv", arg.play, -1, arg.record),
  cb_invite = function(call, request)
    invites = invites + 1
    if invites == 1 then return end -- the initial INVITE
    print("REINVITE received")
    local hold = is_hold(request.body)
    if hold and not held then print("HOLD received") end
    if not hold and held then print("UNHOLD received") end
    held = hold
    -- returning nothing: the default answer (200 with our SDP)
  end,
  cb_established = function(status, call)
    if established > 0 then return end -- the ACK of a re-INVITE
    established = 1
    print("RESULT established")
  end,
  recv_bye = function() print("BYE received") end,
  cb_cleanup = function(call)
    if arg.once == "1" then
      print(string.format("SUMMARY role=uas established=%d dtmf=- ok=%d", established, established))
      sip.stop()
    end
  end,
}
for _, leg in ipairs(sip.legs()) do print("READY " .. leg.address) end
