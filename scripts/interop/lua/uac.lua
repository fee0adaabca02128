-- sipscript as UAC for scripts/interop/run and scripts/interop/dns: the request `count` times
-- (default once, one after the other), exit 0 when every one got a 2xx.
-- sipscript uac.lua method=OPTIONS uri=sip:peer@127.0.0.1:25300 [body=text] [t1=seconds] [count=N]
io.stdout:setvbuf("line")
if arg.t1 and arg.t1 ~= "" then sip.config{ t1 = tonumber(arg.t1) } end
local body = arg.body ~= "" and arg.body or nil
for _ = 1, tonumber(arg.count or "1") do
  local r, err = sip.request(arg.method, arg.uri, { body = body })
  if not r then print("ERROR " .. tostring(err)); os.exit(1) end
  print("FINAL " .. r.code .. " " .. r.reason)
  if r.code < 200 or r.code >= 300 then os.exit(1) end
end
os.exit(0)
