-- sipscript as UAC that cancels: calls `uri` without waiting (cb_final), sends CANCEL after
-- `cancel_after` seconds, and expects the INVITE to end with 487. For the cases
-- sipscript-*-cancel.
--   sipscript --listen udp:127.0.0.1:PORT uac-cancel.lua uri=sip:peer@127.0.0.1:5070 [cancel_after=1]
io.stdout:setvbuf("line")
assert(arg.uri, "uri=URI is required")
local final_code
local call, code, reason = sip.invite(arg.uri, {
  init_media = sip.rtp("media_recv_echo", nil, -1),
  cb_preliminary = function(call, status)
    if status == 180 or status == 183 then print("RINGING") end
  end,
  -- Net::SIP's cb_final(status, call, info): status "OK" or "FAIL", info.code the response code
  cb_final = function(status, call, info)
    final_code = (info and info.code) or (status == "OK" and 200) or 0
    print("FINAL " .. final_code)
  end,
})
if not call then
  print("RESULT failed " .. tostring(code) .. " " .. tostring(reason))
  print("SUMMARY role=cancel established=0 dtmf=- ok=0")
  os.exit(1)
end
sip.sleep(tonumber(arg.cancel_after or "1"))
if final_code then
  print("RESULT failed " .. final_code .. " (answered before the CANCEL)")
  print("SUMMARY role=cancel established=0 dtmf=- ok=0")
  os.exit(1)
end
print("CANCEL sent")
call:cancel()
for _ = 1, 50 do -- at most 5 s for the 487
  if final_code then break end
  sip.sleep(0.1)
end
local ok = final_code == 487
print(ok and "RESULT cancelled" or ("RESULT failed " .. tostring(final_code)))
print(string.format("SUMMARY role=cancel established=0 dtmf=- ok=%d", ok and 1 or 0))
os.exit(ok and 0 or 1)
