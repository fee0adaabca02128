#ifndef SIPSCRIPT_CRESOLV_H
#define SIPSCRIPT_CRESOLV_H

/// One DNS query of class IN through the system resolver (/etc/resolv.conf), with a resolver
/// state of its own so that threads do not share one. Writes the response into `answer` and
/// returns its length, whatever its rcode (NXDOMAIN and NODATA responses carry the SOA that says
/// how long to keep them, RFC 2308); -1 when no server answered. Blocks: call it off the event
/// loop.
int sipscript_dns_query(const char *name, int type, unsigned char *answer, int length);

#endif
