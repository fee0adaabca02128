internal import CLua
internal import CLuaShim
import Logging
import SIPCall
import SIPCore

// The digest keys of sip.listen (Net::SIP's Authorize in front of listen): `auth_user2pass` — a
// function user → password, or a table of them — and `realm` (or `auth_realm`). New requests
// without valid credentials get 401 before any call, filter or cb_request sees them.
extension CallBinding {
  /// Wraps `sip.listen` (whatever the transport and call preludes made of it) so that its
  /// digest keys are taken first; a table of passwords is flattened in Lua (no `lua_next` in
  /// Swift, DESIGN §3).
  func installListenAuthentication() {
    guard let runtime, let state = runtime.state else { return }
    lua_checkstack(state, 6)
    var source = Self.authenticationPrelude
    let status = source.withUTF8 { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        "=sip.auth".withCString { sipscript_loadbuffer(state, chars.baseAddress, chars.count, $0) }
      }
    }
    guard status == LUA_OK else {
      runtime.logger.critical("auth prelude does not compile: \(runtime.describe(at: -1, in: state))")
      sipscript_lua_pop(state, 1)
      return
    }
    sipscript_getref(state, runtime.sipTableRef)
    runtime.pushNative(
      name: "listen", isMethod: false, { [unowned self] call in try listenAuthentication(call) }, on: state)
    if lua_pcallk(state, 2, 0, 0, 0, nil) != LUA_OK {
      runtime.logger.critical("auth prelude failed: \(runtime.describe(at: -1, in: state))")
      sipscript_lua_pop(state, 1)
    }
  }

  static let authenticationPrelude = #"""
    local sip, native_auth = ...
    local type, pairs, tostring, error, mtype = type, pairs, tostring, error, math.type
    local listen = sip.listen

    function sip.listen(opts)
      if type(opts) == "table" and opts.auth_user2pass ~= nil then
        local lookup, flat = opts.auth_user2pass, nil
        if type(lookup) == "table" then
          flat = {}
          for user, password in pairs(lookup) do
            if type(user) ~= "string" or (type(password) ~= "string" and mtype(password) ~= "integer") then
              error("bad field 'auth_user2pass' in argument #1 to 'listen' (user = password strings expected, got "
                .. type(user) .. " = " .. type(password) .. ")", 2)
            end
            flat[#flat + 1] = user; flat[#flat + 1] = tostring(password)
          end
          lookup = nil
        elseif type(lookup) ~= "function" and lookup ~= false then
          error("bad field 'auth_user2pass' in argument #1 to 'listen' (function or table expected, got "
            .. type(lookup) .. ")", 2)
        end
        local ok, err = native_auth(opts.realm or opts.auth_realm, lookup, flat)
        if not ok then error(err, 2) end
      end
      return listen(opts)
    end
    """#

  /// `native_auth(realm, lookup_function | false, flat_table)`: installs (or with `false`
  /// removes) the agent's ``DigestAuthenticator``. Returns `true` or `nil, message`.
  func listenAuthentication(_ call: LuaCall) throws -> LuaResult {
    let realmValue = call.isNil(1) ? nil : try? call.string(1)
    if !call.isNil(1), realmValue == nil {
      return .failure("bad field 'realm' in argument #1 to 'listen' (string expected)")
    }
    let realm = realmValue ?? "sipscript"
    guard !realm.isEmpty, !realm.contains("\"") else {
      return .failure("bad field 'realm' in argument #1 to 'listen' (not a usable realm)")
    }
    let lookup: DigestAuthenticator.PasswordLookup
    if call.type(2) == .function {
      let function = call.reference(2)
      lookup = { [weak self] user, reply in
        self?.lookUpPassword(function, user: user, reply: reply) ?? reply(nil)
      }
    } else if call.type(3) == .table {
      guard let flat = TransportTableReader.stringArray(runtime: call.runtime, state: call.state, at: 3)
      else {
        return .failure("bad field 'auth_user2pass' in argument #1 to 'listen' (too many users)")
      }
      var passwords: [String: String] = [:]
      var i = 0
      while i + 1 < flat.count {
        passwords[flat[i]] = flat[i + 1]
        i += 2
      }
      lookup = { user, reply in reply(passwords[user]) }
    } else {
      agent.authenticator = nil
      return .value(.boolean(true))
    }
    agent.authenticator = DigestAuthenticator(realm: realm, lookup: lookup)
    return .value(.boolean(true))
  }

  /// Runs the script's `auth_user2pass(user)` in a task of its own; its first result, a string,
  /// is the password. A failing lookup (logged by the runtime) counts as an unknown user.
  func lookUpPassword(_ function: LuaReference, user: String, reply: @escaping (String?) -> Void) {
    guard let runtime, let task = runtime.spawn(function, arguments: [.string(user)], name: "auth_user2pass")
    else { return reply(nil) }
    task.onDone { [weak runtime] task in
      guard let runtime, let state = runtime.state, case .returned(let results)? = task.outcome else {
        return reply(nil)
      }
      lua_checkstack(state, 4)
      runtime.push(.reference(results), on: state)
      lua_rawgeti(state, -1, 1)
      let password =
        lua_type(state, -1) == LUA_TSTRING
        ? runtime.bytes(at: -1, in: state).map { String(decoding: $0, as: UTF8.self) } : nil
      sipscript_lua_pop(state, 2)
      reply(password)
    }
  }
}
