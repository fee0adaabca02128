-- An IVR menu in the sequential style: a greeting spoken by espeak-ng, a menu read with
-- call:gather (barge-in, a Lua pattern, three tries, a message for a wrong key), then a branch:
-- 1 transfers the caller to sales with REFER (call:transfer), 2 reads an account number, 3 says
-- goodbye. Calls to the user "sales" reach this script's own sales desk.
--
--   sipscript --listen udp:127.0.0.1:5060 examples/ivr.lua [sales=sip:sales@host] [once=1]
--   sipscript examples/ivr.lua demo=1      # calls itself: the account, then sales
--
-- Keys work whichever way the phone sends them (RFC 4733, SIP INFO or in-band tones), and keys
-- typed ahead count: "21234#" pressed at once during the greeting reaches the account number.

io.stdout:setvbuf("line")
local legs = sip.legs()
if #legs == 0 then legs = assert(sip.config{ legs = { "udp:127.0.0.1:0" } }) end
local here = ("127.0.0.1:%d"):format(legs[1].port)
local sales = arg.sales or ("sip:sales@" .. here)

-- The sales desk: answers, speaks, waits for the caller to hang up.
local function sales_desk(call)
  call:answer()
  print("sales: answered")
  call:say("Sales. How can we help?")
  call:wait_bye{ timeout = 30 }
  if call:ready() then call:bye() end
end

local function menu(call)
  call:answer()
  call:say("Welcome to the sipscript demo.", { barge_in = true })
  local choice, why = call:gather{
    prompt = { say = "For sales, press 1. For your account, press 2. To leave, press 3." },
    max = 1, valid = "^[123]$", tries = 3, first_digit = 5,
    invalid_prompt = { say = "Sorry, that is not on the menu." },
  }
  print("ivr: menu", choice, why)
  if choice == "1" then
    call:say("Transferring you to sales.")
    print("ivr: transfer", call:transfer(sales))
  elseif choice == "2" then
    local account, how = call:gather{
      prompt = { say = "Enter your account number, then press hash." },
      min = 4, max = 8, inter_digit = 3, tries = 2,
      invalid_prompt = { say = "An account number has four to eight digits." },
    }
    print("ivr: account", account, how)
    if how == "terminator" or how == "max" or (how == "timeout" and account ~= "") then
      call:say("You entered " .. (account:gsub(".", "%0 ")) .. ". Goodbye.")
    elseif call:ready() then
      call:say("Goodbye.")
    end
  elseif choice then
    call:say("Goodbye.")
  end
  call:play_tone{ freq = 1000, seconds = 0.5 }
  if call:ready() then call:bye() end
end

-- once=1: stop when the first caller and the sales call it was transferred to have ended.
local calls, served = 0, false
sip.listen{
  handler = function(call)
    calls = calls + 1
    if call.to:find("sip:sales@", 1, true) then return sales_desk(call) end
    served = true
    menu(call)
  end,
  cb_cleanup = function(call)
    calls = calls - 1
    if arg.once == "1" and served and calls == 0 then
      sip.add_timer(1, function() if calls == 0 then sip.stop() end end)
    end
  end,
}
print("listening on " .. legs[1].address)

if arg.demo == "1" then
  local ivr = "sip:ivr@" .. here
  -- The account: "2" during the greeting, the number typed ahead.
  local call = assert(sip.invite(ivr, {}))
  sip.sleep(0.5)
  call:dtmf("21234#", { method = "rfc4733" })
  print("caller: account call ended,", call:wait_bye{ timeout = 60 })
  -- Sales: the IVR transfers us; we follow the REFER as a phone does.
  call = assert(sip.invite(ivr, {
    cb_refer = function(call, target)
      sip.spawn(function()
        local new, code = sip.invite(target, {})
        call:notify_refer(new and 200 or code)
        if new then
          sip.sleep(1)
          new:bye()
        end
      end)
    end,
  }))
  sip.sleep(0.5)
  call:dtmf("1", { method = "info" })
  print("caller: sales call ended,", call:wait_bye{ timeout = 60 })
  sip.sleep(1.5)
  sip.stop()
end
