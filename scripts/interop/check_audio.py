#!/usr/bin/env python3
"""Checks that a recorded call holds the expected tones, for sipscript's call interop cases.

  check_audio.py FILE --freq 440 [--freq 1800 ...] [--absent 600 ...] [--min-seconds 1.5]
                 [--min-voiced S] [--raw-pcmu] [--block-ms 100] [--share 0.2]
  check_audio.py --make-fixtures DIR

sox decodes FILE (any WAV sox reads, or raw 8 kHz µ-law with --raw-pcmu) to 8 kHz mono signed
16-bit samples. The samples are cut into blocks (100 ms); in each block that is not silent
(RMS above -40 dBFS) the Goertzel power at each frequency is compared with the block's whole
power. A frequency is *present* in a block when it carries at least --share of it (a pure tone
carries ~1.0, each of two equal tones ~0.5; G.711 noise and the other tones stay far below 0.1).

PASS when every --freq is present in at least --min-seconds of blocks (and --min-voiced seconds of
blocks are not silent: speech) and no --absent frequency
is present in more than --max-absent-seconds (default 0.5 s: a stray block, such as the start of
an echo, is tolerated). One line is printed, then the exit status is 0 (pass) or 1 (fail):

  PASS rx.wav length=5.56s voiced=5.40s 440Hz=5.30s
  FAIL rx.wav length=0.00s voiced=0.00s 440Hz=0.00s (440 Hz present 0.00 s < 1.50 s)

--make-fixtures DIR writes the fixtures the cases play, 8 kHz mono S16 WAV, 10 s each, made by
sox at run time (no audio is committed): uac-440.wav (440 Hz, -6 dBFS: the caller's voice) and
uas-600-1800.wav (600 Hz + 1800 Hz: the callee's voice). No DTMF row or column frequency
(697-941, 1209-1633 Hz) is used, so in-band detectors cannot mistake the audio for digits.
"""
import argparse
import math
import os
import struct
import subprocess
import sys

RATE = 8000
SILENCE_RMS = 0.01  # -40 dBFS


def decode(path, raw_pcmu):
    """Samples as floats in [-1, 1): sox converts whatever it is to 8 kHz mono S16LE."""
    source = ["-t", "ul", "-r", str(RATE), "-c", "1", path] if raw_pcmu else [path]
    command = ["sox", *source, "-t", "raw", "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", "-L", "-"]
    result = subprocess.run(command, capture_output=True, timeout=60)
    if result.returncode != 0:
        raise ValueError("sox cannot read %s: %s" % (path, result.stderr.decode(errors="replace").strip()))
    data = result.stdout[: len(result.stdout) // 2 * 2]
    return [s / 32768.0 for s in struct.unpack("<%dh" % (len(data) // 2), data)]


def goertzel_share(block, frequency, energy):
    """Share of the block's power at `frequency` (1.0 for a pure tone on a bin)."""
    n = len(block)
    coefficient = 2 * math.cos(2 * math.pi * frequency / RATE)
    s1 = s2 = 0.0
    for x in block:
        s1, s2 = x + coefficient * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
    return power / (n / 2 * energy) if energy > 0 else 0.0


def analyse(samples, frequencies, block_ms, share):
    """Seconds of non-silent audio, and for each frequency the seconds it is present."""
    size = RATE * block_ms // 1000
    voiced = 0.0
    present = {f: 0.0 for f in frequencies}
    for start in range(0, len(samples) - size + 1, size):
        block = samples[start : start + size]
        energy = sum(x * x for x in block)
        if math.sqrt(energy / size) < SILENCE_RMS:
            continue
        voiced += block_ms / 1000
        for f in frequencies:
            if goertzel_share(block, f, energy) >= share:
                present[f] += block_ms / 1000
    return voiced, present


def make_fixtures(directory):
    os.makedirs(directory, exist_ok=True)
    spec = ["-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer"]
    parts = {}
    for f in (440, 600, 1800):
        parts[f] = os.path.join(directory, "sine-%d.wav" % f)
        subprocess.run(["sox", "-n", *spec, parts[f], "synth", "10", "sine", str(f), "vol", "0.5"], check=True, timeout=60)
    os.replace(parts[440], os.path.join(directory, "uac-440.wav"))
    # -m mixes at half volume each: the two-tone peaks stay at -6 dBFS.
    subprocess.run(["sox", "-m", parts[600], parts[1800], *spec, os.path.join(directory, "uas-600-1800.wav")], check=True, timeout=60)
    os.unlink(parts[600])
    os.unlink(parts[1800])
    print("fixtures in %s: uac-440.wav uas-600-1800.wav" % directory)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?")
    parser.add_argument("--freq", type=float, action="append", default=[], help="a tone that must be present")
    parser.add_argument("--absent", type=float, action="append", default=[], help="a tone that must not be present")
    parser.add_argument("--min-seconds", type=float, default=1.5)
    parser.add_argument("--min-voiced", type=float, default=0.0, help="seconds of non-silent audio required")
    parser.add_argument("--max-absent-seconds", type=float, default=0.5)
    parser.add_argument("--raw-pcmu", action="store_true", help="FILE is headerless 8 kHz µ-law")
    parser.add_argument("--block-ms", type=int, default=100)
    parser.add_argument("--share", type=float, default=0.2)
    parser.add_argument("--make-fixtures", metavar="DIR")
    args = parser.parse_args()
    if args.make_fixtures:
        make_fixtures(args.make_fixtures)
        return 0
    if not args.file or not (args.freq or args.absent):
        parser.error("FILE and at least one --freq or --absent are required")
    if not 10 <= args.block_ms <= 1000:
        parser.error("--block-ms must be 10..1000")
    if not os.path.exists(args.file):
        print("FAIL %s (no such file)" % args.file)
        return 1
    try:
        samples = decode(args.file, args.raw_pcmu)
    except (ValueError, subprocess.TimeoutExpired) as error:
        print("FAIL %s (%s)" % (args.file, error))
        return 1
    frequencies = args.freq + args.absent
    voiced, present = analyse(samples, frequencies, args.block_ms, args.share)
    problems = []
    for f in args.freq:
        if present[f] < args.min_seconds:
            problems.append("%g Hz present %.2f s < %.2f s" % (f, present[f], args.min_seconds))
    if voiced < args.min_voiced:
        problems.append("voiced %.2f s < %.2f s" % (voiced, args.min_voiced))
    for f in args.absent:
        if present[f] > args.max_absent_seconds:
            problems.append("%g Hz present %.2f s > %.2f s" % (f, present[f], args.max_absent_seconds))
    tones = " ".join("%gHz=%.2fs" % (f, present[f]) for f in frequencies)
    line = "%s %s length=%.2fs voiced=%.2fs %s" % (
        "FAIL" if problems else "PASS", args.file, len(samples) / RATE, voiced, tones)
    if problems:
        line += " (" + "; ".join(problems) + ")"
    print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
