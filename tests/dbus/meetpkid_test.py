# SPDX-License-Identifier: LGPL-2.1-or-later
#
# what test_dbus.py, test_cli_bus.py and test_gdbus_every.py all need:
# meetpkid started on the session bus of dbus-run-session, waited for until
# it owns its name, and stopped with its exit status (0 after a clean
# SIGTERM; a sanitizer report at exit makes it non-zero); Daemon is the one
# daemon of a test module, stopped at exit too should set-up itself fail.
# And the tools they check the daemon with: the cli in-process on a store,
# openssl, and an `openssl s_server` on loopback for Probe.

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
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


def run_cli(home, *args):
    """`meetpki --home <home> args...` in-process, its output as text"""
    return subprocess.run([os.environ["MEETPKI_CLI"], "--home", home] + list(args), capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)


def openssl(*args):
    """`openssl args...`, whatever its exit status"""
    return subprocess.run(["openssl"] + list(args), capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)


def openssl_out(*args):
    """the output of `openssl args...`, which must succeed"""
    p = openssl(*args)
    if p.returncode != 0:
        raise AssertionError("openssl %s failed: %s" % (" ".join(args), p.stderr.strip()))
    return p.stdout


def free_port():
    """a TCP port of 127.0.0.1 nothing listens on (now)"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_tls(cert, key, *options, timeout=10):
    """`openssl s_server` on 127.0.0.1 serving @cert and @key (and
    @options): yields its "127.0.0.1:<port>" once it accepts connections,
    and stops it on the way out whatever happened.  A server that exits
    while it is waited for fails at once with its stderr."""
    port = free_port()
    with tempfile.TemporaryFile() as err:
        server = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", "127.0.0.1:%d" % port,
                                   "-cert", cert, "-key", key] + list(options),
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if server.poll() is not None:
                    err.seek(0)
                    raise AssertionError("openssl s_server exited with %d: %s"
                                         % (server.returncode, err.read().decode(errors="replace").strip()))
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise AssertionError("openssl s_server did not listen on 127.0.0.1:%d in %ds"
                                             % (port, timeout))
                    time.sleep(0.05)
            yield "127.0.0.1:%d" % port
        finally:
            stop(server)
