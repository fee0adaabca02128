-- sipscript placing one call for scripts/interop/register: INVITE, a short call, BYE.
--   sipscript register-bob.lua uri=sip:alice@127.0.0.1:25060 [proxy=127.0.0.1:25060]
--     [user=bob password=pw] [from=sip:bob@127.0.0.1]
-- Prints "INVITE OK ..." and "BYE ...", or "INVITE FAIL code reason"; exit 0 after a call.
io.stdout:setvbuf("line")
assert(sip.config{
  legs = { "udp:127.0.0.1:0" }, from = arg.from, outgoing_proxy = arg.proxy,
  auth = arg.user and { user = arg.user, password = arg.password } or nil,
})
local call, code, reason = sip.invite(arg.uri, {})
if not call then
  print("INVITE FAIL " .. tostring(code) .. " " .. tostring(reason))
  os.exit(1)
end
print("INVITE OK state=" .. call.state .. " cseq=" .. tostring(call:header("CSeq")))
sip.sleep(0.3)
print("BYE " .. tostring(call:bye()))
sip.stop()
