-- A bot that registers at a registrar with digest authentication and answers the calls the
-- registrar routes to it: a spoken greeting, a beep, then it echoes the caller until the caller
-- hangs up or presses #. It refreshes the registration by itself and removes it when stopped
-- (SIGTERM, or after `calls=N` calls).
--
--   sipscript --listen udp:127.0.0.1:5062 examples/register_and_answer.lua \
--     registrar=127.0.0.1:5060 user=alice password=secret [expires=300] [calls=N]
--
-- --listen is optional: without it sip.register opens a leg of its own towards the registrar
-- (loopback here, any free port) and registers that address as the Contact.

io.stdout:setvbuf("line")
assert(arg.registrar and arg.user, "usage: registrar=HOST:PORT user=NAME password=SECRET [calls=N]")
local wanted = tonumber(arg.calls or "0")          -- 0: answer calls until stopped
local answered = 0

sip.listen{ handler = function(call)
  print("register_and_answer: call from " .. tostring(call.from))
  call:answer()
  call:say("Hello. You reached " .. arg.user .. ". After the tone you will hear yourself.")
  call:play_tone{ freq = 1000, seconds = 0.2 }
  call:echo()
  while call:ready() do
    local key = call:wait_dtmf{ timeout = 60 }
    if not key or key == "#" then break end
  end
  if call:ready() then call:bye() end
  print("register_and_answer: call ended, " .. tostring(call.hangup_cause))
  answered = answered + 1
  if wanted > 0 and answered >= wanted then
    print("register_and_answer: unregistered", sip.unregister())
    sip.stop()
  end
end }

local ok, expires_or_code, reason = sip.register{
  registrar = arg.registrar, expires = tonumber(arg.expires or "300"), refresh = true,
  auth = { user = arg.user, password = arg.password },
}
if not ok then
  print(("register_and_answer: registration refused: %s %s"):format(expires_or_code, reason))
  os.exit(2)
end
print("register_and_answer: registered for " .. expires_or_code .. " s")
