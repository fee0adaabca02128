#!/usr/bin/env python3
"""baresip 1.0.0 (Debian package baresip-core) as a call peer for sipscript's call interop cases
(scripts/interop/calls/run).

  uas --port P [--media echo|recv|sendrecv] [--play WAV] [--record WAV] [--answer-after S]
      [--expect-dtmf DIGITS] [--hangup-after-dtmf] [--once] [--timeout S]
  uac --port P --uri URI [--media sendrecv|recv] [--play WAV] [--record WAV] [--digits D]
      [--dtmf-delay S] [--hold] [--duration S] [--timeout S]
  cancel --port P --uri URI [--cancel-after S] [--timeout S]

The options and the output lines are those of netsip_call.pl and pjsua2_call.py (READY, INCOMING,
RINGING, FINAL, RESULT established|cancelled|failed, DTMF d, DTMF_SENT, HOLD/UNHOLD
sent|received, REINVITE received, BYE sent|received, CANCEL sent|received, TIMEOUT, SUMMARY ...).

baresip runs headless from a private config directory: the audio source is the aufile module (a
WAV looped by sox to longer than the run, because aufile ends the call at the end of its file),
the player is the aubridge module (a paced sink; with --media echo the source is the same
aubridge device, so what is played is sent back), received audio is recorded by the sndfile
module, and the script drives baresip through ctrl_tcp (JSON netstrings on 127.0.0.1:P+2000):
dial, accept, sndcode (RFC 4733), hold, resume, hangup. baresip has no hold event on ctrl_tcp and
does not log SDP bodies: as a UAS it reports each re-INVITE ("REINVITE received", from its -v log)
but cannot tell hold from resume; as a UAC "HOLD ok" means its re-INVITE got an SDP answer.
DTMF by SIP INFO is not sent by this version.
"""
import argparse
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

MODULES = "/usr/lib/baresip/modules"


def say(*words):
    print(*words, flush=True)


def netstring(obj):
    data = json.dumps(obj).encode()
    return b"%d:%s," % (len(data), data)


class Control:
    """ctrl_tcp client: commands out, events and responses in (netstrings of JSON)."""

    def __init__(self, port, deadline):
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=1)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        self.sock.settimeout(0.05)
        self.buffer = b""

    def command(self, name, params=""):
        self.sock.sendall(netstring({"command": name, "params": params, "token": name}))

    def messages(self):
        try:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("baresip closed ctrl_tcp")
            self.buffer += data
        except socket.timeout:
            pass
        out = []
        while True:
            colon = self.buffer.find(b":")
            if colon <= 0:
                break
            length = int(self.buffer[:colon])
            if len(self.buffer) < colon + 2 + length:
                break
            out.append(json.loads(self.buffer[colon + 1 : colon + 1 + length]))
            self.buffer = self.buffer[colon + 2 + length :]
        return out


def looped_source(play, path, seconds):
    """8 kHz mono S16 WAV at least `seconds` long: `play` repeated, or silence."""
    spec = ["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer"]
    if not play:
        subprocess.run(["sox", "-n", *spec, path, "trim", "0", str(int(seconds) + 5)], check=True, timeout=60)
        return
    once = path + ".once.wav"
    subprocess.run(["sox", play, *spec, once], check=True, timeout=60)
    length = float(subprocess.run(["soxi", "-D", once], capture_output=True, text=True, timeout=60).stdout or 1)
    repeats = int(seconds / max(length, 0.1)) + 1
    subprocess.run(["sox", once, path, "repeat", str(repeats)], check=True, timeout=120)
    os.unlink(once)


def write_config(args, workdir):
    source = os.path.join(workdir, "source.wav")
    if args.media != "echo":
        looped_source(args.play if args.media == "sendrecv" else None, source, args.timeout + 5)
    player = "aubridge,%s" % ("echo" if args.media == "echo" else "sink")
    audio_source = "aubridge,echo" if args.media == "echo" else "aufile,%s" % source
    rtp = args.rtp_port or args.port + 1000
    lines = [
        ("poll_method", "epoll"),
        ("sip_listen", "127.0.0.1:%d" % args.port),
        ("net_interface", "127.0.0.1"),  # without it SDP carries the default-route address
        ("sip_trans_def", "udp"),
        ("call_local_timeout", "120"),
        ("call_max_calls", "4"),
        ("audio_player", player),
        ("audio_alert", "aubridge,alert"),
        ("audio_source", audio_source),
        ("ausrc_srate", "8000"),
        ("auplay_srate", "8000"),
        ("ausrc_channels", "1"),
        ("auplay_channels", "1"),
        ("rtp_ports", "%d-%d" % (rtp, rtp + 49)),
        ("jitter_buffer_delay", "5-10"),
        ("module_path", MODULES),
        ("module", "g711.so"),
        ("module", "aufile.so"),
        ("module", "aubridge.so"),
    ]
    if args.record:
        lines += [("module", "sndfile.so"), ("snd_path", workdir)]
    lines += [
        ("module_app", "account.so"),
        ("module_app", "menu.so"),
        ("module_app", "ctrl_tcp.so"),
        ("ctrl_tcp_listen", "127.0.0.1:%d" % (args.port + 2000)),
    ]
    with open(os.path.join(workdir, "config"), "w") as f:
        f.writelines("%s\t%s\n" % line for line in lines)
    account = "<sip:baresip@127.0.0.1:%d>;regint=0;audio_codecs=PCMU,PCMA" % args.port
    if args.role == "uas":
        account += ";answermode=%s" % ("auto" if args.answer_after == 0 else "manual")
    with open(os.path.join(workdir, "accounts"), "w") as f:
        f.write(account + "\n")
    open(os.path.join(workdir, "contacts"), "w").close()


class Run:
    def __init__(self, args):
        self.args = args
        self.established = 0
        self.established_at = None
        self.closed = False
        self.cancelled = False
        self.bye_sent = False
        self.dtmf = ""
        self.done = set()
        self.pending = None  # "hold" or "unhold" while that re-INVITE is out
        self.incoming_at = None

    def on_event(self, kind, param, event):
        args = self.args
        if kind == "CALL_INCOMING":
            say("INCOMING", event.get("peeruri", param))
            if args.answer_after != 0:
                say("RINGING")
                self.incoming_at = time.time()
        elif kind == "CALL_RINGING":
            say("RINGING")
        elif kind == "CALL_ESTABLISHED":
            if args.role != "uas":
                say("FINAL 200")
            self.established += 1
            self.established_at = time.time()
            say("RESULT established")
        elif kind == "CALL_DTMF_START":
            self.dtmf += param
            say("DTMF", param)
        elif kind == "CALL_CLOSED":
            self.closed = True
            if self.established_at is None:
                if args.role == "uas":
                    self.cancelled = True
                    say("CANCEL received")
                elif "cancel" in self.done:
                    # baresip closes the call as soon as it sends CANCEL and never reports the
                    # 487: the peer's "CANCEL received" is the evidence that it arrived.
                    self.cancelled = True
                    say("RESULT cancelled")
                else:
                    say("RESULT failed", param)
            elif not self.bye_sent:
                say("BYE received")

    def on_log(self, line):
        # baresip -v logs re-INVITEs and SDP answers but not the SDP itself, and ctrl_tcp has no
        # hold event: a held call cannot be told from a resumed one here, only counted.
        if self.established_at is None:
            return
        if "got re-INVITE" in line:
            say("REINVITE received")
        elif "got SDP answer" in line and self.pending:
            say(self.pending.upper(), "ok")
            self.pending = None

    def step(self, control):
        args = self.args
        now = time.time()
        if args.role == "uas":
            if self.incoming_at and args.answer_after > 0 and now - self.incoming_at >= args.answer_after \
                    and "accept" not in self.done and not self.closed:
                self.done.add("accept")
                control.command("accept")
            if args.hangup_after_dtmf and args.expect_dtmf and len(self.dtmf) >= len(args.expect_dtmf) \
                    and not self.bye_sent and not self.closed:
                self.bye_sent = True
                say("BYE sent")
                control.command("hangup")
            return
        if args.role == "cancel":
            if "cancel" not in self.done and now - self.start >= args.cancel_after and self.established_at is None:
                self.done.add("cancel")
                say("CANCEL sent")
                control.command("hangup")
            return
        if self.established_at is None:
            return
        elapsed = now - self.established_at
        plan = []
        if args.digits:
            plan.append(("dtmf", args.dtmf_delay))
        dtmf_end = args.dtmf_delay + 0.3 * len(args.digits) + 0.5 if args.digits else 0
        if args.hold:
            plan += [("hold", max(0.3 * args.duration, dtmf_end)), ("unhold", max(0.6 * args.duration, dtmf_end + 1))]
        plan.append(("bye", args.duration))
        for action, at in plan:
            if action in self.done or elapsed < at:
                continue
            self.done.add(action)
            if action == "dtmf":
                control.command("sndcode", args.digits)
                say("DTMF_SENT", args.digits, "rfc4733")
            elif action == "hold":
                self.pending = "hold"
                control.command("hold")
                say("HOLD sent")
            elif action == "unhold":
                self.pending = "unhold"
                control.command("resume")
                say("UNHOLD sent")
            elif action == "bye":
                self.bye_sent = True
                control.command("hangup")
                say("BYE sent")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("role", choices=["uas", "uac", "cancel"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--rtp-port", type=int, default=0, help="first RTP port (default: SIP port + 1000)")
    parser.add_argument("--uri")
    parser.add_argument("--media", choices=["echo", "recv", "sendrecv"], default="sendrecv")
    parser.add_argument("--play", help="WAV to send, looped (default: a 440 Hz tone)")
    parser.add_argument("--record", help="WAV to write the received audio to")
    parser.add_argument("--answer-after", type=float, default=0.0)
    parser.add_argument("--expect-dtmf")
    parser.add_argument("--hangup-after-dtmf", action="store_true")
    parser.add_argument("--once", action="store_true")
    parser.add_argument("--digits", default="")
    parser.add_argument("--dtmf-delay", type=float, default=1.0)
    parser.add_argument("--hold", action="store_true")
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--cancel-after", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args()
    if args.role != "uas" and not args.uri:
        parser.error("%s needs --uri" % args.role)
    if args.role == "uac" and args.media == "echo":
        parser.error("the uac has no echo mode")
    if args.role == "cancel":
        args.media = "recv"
    if shutil.which("baresip") is None:
        sys.exit("baresip is not installed (apt-get install baresip-core)")

    workdir = tempfile.mkdtemp(prefix="baresip-call-")
    tone = None
    if args.media == "sendrecv" and not args.play:
        tone = args.play = os.path.join(workdir, "tone440.wav")
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", tone,
                        "synth", "10", "sine", "440", "vol", "0.5"], check=True, timeout=60)
    write_config(args, workdir)
    command = ["baresip", "-f", workdir, "-v", "-t", str(int(args.timeout) + 5)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    os.set_blocking(process.stdout.fileno(), False)
    log = open(os.path.join(workdir, "baresip.log"), "wb")

    def terminate(signum, frame):
        say("TIMEOUT")
        raise SystemExit(1)

    signal.signal(signal.SIGTERM, terminate)
    run = Run(args)
    run.start = time.time()
    pending = b""
    try:
        control = Control(args.port + 2000, time.time() + 5)
        say("READY 127.0.0.1:%d" % args.port)
        if args.role != "uas":
            control.command("dial", args.uri)
        while True:
            if time.time() - run.start > args.timeout:
                say("TIMEOUT")
                break
            if process.poll() is not None:
                say("ERROR baresip exited with", process.returncode)
                break
            chunk = process.stdout.read() or b""
            log.write(chunk)
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                run.on_log(line.decode(errors="replace"))
            for message in control.messages():
                if message.get("event"):
                    run.on_event(message.get("type", ""), message.get("param", ""), message)
            run.step(control)
            if run.closed and (args.role != "uas" or args.once):
                break
        time.sleep(0.3)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(3)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()
        dumps = sorted(glob.glob(os.path.join(workdir, "dump-*-dec.wav")), key=os.path.getmtime)
        if args.record and dumps:
            # sndfile starts a new dump each time the audio stream restarts: join them.
            subprocess.run(["sox", *dumps, args.record] if len(dumps) > 1 else ["cp", dumps[0], args.record], timeout=60)
        expect_cancel = args.role == "cancel" or (args.role == "uas" and args.answer_after < 0)
        ok = run.cancelled if expect_cancel else run.established > 0
        if args.expect_dtmf is not None and run.dtmf != args.expect_dtmf:
            ok = False
        say("SUMMARY role=%s established=%d dtmf=%s ok=%d" % (args.role, run.established, run.dtmf or "-", 1 if ok else 0))
        if os.environ.get("BARESIP_KEEP"):
            say("WORKDIR", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
