-- sipscript as UAS for scripts/interop/run (legs from --listen): prints each request the
-- script answers; OPTIONS is answered by the UA core. Runs until killed.
io.stdout:setvbuf("line")
sip.listen{ cb_request = function(req, info)
  print("GOT " .. req.method .. " " .. req.body .. " from " .. info.transport .. " " .. info.host)
  return 200, "OK", { ["X-Peer"] = "sipscript" }
end }
for _, leg in ipairs(sip.legs()) do print("READY " .. leg.address) end
