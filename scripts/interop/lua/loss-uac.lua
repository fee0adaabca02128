-- Loss test UAC: N OPTIONS and N MESSAGE transactions at once through 20 % loss; then asks the
-- UAS how many MESSAGEs it delivered (unique and total). Exit 0 when all completed with 200 and
-- the UAS saw each MESSAGE exactly once.
io.stdout:setvbuf("line")
local n = tonumber(arg.n or "200")
assert(sip.config{ legs = { "udp:127.0.0.1:0" }, simulated_loss = tonumber(arg.loss or "0.2") })
local ok, failed, pending = 0, 0, 2 * n
local function done(r, err)
  if r and r.code == 200 then ok = ok + 1 else failed = failed + 1; print("FAILED", err or r.code) end
  pending = pending - 1
end
local started = sip.now()
for i = 1, n do
  sip.request("OPTIONS", arg.uri, { cb_final = done })
  sip.request("MESSAGE", arg.uri, { body = "m" .. i, cb_final = done })
end
while pending > 0 do sip.sleep(0.05) end
local r = sip.request("MESSAGE", arg.uri, { body = "report" })
local unique, total = (r and r.body or ""):match("(%d+) (%d+)")
local stats = sip.stats()
print(string.format("RESULT ok=%d failed=%d uas_unique=%s uas_total=%s seconds=%.1f drops=%d sent=%d",
  ok, failed, unique, total, sip.now() - started, stats.simulated_drops, stats.messages_sent))
os.exit((ok == 2 * n and tonumber(unique) == n and tonumber(total) == n) and 0 or 1)
