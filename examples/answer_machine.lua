-- An answering machine: a greeting spoken by espeak-ng, a beep, then the caller's message is
-- recorded to a WAV file until the caller hangs up, stays silent for `silence` seconds, presses
-- "#", or two minutes pass. The file is closed whichever way the message ends.
--
--   sipscript --listen udp:127.0.0.1:5060 examples/answer_machine.lua [dir=/tmp] [silence=3] [once=1]
--   sipscript examples/answer_machine.lua demo=1    # calls itself and leaves a message (a tone)

io.stdout:setvbuf("line")
local dir = arg.dir or os.getenv("TMPDIR") or "/tmp"
local silence = tonumber(arg.silence) or 3
local legs = sip.legs()
if #legs == 0 then legs = assert(sip.config{ legs = { "udp:127.0.0.1:0" } }) end

sip.listen{
  handler = function(call)
    call:answer()
    call:say("You have reached the sipscript answering machine. Please leave a message after the tone.")
    call:play_tone{ freq = 1000, seconds = 0.4 }                   -- the beep
    local file = ("%s/message-%s.wav"):format(dir, (call.id:gsub("[^%w]", "_")))
    local rec, err = call:record(file, { silence_seconds = silence, max_seconds = 120, stop_on_dtmf = "#" })
    if not rec then
      print("answer_machine: cannot record: " .. err)
    else
      local seconds, why = rec:wait()
      print(("answer_machine: %.1f s recorded (%s) in %s"):format(seconds or 0, why, file))
    end
    if call:ready() then
      call:say("Thank you. Goodbye.")
      call:bye()
    end
  end,
  cb_cleanup = function() if arg.once == "1" then sip.add_timer(0.5, sip.stop) end end,
}
print("listening on " .. legs[1].address)

if arg.demo == "1" then
  -- The caller plays a 440 Hz tone (its "message") while the greeting runs and a little after,
  -- then stays silent: the recording ends on silence and the machine hangs up.
  local tone = os.tmpname() .. ".wav"
  local function le(n, bytes) local s = "" for i = 0, bytes - 1 do s = s .. string.char((n >> (8 * i)) & 255) end return s end
  local samples = {}
  for i = 0, 8000 * 9 - 1 do samples[#samples + 1] = le(math.floor(8000 * math.sin(2 * math.pi * 440 * i / 8000)) & 0xFFFF, 2) end
  local data = table.concat(samples)
  local f = assert(io.open(tone, "wb"))
  f:write("RIFF", le(36 + #data, 4), "WAVEfmt ", le(16, 4), le(1, 2), le(1, 2), le(8000, 4), le(16000, 4),
    le(2, 2), le(16, 2), "data", le(#data, 4), data)
  f:close()
  local call = assert(sip.invite("sip:machine@127.0.0.1:" .. legs[1].port, {}))
  call:play(tone)
  print("caller: hung up on,", call:wait_bye{ timeout = 60 })
  os.remove(tone)
  sip.sleep(0.2)
  sip.stop()
end
