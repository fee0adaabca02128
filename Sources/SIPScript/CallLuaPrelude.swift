/// The Lua half of the call bindings (docs/lua-api.md, "Calls"): what iterates script tables
/// (`sip_header`), and the runner of an incoming call's script side — `filter`, `cb_create`, then
/// the sequential `handler` or Net::SIP's immediate answer — in the call's own task.
enum CallLuaPrelude {
  static let source = #"""
    local sip, native_invite, native_listen, flatten, native_request = ...
    local type, pairs, ipairs, tostring, error, sort, mtype = type, pairs, ipairs, tostring, error, table.sort,
      math.type

    -- Header tables are flattened by the transport prelude's function (handed in as `flatten`).

    -- Net::SIP::SDP->new(\%global, @media): built as text, checked by sip.sdp.parse.
    sip.sdp.content_type = "application/sdp"
    function sip.sdp.new(spec)
      if type(spec) ~= "table" then error("bad argument #1 to 'new' (table expected, got " .. type(spec) .. ")", 2) end
      local g = spec.global or {}
      local addr = g.addr or "127.0.0.1"
      local function family(a) return a:find(":", 1, true) and "IP6" or "IP4" end
      local out = { "v=0", ("o=- %s %s IN %s %s"):format(g.id or "0", g.version or "0", family(addr), addr),
        "s=" .. (g.name or "-"), ("c=IN %s %s"):format(family(addr), addr), "t=0 0" }
      for _, l in ipairs(g.lines or {}) do out[#out + 1] = l end
      for i, m in ipairs(spec.media or {}) do
        if mtype(m.port) ~= "integer" then error("media " .. i .. " needs an integer port", 2) end
        local fmt = {}
        for _, f in ipairs(m.fmt or {}) do fmt[#fmt + 1] = tostring(f) end
        out[#out + 1] = ("m=%s %d%s %s %s"):format(m.media or "audio", m.port,
          (m.range and m.range > 1) and ("/" .. m.range) or "", m.proto or "RTP/AVP", table.concat(fmt, " "))
        if m.addr and m.addr ~= addr then out[#out + 1] = ("c=IN %s %s"):format(family(m.addr), m.addr) end
        for _, l in ipairs(m.lines or {}) do out[#out + 1] = l end
      end
      local sdp, err = sip.sdp.parse(table.concat(out, "\r\n") .. "\r\n")
      if not sdp then error(err, 2) end
      return sdp
    end

    function sip.invite(to, params)
      if params ~= nil and type(params) ~= "table" then
        error("bad argument #2 to 'invite' (table expected, got " .. type(params) .. ")", 2)
      end
      params = params or {}
      return native_invite(to, params, flatten(params.sip_header, "sip_header"))
    end

    -- An incoming call's script side, in the call's own task. The INVITE as a sip.message is made
    -- only for filter and cb_create, the one object for both.
    local function incoming(call, opts)
      local request
      if opts.filter then
        request = native_request(call)
        local verdict = opts.filter(call.from, request, call)
        if verdict == nil or verdict == false then
          call:reject(403)
          return
        elseif mtype(verdict) == "integer" and verdict >= 300 and verdict <= 699 then
          call:reject(verdict)
          return
        end
      end
      if opts.cb_create then
        request = request or native_request(call)
        if not opts.cb_create(call, request) then
          call:reject(603)
          return
        end
      end
      if opts.handler then return opts.handler(call) end
      -- Net::SIP's listen: answer at once; media starts with the ACK (init_media).
      call:answer{ wait = false }
    end

    local transport_listen = sip.listen
    local call_keys = { "handler", "init_media", "cb_create", "filter", "cb_established", "cb_cleanup",
      "recv_bye", "cb_dtmf", "cb_invite" }

    function sip.listen(opts)
      if type(opts) ~= "table" then
        error("bad argument #1 to 'listen' (table expected, got " .. type(opts) .. ")", 2)
      end
      local calls = opts.cb_request == nil
      for _, k in ipairs(call_keys) do
        if opts[k] ~= nil then calls = true end
      end
      if opts.cb_request ~= nil then transport_listen(opts) end
      if calls then
        for _, k in ipairs({ "handler", "cb_create", "filter" }) do
          if opts[k] ~= nil and type(opts[k]) ~= "function" then
            error("bad field '" .. k .. "' in argument #1 to 'listen' (function expected, got " .. type(opts[k]) .. ")", 2)
          end
        end
        return native_listen(opts, incoming, flatten(opts.sip_header, "sip_header"))
      end
      return true
    end
    """#
}
