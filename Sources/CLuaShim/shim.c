// CLuaShim — see CLuaShim.h. Every longjmp of the process (lua_error, lua_yield[k]) happens in this
// file, in a C function that Lua itself called, so no Swift frame is ever jumped over (DESIGN §3).
#include "CLuaShim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// MARK: - State

// Allocation never fails: on out-of-memory the process aborts. With that, the API calls the Swift
// side makes (push a string, create a table, a thread, a userdata, luaL_ref) cannot raise
// LUA_ERRMEM, which would otherwise longjmp out of the middle of a Swift function.
static void *sipscript_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  void *p = realloc(ptr, nsize);
  if (p == NULL) {
    fputs("sipscript: out of memory in the Lua state\n", stderr);
    abort();
  }
  return p;
}

static int sipscript_panic(lua_State *L) {
  const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(not a string)";
  fprintf(stderr, "sipscript: unprotected Lua error (a bug in the bridge): %s\n", msg);
  abort();
  return 0;
}

static int sipscript_openlibs(lua_State *L) {
  luaL_openlibs(L);
  return 0;
}

lua_State *sipscript_newstate(sipscript_host *host) {
  lua_State *L = lua_newstate(sipscript_alloc, NULL);
  if (L == NULL) return NULL;
  lua_atpanic(L, sipscript_panic);
  // Threads created later copy the main thread's extra space (Lua 5.4 §4.4 lua_getextraspace).
  *(sipscript_host **)lua_getextraspace(L) = host;
  lua_pushcfunction(L, sipscript_openlibs);
  if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
    lua_close(L);
    return NULL;
  }
  return L;
}

sipscript_host *sipscript_gethost(lua_State *L) { return *(sipscript_host **)lua_getextraspace(L); }

void sipscript_host_dispose(sipscript_host *host) {
  free(host->released_messages);
  host->released_messages = NULL;
  host->released_messages_count = 0;
  host->released_messages_capacity = 0;
  free(host->released);
  host->released = NULL;
  host->released_count = 0;
  host->released_capacity = 0;
}

// MARK: - Watchdog

static double sipscript_monotonic(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

// Count hook: every `watchdog_interval` instructions, compare the clock with the deadline of the
// current resume. In the task's own coroutine it yields (a yield cannot be caught by pcall, so a
// `while true do pcall(f) end` loop is stopped too); the scheduler sees `watchdog_fired` and ends
// the task. Where yielding is impossible (a nested coroutine, a metamethod called from C) it raises.
static void sipscript_watchdog_hook(lua_State *L, lua_Debug *ar) {
  sipscript_host *h = sipscript_gethost(L);
  if (h->deadline == 0 || sipscript_monotonic() < h->deadline) return;
  if (L == h->current && lua_isyieldable(L)) {
    // Where it was stopped, taken now: after a yield from a hook the saved pc is stepped back.
    if (lua_getinfo(L, "Sl", ar)) {
      snprintf(h->watchdog_where, sizeof h->watchdog_where, "%s:%d", ar->short_src, ar->currentline);
    } else {
      h->watchdog_where[0] = 0;
    }
    h->watchdog_fired = 1;
    lua_yield(L, 0);
    return;
  }
  char msg[128];
  snprintf(msg, sizeof msg, "watchdog: task ran for more than %g s without yielding", h->watchdog_seconds);
  luaL_error(L, "%s", msg);
}

int sipscript_resume(lua_State *co, lua_State *from, int nargs, int *nres) {
  sipscript_host *h = sipscript_gethost(co);
  h->current = co;
  h->watchdog_fired = 0;
  if (h->watchdog_seconds > 0) {
    h->deadline = sipscript_monotonic() + h->watchdog_seconds;
    lua_sethook(co, sipscript_watchdog_hook, LUA_MASKCOUNT, h->watchdog_interval > 0 ? h->watchdog_interval : 1000);
  } else {
    h->deadline = 0;
    lua_sethook(co, NULL, 0, 0);
  }
  int status = lua_resume(co, from, nargs, nres);
  h->deadline = 0;
  h->current = NULL;
  if (status == LUA_YIELD && h->watchdog_fired) {
    h->watchdog_fired = 0;
    return SIPSCRIPT_STATUS_WATCHDOG;
  }
  return status;
}

int sipscript_closethread(lua_State *co, lua_State *from) {
  // `<close>` handlers run under the watchdog too (they raise: a closing thread cannot yield).
  sipscript_host *h = sipscript_gethost(co);
  h->current = NULL;
  h->deadline = h->watchdog_seconds > 0 ? sipscript_monotonic() + h->watchdog_seconds : 0;
  int status;
#if LUA_VERSION_RELEASE_NUM >= 50406
  status = lua_closethread(co, from);
#else
  (void)from;
  status = lua_resetthread(co);
#endif
  h->deadline = 0;
  return status;
}

// MARK: - Trampoline

static const char sipscript_resume_error_marker = 0;

void sipscript_pushresumeerror(lua_State *L) { lua_pushlightuserdata(L, (void *)&sipscript_resume_error_marker); }

// Continuation of a suspended native function: its results are the values of the resume, unless
// the resumer asked for an error (marker, value).
static int sipscript_trampoline_k(lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  (void)ctx;
  if (lua_gettop(L) >= 1 && lua_type(L, 1) == LUA_TLIGHTUSERDATA &&
      lua_touserdata(L, 1) == (void *)&sipscript_resume_error_marker) {
    lua_settop(L, 2);
    return lua_error(L);
  }
  return lua_gettop(L);
}

// Acts on a Swift function's result code once Swift has returned: from here on raising and
// yielding jump over C frames only.
static int sipscript_finish(lua_State *L, int r) {
  if (r >= 0) return r;
  switch (r) {
  case SIPSCRIPT_RESULT_ERROR:
    if (lua_type(L, -1) == LUA_TSTRING) {
      luaL_where(L, 1);  // "chunk:line:" of the Lua code that called us, as luaL_error does
      lua_insert(L, -2);
      lua_concat(L, 2);
    }
    return lua_error(L);
  case SIPSCRIPT_RESULT_RAW_ERROR:
    return lua_error(L);
  case SIPSCRIPT_RESULT_SUSPEND:
    if (!lua_isyieldable(L)) {
      return luaL_error(L, "attempt to suspend where Lua cannot yield (inside a metamethod or a C call)");
    }
    lua_settop(L, 0);
    return lua_yieldk(L, 0, 0, sipscript_trampoline_k);
  default:
    return luaL_error(L, "sipscript: bad native function result %d", r);
  }
}

int sipscript_trampoline(lua_State *L) {
  lua_Integer fn = lua_tointeger(L, lua_upvalueindex(1));
  sipscript_host *h = sipscript_gethost(L);
  return sipscript_finish(L, h->dispatch(L, fn, h->runtime));
}

void sipscript_pushnative(lua_State *L, lua_Integer fn) {
  lua_pushinteger(L, fn);
  lua_pushcclosure(L, sipscript_trampoline, 1);
}

// MARK: - Object userdata

typedef struct sipscript_object {
  void *object;
} sipscript_object;

static void sipscript_release_later(lua_State *L, void *object) {
  sipscript_host *h = sipscript_gethost(L);
  if (h->released_count == h->released_capacity) {
    size_t cap = h->released_capacity ? h->released_capacity * 2 : 64;
    void **p = realloc(h->released, cap * sizeof(void *));
    if (p == NULL) abort();
    h->released = p;
    h->released_capacity = cap;
  }
  h->released[h->released_count++] = object;
}

void sipscript_pushobject(lua_State *L, void *object, int metatable_ref) {
  sipscript_object *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->object = object;
  lua_rawgeti(L, LUA_REGISTRYINDEX, metatable_ref);
  lua_setmetatable(L, -2);
}

void *sipscript_toobject(lua_State *L, int idx, int metatable_ref, int *is_instance) {
  *is_instance = 0;
  if (lua_type(L, idx) != LUA_TUSERDATA) return NULL;
  idx = lua_absindex(L, idx);
  if (!lua_getmetatable(L, idx)) return NULL;
  lua_rawgeti(L, LUA_REGISTRYINDEX, metatable_ref);
  int same = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  if (!same) return NULL;
  *is_instance = 1;
  return ((sipscript_object *)lua_touserdata(L, idx))->object;
}

void sipscript_detachobject(lua_State *L, int idx, int metatable_ref) {
  int is_instance = 0;
  void *object = sipscript_toobject(L, idx, metatable_ref, &is_instance);
  if (!is_instance || object == NULL) return;
  ((sipscript_object *)lua_touserdata(L, idx))->object = NULL;
  sipscript_release_later(L, object);
}

// The metatables are locked (__metatable), so __gc only ever sees our own userdata.
int sipscript_object_gc(lua_State *L) {
  if (lua_type(L, 1) != LUA_TUSERDATA) return 0;
  sipscript_object *u = lua_touserdata(L, 1);
  if (u != NULL && u->object != NULL) {
    sipscript_release_later(L, u->object);
    u->object = NULL;
  }
  return 0;
}

// MARK: - Message userdata

// The userdata's memory: this header, then the Swift value (host->message_size bytes).
typedef struct sipscript_message_box {
  lua_Integer live;  // 1 while the Swift value is there; 0 once __gc moved it out
} sipscript_message_box;

#define SIPSCRIPT_MESSAGE_VALUE(box) ((void *)((unsigned char *)(box) + sizeof(sipscript_message_box)))

void *sipscript_newmessage(lua_State *L) {
  sipscript_host *h = sipscript_gethost(L);
  sipscript_message_box *box = lua_newuserdatauv(L, sizeof *box + h->message_size, 0);
  box->live = 1;
  lua_rawgeti(L, LUA_REGISTRYINDEX, h->message_metatable_ref);
  lua_setmetatable(L, -2);
  return SIPSCRIPT_MESSAGE_VALUE(box);
}

void *sipscript_tomessage(lua_State *L, int idx, int *is_instance) {
  *is_instance = 0;
  if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx)) return NULL;
  int same = lua_topointer(L, -1) == sipscript_gethost(L)->message_metatable;
  lua_pop(L, 1);
  if (!same) return NULL;
  *is_instance = 1;
  sipscript_message_box *box = lua_touserdata(L, idx);
  return box->live ? SIPSCRIPT_MESSAGE_VALUE(box) : NULL;
}

static int sipscript_message_call(lua_State *L, int op, int field) {
  sipscript_host *h = sipscript_gethost(L);
  return sipscript_finish(L, h->message_op(L, op, field));
}

// Lua's collector counts only the userdata, not the Swift memory each message holds (several
// times more); left alone it lets about a thousand dead messages pile up between two cycles, and
// their memory is cold by the time it is freed. So the messages' Swift bytes are fed to the
// collector as if Lua had allocated them, in steps of at least 64 KiB, here in C after Swift has
// returned. A collector stopped by the script stays stopped.
static void sipscript_pace_gc(lua_State *L, sipscript_host *h) {
  if (h->message_gc_debt < 64 * 1024) return;
  int kib = (int)(h->message_gc_debt / 1024);
  h->message_gc_debt = 0;
  if (lua_gc(L, LUA_GCISRUNNING) == 1) lua_gc(L, LUA_GCSTEP, kib);
}

int sipscript_message_parse(lua_State *L) {
  sipscript_host *h = sipscript_gethost(L);
  int r = h->message_op(L, SIPSCRIPT_MESSAGE_PARSE, 0);
  if (r >= 0) sipscript_pace_gc(L, h);
  return sipscript_finish(L, r);
}
int sipscript_message_header(lua_State *L) { return sipscript_message_call(L, SIPSCRIPT_MESSAGE_HEADER, 0); }
int sipscript_message_headers(lua_State *L) { return sipscript_message_call(L, SIPSCRIPT_MESSAGE_HEADERS, 0); }
int sipscript_message_tostring(lua_State *L) { return sipscript_message_call(L, SIPSCRIPT_MESSAGE_TOSTRING, 0); }

// msg.key: a method comes straight from the keys table (no Swift involved); a field number goes to
// Swift; anything else is nil.
int sipscript_message_index(lua_State *L) {
  lua_settop(L, 2);
  lua_pushvalue(L, 2);
  if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNUMBER) return 1;
  int field = (int)lua_tointeger(L, -1);
  lua_pop(L, 1);
  return sipscript_message_call(L, SIPSCRIPT_MESSAGE_FIELD, field);
}

// No Swift code runs inside the garbage collector: the value is moved (memcpy; Swift values are
// bitwise movable) to the host's list, and Swift destroys it later.
int sipscript_message_gc(lua_State *L) {
  int is_instance = 0;
  void *value = sipscript_tomessage(L, 1, &is_instance);
  if (value == NULL) return 0;
  sipscript_host *h = sipscript_gethost(L);
  if (h->released_messages_count == h->released_messages_capacity) {
    size_t cap = h->released_messages_capacity ? h->released_messages_capacity * 2 : 64;
    unsigned char *p = realloc(h->released_messages, cap * h->message_size);
    if (p == NULL) abort();
    h->released_messages = p;
    h->released_messages_capacity = cap;
  }
  memcpy(h->released_messages + h->released_messages_count * h->message_size, value, h->message_size);
  h->released_messages_count++;
  ((sipscript_message_box *)lua_touserdata(L, 1))->live = 0;
  return 0;
}

// MARK: - Protected helpers

static int sipscript_tostring_helper(lua_State *L) {
  luaL_tolstring(L, 1, NULL);
  return 1;
}

int sipscript_protected_tostring(lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (!lua_checkstack(L, 3)) return LUA_ERRMEM;
  lua_pushcfunction(L, sipscript_tostring_helper);
  lua_pushvalue(L, idx);
  int status = lua_pcall(L, 1, 1, 0);
  if (status != LUA_OK && lua_type(L, -1) != LUA_TSTRING) {
    lua_pop(L, 1);
    lua_pushliteral(L, "(error object is not a string)");
  }
  return status;
}

void sipscript_describe_error(lua_State *L, lua_State *co) {
  lua_checkstack(L, 4);
  if (lua_gettop(co) == 0) {
    lua_pushliteral(co, "(no error object)");
  }
  lua_pushvalue(co, -1);
  lua_xmove(co, L, 1);
  if (lua_type(L, -1) != LUA_TSTRING) {
    int status = sipscript_protected_tostring(L, -1);
    if (status != LUA_OK) {
      // __tostring itself failed: say so rather than lose the original error silently.
      lua_pushliteral(L, "(error object's __tostring failed: ");
      lua_insert(L, -2);
      lua_pushliteral(L, ")");
      lua_concat(L, 3);
    }
    lua_remove(L, -2);
  }
  luaL_traceback(L, co, lua_tostring(L, -1), 0);
  lua_remove(L, -2);
}

int sipscript_loadfile(lua_State *L, const char *path) { return luaL_loadfilex(L, path, "t"); }

int sipscript_loadbuffer(lua_State *L, const char *code, size_t len, const char *chunkname) {
  return luaL_loadbufferx(L, code, len, chunkname, "t");
}

static int sipscript_prepend_path_helper(lua_State *L) {
  lua_getglobal(L, "package");
  lua_pushvalue(L, 1);
  lua_getfield(L, -2, "path");
  lua_concat(L, 2);
  lua_setfield(L, -2, "path");
  return 0;
}

int sipscript_prepend_package_path(lua_State *L, const char *prefix) {
  lua_pushcfunction(L, sipscript_prepend_path_helper);
  lua_pushstring(L, prefix);
  int status = lua_pcall(L, 1, 0, 0);
  if (status != LUA_OK) lua_pop(L, 1);
  return status;
}

// MARK: - Macros as functions

void sipscript_lua_pop(lua_State *L, int n) { lua_pop(L, n); }
void sipscript_newtable(lua_State *L) { lua_newtable(L); }
int sipscript_registryindex(void) { return LUA_REGISTRYINDEX; }
int sipscript_upvalueindex(int i) { return lua_upvalueindex(i); }
const char *sipscript_tolstring(lua_State *L, int idx, size_t *len) { return lua_tolstring(L, idx, len); }
lua_Number sipscript_tonumber(lua_State *L, int idx, int *isnum) { return lua_tonumberx(L, idx, isnum); }
lua_Integer sipscript_tointeger(lua_State *L, int idx, int *isnum) { return lua_tointegerx(L, idx, isnum); }
lua_State *sipscript_tothread(lua_State *L, int idx) { return lua_tothread(L, idx); }
void sipscript_pushlstring(lua_State *L, const char *s, size_t len) { lua_pushlstring(L, s, len); }
void sipscript_remove(lua_State *L, int idx) { lua_remove(L, idx); }
void sipscript_insert(lua_State *L, int idx) { lua_insert(L, idx); }
int sipscript_isyieldable(lua_State *L) { return lua_isyieldable(L); }
int sipscript_ref(lua_State *L) { return luaL_ref(L, LUA_REGISTRYINDEX); }
void sipscript_unref(lua_State *L, int ref) { luaL_unref(L, LUA_REGISTRYINDEX, ref); }
void sipscript_getref(lua_State *L, int ref) { lua_rawgeti(L, LUA_REGISTRYINDEX, ref); }

#ifdef __GLIBC__
#include <malloc.h>
#endif

void sipscript_tune_malloc(void) {
#ifdef __GLIBC__
  // glibc gives the event-loop thread its own arena and shrinks that arena's heap whenever more
  // than 128 KiB at its top is free, only to grow it again on the next burst: one mprotect system
  // call every few SIP messages (measured: 189,000 for 400,000 sip.parse calls, about half of the
  // run's time in the kernel). Keep up to 64 MiB of freed memory for reuse, and grow the heap in
  // 64 MiB steps (address space; pages are touched only when used): 48 mprotect calls remain.
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_TOP_PAD, 64 << 20);
#endif
}
