internal import CLua
internal import CLuaShim

extension LuaRuntime {
  /// Makes instances of `Object` usable as `LuaValue.object` and `LuaCall.object(_:as:)`.
  /// Registering a class again replaces it for new objects. Call on the event loop.
  public func register<Object: AnyObject>(_ luaClass: LuaClass<Object>) {
    eventLoop.preconditionInEventLoop()
    guard let state else { return }
    lua_checkstack(state, 6)
    var methodRefs: [String: LuaReference] = [:]
    for (name, method) in luaClass.methods {
      pushNative(
        name: name, isMethod: true, { call in try method(try call.object(1, as: Object.self), call) },
        on: state)
      methodRefs[name] = LuaReference(runtime: self, ref: sipscript_ref(state))
    }
    let fields = luaClass.fields
    lua_createtable(state, 0, 6)
    setField("__name", .string(luaClass.name), in: state)
    // A locked metatable: scripts cannot reach __gc with a foreign userdata (the shim's __gc
    // trusts the layout) nor replace the methods.
    setField("__metatable", .string(luaClass.name), in: state)
    pushString("__index", on: state)
    // The lookup of fields, and of methods a field of the same name hides: a native function.
    let lookUp: LuaNativeFunction = { call in
      guard call.type(2) == .string, let key = try? call.string(2) else { return .value(.nil) }
      if let getter = fields[key] {
        return .value(getter(try call.object(1, as: Object.self)))
      }
      if let method = methodRefs[key] {
        return .value(.reference(method))
      }
      return .value(.nil)
    }
    pushIndex(methods: methodRefs.filter { fields[$0.key] == nil }, lookUp: lookUp, on: state)
    lua_rawset(state, -3)
    if let description = luaClass.description {
      pushString("__tostring", on: state)
      pushNative(
        name: "__tostring", isMethod: true,
        { call in .value(.string(description(try call.object(1, as: Object.self)))) }, on: state)
      lua_rawset(state, -3)
    }
    pushString("__gc", on: state)
    lua_pushcclosure(state, sipscript_object_gc, 0)
    lua_rawset(state, -3)
    let metatableRef = sipscript_ref(state)
    if let close = luaClass.close {
      // __close is set after the ref exists so the closure can detach by metatable identity.
      sipscript_getref(state, metatableRef)
      pushString("__close", on: state)
      pushNative(
        name: "__close", isMethod: true,
        { call in
          var isInstance: Int32 = 0
          if let pointer = sipscript_toobject(call.state, 1, metatableRef, &isInstance),
            let object = Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue() as? Object
          {
            close(object)
            sipscript_detachobject(call.state, 1, metatableRef)
            call.runtime.scheduleDrain()
          }
          return .none
        }, on: state)
      lua_rawset(state, -3)
      sipscript_lua_pop(state, 1)
    }
    classes[ObjectIdentifier(Object.self)] = ClassEntry(name: luaClass.name, metatableRef: metatableRef)
  }

  /// Pushes a class's `__index`: a Lua function that finds `methods` in a plain table and hands
  /// every other key to `lookUp` (a tail call, so errors and tracebacks read as before). A method
  /// call (`call:answer()`) used to cross into Swift just to find the method — a native call,
  /// two String-keyed dictionary lookups and the key read out as a String, ~2 k instructions
  /// per lookup (docs/benchmarks-calls.md, "arc"). Falls back to `lookUp` alone if the little
  /// chunk cannot be made (it always can; no script code runs here).
  func pushIndex(
    methods: [String: LuaReference], lookUp: @escaping LuaNativeFunction, on state: OpaquePointer
  ) {
    lua_checkstack(state, 6)
    var source = Self.indexSource
    let status = source.withUTF8 { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        "=sip.index".withCString { sipscript_loadbuffer(state, chars.baseAddress, chars.count, $0) }
      }
    }
    if status == LUA_OK {
      lua_createtable(state, 0, Int32(clamping: methods.count))
      for (name, method) in methods {
        pushString(name, on: state)
        push(.reference(method), on: state)
        lua_rawset(state, -3)
      }
      pushNative(name: "__index", isMethod: true, lookUp, on: state)
      if lua_pcallk(state, 2, 1, 0, 0, nil) == LUA_OK { return }
    }
    logger.critical("class __index chunk failed: \(describe(at: -1, in: state))")
    sipscript_lua_pop(state, 1)
    pushNative(name: "__index", isMethod: true, lookUp, on: state)
  }

  /// The `__index` of ``pushIndex(methods:lookUp:on:)``: the methods table, then the native lookup.
  static let indexSource = """
    local methods, lookUp = ...
    return function(object, key)
      local method = methods[key]
      if method ~= nil then return method end
      return lookUp(object, key)
    end
    """

  func classEntry(for type: AnyObject.Type) -> ClassEntry? {
    classes[ObjectIdentifier(type)]
  }

  /// Pushes a userdata holding a retained reference to `object` (released by `__gc`); a
  /// `LuaSIPMessage` becomes a `sip.message` userdata holding its message.
  func pushObject(_ object: AnyObject, on L: OpaquePointer) {
    if let message = object as? LuaSIPMessage {
      pushMessage(message.message, on: L)
      return
    }
    guard let entry = classes[ObjectIdentifier(type(of: object))] else {
      logger.error("object of unregistered class \(type(of: object)) handed to Lua; passing nil")
      lua_pushnil(L)
      return
    }
    sipscript_pushobject(L, Unmanaged.passRetained(object).toOpaque(), entry.metatableRef)
  }

  /// t[key] = value on the table on top of the stack (raw set).
  func setField(_ key: String, _ value: LuaValue, in L: OpaquePointer) {
    pushString(key, on: L)
    push(value, on: L)
    lua_rawset(L, -3)
  }

  /// Releases the Swift objects whose userdata Lua has collected (the shim's __gc only queues
  /// them, so no Swift code runs inside the garbage collector).
  func releaseCollectedObjects() {
    destroyReleasedMessages()
    let count = host.pointee.released_count
    guard count > 0, let list = host.pointee.released else { return }
    let pointers = (0..<count).map { list[$0] }
    host.pointee.released_count = 0
    for pointer in pointers {
      if let pointer {
        Unmanaged<AnyObject>.fromOpaque(pointer).release()
      }
    }
  }
}
