#!/usr/bin/env python3
"""PJSUA2 (pjproject 2.15, PyPI wheel pjsua2-python) as a call peer for sipscript's call interop
cases (scripts/interop/calls/run).

  uas --port P [--media echo|recv|sendrecv] [--play WAV] [--record WAV] [--answer-after S]
      [--expect-dtmf DIGITS] [--hangup-after-dtmf] [--once] [--timeout S]
      Answers INVITEs (after S seconds of 180 ringing; S < 0: rings until CANCEL).
      echo: the call's audio is looped back through the conference bridge; recv: receive only;
      sendrecv: plays --play in a loop. --record writes the received audio (WAV). Re-INVITEs
      are accepted and hold/unhold reported. DTMF is taken both as RFC 4733 and as SIP INFO.
  uac --port P --uri URI [--media sendrecv|recv] [--play WAV] [--record WAV] [--digits D]
      [--dtmf-method rfc4733|info|inband] [--dtmf-delay S] [--hold] [--duration S] [--timeout S]
      Calls URI; sends D (inband: as tones in the audio, mixed with --play unless --media
      recv), holds at 30 % of --duration and resumes at 60 % (re-INVITEs),
      hangs up after --duration unless the peer hung up first.
  cancel --port P --uri URI [--cancel-after S] [--timeout S]
      Calls URI and hangs up S seconds later, before an answer: pjsua sends CANCEL.

Everything binds to 127.0.0.1 (SIP, RTP, Contact, SDP); the sound device is pjsua's null
device; codecs are PCMU and PCMA (plus telephone-event, which pjsua always offers).

Output, one event a line (the words of netsip_call.pl): READY host:port, INCOMING uri, RINGING,
FINAL code, RESULT established, DTMF d, DTMF_SENT digits method, HOLD sent|ok|received,
UNHOLD sent|ok|received, REINVITE received, BYE sent|received, CANCEL sent|received,
RESULT cancelled, TIMEOUT, and at the end SUMMARY role=R established=N dtmf=DIGITS|- ok=1|0.
Exit 0 when ok: a call was established (cancel: ended by 487) and, with --expect-dtmf, exactly
those digits arrived.
"""
import argparse
import math
import os
import signal
import struct
import sys
import tempfile
import time
import wave

import pjsua2 as pj


def say(*words):
    print(*words, flush=True)


class State:
    def __init__(self):
        self.established = 0
        self.dtmf = ""
        self.cancelled = False
        self.disconnected = False
        self.bye_sent = False
        self.held = False
        self.calls = []  # Python references keep pjsua's calls alive
        self.media = []  # players and recorders, likewise


ST = State()


class PeerCall(pj.Call):
    def __init__(self, account, args, call_id=pj.PJSUA_INVALID_ID):
        pj.Call.__init__(self, account, call_id)
        self.args = args
        self.confirmed_at = None
        self.player = None
        self.recorder = None
        self.ringing_said = False
        self.final_said = False
        self.pending = None  # "hold" or "unhold" while that re-INVITE is out

    def onCallState(self, prm):
        info = self.getInfo()
        code = info.lastStatusCode
        if info.state == pj.PJSIP_INV_STATE_EARLY and code in (180, 183) and not self.ringing_said:
            self.ringing_said = True
            if info.role == pj.PJSIP_ROLE_UAC:
                say("RINGING")
        elif info.state == pj.PJSIP_INV_STATE_CONNECTING and info.role == pj.PJSIP_ROLE_UAC and not self.final_said:
            self.final_said = True
            say("FINAL", code)
        elif info.state == pj.PJSIP_INV_STATE_CONFIRMED and self.confirmed_at is None:
            self.confirmed_at = time.time()
            ST.established += 1
            say("RESULT established")
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            ST.disconnected = True
            if info.role == pj.PJSIP_ROLE_UAC and self.confirmed_at is None:
                if not self.final_said:
                    say("FINAL", code)
                if code == 487:
                    ST.cancelled = True
                    say("RESULT cancelled")
                else:
                    say("RESULT failed", code)
            elif self.confirmed_at is None:
                ST.cancelled = True
                say("CANCEL received")
            elif not ST.bye_sent:
                say("BYE received")

    def onCallMediaState(self, prm):
        info = self.getInfo()
        for index, media in enumerate(info.media):
            if media.type != pj.PJMEDIA_TYPE_AUDIO:
                continue
            status = media.status
            if info.role == pj.PJSIP_ROLE_UAS or self.pending is None:
                if status == pj.PJSUA_CALL_MEDIA_REMOTE_HOLD and not ST.held:
                    ST.held = True
                    say("HOLD received")
                elif status == pj.PJSUA_CALL_MEDIA_ACTIVE and ST.held:
                    ST.held = False
                    say("UNHOLD received")
            if status not in (pj.PJSUA_CALL_MEDIA_ACTIVE, pj.PJSUA_CALL_MEDIA_REMOTE_HOLD):
                continue
            # Wire again on every ACTIVE: after a re-INVITE the call may get a new bridge port.
            audio = self.getAudioMedia(index)
            if self.args.record and self.recorder is None:
                self.recorder = pj.AudioMediaRecorder()
                self.recorder.createRecorder(self.args.record)
                ST.media.append(self.recorder)
            if self.args.media == "sendrecv" and self.player is None:
                self.player = pj.AudioMediaPlayer()
                self.player.createPlayer(self.args.play, 0)  # 0: loop
                ST.media.append(self.player)
            if self.recorder:
                audio.startTransmit(self.recorder)
            if self.args.media == "sendrecv":
                self.player.startTransmit(audio)
            elif self.args.media == "echo":
                audio.startTransmit(audio)

    def onCallTsxState(self, prm):
        # The answer to our hold/unhold re-INVITE.
        if self.pending is None or prm.e.type != pj.PJSIP_EVENT_TSX_STATE:
            return
        tsx = prm.e.body.tsxState.tsx
        if tsx.role != pj.PJSIP_ROLE_UAC or tsx.method != "INVITE" or tsx.statusCode < 200:
            return
        word = self.pending.upper()
        self.pending = None
        if 200 <= tsx.statusCode < 300:
            say(word, "ok")
        else:
            say(word, "failed", tsx.statusCode)

    def onCallRxReinvite(self, prm):
        say("REINVITE received")

    def onDtmfDigit(self, prm):
        ST.dtmf += prm.digit
        say("DTMF", prm.digit)

    def onDtmfEvent(self, prm):
        # With --dtmf-timing: every report with its arrival (monotonic ms), for
        # scripts/interop/dtmf-timing (the evidence behind docs/gather-semantics.md's merge rule).
        if self.args.dtmf_timing:
            method = {pj.PJSUA_DTMF_METHOD_RFC2833: "rfc4733", pj.PJSUA_DTMF_METHOD_SIP_INFO: "info"}.get(
                prm.method, str(prm.method))
            say("DTMF_TIMING %.1f %s %s duration=%d flags=%d" % (
                time.monotonic() * 1000, method, prm.digit, prm.duration, prm.flags))


class PeerAccount(pj.Account):
    def __init__(self, args):
        pj.Account.__init__(self)
        self.args = args

    def onIncomingCall(self, prm):
        call = PeerCall(self, self.args, prm.callId)
        ST.calls.append(call)
        say("INCOMING", call.getInfo().remoteUri)
        op = pj.CallOpParam()
        if self.args.answer_after == 0:
            op.statusCode = 200
            call.answer(op)
            return
        op.statusCode = 180
        call.answer(op)
        say("RINGING")
        if self.args.answer_after > 0:
            call.answer_at = time.time() + self.args.answer_after


def default_tone(path):
    """A 440 Hz tone, 10 s, 8 kHz mono S16, when no --play is given."""
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(16383 * math.sin(2 * math.pi * 440 * n / 8000))) for n in range(80000)))


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("role", choices=["uas", "uac", "cancel"])
    parser.add_argument("--port", type=int, required=True, help="local SIP port (UDP)")
    parser.add_argument("--rtp-port", type=int, default=0, help="first RTP port (default: SIP port + 1000)")
    parser.add_argument("--uri")
    parser.add_argument("--media", choices=["echo", "recv", "sendrecv"], default="sendrecv")
    parser.add_argument("--play", help="WAV to send, looped (default: a 440 Hz tone)")
    parser.add_argument("--record", help="WAV to write the received audio to")
    parser.add_argument("--answer-after", type=float, default=0.0)
    parser.add_argument("--expect-dtmf")
    parser.add_argument("--hangup-after-dtmf", action="store_true")
    parser.add_argument("--once", action="store_true", help="uas: exit when the first call ends")
    parser.add_argument("--digits", default="")
    parser.add_argument("--dtmf-method", choices=["rfc4733", "info", "inband", "both"], default="rfc4733",
                        help="both: each key as RFC 4733 events and as SIP INFO, sent in the same instant")
    parser.add_argument("--dtmf-duration", type=int, default=160, help="ms per key (RFC 4733 and INFO)")
    parser.add_argument("--dtmf-timing", action="store_true", help="print every DTMF report with its arrival")
    parser.add_argument("--dtmf-delay", type=float, default=1.0)
    parser.add_argument("--hold", action="store_true")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--cancel-after", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--log-level", type=int, default=0)
    args = parser.parse_args()
    if args.role != "uas" and not args.uri:
        parser.error("%s needs --uri" % args.role)
    if args.role == "cancel":
        args.media = "recv"
    return args


def start_endpoint(args):
    endpoint = pj.Endpoint()
    endpoint.libCreate()
    config = pj.EpConfig()
    config.uaConfig.threadCnt = 0  # polled from this thread: no pjsip thread calls into Python
    config.uaConfig.mainThreadOnly = True
    config.uaConfig.userAgent = "pjsua2-call-peer"
    config.logConfig.level = args.log_level
    config.logConfig.consoleLevel = args.log_level
    config.medConfig.clockRate = 8000
    config.medConfig.sndClockRate = 8000
    config.medConfig.noVad = True
    config.medConfig.ecTailLen = 0
    endpoint.libInit(config)
    transport = pj.TransportConfig()
    transport.port = args.port
    transport.boundAddress = "127.0.0.1"
    transport.publicAddress = "127.0.0.1"
    transport_id = endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    endpoint.libStart()
    endpoint.audDevManager().setNullDev()
    for codec in endpoint.codecEnum2():
        priority = {"PCMU/": 255, "PCMA/": 254}.get(codec.codecId[:5], 0)
        endpoint.codecSetPriority(codec.codecId, priority)
    account_config = pj.AccountConfig()
    account_config.idUri = "sip:pjsua@127.0.0.1:%d" % args.port
    account_config.regConfig.registrarUri = ""
    account_config.sipConfig.transportId = transport_id
    account_config.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
    account_config.mediaConfig.transportConfig.publicAddress = "127.0.0.1"
    account_config.mediaConfig.transportConfig.port = args.rtp_port or args.port + 1000
    account_config.mediaConfig.transportConfig.portRange = 50
    account = PeerAccount(args)
    account.create(account_config)
    return endpoint, account


def uac_step(call, args, done):
    """Runs the UAC's next due action (DTMF, hold, unhold, BYE); `done` holds the ones taken."""
    elapsed = time.time() - call.confirmed_at
    if args.digits and "dtmf" not in done and elapsed >= args.dtmf_delay:
        done.add("dtmf")
        if args.dtmf_method == "inband":
            send_inband(call, args.digits)
        else:
            methods = {"info": [pj.PJSUA_DTMF_METHOD_SIP_INFO], "rfc4733": [pj.PJSUA_DTMF_METHOD_RFC2833],
                       "both": [pj.PJSUA_DTMF_METHOD_RFC2833, pj.PJSUA_DTMF_METHOD_SIP_INFO]}[args.dtmf_method]
            for method in methods:
                prm = pj.CallSendDtmfParam()
                prm.digits = args.digits
                prm.duration = args.dtmf_duration
                prm.method = method
                call.sendDtmf(prm)
        say("DTMF_SENT", args.digits, args.dtmf_method)
    # A hold stops the RTP stream and drops digits still queued: hold only after the last one
    # (160 ms a digit plus pjsua's gap, with a margin).
    dtmf_end = args.dtmf_delay + 0.3 * len(args.digits) + 0.5 if args.digits else 0
    if args.hold and "hold" not in done and elapsed >= max(0.3 * args.duration, dtmf_end) and call.pending is None:
        done.add("hold")
        call.pending = "hold"
        say("HOLD sent")
        call.setHold(pj.CallOpParam(True))
    if args.hold and "hold" in done and "unhold" not in done and elapsed >= max(0.6 * args.duration, dtmf_end + 1) \
            and call.pending is None:
        done.add("unhold")
        call.pending = "unhold"
        say("UNHOLD sent")
        op = pj.CallOpParam(True)
        op.opt.flag = pj.PJSUA_CALL_UNHOLD
        call.reinvite(op)
    if "bye" not in done and elapsed >= args.duration:
        done.add("bye")
        ST.bye_sent = True
        say("BYE sent")
        call.hangup(pj.CallOpParam(True))


def send_inband(call, digits):
    """The keys as tones in the audio (pjmedia's tone generator into the call's conference port):
    160 ms each, 200 ms apart, as a phone without RFC 4733 or INFO sends them."""
    generator = pj.ToneGenerator()
    generator.createToneGenerator(8000, 1)
    tones = pj.ToneDigitVector()
    for key in digits:
        tone = pj.ToneDigit()
        tone.digit = key
        tone.on_msec = 160
        tone.off_msec = 200
        tone.volume = 0
        tones.append(tone)
    ST.media.append(generator)
    info = call.getInfo()  # kept: the media vector lives in it
    for index, media in enumerate(info.media):
        if media.type == pj.PJMEDIA_TYPE_AUDIO and media.status == pj.PJSUA_CALL_MEDIA_ACTIVE:
            generator.startTransmit(call.getAudioMedia(index))
    generator.playDigits(tones)


def run(endpoint, account, args):
    start = time.time()
    call = None
    done = set()
    if args.role != "uas":
        call = PeerCall(account, args)
        ST.calls.append(call)
        call.makeCall(args.uri, pj.CallOpParam(True))
    while time.time() - start < args.timeout:
        endpoint.libHandleEvents(20)
        if args.role == "uas":
            for c in ST.calls:
                answer_at = getattr(c, "answer_at", None)
                if answer_at and time.time() >= answer_at and not ST.disconnected:
                    c.answer_at = None
                    op = pj.CallOpParam()
                    op.statusCode = 200
                    c.answer(op)
                if (args.hangup_after_dtmf and args.expect_dtmf and len(ST.dtmf) >= len(args.expect_dtmf)
                        and not ST.bye_sent and not ST.disconnected):
                    ST.bye_sent = True
                    say("BYE sent")
                    c.hangup(pj.CallOpParam(True))
            if args.once and ST.disconnected:
                break
        elif args.role == "cancel":
            if ST.disconnected:
                break
            if "cancel" not in done and time.time() - start >= args.cancel_after:
                done.add("cancel")
                say("CANCEL sent")
                call.hangup(pj.CallOpParam(True))
        else:
            if ST.disconnected:
                break
            if call.confirmed_at is not None:
                uac_step(call, args, done)
    else:
        say("TIMEOUT")
    end = time.time() + 0.5  # let the last responses and the BYE leave
    while time.time() < end:
        endpoint.libHandleEvents(20)


def main():
    args = parse_arguments()
    tone = None
    if args.media == "sendrecv" and not args.play:
        tone = args.play = tempfile.mktemp(prefix="pjsua2-tone-", suffix=".wav")
        default_tone(tone)

    def terminate(signum, frame):
        say("TIMEOUT")
        raise SystemExit(1)

    signal.signal(signal.SIGTERM, terminate)
    endpoint, account = start_endpoint(args)
    say("READY 127.0.0.1:%d" % args.port)
    try:
        run(endpoint, account, args)
    finally:
        # A UAS that never answers (--answer-after < 0) is there to be cancelled.
        expect_cancel = args.role == "cancel" or (args.role == "uas" and args.answer_after < 0)
        ok = ST.cancelled if expect_cancel else ST.established > 0
        if args.expect_dtmf is not None and ST.dtmf != args.expect_dtmf:
            ok = False
        say("SUMMARY role=%s established=%d dtmf=%s ok=%d" % (args.role, ST.established, ST.dtmf or "-", 1 if ok else 0))
        try:
            endpoint.hangupAllCalls()
        except pj.Error:
            pass
        ST.media = []  # the recorder closes its WAV here
        ST.calls = []
        account = None
        endpoint.libDestroy()
        if tone:
            os.unlink(tone)
        os._exit(0 if ok else 1)


if __name__ == "__main__":
    main()
