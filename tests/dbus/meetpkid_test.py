# SPDX-License-Identifier: LGPL-2.1-or-later
#
# what test_dbus.py and test_cli_bus.py both need: meetpkid started on the
# session bus of dbus-run-session, waited for until it owns its name, and
# stopped with its exit status (0 after a clean SIGTERM; a sanitizer report
# at exit makes it non-zero).

import subprocess
import time

from gi.repository import Gio, GLib

BUS_NAME = "io.meetpki.Manager1"


def name_has_owner(bus, name):
    reply = bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                          "org.freedesktop.DBus", "NameHasOwner",
                          GLib.Variant("(s)", (name,)), GLib.VariantType("(b)"),
                          Gio.DBusCallFlags.NONE, -1, None)
    return reply.unpack()[0]


def stop(proc):
    """stops a daemon; returns its exit status (0 when there was none)"""
    if proc is None:
        return 0
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def start(meetpkid, home):
    """`meetpkid --session --home <home>`, once it owns its name"""
    bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    proc = subprocess.Popen([meetpkid, "--session", "--home", home])
    deadline = time.monotonic() + 20
    while not name_has_owner(bus, BUS_NAME):
        if proc.poll() is not None:
            raise RuntimeError("meetpkid exited with %d" % proc.returncode)
        if time.monotonic() > deadline:
            stop(proc)
            raise RuntimeError("meetpkid did not take its name")
        time.sleep(0.05)
    return proc
