-- The sipscript UAS of scripts/bench-calls: answers every INVITE 200 with an SDP answer (PCMU),
-- sends no RTP, and waits for the caller's BYE (DESIGN §4). Legs come from --listen.
--
--   sipscript --watchdog 0 --listen udp:127.0.0.1:0 scripts/bench-calls-uas.lua [style=handler|callback]
--
-- style=handler (default): one coroutine per call, `call:answer()` then `call:wait_bye{}`.
-- style=callback: Net::SIP's own shape, listen answers by itself and `cb_established` is called
-- on the ACK. max_transactions is raised so that the transactions of thousands of calls per second
-- (UDP keeps each for up to 32 s after it ends, Timer J) are not refused with 503.
io.stdout:setvbuf("line")
sip.config{ max_transactions = tonumber(arg.max or "1000000") }

-- init_media: a no-op, so that answering starts no RTP (the generator sends none either).
local no_media = function() end
local style = arg.style or "handler"
if style == "handler" then
  sip.listen{
    init_media = no_media,
    handler = function(call)
      assert(call:answer())
      call:wait_bye{}
    end,
  }
elseif style == "callback" then
  sip.listen{ init_media = no_media, cb_established = function() end }
else
  error("style must be handler or callback, not " .. style)
end
for _, leg in ipairs(sip.legs()) do print("READY " .. leg.address) end
