#!/usr/bin/env python3
"""A small PJSUA2 peer for sipscript's interop tests (scripts/interop/run).

  uas --port P [--transport udp|tcp] [--ipv6] [--count N] [--timeout S]
      pjsua answers OPTIONS itself; every MESSAGE is printed as "GOT MESSAGE body" and answered
      200 by pjsua. Exits 0 after N MESSAGEs (default 1), 1 on timeout.
  uac --uri URI --method OPTIONS|MESSAGE [--body TEXT] --port P [--transport ...] [--ipv6]
      sends one request, prints "FINAL code reason", exits 0 on 2xx, 1 otherwise.

Prints "READY host:port" once it listens. Needs `pip install pjsua2-python` (the driver
installs it).
"""
import argparse
import sys
import time

import pjsua2 as pj

state = {"done": False, "status": 1, "got": 0}


def out(line):
    print(line, flush=True)


class PeerAccount(pj.Account):
    def __init__(self, count):
        pj.Account.__init__(self)
        self.count = count

    def onInstantMessage(self, prm):
        out("GOT MESSAGE %s" % prm.msgBody)
        state["got"] += 1
        if state["got"] >= self.count:
            state["status"] = 0
            state["done"] = True

    def onInstantMessageStatus(self, prm):
        out("FINAL %d %s" % (prm.code, prm.reason))
        state["status"] = 0 if 200 <= prm.code < 300 else 1
        state["done"] = True

    def onSendRequest(self, prm):
        tsx = prm.e.body.tsxState.tsx
        if tsx.statusCode >= 200 or tsx.state == pj.PJSIP_TSX_STATE_TERMINATED:
            out("FINAL %d %s" % (tsx.statusCode, tsx.statusText))
            state["status"] = 0 if 200 <= tsx.statusCode < 300 else 1
            state["done"] = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["uas", "uac"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--transport", choices=["udp", "tcp"], default="udp")
    parser.add_argument("--ipv6", action="store_true")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=20)
    parser.add_argument("--uri")
    parser.add_argument("--method", default="OPTIONS")
    parser.add_argument("--body", default="hello from pjsua2")
    parser.add_argument("--log-level", type=int, default=0)
    args = parser.parse_args()

    host = "::1" if args.ipv6 else "127.0.0.1"
    hostport = ("[::1]" if args.ipv6 else "127.0.0.1") + ":%d" % args.port
    ep = pj.Endpoint()
    ep.libCreate()
    cfg = pj.EpConfig()
    cfg.uaConfig.threadCnt = 0
    cfg.uaConfig.mainThreadOnly = True
    cfg.uaConfig.userAgent = "pjsua2-interop"
    cfg.logConfig.level = args.log_level
    cfg.logConfig.consoleLevel = args.log_level
    ep.libInit(cfg)
    tcfg = pj.TransportConfig()
    tcfg.port = args.port
    tcfg.boundAddress = host
    tcfg.publicAddress = host
    if args.transport == "udp":
        ttype = pj.PJSIP_TRANSPORT_UDP6 if args.ipv6 else pj.PJSIP_TRANSPORT_UDP
    else:
        ttype = pj.PJSIP_TRANSPORT_TCP6 if args.ipv6 else pj.PJSIP_TRANSPORT_TCP
    tid = ep.transportCreate(ttype, tcfg)
    ep.libStart()
    ep.audDevManager().setNullDev()

    acfg = pj.AccountConfig()
    acfg.idUri = "sip:pjsua@%s" % hostport
    acfg.regConfig.registrarUri = ""
    acfg.sipConfig.transportId = tid
    # pjsua cannot build a Contact for an IPv6 transport in this build: force it.
    acfg.sipConfig.contactForced = "<sip:pjsua@%s%s>" % (hostport, ";transport=tcp" if args.transport == "tcp" else "")
    acc = PeerAccount(args.count)
    acc.create(acfg)
    out("READY %s" % hostport)

    buddy = None
    if args.role == "uac":
        if not args.uri:
            sys.exit("--uri is required")
        if args.method == "MESSAGE":
            bcfg = pj.BuddyConfig()
            bcfg.uri = args.uri
            bcfg.subscribe = False
            buddy = pj.Buddy()
            buddy.create(acc, bcfg)
            prm = pj.SendInstantMessageParam()
            prm.content = args.body
            buddy.sendInstantMessage(prm)
        else:
            prm = pj.SendRequestParam()
            prm.method = args.method
            prm.txOption.targetUri = args.uri
            acc.sendRequest(prm)

    deadline = time.time() + args.timeout
    while not state["done"] and time.time() < deadline:
        ep.libHandleEvents(20)
    if not state["done"]:
        out("TIMEOUT")
    # Let the last response leave before the library goes down.
    end = time.time() + 0.3
    while time.time() < end:
        ep.libHandleEvents(20)
    status = state["status"]
    del buddy
    ep.libDestroy()
    sys.exit(status)


if __name__ == "__main__":
    main()
