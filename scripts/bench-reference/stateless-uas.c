// The reference of scripts/bench-transactions: a stateless C UAS that answers every request
// `200 OK`, copying Via, From, To (with a tag added), Call-ID and CSeq — no parsing beyond
// finding header lines, no transactions, no timers. It shows what the kernel, loopback and
// sipload allow on the machine, in the same run as sipscript's figure.
//
//   cc -O2 -o stateless-uas stateless-uas.c && ./stateless-uas PORT SECONDS
//
// recvmmsg/sendmmsg, up to 32 datagrams per call. Prints READY udp:127.0.0.1:PORT once bound
// (PORT 0: any free port), and stops after SECONDS.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define SIZE 4096

static int copy_line(const char *req, size_t len, const char *name, char *out, size_t *at, const char *suffix) {
  size_t n = strlen(name);
  for (size_t i = 0; i + n < len; i++) {
    if ((i == 0 || req[i - 1] == '\n') && strncasecmp(req + i, name, n) == 0) {
      size_t end = i;
      while (end < len && req[end] != '\r' && req[end] != '\n') end++;
      if (*at + (end - i) + strlen(suffix) + 2 >= SIZE) return 0;
      memcpy(out + *at, req + i, end - i);
      *at += end - i;
      memcpy(out + *at, suffix, strlen(suffix));
      *at += strlen(suffix);
      memcpy(out + *at, "\r\n", 2);
      *at += 2;
      return 1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 0;
  int seconds = argc > 2 ? atoi(argv[2]) : 300;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  int size = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(port)};
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) { perror("bind"); return 1; }
  socklen_t length = sizeof local;
  getsockname(fd, (struct sockaddr *)&local, &length);
  printf("READY udp:127.0.0.1:%d\n", ntohs(local.sin_port));
  fflush(stdout);
  static char in[BATCH][SIZE], out[BATCH][SIZE];
  struct sockaddr_in from[BATCH];
  struct iovec inv[BATCH], outv[BATCH];
  struct mmsghdr rx[BATCH], tx[BATCH];
  time_t stop = time(NULL) + seconds;
  while (time(NULL) < stop) {
    for (int i = 0; i < BATCH; i++) {
      inv[i] = (struct iovec){in[i], SIZE};
      rx[i] = (struct mmsghdr){.msg_hdr = {.msg_name = &from[i], .msg_namelen = sizeof from[i], .msg_iov = &inv[i], .msg_iovlen = 1}};
    }
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    int n = recvmmsg(fd, rx, BATCH, MSG_DONTWAIT, NULL);
    int m = 0;
    for (int i = 0; i < n; i++) {
      const char *req = in[i];
      size_t len = rx[i].msg_len, at = 0;
      at += (size_t)snprintf(out[m], SIZE, "SIP/2.0 200 OK\r\n");
      int ok = copy_line(req, len, "Via:", out[m], &at, "");
      ok = ok && copy_line(req, len, "From:", out[m], &at, "");
      ok = ok && copy_line(req, len, "To:", out[m], &at, ";tag=ref1");
      ok = ok && copy_line(req, len, "Call-ID:", out[m], &at, "");
      ok = ok && copy_line(req, len, "CSeq:", out[m], &at, "");
      if (!ok || at + 24 >= SIZE) continue;
      at += (size_t)snprintf(out[m] + at, SIZE - at, "Content-Length: 0\r\n\r\n");
      outv[m] = (struct iovec){out[m], at};
      tx[m] = (struct mmsghdr){.msg_hdr = {.msg_name = &from[i], .msg_namelen = rx[i].msg_hdr.msg_namelen, .msg_iov = &outv[m], .msg_iovlen = 1}};
      m++;
    }
    if (m > 0) sendmmsg(fd, tx, m, 0);
  }
  return 0;
}
