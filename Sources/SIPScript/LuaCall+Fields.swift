internal import CLua
internal import CLuaShim

// Reading option tables (`sip.config{ from = ..., auth = { user = ... } }`): fields are read with
// raw gets (no metamethod runs, DESIGN §3). A key may be a dotted path into nested tables.
extension LuaCall {
  /// The type of field `key` of the table argument `index` (`.nil` when absent).
  public func fieldType(_ key: String, in index: Int) throws(LuaArgumentError) -> LuaType {
    try withField(key, in: index) { field in field.type(field.count) }
  }

  /// A string field, nil when absent.
  public func optionalStringField(_ key: String, in index: Int) throws(LuaArgumentError) -> String? {
    try withField(key, in: index) { field in try field.optionalString(field.count) }
  }

  /// A number field, nil when absent.
  public func optionalNumberField(_ key: String, in index: Int) throws(LuaArgumentError) -> Double? {
    try withField(key, in: index) { field in try field.optionalNumber(field.count) }
  }

  /// An integer field, nil when absent.
  public func optionalIntegerField(_ key: String, in index: Int) throws(LuaArgumentError) -> Int64? {
    try withField(key, in: index) { field in try field.optionalInteger(field.count) }
  }

  /// A boolean field (only `true`/`false` are accepted), nil when absent.
  public func optionalBooleanField(_ key: String, in index: Int) throws(LuaArgumentError) -> Bool? {
    try withField(key, in: index) { field in
      switch field.type(field.count) {
      case .nil, .none: return nil
      case .boolean: return field.boolean(field.count)
      default: throw field.typeError(field.count, expected: "boolean")
      }
    }
  }

  /// A function field, nil when absent.
  public func optionalFunctionField(_ key: String, in index: Int) throws(LuaArgumentError) -> LuaReference? {
    try withField(key, in: index) { field in try field.optionalFunction(field.count) }
  }

  /// Any non-nil field kept as a reference (a table to hand back to Lua later), nil when absent.
  public func optionalReferenceField(_ key: String, in index: Int) throws(LuaArgumentError) -> LuaReference? {
    try withField(key, in: index) { field in field.isNil(field.count) ? nil : field.reference(field.count) }
  }

  /// A list of strings (`codecs = {"PCMU", "PCMA"}`); a single string is a list of one.
  public func optionalStringListField(_ key: String, in index: Int) throws(LuaArgumentError) -> [String]? {
    try withField(key, in: index) { field in
      let top = field.count
      switch field.type(top) {
      case .nil, .none: return nil
      case .string: return [try field.string(top)]
      case .table:
        let length = lua_rawlen(state, Int32(top))
        guard length <= 10_000 else { throw field.error(top, "list too long") }
        var result: [String] = []
        for i in 0..<Int(length) {
          lua_rawgeti(state, Int32(top), lua_Integer(i + 1))
          defer { sipscript_lua_pop(state, 1) }
          let element = LuaCall(runtime: runtime, state: state, name: name, isMethod: false)
          guard element.type(element.count) == .string, let text = try? element.string(element.count) else {
            throw field.error(top, "element \(i + 1) is not a string")
          }
          result.append(text)
        }
        return result
      default: throw field.typeError(top, expected: "string or list of strings")
      }
    }
  }

  /// Pushes the field at a dotted path of table argument `index`, runs `body` with a call whose
  /// last slot is the field, pops it, and words errors as `bad field 'key' in argument #n`.
  private func withField<T>(
    _ key: String, in index: Int, _ body: (LuaCall) throws -> T
  ) throws(LuaArgumentError) -> T {
    guard type(index) == .table else { throw typeError(index, expected: "table") }
    let components = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    lua_checkstack(state, Int32(components.count + 4))
    let base = lua_gettop(state)
    defer { lua_settop(state, base) }
    lua_pushvalue(state, Int32(index))
    for (depth, component) in components.enumerated() {
      if lua_type(state, -1) == LUA_TNIL {
        break  // an absent enclosing table: the field is absent (nil on top)
      }
      if lua_type(state, -1) != LUA_TTABLE {
        let path = components[..<depth].joined(separator: ".")
        let got = LuaType(rawValue: lua_type(state, -1))?.name ?? "?"
        throw LuaArgumentError(
          field: path, argument: index, function: name, isMethod: isMethod, "table expected, got \(got)")
      }
      runtime.pushString(component, on: state)
      lua_rawget(state, -2)
    }
    let field = LuaCall(runtime: runtime, state: state, name: name, isMethod: false)
    do {
      return try body(field)
    } catch {
      let detail = (error as? LuaArgumentError)?.detail ?? "\(error)"
      throw LuaArgumentError(field: key, argument: index, function: name, isMethod: isMethod, detail)
    }
  }
}
