// The load side of scripts/bench-media when N is too large for a second MediaEngine on the same
// two cores: a small C program that plays or reflects N G.711 streams from ONE UDP socket, with
// sendmmsg/recvmmsg batches, so that its cost per packet is a fraction of the engine's under test.
//
//   cc -O2 -o media-peer media-peer.c
//   media-peer gen [--active K] --streams N --seconds S --base P --generator-base G
//       sends stream i from 127.0.0.1:G to 127.0.0.1:P+2i on one absolute 20 ms schedule (one
//       160-octet µ-law frame per stream per tick, RTP seq/timestamp/SSRC per stream), reads the
//       echoes back on the same socket, and prints one line:
//       gen sent=… back=… sending_s=… pkts_per_stream_s=… cpu=… tick_p50_us=… tick_p99_us=…
//           tick_max_us=… ticks=… short_sends=…
//       (tick_*: how late its own wake-ups were, after a 1 s warm-up: that it kept its schedule)
//       --active K: only the first K streams send (the others stay idle: what idle or held
//       streams cost the echo); pkts_per_stream_s is per active stream
//   media-peer reflect --streams N --seconds S --base P
//       the echo protocol of mediabench's --echo-command: binds 127.0.0.1:P, sends every datagram
//       back to where it came from, prints "ready", and when its standard input closes (or after
//       S + 30 s) prints "echo received=… echoed=… cpu=…" and exits.
//
// Every loop is bounded in time; loopback only.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 256
#define FRAME 160
#define PACKET (12 + FRAME)
#define BUCKETS 100001 /* µs; the last one means ≥ 100 ms */

static double cpu_seconds(void) {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int open_socket(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) { perror("socket"); exit(1); }
  int size = 32 << 20;
  // As root the *FORCE options pass net.core.[rw]mem_max; otherwise the plain ones (capped).
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(port)};
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) { perror("bind"); exit(1); }
  return fd;
}

// One µ-law frame of a 440 Hz tone's worth of varying octets (the echo does not decode it).
static void fill_payload(uint8_t *payload, int phase) {
  for (int i = 0; i < FRAME; i++) payload[i] = (uint8_t)(0x80 + ((i * 11 + phase) & 0x3f));
}

static uint64_t percentile(const uint64_t *histogram, uint64_t count, double p) {
  if (count == 0) return 0;
  uint64_t rank = (uint64_t)(p * (double)count);
  if (rank >= count) rank = count - 1;
  uint64_t seen = 0;
  for (int i = 0; i < BUCKETS; i++) {
    seen += histogram[i];
    if (seen > rank) return (uint64_t)i + 1;
  }
  return BUCKETS;
}

// Reads every datagram waiting (bounded: 64 batches), counting them; 0 when none.
static uint64_t drain(int fd, struct mmsghdr *headers, int reflect, uint64_t *echoed) {
  uint64_t total = 0;
  for (int round = 0; round < 64; round++) {
    for (int i = 0; i < BATCH; i++) {
      headers[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
      headers[i].msg_len = 0;
    }
    int count = recvmmsg(fd, headers, BATCH, MSG_DONTWAIT, NULL);
    if (count <= 0) break;
    total += (uint64_t)count;
    if (reflect) {
      // Send each back as it came (length and source address from recvmmsg).
      for (int i = 0; i < count; i++) headers[i].msg_hdr.msg_iov->iov_len = headers[i].msg_len;
      int done = 0;
      while (done < count) {
        int sent = sendmmsg(fd, headers + done, (unsigned)(count - done), 0);
        if (sent <= 0) break;
        done += sent;
      }
      *echoed += (uint64_t)done;
      for (int i = 0; i < count; i++) headers[i].msg_hdr.msg_iov->iov_len = PACKET + 64;
    }
    if (count < BATCH) break;
  }
  return total;
}

static int run_gen(int streams, int active, double seconds, int base, int generator_base) {
  int fd = open_socket(generator_base);
  uint8_t *packets = calloc((size_t)streams, PACKET);
  struct sockaddr_in *targets = calloc((size_t)streams, sizeof *targets);
  struct iovec *vectors = calloc((size_t)streams, sizeof *vectors);
  struct mmsghdr *out = calloc((size_t)streams, sizeof *out);
  static uint8_t in_data[BATCH][PACKET + 64];
  static struct sockaddr_in in_from[BATCH];
  static struct iovec in_vectors[BATCH];
  static struct mmsghdr in[BATCH];
  static uint64_t histogram[BUCKETS];
  if (!packets || !targets || !vectors || !out) { fprintf(stderr, "out of memory\n"); return 1; }
  for (int i = 0; i < BATCH; i++) {
    in_vectors[i] = (struct iovec){.iov_base = in_data[i], .iov_len = sizeof in_data[i]};
    in[i].msg_hdr = (struct msghdr){.msg_name = &in_from[i], .msg_namelen = sizeof in_from[i],
                                    .msg_iov = &in_vectors[i], .msg_iovlen = 1};
  }
  for (int i = 0; i < streams; i++) {
    uint8_t *p = packets + (size_t)i * PACKET;
    p[0] = 0x80;  // RTP version 2
    p[1] = 0;     // PT 0, PCMU
    uint32_t ssrc = htonl(0x5EED0000u + (uint32_t)i);
    memcpy(p + 8, &ssrc, 4);
    fill_payload(p + 12, i);
    targets[i] = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)(base + 2 * i))};
    targets[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    vectors[i] = (struct iovec){.iov_base = p, .iov_len = PACKET};
    out[i].msg_hdr = (struct msghdr){.msg_name = &targets[i], .msg_namelen = sizeof targets[i],
                                     .msg_iov = &vectors[i], .msg_iovlen = 1};
  }
  const uint64_t interval = 20000000ull;
  uint64_t start = now_ns();
  uint64_t stop = start + (uint64_t)(seconds * 1e9);
  uint64_t warm = start + 1000000000ull;
  uint64_t next = start;
  uint64_t sent = 0, back = 0, ticks = 0, short_sends = 0, unused = 0;
  uint16_t seq = 0;
  uint32_t timestamp = 0;
  double cpu_start = cpu_seconds();
  while (next < stop) {
    uint64_t now = now_ns();
    if (now >= next) {
      if (next >= warm) {
        uint64_t late = (now - next) / 1000;
        histogram[late < BUCKETS ? late : BUCKETS - 1]++;
        ticks++;
      }
      // One frame per stream (a late wake-up sends one, the schedule stays absolute).
      uint16_t nseq = htons(seq);
      uint32_t nts = htonl(timestamp);
      for (int i = 0; i < active; i++) {
        uint8_t *p = packets + (size_t)i * PACKET;
        memcpy(p + 2, &nseq, 2);
        memcpy(p + 4, &nts, 4);
      }
      int done = 0;
      while (done < active) {
        unsigned chunk = (unsigned)(active - done) > 1024 ? 1024 : (unsigned)(active - done);
        int count = sendmmsg(fd, out + done, chunk, 0);
        if (count <= 0) {
          short_sends++;
          if (errno == EAGAIN || errno == ENOBUFS) {
            back += drain(fd, in, 0, &unused);
            continue;
          }
          break;
        }
        done += count;
      }
      sent += (uint64_t)done;
      seq++;
      timestamp += FRAME;
      next += interval;
      while (next + interval <= now) next += interval;  // skip frames a stalled process missed
    }
    back += drain(fd, in, 0, &unused);
    now = now_ns();
    if (now < next) {
      struct pollfd wait = {.fd = fd, .events = POLLIN};
      int ms = (int)((next - now) / 1000000ull);
      // poll's millisecond timeout: sleep the rest of the way with an absolute clock_nanosleep.
      if (ms > 0) poll(&wait, 1, ms);
      now = now_ns();
      if (!(wait.revents & POLLIN) && now < next) {
        struct timespec until = {.tv_sec = (time_t)(next / 1000000000ull), .tv_nsec = (long)(next % 1000000000ull)};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
      }
    }
  }
  double sending = (now_ns() - start) / 1e9;
  // The last echoes: read until the count stops moving (bounded: 10 s).
  uint64_t previous = back;
  for (int i = 0; i < 40; i++) {
    usleep(250000);
    back += drain(fd, in, 0, &unused);
    if (back == previous) break;
    previous = back;
  }
  double cpu = cpu_seconds() - cpu_start;
  printf("gen sent=%llu back=%llu sending_s=%.2f pkts_per_stream_s=%.1f cpu=%.3f tick_p50_us=%llu "
         "tick_p99_us=%llu tick_max_us=%llu ticks=%llu short_sends=%llu\n",
         (unsigned long long)sent, (unsigned long long)back, sending, (double)sent / active / sending, cpu,
         (unsigned long long)percentile(histogram, ticks, 0.5), (unsigned long long)percentile(histogram, ticks, 0.99),
         (unsigned long long)percentile(histogram, ticks, 1.0), (unsigned long long)ticks,
         (unsigned long long)short_sends);
  return 0;
}

static int run_reflect(int streams, double seconds, int base) {
  (void)streams;
  int fd = open_socket(base);
  static uint8_t data[BATCH][PACKET + 64];
  static struct sockaddr_in from[BATCH];
  static struct iovec vectors[BATCH];
  static struct mmsghdr headers[BATCH];
  for (int i = 0; i < BATCH; i++) {
    vectors[i] = (struct iovec){.iov_base = data[i], .iov_len = sizeof data[i]};
    headers[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i],
                                         .msg_iov = &vectors[i], .msg_iovlen = 1};
  }
  printf("ready\n");
  fflush(stdout);
  double cpu_start = cpu_seconds();
  uint64_t deadline = now_ns() + (uint64_t)((seconds + 30) * 1e9);
  uint64_t received = 0, echoed = 0;
  struct pollfd fds[2] = {{.fd = fd, .events = POLLIN}, {.fd = 0, .events = POLLIN}};
  while (now_ns() < deadline) {
    if (poll(fds, 2, 200) < 0 && errno != EINTR) break;
    if (fds[0].revents & POLLIN) received += drain(fd, headers, 1, &echoed);
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      char byte;
      if (read(0, &byte, 1) <= 0) break;  // standard input closed: the run is over
    }
  }
  printf("echo received=%llu echoed=%llu cpu=%.3f\n", (unsigned long long)received, (unsigned long long)echoed,
         cpu_seconds() - cpu_start);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: media-peer gen|reflect --streams N --seconds S --base P [--generator-base G]\n");
    return 2;
  }
  int streams = 100, active = -1, base = 12000, generator_base = 22000;
  double seconds = 10;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--streams") == 0) streams = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--seconds") == 0) seconds = atof(argv[i + 1]);
    else if (strcmp(argv[i], "--base") == 0) base = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--generator-base") == 0) generator_base = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--active") == 0) active = atoi(argv[i + 1]);
    // Other mediabench options (--vector, --loops, …) do not apply here.
  }
  if (streams < 1 || streams > 5000 || seconds < 1 || seconds > 120 || base < 1024 || base + 2 * streams > 65535) {
    fprintf(stderr, "media-peer: streams 1…5000, seconds 1…120, ports within 1024…65535\n");
    return 2;
  }
  if (active < 1 || active > streams) active = streams;
  if (strcmp(argv[1], "gen") == 0) return run_gen(streams, active, seconds, base, generator_base);
  if (strcmp(argv[1], "reflect") == 0) return run_reflect(streams, seconds, base);
  fprintf(stderr, "media-peer: unknown mode %s\n", argv[1]);
  return 2;
}
