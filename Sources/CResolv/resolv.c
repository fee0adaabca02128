#include "CResolv.h"

#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

int sipscript_dns_query(const char *name, int type, unsigned char *answer, int length) {
  struct __res_state state;
  memset(&state, 0, sizeof state);
  if (res_ninit(&state) != 0) return -1;
  // res_nquery would return -1 for NXDOMAIN and NODATA and hide the response, whose SOA says
  // how long that negative answer holds (RFC 2308): build the query and send it ourselves.
  unsigned char query[NS_PACKETSZ];
  int count = res_nmkquery(&state, ns_o_query, name, ns_c_in, type, NULL, 0, NULL, query, sizeof query);
  if (count > 0) count = res_nsend(&state, query, count, answer, length);
  res_nclose(&state);
  return count;
}
