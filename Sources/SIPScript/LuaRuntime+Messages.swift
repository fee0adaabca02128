internal import CLua
internal import CLuaShim
public import SIPCore

// `sip.parse` and the `sip.message` userdata: the lean path for messages (docs/architecture-runtime.md,
// "Message userdata").
//
// A message is one userdata holding the `SIPMessage` value inline. `sip.parse` parses straight
// from the Lua string's bytes (the one copy is the message's own buffer). The metatable is built
// once: its `__index` is a C function that finds methods in a keys table without calling Swift and
// hands Swift only a field number; `header`, `headers`, `__tostring` and `sip.parse` are plain C
// functions that call `messageOperation` below, which pushes its results itself (no `LuaValue`, no
// `LuaResult` array). As everywhere in the bridge, Swift never raises: it returns a code and the C
// function raises after Swift has returned.

extension LuaRuntime {
  static let messageTypeName = "sip.message"

  /// Builds the message metatable and `sip.parse`. Called once, when the `sip` module is made.
  func installMessageBinding() {
    guard let state else { return }
    // The shim stores the value 8 bytes into the userdata and its release list holds values back
    // to back, each `message_size` bytes.
    precondition(MemoryLayout<SIPMessage>.alignment <= 8 && MemoryLayout<SIPMessage>.stride % 8 == 0)
    host.pointee.message_size = MemoryLayout<SIPMessage>.stride
    host.pointee.message_op = { luaState, op, field in
      guard let luaState, let host = sipscript_gethost(luaState), let runtimePointer = host.pointee.runtime
      else {
        return SIPSCRIPT_RESULT_RAW_ERROR
      }
      // Borrowed, as in the runtime's dispatch.
      return Unmanaged<LuaRuntime>.fromOpaque(runtimePointer)._withUnsafeGuaranteedRef {
        $0.messageOperation(luaState, op, field)
      }
    }
    lua_checkstack(state, 6)
    // The keys table: method name → C function, field name → field number.
    lua_createtable(state, 0, Int32(LuaMessageField.allCases.count + 2))
    for field in LuaMessageField.allCases {
      pushString(field.name, on: state)
      lua_pushinteger(state, lua_Integer(field.rawValue))
      lua_rawset(state, -3)
    }
    pushString("header", on: state)
    lua_pushcclosure(state, sipscript_message_header, 0)
    lua_rawset(state, -3)
    pushString("headers", on: state)
    lua_pushcclosure(state, sipscript_message_headers, 0)
    lua_rawset(state, -3)
    lua_createtable(state, 0, 6)
    setField("__name", .string(Self.messageTypeName), in: state)
    // Locked: scripts cannot hand __gc a foreign userdata nor replace the functions.
    setField("__metatable", .string(Self.messageTypeName), in: state)
    pushString("__index", on: state)
    lua_pushvalue(state, -3)
    lua_pushcclosure(state, sipscript_message_index, 1)
    lua_rawset(state, -3)
    pushString("__tostring", on: state)
    lua_pushcclosure(state, sipscript_message_tostring, 0)
    lua_rawset(state, -3)
    pushString("__gc", on: state)
    lua_pushcclosure(state, sipscript_message_gc, 0)
    lua_rawset(state, -3)
    host.pointee.message_metatable = lua_topointer(state, -1)
    host.pointee.message_metatable_ref = sipscript_ref(state)
    sipscript_lua_pop(state, 1)
    pushTable(path: "sip", on: state)
    pushString("parse", on: state)
    lua_pushcclosure(state, sipscript_message_parse, 0)
    lua_rawset(state, -3)
    sipscript_lua_pop(state, 1)
  }

  /// Pushes a new `sip.message` userdata holding `message`.
  func pushMessage(_ message: consuming SIPMessage, on L: OpaquePointer) {
    destroyReleasedMessages()
    guard let storage = sipscript_newmessage(L) else {
      preconditionFailure("lua_newuserdatauv returned NULL")
    }
    host.pointee.message_gc_debt += message.storageBytes
    liveMessageCount += 1
    storage.initializeMemory(as: SIPMessage.self, to: message)
  }

  /// Destroys the values that `__gc` moved out of collected message userdata. Called before each
  /// new message, after each resume and after `lua_close`; nothing here calls into Lua.
  func destroyReleasedMessages() {
    let count = host.pointee.released_messages_count
    guard count > 0, let base = host.pointee.released_messages else { return }
    host.pointee.released_messages_count = 0
    liveMessageCount -= count
    let stride = host.pointee.message_size
    for i in 0..<count {
      // The list is raw memory filled by memcpy: bind it to the type of the value moved into it.
      UnsafeMutableRawPointer(base + i * stride).bindMemory(to: SIPMessage.self, capacity: 1).deinitialize(
        count: 1)
    }
  }

  /// The Swift side of the shim's message functions: pushes the results and returns their count,
  /// or pushes an error message and returns SIPSCRIPT_RESULT_ERROR.
  func messageOperation(_ L: OpaquePointer, _ op: Int32, _ field: Int32) -> Int32 {
    do throws(LuaArgumentError) {
      switch op {
      case SIPSCRIPT_MESSAGE_PARSE:
        return try parseMessage(LuaCall(runtime: self, state: L, name: "parse", isMethod: false))
      case SIPSCRIPT_MESSAGE_FIELD:
        guard let field = LuaMessageField(rawValue: field) else {
          lua_pushnil(L)
          return 1
        }
        let call = LuaCall(runtime: self, state: L, name: field.name, isMethod: true)
        pushField(field, of: try call.messagePointer(1), on: L)
        return 1
      case SIPSCRIPT_MESSAGE_HEADER:
        return try messageHeader(LuaCall(runtime: self, state: L, name: "header", isMethod: true))
      case SIPSCRIPT_MESSAGE_HEADERS:
        let call = LuaCall(runtime: self, state: L, name: "headers", isMethod: true)
        let message = try call.messagePointer(1)
        let values = try call.withBytes(2) {
          message.pointee.headerValues(String(decoding: $0, as: UTF8.self))
        }
        lua_createtable(L, Int32(clamping: values.count), 0)
        for (i, value) in values.enumerated() {
          pushString(value, on: L)
          lua_rawseti(L, -2, lua_Integer(i + 1))
        }
        return 1
      case SIPSCRIPT_MESSAGE_TOSTRING:
        let call = LuaCall(runtime: self, state: L, name: "__tostring", isMethod: true)
        pushBytes(try call.messagePointer(1).pointee.serialize(), on: L)
        return 1
      default:
        pushString("sipscript: unknown message operation \(op)", on: L)
        return SIPSCRIPT_RESULT_RAW_ERROR
      }
    } catch {
      pushString(error.description, on: L)
      return SIPSCRIPT_RESULT_ERROR
    }
  }

  /// `sip.parse(bytes)` → message, or `nil, err` for bytes that are not a SIP message.
  private func parseMessage(_ call: LuaCall) throws(LuaArgumentError) -> Int32 {
    // The one copy: the message's own buffer. (An Array goes through SIPCore's generic parse
    // without another copy; an unsafe buffer would take its unspecialized, slower path.)
    let bytes = try call.withBytes(1) { Array($0) }
    let parsed = Result { () throws(SIPParseError) -> SIPMessage in try SIPMessage.parse(bytes) }
    switch parsed {
    case .success(let message):
      pushMessage(message, on: call.state)
      return 1
    case .failure(let error):
      lua_pushnil(call.state)
      pushString(error.description, on: call.state)
      return 2
    }
  }

  /// `msg:header(name [, n])`: the n-th value (1-based), nil past the last; n < 1 raises.
  private func messageHeader(_ call: LuaCall) throws(LuaArgumentError) -> Int32 {
    let message = try call.messagePointer(1)
    let name = try call.withBytes(2) { String(decoding: $0, as: UTF8.self) }
    let index = try call.optionalInteger(3) ?? 1
    guard index >= 1 else { throw call.error(3, "index must be 1 or more") }
    let value = index > 10_000 ? nil : message.pointee.header(name, Int(index - 1))
    if let value {
      pushString(value, on: call.state)
    } else {
      lua_pushnil(call.state)
    }
    return 1
  }

  private func pushField(
    _ field: LuaMessageField, of message: UnsafeMutablePointer<SIPMessage>, on L: OpaquePointer
  ) {
    let text: String?
    switch field {
    case .method: text = message.pointee.method
    case .uri: text = message.pointee.requestURI
    case .reason: text = message.pointee.reasonPhrase
    case .callID: text = message.pointee.callID
    case .code:
      if let code = message.pointee.statusCode {
        lua_pushinteger(L, lua_Integer(code))
      } else {
        lua_pushnil(L)
      }
      return
    case .body:
      pushBytes(message.pointee.body, on: L)
      return
    case .isRequest:
      lua_pushboolean(L, message.pointee.isRequest ? 1 : 0)
      return
    }
    if let text {
      pushString(text, on: L)
    } else {
      lua_pushnil(L)
    }
  }
}

extension LuaCall {
  /// The message of a `sip.message` argument (a copy: the message's storage is shared, not copied).
  public func message(_ index: Int) throws(LuaArgumentError) -> SIPMessage {
    try messagePointer(index).pointee
  }

  /// Where the `sip.message` argument's value lives, inside its userdata: valid while the argument
  /// is on the stack.
  func messagePointer(_ index: Int) throws(LuaArgumentError) -> UnsafeMutablePointer<SIPMessage> {
    var isInstance: Int32 = 0
    let storage = type(index) == .userdata ? sipscript_tomessage(state, Int32(index), &isInstance) : nil
    guard isInstance != 0 else { throw typeError(index, expected: LuaRuntime.messageTypeName) }
    guard let storage else { throw error(index, "\(LuaRuntime.messageTypeName) was collected") }
    return storage.assumingMemoryBound(to: SIPMessage.self)
  }
}
