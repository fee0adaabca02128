// SIPScript — the Lua runtime: one lua_State on a SwiftNIO event loop, a coroutine per task, and the
// `sip` module. The rules of the bridge are in docs/architecture.md (DESIGN §3).
