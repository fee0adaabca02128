// Lua 5.4 as Debian installs it (liblua5.4-dev: /usr/include/lua5.4, found through pkg-config).
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
