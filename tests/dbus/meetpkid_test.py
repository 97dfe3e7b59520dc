# SPDX-License-Identifier: LGPL-2.1-or-later
#
# what test_dbus.py, test_cli_bus.py and test_gdbus_every.py all need:
# meetpkid started on the session bus of dbus-run-session, waited for until
# it owns its name, and stopped with its exit status (0 after a clean
# SIGTERM; a sanitizer report at exit makes it non-zero); Daemon is the one
# daemon of a test module, stopped at exit too should set-up itself fail.

import atexit
import shutil
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


class Daemon:
    """the meetpkid of a test module: start() on a store, stop() it (also
    at exit), finish() in tearDownModule"""

    def __init__(self, meetpkid):
        self.meetpkid = meetpkid
        self.proc = None
        atexit.register(self.stop)

    def start(self, home):
        self.proc = start(self.meetpkid, home)

    def stop(self):
        """stops it; returns its exit status (0 when none was running)"""
        status = stop(self.proc)
        self.proc = None
        return status

    def finish(self, *dirs):
        """stops it, removes @dirs, and fails unless it exited with 0"""
        status = self.stop()
        for d in dirs:
            if d is not None:
                shutil.rmtree(d, ignore_errors=True)
        if status != 0:
            raise RuntimeError("meetpkid exited with status %d" % status)
