/// The Lua half of the transport bindings: the parts that iterate script tables with `pairs`
/// (header maps), which Swift must not do itself (`lua_next` may raise; DESIGN §3). Errors here
/// are ordinary Lua errors raised in Lua frames.
///
/// The chunk gets `sip` and the native functions, and defines `sip.request` and `sip.listen`
/// on top of them; header tables reach Swift flattened as `{name1, value1, name2, value2, ...}`.
enum TransportLuaPrelude {
  static let source = #"""
    local sip, native_request, native_listen = ...
    local type, pairs, ipairs, tostring, error, sort = type, pairs, ipairs, tostring, error, table.sort

    -- Header tables: a map {["X-Name"] = "value" or {"v1", "v2"}}, an array of "Name: value"
    -- strings or {"Name", "value"} pairs, or both. Map keys are sent in sorted order.
    local function flatten(headers, what)
      if headers == nil then return nil end
      if type(headers) ~= "table" then error(what .. " must be a table", 3) end
      local out, keys = {}, {}
      local n = #headers
      for i = 1, n do
        local h = headers[i]
        if type(h) == "table" then
          out[#out + 1] = tostring(h[1]); out[#out + 1] = tostring(h[2])
        else
          local name, value = tostring(h):match("^%s*([^:%s]+)%s*:%s*(.-)%s*$")
          if not name then error("bad header '" .. tostring(h) .. "' (expected 'Name: value')", 3) end
          out[#out + 1] = name; out[#out + 1] = value
        end
      end
      for k in pairs(headers) do
        if type(k) == "string" then keys[#keys + 1] = k
        elseif not (math.type(k) == "integer" and k >= 1 and k <= n) then
          error(what .. " has a key that is not a header name: " .. tostring(k), 3)
        end
      end
      sort(keys)
      for _, k in ipairs(keys) do
        local v = headers[k]
        if type(v) == "table" then
          for _, x in ipairs(v) do out[#out + 1] = k; out[#out + 1] = tostring(x) end
        else
          out[#out + 1] = k; out[#out + 1] = tostring(v)
        end
      end
      return out
    end

    function sip.request(method, uri, opts)
      if opts ~= nil and type(opts) ~= "table" then
        error("bad argument #3 to 'request' (table expected, got " .. type(opts) .. ")", 2)
      end
      return native_request(method, uri, opts or {}, flatten(opts and opts.headers, "headers"))
    end

    -- Runs a script's cb_request in the request's own task and flattens what it returns.
    local function run_handler(cb, request, info)
      local code, reason, headers, body = cb(request, info)
      return code, reason, flatten(headers, "the headers returned by cb_request"), body
    end

    function sip.listen(opts)
      if type(opts) ~= "table" then
        error("bad argument #1 to 'listen' (table expected, got " .. type(opts) .. ")", 2)
      end
      return native_listen(opts, run_handler)
    end

    -- The call prelude flattens sip_header with the same function.
    return flatten
    """#
}
