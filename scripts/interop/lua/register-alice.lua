-- sipscript registering at a registrar and answering the calls routed to it, for
-- scripts/interop/register. Prints REGISTER/READY/CALL/ENDED/UNREGISTER lines.
--   sipscript --listen udp:127.0.0.1:PORT register-alice.lua registrar=127.0.0.1:25060 \
--     user=alice password=pw [calls=1] [expires=60]
io.stdout:setvbuf("line")
local wanted = tonumber(arg.calls or "1")
local ended = 0
sip.listen{ handler = function(call)
  print("CALL from=" .. tostring(call.from) .. " record-route=" .. tostring(call:header("Record-Route")))
  call:answer()
  local _, cause = call:wait_bye{ timeout = 20 }
  print("ENDED " .. tostring(cause))
  ended = ended + 1
end }
local ok, code, reason = sip.register{
  registrar = arg.registrar, expires = tonumber(arg.expires or "60"),
  auth = { user = arg.user, password = arg.password },
}
print("REGISTER " .. tostring(ok) .. " " .. tostring(code) .. " " .. tostring(reason))
if not ok then os.exit(2) end
print("READY")
while ended < wanted do sip.sleep(0.1) end
print("UNREGISTER " .. tostring(sip.unregister()))
print("READY-UNREGISTERED")
sip.sleep(tonumber(arg.linger or "0"))
sip.stop()
