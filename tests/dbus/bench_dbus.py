#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Inspect round trips per second over the bus against the daemon's own
# floor, org.freedesktop.DBus.Peer.Ping on the same connection (answered by
# gdbus without running any of our code).  run under dbus-run-session by
# `meson test --benchmark`; prints both rates and their ratio against the
# goal, and (like tests/bench/compare) fails only when a call fails.

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


def rate(bus, iface, method, params):
    # a few calls first, so thread pools and caches are warm
    for _ in range(20):
        bus.call_sync(BUS_NAME, PATH, iface, method, params, None, Gio.DBusCallFlags.NONE, -1, None)
    start = time.perf_counter()
    for _ in range(N):
        bus.call_sync(BUS_NAME, PATH, iface, method, params, None, Gio.DBusCallFlags.NONE, -1, None)
    return N / (time.perf_counter() - start)


def main():
    home = tempfile.mkdtemp(prefix="meetpkid-bench-")
    daemon = None
    try:
        subprocess.run([os.environ["MEETPKI_CLI"], "--home", home, "pki", "selfsigned", "ca", "CN:Bench CA",
                        "--key-type", "ec:p256"], check=True, capture_output=True)
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
        floors, inspects = [], []
        for _ in range(ROUNDS):
            floors.append(rate(bus, "org.freedesktop.DBus.Peer", "Ping", None))
            inspects.append(rate(bus, "io.meetpki.Manager1", "Inspect", GLib.Variant("(s)", ("ca.crt",))))
        ratio = statistics.median(f / i for f, i in zip(floors, inspects))
        floor = statistics.median(floors)
        inspect = statistics.median(inspects)
        print("Peer.Ping (floor): %8.0f calls/s" % floor)
        print("Inspect ca.crt:    %8.0f calls/s" % inspect)
        print("Inspect costs %.2fx the floor (median of %d rounds; goal: within %.1fx: %s)"
              % (ratio, ROUNDS, GOAL, "met" if ratio <= GOAL else "MISSED"))
        return 0
    finally:
        if daemon is not None:
            daemon.terminate()
            daemon.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
