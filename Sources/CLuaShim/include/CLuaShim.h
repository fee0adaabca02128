#ifndef CLUASHIM_H
#define CLUASHIM_H
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

/// lua_pop is a macro in lua.h; Swift cannot call macros.
void sipscript_lua_pop(lua_State *L, int n);

#endif
