-- sipscript as UAC for scripts/interop/run: one request, exit 0 on a 2xx.
-- sipscript uac.lua method=OPTIONS uri=sip:peer@127.0.0.1:25300 [body=text] [t1=seconds]
io.stdout:setvbuf("line")
if arg.t1 and arg.t1 ~= "" then sip.config{ t1 = tonumber(arg.t1) } end
local body = arg.body ~= "" and arg.body or nil
local r, err = sip.request(arg.method, arg.uri, { body = body })
if not r then print("ERROR " .. tostring(err)); os.exit(1) end
print("FINAL " .. r.code .. " " .. r.reason)
os.exit((r.code >= 200 and r.code < 300) and 0 or 1)
