-- The sipscript UAS of scripts/bench-calls: answers every INVITE 200 with an SDP answer (PCMU) and
-- waits for the caller's BYE (DESIGN §4). Legs come from --listen.
--
--   sipscript --watchdog 0 --listen udp:127.0.0.1:0 scripts/bench-calls-uas.lua \
--     [style=handler|callback] [media=noop|none]
--
-- style=handler (default): one coroutine per call, `call:answer()` then `call:wait_bye{}`.
-- style=callback: Net::SIP's own shape, listen answers by itself and `cb_established` is called
-- on the ACK. max_transactions is raised so that the transactions of thousands of calls per second
-- (UDP keeps each for up to 32 s after it ends, Timer J) are not refused with 503.
--
-- RTP, compared with scripts/bench-netsip-uas.pl (docs/benchmarks-calls.md, "What each side
-- does"): every call binds its own RTP socket from the port range and announces it in the SDP
-- answer, in both modes. Nothing is sent (the generator sends no RTP either).
--   media=noop (default): init_media is a Lua function that does nothing, as the Perl UAS's; here
--     that still opens the call's receiving RTP stream (statistics, RTP timeout, DTMF) and runs
--     the function in the call's coroutine.
--   media=none: no init_media, so no stream is opened: the bound socket is only announced, which is
--     what Net::SIP does with its per-call sockets and a no-op init_media.
io.stdout:setvbuf("line")
sip.config{ max_transactions = tonumber(arg.max or "1000000") }

local media = arg.media or "noop"
local init_media
if media == "noop" then
  init_media = function() end
elseif media ~= "none" then
  error("media must be noop or none, not " .. media)
end
local style = arg.style or "handler"
if style == "handler" then
  sip.listen{
    init_media = init_media,
    handler = function(call)
      assert(call:answer())
      call:wait_bye{}
    end,
  }
elseif style == "callback" then
  sip.listen{ init_media = init_media, cb_established = function() end }
else
  error("style must be handler or callback, not " .. style)
end
for _, leg in ipairs(sip.legs()) do print("READY " .. leg.address) end
