-- Loss test UAS: drops 20 % of received datagrams (simulated: this kernel has no sch_netem),
-- counts MESSAGE deliveries per Call-ID; "report" answers "<unique> <total>".
io.stdout:setvbuf("line")
sip.config{ simulated_loss = tonumber(arg.loss or "0.2") }
local seen, unique, total = {}, 0, 0
sip.listen{ cb_request = function(req)
  if req.body == "report" then return 200, "OK", {}, unique .. " " .. total end
  total = total + 1
  if not seen[req.call_id] then seen[req.call_id] = true; unique = unique + 1 end
  return 200
end }
for _, leg in ipairs(sip.legs()) do print("READY " .. leg.address) end
