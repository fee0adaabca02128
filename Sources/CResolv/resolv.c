#include "CResolv.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

int sipscript_dns_query(const char *name, int type, unsigned char *answer, int length) {
  struct __res_state state;
  memset(&state, 0, sizeof state);
  if (res_ninit(&state) != 0) return -1;
  int count = res_nquery(&state, name, ns_c_in, type, answer, length);
  res_nclose(&state);
  return count;
}
