#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Inspect round trips per second over the bus against a no-op method on the
# same daemon, Manager1.GetVersion: the floor of a call that goes through
# the daemon's dispatch, worker thread and authorization, as issue #5 sets
# it.  org.freedesktop.DBus.Peer.Ping (answered by gdbus itself, none of our
# code) is printed as well, the bus's bare round trip.  GetVersion goes to a
# worker thread like every call; the daemon answers an Inspect of a small
# file by a caller it knows in its main thread (doc/dbus.md, Threads).  run
# under dbus-run-session by `meson test --benchmark`; prints the rates and the
# ratios against the goal, and (like tests/bench/compare) fails only when a
# call fails.

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from gi.repository import Gio, GLib

GOAL = 2.0
ROUNDS = 15
N = int(os.environ.get("MEETPKI_BENCH_N", "200"))
BUS_NAME = "io.meetpki.Manager1"
PATH = "/io/meetpki/Manager1"


def rate(bus, iface, method, *params):
    # a few calls first, so thread pools and caches are warm; with several
    # parameter sets the calls take them in turn
    for i in range(20):
        bus.call_sync(BUS_NAME, PATH, iface, method, params[i % len(params)], None, Gio.DBusCallFlags.NONE, -1, None)
    start = time.perf_counter()
    for i in range(N):
        bus.call_sync(BUS_NAME, PATH, iface, method, params[i % len(params)], None, Gio.DBusCallFlags.NONE, -1, None)
    return N / (time.perf_counter() - start)


def main():
    home = tempfile.mkdtemp(prefix="meetpkid-bench-")
    daemon = None
    try:
        subprocess.run([os.environ["MEETPKI_CLI"], "--home", home, "pki", "selfsigned", "ca", "CN:Bench CA",
                        "--key-type", "ec:p256"], check=True, capture_output=True)
        # the same certificate under a second name: Inspects that take the
        # two in turn never repeat the last call, so the daemon's memo of its
        # last reply (doc/dbus.md, Speed) never answers them
        shutil.copy(os.path.join(home, "ca.crt"), os.path.join(home, "ca2.crt"))
        daemon = subprocess.Popen([os.environ["MEETPKID"], "--session", "--home", home])
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        deadline = time.monotonic() + 20
        while True:
            try:
                bus.call_sync(BUS_NAME, PATH, "org.freedesktop.DBus.Peer", "Ping", None, None,
                              Gio.DBusCallFlags.NONE, -1, None)
                break
            except GLib.Error:
                if time.monotonic() > deadline or daemon.poll() is not None:
                    raise
                time.sleep(0.05)
        # rounds of each, interleaved, so a busy machine slows both alike
        pings, floors, inspects, fresh = [], [], [], []
        for _ in range(ROUNDS):
            pings.append(rate(bus, "org.freedesktop.DBus.Peer", "Ping", None))
            floors.append(rate(bus, "io.meetpki.Manager1", "GetVersion", None))
            inspects.append(rate(bus, "io.meetpki.Manager1", "Inspect", GLib.Variant("(s)", ("ca.crt",))))
            fresh.append(rate(bus, "io.meetpki.Manager1", "Inspect", GLib.Variant("(s)", ("ca.crt",)),
                              GLib.Variant("(s)", ("ca2.crt",))))
        ratio = statistics.median(f / i for f, i in zip(floors, inspects))
        fresh_ratio = statistics.median(f / i for f, i in zip(floors, fresh))
        bare = statistics.median(p / i for p, i in zip(pings, inspects))
        print("Peer.Ping (bus only):   %8.0f calls/s" % statistics.median(pings))
        print("GetVersion (no-op):     %8.0f calls/s" % statistics.median(floors))
        print("Inspect ca.crt:         %8.0f calls/s" % statistics.median(inspects))
        print("Inspect costs %.2fx the no-op method (median of %d rounds; goal: within %.1fx: %s)"
              % (ratio, ROUNDS, GOAL, "met" if ratio <= GOAL else "MISSED"))
        print("Inspect costs %.2fx Peer.Ping" % bare)
        print("Inspect ca.crt, ca2.crt in turn (never remembered): %8.0f calls/s, %.2fx the no-op method"
              % (statistics.median(fresh), fresh_ratio))
        return 0
    finally:
        if daemon is not None:
            daemon.terminate()
            daemon.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
