#include "CLuaShim.h"

void sipscript_lua_pop(lua_State *L, int n) { lua_pop(L, n); }
