#ifndef CLUASHIM_H
#define CLUASHIM_H
// CLuaShim — the only place where Lua may longjmp (DESIGN §3).
//
// Swift functions called from Lua never raise or yield themselves: they return a code to the C
// trampoline below (values / error / suspend), and the trampoline raises or yields after Swift has
// returned. Everything here that may raise is either called by Lua itself (trampoline, hook, __gc)
// or wrapped in lua_pcall (the sipscript_protected_* helpers), so a Swift frame is never jumped over.
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stddef.h>

// MARK: - Codes the Swift dispatcher returns to the trampoline (>= 0: number of results on top)

/// Raise the value on top of the stack; a string gets "chunk:line:" of the Lua caller prepended.
#define SIPSCRIPT_RESULT_ERROR (-1)
/// Raise the value on top of the stack as it is.
#define SIPSCRIPT_RESULT_RAW_ERROR (-2)
/// Yield the calling coroutine; the values of the later resume become the function's results.
#define SIPSCRIPT_RESULT_SUSPEND (-3)

// MARK: - Outcome of sipscript_resume beyond Lua's own status codes

/// The count hook stopped the resume (the coroutine is suspended inside the hook).
#define SIPSCRIPT_STATUS_WATCHDOG 100

/// The Swift side of every native function: `fn` is the index the closure was registered under.
typedef int (*sipscript_dispatch_fn)(lua_State *L, lua_Integer fn, void *runtime);

/// The Swift side of the `sip.message` functions (see "Message userdata" below): `op` is one of
/// SIPSCRIPT_MESSAGE_*, `field` the field number for SIPSCRIPT_MESSAGE_FIELD. Same return codes as
/// sipscript_dispatch_fn (never SIPSCRIPT_RESULT_SUSPEND).
typedef int (*sipscript_message_fn)(lua_State *L, int op, int field);

/// Per-state host data, reachable from every coroutine through lua_getextraspace.
typedef struct sipscript_host {
  void *runtime;                  // Unmanaged pointer to the Swift runtime (not retained)
  sipscript_dispatch_fn dispatch;  // Swift entry point for native functions
  double watchdog_seconds;        // 0 = off
  int watchdog_interval;          // instructions between two clock checks
  double deadline;                // monotonic seconds; 0 while no resume runs
  int watchdog_fired;
  char watchdog_where[200];        // "chunk:line" where the watchdog stopped the task
  lua_State *current;             // the task coroutine being resumed
  void **released;                // objects whose userdata was collected, released later by Swift
  size_t released_count;
  size_t released_capacity;
  // sip.message userdata: a Swift value stored inline (see "Message userdata").
  sipscript_message_fn message_op;   // Swift entry point of the message functions
  size_t message_size;               // bytes of the inline Swift value; 0 until registered
  int message_metatable_ref;         // registry reference of the metatable
  const void *message_metatable;     // the metatable's identity, for the type check
  unsigned char *released_messages;  // values moved out of collected userdata, destroyed by Swift
  size_t released_messages_count;    // in values of message_size bytes
  size_t released_messages_capacity;
  size_t message_gc_debt;            // Swift heap bytes of messages made since the last GC step
} sipscript_host;

/// Creates a state whose allocator aborts instead of failing (so allocation never raises), with the
/// standard libraries opened (under protection) and `host` stored in the extra space. NULL on failure.
lua_State *sipscript_newstate(sipscript_host *host);
sipscript_host *sipscript_gethost(lua_State *L);
/// Frees the host's release list (after lua_close and the last release).
void sipscript_host_dispose(sipscript_host *host);

/// Resumes `co` with `nargs` values on its stack, under the watchdog. Returns Lua's status
/// (LUA_OK, LUA_YIELD, errors) or SIPSCRIPT_STATUS_WATCHDOG; `*nres` receives the result count.
int sipscript_resume(lua_State *co, lua_State *from, int nargs, int *nres);
/// Closes a dead or suspended coroutine, running its pending `<close>` variables (lua_closethread on
/// 5.4.6+, lua_resetthread before). Returns the status; on error the error object is on co's top.
int sipscript_closethread(lua_State *co, lua_State *from);

/// The C function every Swift native function is pushed as; upvalue 1 is the Swift index.
int sipscript_trampoline(lua_State *L);
/// Pushes the trampoline with `fn` as its upvalue.
void sipscript_pushnative(lua_State *L, lua_Integer fn);
/// Pushes the marker that, as the first resume value, makes the suspended native function raise
/// the second value instead of returning.
void sipscript_pushresumeerror(lua_State *L);

// MARK: - Userdata holding a retained Swift object

/// Pushes a new userdata holding `object` (an Unmanaged, retained pointer) with the metatable
/// stored in the registry at `metatable_ref`.
void sipscript_pushobject(lua_State *L, void *object, int metatable_ref);
/// The object pointer of the userdata at idx if its metatable is the one at `metatable_ref`;
/// NULL otherwise or after it was closed. `*is_instance` tells the two apart.
void *sipscript_toobject(lua_State *L, int idx, int metatable_ref, int *is_instance);
/// Detaches the object from the userdata (for __close); the pointer goes to the release list.
void sipscript_detachobject(lua_State *L, int idx, int metatable_ref);
/// __gc of object userdata: appends the pointer to host->released (no Swift code runs inside GC).
int sipscript_object_gc(lua_State *L);

// MARK: - Message userdata (sip.message)
//
// A parsed SIP message lives in Lua as ONE userdata that holds the Swift `SIPMessage` value itself
// (its two array references and offsets), not a pointer to a Swift object: creating a message costs
// the userdata plus what the Swift value owns. The metatable's functions are C functions of this
// file that call `host->message_op`; it pushes results directly and returns a code that the C
// function acts on after Swift has returned (as the trampoline does). `__gc` does not run Swift:
// it moves the value's bytes into `host->released_messages` (Swift values can be moved by memcpy)
// and marks the userdata dead; Swift destroys those values on the next `sip.parse`, after each
// resume, and after lua_close.

/// sip.parse(bytes)
#define SIPSCRIPT_MESSAGE_PARSE 0
/// msg.<field>, the field number in `field`
#define SIPSCRIPT_MESSAGE_FIELD 1
/// msg:header(name [, n])
#define SIPSCRIPT_MESSAGE_HEADER 2
/// msg:headers(name)
#define SIPSCRIPT_MESSAGE_HEADERS 3
/// tostring(msg)
#define SIPSCRIPT_MESSAGE_TOSTRING 4

/// Creates a message userdata with the message metatable and returns where the Swift value goes
/// (`host->message_size` bytes, 8-byte aligned). The caller must initialize it before any other
/// Lua call.
void *sipscript_newmessage(lua_State *L);
/// The inline value of the message userdata at idx, or NULL when idx is not a message
/// (`*is_instance` = 0) or when its value was already collected (`*is_instance` = 1).
void *sipscript_tomessage(lua_State *L, int idx, int *is_instance);
/// `sip.parse`, `__index` (upvalue 1: the keys table {method name = function, field name = field
/// number}), `header`, `headers`, `__tostring` and `__gc` of messages.
int sipscript_message_parse(lua_State *L);
int sipscript_message_index(lua_State *L);
int sipscript_message_header(lua_State *L);
int sipscript_message_headers(lua_State *L);
int sipscript_message_tostring(lua_State *L);
int sipscript_message_gc(lua_State *L);

// MARK: - Protected helpers (never raise; return a Lua status code)

/// Converts the value at idx to a string like `tostring` (calling __tostring / __name); pushes the
/// string, or on error pushes a description of the failure. Returns LUA_OK or an error status.
int sipscript_protected_tostring(lua_State *L, int idx);
/// Builds "message\nstack traceback:..." for the error object on top of `co` and pushes it on L.
/// Non-string error objects are converted under protection.
void sipscript_describe_error(lua_State *L, lua_State *co);
/// Loads a file as a chunk named "@path"; on error pushes the message. Returns Lua's status.
int sipscript_loadfile(lua_State *L, const char *path);
/// Loads a string as a chunk named `chunkname`.
int sipscript_loadbuffer(lua_State *L, const char *code, size_t len, const char *chunkname);
/// package.path = prefix .. package.path, under protection.
int sipscript_prepend_package_path(lua_State *L, const char *prefix);

// MARK: - Lua's function-like macros, as functions

void sipscript_lua_pop(lua_State *L, int n);
void sipscript_newtable(lua_State *L);
int sipscript_registryindex(void);
int sipscript_upvalueindex(int i);
const char *sipscript_tolstring(lua_State *L, int idx, size_t *len);
lua_Number sipscript_tonumber(lua_State *L, int idx, int *isnum);
lua_Integer sipscript_tointeger(lua_State *L, int idx, int *isnum);
lua_State *sipscript_tothread(lua_State *L, int idx);
void sipscript_pushlstring(lua_State *L, const char *s, size_t len);
void sipscript_remove(lua_State *L, int idx);
void sipscript_insert(lua_State *L, int idx);
int sipscript_isyieldable(lua_State *L);
int sipscript_ref(lua_State *L);
void sipscript_unref(lua_State *L, int ref);
void sipscript_getref(lua_State *L, int ref);

/// Process tuning that sipscript applies at start-up (glibc's malloc; nothing elsewhere).
void sipscript_tune_malloc(void);

#endif
