#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `meetpki --bus`: every command meetpkid has a method for, run twice, once
# in-process (`meetpki --home <store>`) and once through the daemon
# (`MEETPKI_BUS=session meetpki ...` or `meetpki --session-bus ...`), must
# print the same and exit the same.  read-only commands look at the very
# same files of the daemon's store both ways; commands that write run on
# two stores built alike.  run under `dbus-run-session --` by meson test;
# the daemon is started in setUpModule and stopped in tearDownModule.

import json
import os
import shlex
import shutil
import stat
import subprocess
import tempfile
import time
import unittest

from gi.repository import Gio, GLib

import meetpkid_test
from meetpkid_test import free_port, openssl, openssl_out, serve_tls

BUS_NAME = "io.meetpki.Manager1"
MEETPKID = os.environ["MEETPKID"]
CLI = os.environ["MEETPKI_CLI"]

HOME = None    # the daemon's store
LOCAL = None   # the in-process twin of the store, for commands that write
OUTSIDE = None  # files outside both stores
DAEMON = meetpkid_test.Daemon(MEETPKID)


def setUpModule():
    global HOME, LOCAL, OUTSIDE
    # one clock for both sides, so days_left cannot tick between them
    os.environ["MEETPKI_NOW"] = str(int(time.time()))
    os.environ.pop("MEETPKI_BUS", None)
    HOME = tempfile.mkdtemp(prefix="meetpki-bus-")
    LOCAL = tempfile.mkdtemp(prefix="meetpki-local-")
    OUTSIDE = tempfile.mkdtemp(prefix="meetpki-outside-")
    DAEMON.start(HOME)


def tearDownModule():
    DAEMON.finish(HOME, LOCAL, OUTSIDE)


ANY_USER_BUS = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <include>/usr/share/dbus-1/session.conf</include>
  <policy context="default">
    <allow user="*"/>
  </policy>
</busconfig>
"""


def run(argv, env=None):
    return subprocess.run([CLI] + argv, capture_output=True, text=True, timeout=300, env=env,
                          stdin=subprocess.DEVNULL)


def local(*args, home=None):
    return run(["--home", home or HOME] + list(args))


def via_env(*args):
    env = dict(os.environ, MEETPKI_BUS="session")
    return run(list(args), env=env)


def via_option(*args):
    return run(["--session-bus"] + list(args))


def methods_called(args):
    """runs `meetpki --session-bus @args` watched by a bus monitor; its
    result and the io.meetpki.Manager1 methods it called, in order"""
    address = Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None)
    conn = Gio.DBusConnection.new_for_address_sync(
        address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT |
        Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    seen = []

    def watch(connection, message, incoming):
        if incoming and message.get_message_type() == Gio.DBusMessageType.METHOD_CALL:
            seen.append(message.get_member())
            return None  # a monitor answers nothing: GDBus may not see the call
        return message

    conn.add_filter(watch)
    conn.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus.Monitoring",
                   "BecomeMonitor",
                   GLib.Variant("(asu)", (["type='method_call',interface='io.meetpki.Manager1'"], 0)),
                   None, Gio.DBusCallFlags.NONE, -1, None)
    p = via_option(*args)
    # the bus copies the call to the monitor before it goes on to the
    # daemon, but our reading thread may not have taken it in yet
    for _ in range(200):
        if any(m not in ("GetVersion",) for m in seen):
            break
        time.sleep(0.01)
    time.sleep(0.05)
    conn.close_sync(None)
    return p, [m for m in seen if m != "GetVersion"]


class CliBus(unittest.TestCase):
    maxDiff = None

    def same(self, args, home=None, expect=0):
        """runs @args in-process and both ways through the bus; all alike"""
        here = local(*args, home=home)
        self.assertEqual(here.returncode, expect, here.stderr)
        for there in (via_env(*args), via_option(*args)):
            self.assertEqual(there.stdout, here.stdout, args)
            self.assertEqual(there.stderr, here.stderr, args)
            self.assertEqual(there.returncode, here.returncode, args)
        return here

    def writes_alike(self, args, expect=0):
        """a command that writes: once in-process on LOCAL, once through the
        bus on the daemon's store; same output"""
        here = local(*args, home=LOCAL)
        there = via_option(*args)
        self.assertEqual(there.stdout, here.stdout, args)
        self.assertEqual(there.stderr, here.stderr, args)
        self.assertEqual(there.returncode, here.returncode, args)
        self.assertEqual(here.returncode, expect, here.stderr)
        return here

    def test_00_ca_and_certificates(self):
        self.writes_alike(["pki", "selfsigned", "ca", "CN:ca.example.com", "--days", "30"])
        self.writes_alike(["pki", "csr", "web", "CN:web.example.com",
                           "subjectAltName:web.example.com,join.example.com", "--key-type", "ec:p256"])
        self.writes_alike(["pki", "sign", "web", "ca", "--days", "20"])
        # the errors alike too: an existing key, a bad field, a missing CA
        self.writes_alike(["pki", "csr", "web", "CN:web.example.com"], expect=4)
        self.writes_alike(["pki", "csr", "bad", "CN:x.example.com", "C:Nowhere"], expect=2)
        self.writes_alike(["pki", "sign", "web", "nosuchca"], expect=3)
        # both stores now hold the same names, each a valid pair
        for home in (HOME, LOCAL):
            p = subprocess.run(["openssl", "verify", "-CAfile", os.path.join(home, "ca.crt"),
                                os.path.join(home, "web.crt")], capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)

    def test_01_read_only_views(self):
        for args in (["pki", "inspect", "web.crt"], ["pki", "inspect", "web.crt", "--json"],
                     ["pki", "inspect", "web.csr"], ["pki", "inspect", "web.key", "--json"],
                     ["pki", "inspect", "ca.crt"],
                     ["pki", "list"], ["pki", "list", "--json"],
                     ["pki", "match", "web.key", "web.crt"],
                     ["pki", "match", "web.key", "web.crt", "--json"],
                     ["pki", "verify", "web.crt", "ca.crt"],
                     ["pki", "verify", "web.crt", "ca.crt", "--json"],
                     ["node", "show"], ["node", "show", "--json"]):
            self.same(args)
        out = self.same(["pki", "inspect", "web.crt"]).stdout
        self.assertIn("web.example.com", out)

    def test_01_services(self):
        for args in (["plugins", "list"], ["plugins", "list", "--json"], ["services"], ["services", "--json"]):
            self.same(args)
        self.assertIn("webadmin", self.same(["services"]).stdout)

    def test_02_failures_alike(self):
        # a missing store file: the same message and exit status (3)
        self.same(["pki", "inspect", "nosuch.crt"], expect=3)
        # a missing outside file
        self.same(["pki", "inspect", os.path.join(OUTSIDE, "nosuch.crt")], expect=3)
        # an outside path that is a directory: not "no such file" (exit 8)
        p = self.same(["pki", "inspect", OUTSIDE], expect=8)
        self.assertEqual(p.stderr, "meetpki: %s is not a regular file\n" % OUTSIDE)
        # mismatch: the vendor's FAILURE line, exit 1
        self.same(["pki", "match", "ca.key", "web.crt"], expect=1)
        # a chain that does not verify prints its chain, then FAILURE
        p = self.same(["pki", "verify", "web.crt"], expect=1)
        self.assertIn("Chain:", p.stdout)
        self.assertIn("FAILURE:", p.stdout)
        # --json: the verdict as one object, the same exit status
        p = self.same(["pki", "match", "ca.key", "web.crt", "--json"], expect=1)
        self.assertFalse(json.loads(p.stdout)["match"])
        p = self.same(["pki", "verify", "web.crt", "--json"], expect=1)
        self.assertFalse(json.loads(p.stdout)["verified"])

    def test_03_outside_files_by_descriptor(self):
        shutil.copy(os.path.join(HOME, "web.crt"), os.path.join(OUTSIDE, "copy.crt"))
        shutil.copy(os.path.join(HOME, "ca.crt"), os.path.join(OUTSIDE, "root.crt"))
        with open(os.path.join(OUTSIDE, "chain.pem"), "w") as f:
            for name in ("web.crt", "ca.crt"):
                with open(os.path.join(HOME, name)) as g:
                    f.write(g.read())
        for args in (["pki", "inspect", os.path.join(OUTSIDE, "copy.crt")],
                     ["pki", "inspect", os.path.join(OUTSIDE, "copy.crt"), "--json"],
                     ["pki", "verify", os.path.join(OUTSIDE, "copy.crt"), os.path.join(OUTSIDE, "root.crt")],
                     ["pki", "verify", "web.crt", os.path.join(OUTSIDE, "root.crt")]):
            self.same(args)
        self.same(["bundle", "check", os.path.join(OUTSIDE, "chain.pem")])
        self.same(["bundle", "check", os.path.join(OUTSIDE, "chain.pem"), "--json"])
        self.same(["bundle", "check", os.path.join(OUTSIDE, "chain.pem"), "--ca-bundle"], expect=1)
        # match: an outside key or certificate goes by descriptor (MatchFiles)
        key = os.path.join(OUTSIDE, "copy.key")
        shutil.copy(os.path.join(HOME, "web.key"), key)
        os.chmod(key, 0o600)
        for args in (["pki", "match", "web.key", os.path.join(OUTSIDE, "copy.crt")],
                     ["pki", "match", key, "web.crt"],
                     ["pki", "match", key, os.path.join(OUTSIDE, "copy.crt")]):
            p = self.same(args)
            self.assertEqual(p.stdout, "SUCCESS: Key and certificate pair match\n")
        p = self.same(["pki", "match", key, os.path.join(OUTSIDE, "root.crt")], expect=1)
        self.assertNotIn("PRIVATE KEY", p.stdout + p.stderr)
        self.same(["pki", "match", os.path.join(OUTSIDE, "nosuch.key"), "web.crt"], expect=3)
        self.same(["pki", "match", key, os.path.join(OUTSIDE, "nosuch.crt")], expect=3)
        # store names go the store way (Match), a path by descriptor
        # (MatchFiles); doc/dbus.md
        for args, method in ((["pki", "match", "web.key", "web.crt"], "Match"),
                             (["pki", "match", "web.key", "web.crt", "--json"], "Match"),
                             (["pki", "match", "ca.key", "web.crt"], "Match"),
                             (["pki", "match", key, "web.crt"], "MatchFiles"),
                             (["pki", "match", "web.key", os.path.join(OUTSIDE, "copy.crt")], "MatchFiles")):
            p, called = methods_called(args)
            self.assertEqual(p.returncode, 1 if args[2] == "ca.key" else 0, p.stderr)
            self.assertEqual(called, [method], args)

    def test_04_bundles(self):
        self.writes_alike(["bundle", "build", "web.crt", "ca.crt", "-o", "chain.pem"])
        self.same(["bundle", "check", "chain.pem"])
        self.same(["bundle", "check", "chain.pem", "--json"])
        # without -o the chain goes to stdout; outside files by descriptor
        self.same(["bundle", "build", "web.crt", "ca.crt"])
        self.same(["bundle", "build", os.path.join(OUTSIDE, "chain.pem"), os.path.join(OUTSIDE, "root.crt"),
                   "--ca-only"])
        self.same(["bundle", "build", "web.crt", os.path.join(OUTSIDE, "root.crt"), "--no-root"])
        # a chain that cannot be built: the same findings on stderr, exit 1,
        # nothing written
        p = self.same(["bundle", "build", "web.crt", "web.crt", "-o", "broken.pem"], expect=1)
        self.assertIn("error:", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(HOME, "broken.pem")))
        # an existing output: refused after the findings, as in-process
        self.same(["bundle", "build", "web.crt", "ca.crt", "-o", "chain.pem"], expect=4)
        self.same(["bundle", "build", "web.crt", os.path.join(OUTSIDE, "nosuch.pem")], expect=3)

    def test_04b_bundle_fix(self):
        """bundle fix through FixBundleJson: store names only, as in-process;
        the same lines, exit statuses and bytes on the twin stores"""
        def put(name, parts):
            data = b""
            for part in parts:
                with open(os.path.join(HOME, part), "rb") as f:
                    data += f.read().replace(b"\n", b"\r\n")
            for home in (HOME, LOCAL):
                with open(os.path.join(home, name), "wb") as f:
                    f.write(data)

        def same_file(name):
            with open(os.path.join(HOME, name), "rb") as a, open(os.path.join(LOCAL, name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)

        # the root first, then the entity, with CRLF: fixable
        put("messy.pem", ["ca.crt", "web.crt"])
        put("lonely.pem", ["web.crt"])
        p = self.writes_alike(["bundle", "fix", "messy.pem", "-o", "fixed.pem"])
        self.assertIn("Wrote fixed.pem", p.stdout)
        same_file("fixed.pem")
        subject = subprocess.run(["openssl", "x509", "-in", os.path.join(HOME, "fixed.pem"), "-noout", "-subject"],
                                 capture_output=True, text=True)
        self.assertIn("web.example.com", subject.stdout)
        self.assertEqual(subprocess.run(["openssl", "verify", "-CAfile", os.path.join(HOME, "ca.crt"),
                                         os.path.join(HOME, "fixed.pem")], capture_output=True).returncode, 0)
        self.writes_alike(["bundle", "fix", "messy.pem", "-o", "fixed.pem"], expect=4)
        self.writes_alike(["bundle", "fix", "messy.pem", "-o", "fixed.pem", "--force"])
        # in place, keeping the old file; then nothing left to do
        p = self.writes_alike(["bundle", "fix", "messy.pem"])
        self.assertIn("the old file is messy.pem.bak", p.stdout)
        for name in ("messy.pem", "messy.pem.bak", "fixed.pem"):
            same_file(name)
        with open(os.path.join(HOME, "messy.pem"), "rb") as a, open(os.path.join(HOME, "fixed.pem"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        p = self.writes_alike(["bundle", "fix", "messy.pem"])
        self.assertIn("nothing changed", p.stdout)
        # a refusal: the findings, then the error; nothing written
        before = sorted(os.listdir(HOME))
        p = self.writes_alike(["bundle", "fix", "lonely.pem"], expect=6)
        self.assertIn("refusing to fix lonely.pem", p.stderr)
        self.assertNotEqual(p.stdout, "")
        same_file("lonely.pem")
        # a path: refused by the store both ways (fix writes), a missing name
        self.same(["bundle", "fix", os.path.join(OUTSIDE, "chain.pem")], expect=5)
        self.same(["bundle", "fix", os.path.join(OUTSIDE, "chain.pem"), "-o", "x.pem"], expect=5)
        self.same(["bundle", "fix", "nosuch.pem"], expect=3)
        self.assertEqual(sorted(os.listdir(HOME)), before)

    def test_05_node_facts(self):
        self.writes_alike(["node", "set", "server-fqdn", "web.example.com"])
        self.writes_alike(["node", "set", "peers", "a.example.com,", "b.example.com"])
        self.writes_alike(["node", "set", "server-fqdn", ""], expect=2)
        self.same(["node", "show"])
        self.same(["node", "show", "--json"])
        self.writes_alike(["node", "unset", "peers"])
        self.same(["node", "show"])

    def services_alike(self, args, expect=0):
        """a service command: in-process on LOCAL, through the bus on the
        daemon's store; the same lines but for the store's own path"""
        here = local(*args, home=LOCAL)
        there = via_option(*args)
        self.assertEqual(there.stdout.replace(HOME, "<store>"), here.stdout.replace(LOCAL, "<store>"), args)
        self.assertEqual(there.stderr.replace(HOME, "<store>"), here.stderr.replace(LOCAL, "<store>"), args)
        self.assertEqual(there.returncode, here.returncode, (args, here.stderr, there.stderr))
        self.assertEqual(here.returncode, expect, here.stdout + here.stderr)
        return there

    def test_05b_services_and_check(self):
        self.services_alike(["check"])
        self.services_alike(["webadmin", "csr", "wa"])
        for home in (HOME, LOCAL):
            self.assertEqual(local("pki", "sign", "wa", "ca", home=home).returncode, 0)
        self.services_alike(["webadmin", "certs", "wa.key", "wa.crt", "ca.crt", "--dry-run"])
        p = self.services_alike(["webadmin", "certs", "wa.key", "wa.crt", "ca.crt"])
        self.assertIn("SUCCESS: webadmin certificates applied", p.stdout)
        # the daemon placed the files: the live certificate is the store's
        self.assertEqual(subprocess.run(["cmp", os.path.join(HOME, "services", "webadmin", "cert.pem"),
                                         os.path.join(HOME, "wa.crt")]).returncode, 0)
        # --json: one object, the same bytes and exit status in-process and
        # through the bus (on the daemon's store both ways: the twin
        # stores' keys, and so the applied files' sha256, differ; a dry run
        # lists the files live already too)
        p = self.same(["webadmin", "certs", "wa.key", "wa.crt", "ca.crt", "--dry-run", "--json"])
        self.assertEqual(json.loads(p.stdout)["steps"], [{"step": "certs", "outcome": "would-run", "message": None}])
        p = self.same(["webadmin", "certs", "wa.key", "wa.crt", "ca.crt", "--json"])
        d = json.loads(p.stdout)
        self.assertEqual((d["service"], d["verdict"], d["error"]), ("webadmin", "applied", None))
        self.assertEqual(d["steps"], [{"step": "certs", "outcome": "ok", "message": None}])
        live = os.path.join(HOME, "services", "webadmin")
        self.assertEqual(d["live_dir"], live)
        for f in d["applied"]:
            self.assertEqual(f["sha256"], openssl_out("dgst", "-sha256", "-r", os.path.join(live, f["live"])).split()[0])
        self.assertEqual([f["role"] for f in d["applied"]], ["key", "cert", "bundle"])
        # a refusal: the object, exit status 1, nothing on stderr
        applied = d["applied"]
        p = self.same(["webadmin", "certs", "wa.key", "ca.crt", "--json"], expect=1)
        d = json.loads(p.stdout)
        # nothing ran; what stays live is the set applied just before
        self.assertEqual((d["verdict"], d["error"]["name"], d["applied"], d["steps"]),
                         ("refused", "VerifyFailed", applied, []))
        self.assertIn("failure", [line["kind"] for line in d["lines"]])
        self.assertEqual(p.stderr, "")
        # an error that is no verdict stays the one line, alike
        p = self.same(["webadmin", "certs", "nosuch.key", "wa.crt", "--json"], expect=3)
        self.assertEqual(p.stdout, "")
        for verb in ("disable", "enable", "restart"):
            self.services_alike(["webadmin", verb])
        self.services_alike(["webadmin", "disable", "--dry-run"])
        self.services_alike(["webadmin", "apply", "wa.key", "wa.crt", "ca.crt", "--warn-days", "10"])
        self.services_alike(["webadmin", "rollback"])
        # a failed check: every FAILURE line before the verdict (the
        # daemon's Lines signal), the verdict, the exit status
        p = self.services_alike(["webadmin", "certs", "wa.key", "ca.crt"], expect=1)
        self.assertGreater(len(p.stdout.splitlines()), 2, p.stdout)
        # status reads the daemon's own store both ways (the keys differ
        # between the twin stores, and so do their fingerprints)
        self.same(["webadmin", "status"])
        self.same(["webadmin", "status", "--json"])
        self.same(["turn", "status"])
        # the exec backend's commands and an endpoint show too
        for home in (HOME, LOCAL):
            for args in (["webadmin", "backend", "exec", "restart=true", "enable=true"],
                         ["webadmin", "endpoint", "127.0.0.1:1"]):
                p = local(*args, home=home)
                self.assertEqual(p.returncode, 0, p.stderr)
        p = self.same(["webadmin", "status"])
        self.assertIn("exec", p.stdout)
        self.assertIn("endpoint: 127.0.0.1:1", p.stdout)
        self.same(["webadmin", "status", "--json"])
        for home in (HOME, LOCAL):
            for args in (["webadmin", "backend", "embedded"], ["webadmin", "endpoint", "none"]):
                p = local(*args, home=home)
                self.assertEqual(p.returncode, 0, p.stderr)
        self.services_alike(["check"])
        self.services_alike(["check", "--json"])
        self.services_alike(["check", "--warn-days", "400"], expect=10)
        self.services_alike(["check", "--warn-days", "99999"], expect=2)
        p = via_option("webadmin", "certs", os.path.join(OUTSIDE, "x.key"), "wa.crt")
        self.assertEqual(p.returncode, 2)
        self.assertIn("store only", p.stderr)

    def test_05bb_apply_json(self):
        # apply --json and rollback --json: the object the daemon's engine
        # built (ApplyJson, RollbackJson), the same bytes and exit status
        # as in-process, on the daemon's store both ways
        p = self.same(["webadmin", "apply", "wa.key", "wa.crt", "ca.crt", "--json"])
        d = json.loads(p.stdout)
        self.assertEqual([(s["step"], s["outcome"]) for s in d["steps"]],
                         [("disable", "ok"), ("certs", "ok"), ("enable", "ok")])
        self.assertEqual((d["verdict"], d["rollback"], d["error"]), ("applied", None, None))
        for f in d["applied"]:
            self.assertEqual(f["sha256"], openssl_out("dgst", "-sha256", "-r", os.path.join(HOME, f["file"])).split()[0])
        p = self.same(["webadmin", "rollback", "--json"])
        self.assertEqual(json.loads(p.stdout)["command"], "rollback")
        # a refusal: the object from the Lines signal, exit 1, no stderr
        p = self.same(["webadmin", "apply", "wa.key", "ca.crt", "--json"], expect=1)
        self.assertEqual(json.loads(p.stdout)["verdict"], "refused")
        self.assertEqual(p.stderr, "")
        # a failed step and a failed rollback: the object, then the line (15)
        self.assertEqual(local("webadmin", "backend", "exec", "enable=exit 3", home=HOME).returncode, 0)
        p = self.same(["webadmin", "apply", "wa.key", "wa.crt", "ca.crt", "--json"], expect=15)
        d = json.loads(p.stdout)
        self.assertEqual(([s["outcome"] for s in d["steps"]], d["rollback"]["outcome"], d["error"]["name"]),
                         (["ok", "ok", "failed"], "failed", "RollbackFailed"))
        self.assertIn("the rollback failed too", p.stderr)
        self.assertEqual(local("webadmin", "backend", "embedded", home=HOME).returncode, 0)
        # no line yet, no object
        p = self.same(["webadmin", "apply", "nosuch.key", "wa.crt", "--json"], expect=3)
        self.assertEqual(p.stdout, "")
        self.assertEqual(local("webadmin", "apply", "wa.key", "wa.crt", "ca.crt", home=HOME).returncode, 0)

    def test_05bc_trust_stores(self):
        # the vendor's words, in-process and through the bus (InstallTrust)
        self.services_alike(["webbridge3", "c2w", "trust", "ca.crt", "--dry-run"])
        p = self.services_alike(["webbridge3", "c2w", "trust", "ca.crt", "--warn-days", "10"])
        self.assertIn("SUCCESS: webbridge c2w trust store installed", p.stdout)
        live = os.path.join(HOME, "services", "webbridge", "trust-c2w.pem")
        self.assertEqual(subprocess.run(["openssl", "verify", "-CAfile", live, os.path.join(HOME, "web.crt")],
                                        capture_output=True).returncode, 0)
        # a certificate that is no CA: the same FAILURE lines, exit 1
        p = self.services_alike(["callbridge", "trust", "c2w", "web.crt"], expect=1)
        self.assertIn("is not a CA certificate", p.stdout)
        self.assertFalse(os.path.exists(os.path.join(HOME, "services", "callbridge", "trust-c2w.pem")))
        self.same(["webbridge", "status", "--json"])
        # an outside path is refused before the bus is asked
        p = via_option("xmpp", "cluster", "trust", os.path.join(OUTSIDE, "x.crt"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("store only", p.stderr)

    def test_05c_database_cluster(self):
        self.writes_alike(["node", "set", "database-role", "primary"])
        self.services_alike(["database", "csr", "db", "--key-type", "ec:p256"])
        for home in (HOME, LOCAL):
            for n in ("dbserver", "dbclient"):
                self.assertEqual(local("pki", "sign", n, "ca", home=home).returncode, 0)
        files = ["dbserver.key", "dbserver.crt", "dbclient.key", "dbclient.crt", "ca.crt"]
        p = self.services_alike(["database", "cluster", "certs"] + files)
        self.assertIn("postgres", p.stdout)
        # cluster status reads the daemon's store both ways (ClusterStatusJson)
        self.same(["database", "cluster", "status"])
        p = self.same(["database", "cluster", "status", "--json"])
        # the nulls the a{sv} of Cluster1.GetStatus cannot carry are there
        self.assertIsNone(json.loads(p.stdout)["localnode"])
        self.assertIn('"localnode" : null', p.stdout)
        # only the database is a cluster service, also for status
        p = self.same(["webadmin", "cluster", "status"], expect=2)
        self.assertEqual(p.stderr, "meetpki: webadmin is not a cluster service\n")
        # the daemon's description of the services says which is one
        p = self.same(["database", "cluster", "initalize"], expect=2)
        self.assertIn("did you mean 'initialize'?", p.stderr)
        p = self.same(["webadmin"], expect=2)
        self.assertNotIn("cluster", p.stderr)
        self.services_alike(["database", "cluster", "localnode", "a"])
        self.services_alike(["database", "cluster", "initialize", "--dry-run"])
        self.services_alike(["database", "cluster", "initialize"])
        self.same(["database", "status"])
        # the primary: the node's server-fqdn comes from the daemon's node facts
        p = self.same(["database", "cluster", "status"])
        self.assertIn("Primary           : this node (web.example.com)", p.stdout)
        self.assertIn("Interface         : a", p.stdout)
        p = self.same(["database", "cluster", "status", "--json"])
        self.assertEqual(json.loads(p.stdout)["state"], "primary")
        p = self.services_alike(["database", "cluster", "remove", "--yes"])
        self.assertIn("removed this node", p.stdout)
        # the question nobody can answer on the bus: refused, nothing done
        p = via_option("database", "cluster", "initialize")
        self.assertEqual(p.returncode, 0, p.stderr)
        p = via_option("database", "cluster", "remove")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("--yes", p.stderr)
        p = self.same(["database", "cluster", "status", "--json"])
        self.assertEqual(json.loads(p.stdout)["state"], "primary")
        self.assertEqual(via_option("database", "cluster", "remove", "--yes").returncode, 0)

    def test_05d_endpoint_and_probe(self):
        # the endpoint writes: in-process on LOCAL, through the bus on HOME
        for args, expect in ((["webadmin", "endpoint", "127.0.0.1:1", "--dry-run"], 0),
                             (["xmpp", "endpoint", "127.0.0.1:5222", "--starttls", "xmpp", "--probe-timeout", "7"], 0),
                             (["xmpp", "endpoint", "none"], 0),
                             (["xmpp", "endpoint", "none", "--starttls", "xmpp"], 2),
                             (["xmpp", "endpoint", "1.2.3"], 2),
                             (["xmpp", "endpoint", "127.0.0.1:5222", "--starttls", "smtp"], 2),
                             (["xmpp", "endpoint", "127.0.0.1:5222", "--probe-timeout", "601"], 2),
                             (["xmpp", "endpoint", "127.0.0.1:5222", "--probe-timeout", "-3"], 2)):
            self.services_alike(args, expect=expect)
        self.same(["xmpp", "status", "--json"])
        # no endpoint: not found (3), both ways
        self.same(["webadmin", "probe"], expect=3)
        # a TLS server of our own, serving the daemon's applied webadmin files
        live = os.path.join(HOME, "services", "webadmin")

        good = self.enterContext(serve_tls(os.path.join(live, "cert.pem"), os.path.join(live, "key.pem")))
        applied = subprocess.run(["openssl", "x509", "-in", os.path.join(live, "cert.pem"), "-noout",
                                  "-fingerprint", "-sha256"], capture_output=True, text=True, check=True)
        served_sha = applied.stdout.strip().split("=", 1)[1].replace(":", "").lower()
        p = self.same(["webadmin", "probe", good])
        self.assertIn("served SHA-256 " + served_sha, p.stdout)
        self.assertIn("SUCCESS: served certificate is the applied cert", p.stdout)
        # the method itself, called with python-gi: the same lines, the JSON
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        lines, text = bus.call_sync(BUS_NAME, "/io/meetpki/Manager1/services/webadmin", "io.meetpki.Service1",
                                    "Probe", GLib.Variant("(sa{sv})", (good, {})), GLib.VariantType("(ass)"),
                                    Gio.DBusCallFlags.NONE, -1, None).unpack()
        self.assertEqual(lines, p.stdout.splitlines())
        self.assertEqual(json.loads(text)["served-sha256"], served_sha)
        with self.assertRaises(GLib.Error) as e:
            bus.call_sync(BUS_NAME, "/io/meetpki/Manager1/services/webadmin", "io.meetpki.Service1", "Probe",
                          GLib.Variant("(sa{sv})", (good, {"starttls": GLib.Variant("s", "xmpp")})),
                          GLib.VariantType("(ass)"), Gio.DBusCallFlags.NONE, -1, None)
        self.assertIn("io.meetpki.Error.InvalidArgs", e.exception.message)
        p = self.same(["webadmin", "probe", good, "--json"])
        self.assertTrue(json.loads(p.stdout)["ok"])
        # the configured endpoint (set through the bus) is probed without an address
        self.assertEqual(via_option("webadmin", "endpoint", good).returncode, 0)
        self.same(["webadmin", "probe"])
        # another certificate served (the twin store's): FAILURE lines, ProbeFailed (11), both ways
        wrong = self.enterContext(serve_tls(os.path.join(LOCAL, "wa.crt"), os.path.join(LOCAL, "wa.key")))
        p = self.same(["webadmin", "probe", wrong], expect=11)
        self.assertIn("FAILURE:", p.stdout)
        self.assertIn("failed at " + wrong, p.stderr)
        p = self.same(["webadmin", "probe", wrong, "--json"], expect=11)
        self.assertFalse(json.loads(p.stdout)["ok"])
        # a closed port: ConnectFailed (12), nothing printed, both ways
        closed = "127.0.0.1:%d" % free_port()
        p = self.same(["webadmin", "probe", closed], expect=12)
        self.assertEqual(p.stdout, "")
        self.assertIn("cannot connect", p.stderr)
        self.same(["webadmin", "probe", "nohost"], expect=2)
        for home in (HOME, LOCAL):
            self.assertEqual(local("webadmin", "endpoint", "none", home=home).returncode, 0)

    def test_05e_backend(self):
        # in-process on LOCAL, through Service1.SetBackend on HOME: the same
        # lines, errors and exit statuses, and the same status afterwards
        for args, expect in ((["turn", "backend", "exec", "restart=true", "--dry-run"], 0),
                             (["turn", "backend", "exec"], 0),
                             (["turn", "backend", "exec", "restart=true", "enable=/bin/true"], 0),
                             (["turn", "backend", "exec", "frobnicate=true"], 2),
                             (["turn", "backend", "magic"], 2)):
            self.services_alike(args, expect=expect)
        p = self.services_alike(["turn", "status", "--json"])
        self.assertEqual(json.loads(p.stdout)["exec"], {"restart": "true", "enable": "/bin/true"})
        self.services_alike(["turn", "backend", "embedded"])
        p = self.services_alike(["turn", "status", "--json"])
        self.assertEqual(json.loads(p.stdout)["backend"], "embedded")

    def test_05f_cli_without_plugins(self):
        """with --bus the service names come from the daemon: a cli whose
        plugin directory is empty runs service commands, and is told of a
        mistyped service, as one with the plugins is in-process"""
        empty = tempfile.mkdtemp(prefix="meetpki-noplugins-")
        try:
            bare = dict(os.environ, MEETPKI_PLUGIN_DIR=empty)
            # in-process, this cli knows no service at all
            p = run(["--home", HOME, "webadmin", "status"], env=bare)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("unknown command 'webadmin'", p.stderr)
            for args, expect in ((["webadmin", "status"], 0), (["webadmin", "status", "--json"], 0),
                                 (["database", "status"], 0), (["webadmin", "disable", "--dry-run"], None),
                                 (["webadmn", "status"], 2), (["webadmin", "statsu"], 2),
                                 (["webadmin"], 2), (["frobnicate"], 2)):
                here = local(*args)
                for env in (bare, dict(bare, MEETPKI_BUS="session")):
                    there = run((["--session-bus"] if "MEETPKI_BUS" not in env else []) + args, env=env)
                    self.assertEqual((there.stdout, there.stderr, there.returncode),
                                     (here.stdout, here.stderr, here.returncode), args)
                if expect is not None:
                    self.assertEqual(here.returncode, expect, here.stderr)
            self.assertIn("did you mean 'webadmin'?", local("webadmn", "status").stderr)
        finally:
            shutil.rmtree(empty, ignore_errors=True)

    def test_05g_help_service(self):
        """`--bus help <service>` describes the service from the daemon's
        descriptor (ListServicesJson): a cli whose plugin directory is
        empty prints what one with the plugins prints in-process"""
        empty = tempfile.mkdtemp(prefix="meetpki-noplugins-")
        try:
            bare = dict(os.environ, MEETPKI_PLUGIN_DIR=empty)
            # in-process, this cli knows no service at all
            p = run(["help", "webadmin"], env=bare)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("no command 'webadmin'", p.stderr)
            daemon = {s["name"]: s for s in json.loads(via_option("plugins", "list", "--json").stdout)}
            for args, expect in ((["help", "webadmin"], 0), (["help", "database"], 0),
                                 (["help", "webbridge", "certs"], 0), (["help", "database", "cluster", "certs"], 0),
                                 (["help", "webadmn"], 2), (["help", "pki", "csr"], 0),
                                 (["help", "webadmin", "cluster"], 2), (["help", "database", "certs"], 2),
                                 (["webadmin", "cluster", "status", "--help"], 0),
                                 (["help", "webadmin", "backend"], 0), (["help", "database", "backend"], 0)):
                here = run(args)
                for env in (bare, dict(bare, MEETPKI_BUS="session")):
                    there = run((["--session-bus"] if "MEETPKI_BUS" not in env else []) + args, env=env)
                    self.assertEqual((there.stdout, there.stderr, there.returncode),
                                     (here.stdout, here.stderr, here.returncode), args)
                self.assertEqual(here.returncode, expect, here.stderr)
            # the description is the daemon's: its summary, module and sequence
            for name in ("webadmin", "database"):
                out = run(["--session-bus", "help", name], env=bare).stdout
                self.assertTrue(out.startswith("%s: %s\n" % (name, daemon[name]["summary"])), out)
                self.assertIn("  module: %s\n" % daemon[name]["module"], out)
                self.assertIn("  sequence: %s\n" % " -> ".join(daemon[name]["sequence"]), out)
                # the commands are those the daemon's descriptor declares:
                # the cluster ones the database's alone, `certs` the others'
                self.assertEqual("\nmeetpki <service> certs " in out, name != "database", out)
                self.assertEqual("\nmeetpki <service> cluster certs " in out, name == "database", out)
                self.assertEqual("cluster status" in out, name == "database", out)
            # backend's steps are those of the daemon's descriptor
            for name in ("webadmin", "database"):
                out = run(["--session-bus", "help", name, "backend"], env=bare).stdout
                self.assertIn("(steps: %s)\n" % " ".join(daemon[name]["backend_steps"]), out)
                self.assertEqual("cluster-remove" in out, name == "database", out)
            # a subcommand's help is the command's alone
            out = run(["--session-bus", "help", "webbridge", "certs"], env=bare).stdout
            self.assertTrue(out.startswith("meetpki <service> certs "), out)
        finally:
            shutil.rmtree(empty, ignore_errors=True)

    def test_06_import_export_by_descriptor(self):
        key = os.path.join(OUTSIDE, "other.key")
        crt = os.path.join(OUTSIDE, "other.crt")
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                            "-out", crt, "-subj", "/CN=other.example.com", "-days", "10"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.writes_alike(["pki", "import", crt])
        self.writes_alike(["pki", "import", key, "imported.key"])
        self.writes_alike(["pki", "import", crt], expect=4)
        self.writes_alike(["pki", "import", os.path.join(OUTSIDE, "missing.crt")], expect=3)
        # the key arrived private; the certificate is the same certificate
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(HOME, "imported.key")).st_mode), 0o600)
        a = subprocess.run(["openssl", "x509", "-in", crt, "-outform", "DER"], capture_output=True)
        b = subprocess.run(["openssl", "x509", "-in", os.path.join(HOME, "other.crt"), "-outform", "DER"],
                           capture_output=True)
        self.assertEqual(a.returncode, 0)
        self.assertEqual(a.stdout, b.stdout)
        self.same(["pki", "match", "imported.key", "other.crt"])

        # export by descriptor: the same bytes as the store file
        out = os.path.join(OUTSIDE, "exported.crt")
        p = via_option("pki", "export", "web.crt", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, "Exported web.crt to %s\n" % out)
        self.assertEqual(subprocess.run(["cmp", out, os.path.join(HOME, "web.crt")]).returncode, 0)
        # an existing file is kept without --force, replaced with it
        p = via_option("pki", "export", "ca.crt", out)
        self.assertEqual(p.returncode, 4, p.stderr)
        self.assertEqual(subprocess.run(["cmp", out, os.path.join(HOME, "web.crt")]).returncode, 0)
        p = via_option("pki", "export", "ca.crt", out, "--force")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(subprocess.run(["cmp", out, os.path.join(HOME, "ca.crt")]).returncode, 0)
        # into a directory, as in-process
        p = via_option("pki", "export", "web.csr", OUTSIDE)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(subprocess.run(["cmp", os.path.join(OUTSIDE, "web.csr"),
                                         os.path.join(HOME, "web.csr")]).returncode, 0)

    def test_06b_pkcs12_to_pem(self):
        """pki pkcs12-to-pem through Pkcs12ToPem: the .p12 and the password
        by descriptor; the same output and files as in-process"""
        d = tempfile.mkdtemp(prefix="p12-", dir=OUTSIDE)

        def path(name):
            return os.path.join(d, name)

        openssl_out("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", path("ca.key"), "-out", path("ca.crt"), "-subj", "/CN=P12 CA", "-days", "30",
                    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
        openssl_out("req", "-newkey", "rsa:2048", "-nodes", "-keyout", path("leaf.key"), "-out", path("leaf.csr"),
                    "-subj", "/CN=p12.example.com")
        openssl_out("x509", "-req", "-in", path("leaf.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                    "-set_serial", "7", "-days", "20", "-out", path("leaf.crt"))
        password = "s3cret pass"
        with open(path("pw"), "w") as f:
            f.write(password + "\n")
        with open(path("wrong"), "w") as f:
            f.write("not it\n")
        openssl_out("pkcs12", "-export", "-inkey", path("leaf.key"), "-in", path("leaf.crt"), "-certfile", path("ca.crt"),
                    "-out", path("full.p12"), "-passout", "file:" + path("pw"))
        openssl_out("pkcs12", "-export", "-inkey", path("leaf.key"), "-in", path("leaf.crt"),
                    "-out", path("alone.p12"), "-passout", "pass:")
        names = ("p12.key", "p12.crt", "p12-bundle.crt")
        before = sorted(os.listdir(HOME))

        # refusals first: both stores stay as they were
        for args, expect in ((["pki", "pkcs12-to-pem", path("full.p12"), "p12", "--password-file", path("wrong")], 6),
                             (["pki", "pkcs12-to-pem", path("full.p12"), "p12"], 6),
                             (["pki", "pkcs12-to-pem", path("full.p12"), "p12", "--password-file", path("nopw")], 3),
                             (["pki", "pkcs12-to-pem", path("missing.p12"), "p12", "--password-file", path("pw")], 3),
                             (["pki", "pkcs12-to-pem", path("leaf.crt"), "p12", "--password-file", path("pw")], 6),
                             (["pki", "pkcs12-to-pem", path("full.p12"), "p12.key", "--password-file", path("pw")], 2)):
            p = self.writes_alike(args, expect=expect)
            self.assertNotIn(password, p.stdout + p.stderr)
            self.assertNotIn("PRIVATE KEY", p.stdout + p.stderr)
        self.assertEqual(sorted(os.listdir(HOME)), before)
        self.assertFalse(any(os.path.exists(os.path.join(LOCAL, n)) for n in names))

        p = self.writes_alike(["pki", "pkcs12-to-pem", path("full.p12"), "p12", "--password-file", path("pw")])
        self.assertIn("CA bundle p12-bundle.crt (1 certificate)", p.stdout)
        for name in names:
            there, here = os.path.join(HOME, name), os.path.join(LOCAL, name)
            self.assertEqual(stat.S_IMODE(os.stat(there).st_mode), stat.S_IMODE(os.stat(here).st_mode), name)
            with open(there, "rb") as a, open(here, "rb") as b:
                self.assertEqual(a.read(), b.read(), name)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(HOME, "p12.key")).st_mode), 0o600)
        # the key is the certificate's, the certificate and the bundle are openssl's
        self.assertEqual(openssl_out("pkey", "-in", os.path.join(HOME, "p12.key"), "-pubout"),
                         openssl_out("x509", "-in", os.path.join(HOME, "p12.crt"), "-noout", "-pubkey"))
        self.assertEqual(openssl_out("x509", "-in", os.path.join(HOME, "p12.crt"), "-noout", "-fingerprint", "-sha256"),
                         openssl_out("x509", "-in", path("leaf.crt"), "-noout", "-fingerprint", "-sha256"))
        self.assertEqual(openssl_out("x509", "-in", os.path.join(HOME, "p12-bundle.crt"), "-noout", "-fingerprint", "-sha256"),
                         openssl_out("x509", "-in", path("ca.crt"), "-noout", "-fingerprint", "-sha256"))
        # an existing name: refused without --force, the files unchanged
        with open(os.path.join(HOME, "p12.key"), "rb") as f:
            key_bytes = f.read()
        self.writes_alike(["pki", "pkcs12-to-pem", path("full.p12"), "p12", "--password-file", path("pw")], expect=4)
        with open(os.path.join(HOME, "p12.key"), "rb") as f:
            self.assertEqual(f.read(), key_bytes)
        # no CA inside, the empty password (no terminal to ask), over an older bundle
        p = self.writes_alike(["pki", "pkcs12-to-pem", path("alone.p12"), "p12", "--force"])
        self.assertIn("Note: the older p12-bundle.crt was left as it was", p.stdout)

        # --password-file naming a pipe that is written to late: read as
        # in-process (the cli waits for it), not handed to the daemon as is
        def late(argv):
            proc = subprocess.Popen([CLI] + argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)
            time.sleep(0.5)
            out, err = proc.communicate(password.encode() + b"\n", timeout=120)
            return proc.returncode, out, err

        here = late(["--home", LOCAL, "pki", "pkcs12-to-pem", path("full.p12"), "piped", "--password-file", "/dev/stdin"])
        there = late(["--session-bus", "pki", "pkcs12-to-pem", path("full.p12"), "piped", "--password-file",
                      "/dev/stdin"])
        self.assertEqual(there, here)
        self.assertEqual(here[0], 0, here[2])
        for name in ("piped.key", "piped.crt", "piped-bundle.crt"):
            with open(os.path.join(HOME, name), "rb") as a, open(os.path.join(LOCAL, name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)

        # a password of openssl's that ends in "\r": one line end ("\n" or
        # "\r\n") is stripped, from a file or a pipe, in-process or through
        # the bus, where the cli passes what it read on in a pipe of its own
        openssl_out("pkcs12", "-export", "-inkey", path("leaf.key"), "-in", path("leaf.crt"),
                    "-out", path("cr.p12"), "-passout", "pass:" + password + "\r")
        with open(path("pw-cr"), "w", newline="") as f:
            f.write(password + "\r")
        openssl_out("pkcs12", "-in", path("cr.p12"), "-passin", "file:" + path("pw-cr"), "-noout")

        def piped(argv, data):
            p = subprocess.run([CLI] + argv, input=data, capture_output=True, timeout=120)
            return p.returncode, p.stdout, p.stderr

        for n, (data, p12, expect) in enumerate(((password.encode() + b"\r\r\n", "cr.p12", 0),
                                                 (password.encode() + b"\r", "cr.p12", 0),
                                                 (password.encode() + b"\r\n", "cr.p12", 6),
                                                 (password.encode() + b"\r\n", "full.p12", 0),
                                                 (password.encode() + b"\r", "full.p12", 6))):
            name = "cr%d" % n
            here = piped(["--home", LOCAL, "pki", "pkcs12-to-pem", path(p12), name, "--password-file", "/dev/stdin"],
                         data)
            there = piped(["--session-bus", "pki", "pkcs12-to-pem", path(p12), name, "--password-file",
                           "/dev/stdin"], data)
            self.assertEqual(there, here, (data, p12))
            self.assertEqual(here[0], expect, (data, p12, here[2]))
            # the same bytes in a regular file, which the daemon reads itself
            with open(path("pw-form"), "wb") as f:
                f.write(data)
            self.writes_alike(["pki", "pkcs12-to-pem", path(p12), name + "f", "--password-file", path("pw-form")],
                              expect=expect)

        # the password typed at the prompt of a terminal (script(1)): through
        # the bus it travels in a pipe
        def typed(argv):
            proc = subprocess.Popen(["script", "-qec", " ".join(shlex.quote(a) for a in [CLI] + argv), "/dev/null"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            out = b""
            deadline = time.monotonic() + 60
            while b"Password for" not in out:
                self.assertLess(time.monotonic(), deadline, out)
                chunk = os.read(proc.stdout.fileno(), 4096)
                self.assertNotEqual(chunk, b"", out)
                out += chunk
            # the prompt shows once echo is off: what is typed now is read
            proc.stdin.write(password.encode() + b"\n")
            proc.stdin.flush()
            rest, _ = proc.communicate(timeout=60)
            return proc.returncode, (out + rest).decode()

        if shutil.which("script"):
            here = typed(["--home", LOCAL, "pki", "pkcs12-to-pem", path("full.p12"), "typed"])
            there = typed(["--session-bus", "pki", "pkcs12-to-pem", path("full.p12"), "typed"])
            self.assertEqual(there, here)
            self.assertEqual(here[0], 0, here[1])
            self.assertNotIn(password, here[1])
            for name in ("typed.key", "typed.crt", "typed-bundle.crt"):
                with open(os.path.join(HOME, name), "rb") as a, open(os.path.join(LOCAL, name), "rb") as b:
                    self.assertEqual(a.read(), b.read(), name)
        shutil.rmtree(d, ignore_errors=True)

    def test_07_key_export_refused(self):
        before = sorted(os.listdir(OUTSIDE))
        for name in ("web.key", "imported.key"):
            p = via_option("pki", "export", name, os.path.join(OUTSIDE, "leak.key"))
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("key material never crosses", p.stderr)
            self.assertEqual(p.stdout, "")
        # nothing written, no temporary file left behind
        self.assertEqual(sorted(os.listdir(OUTSIDE)), before)

    def test_08_refusals(self):
        p = run(["--session-bus", "--home", HOME, "pki", "list"])
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, "")
        self.assertEqual(len(p.stderr.splitlines()), 1)
        self.assertIn("--home", p.stderr)
        p = run(["--home", HOME, "pki", "list"], env=dict(os.environ, MEETPKI_BUS="session"))
        self.assertEqual(p.returncode, 2)
        p = run(["pki", "list"], env=dict(os.environ, MEETPKI_BUS="tram"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("MEETPKI_BUS", p.stderr)
        # every command has a method now (node provision was the last):
        # a missing profile fails alike, nothing done
        before = sorted(os.listdir(HOME))
        p = self.same(["node", "provision", os.path.join(OUTSIDE, "profile.conf")], expect=3)
        self.assertIn("profile.conf", p.stderr)
        self.assertEqual(sorted(os.listdir(HOME)), before)

    @unittest.skipUnless(os.geteuid() == 0 and shutil.which("setpriv")
                         and os.path.exists("/usr/share/dbus-1/session.conf"),
                         "needs root and setpriv to call as another user")
    def test_09_another_user_is_refused(self):
        """a bus every user may join: meetpkid still answers its own user
        only, and the cli says so with exit status 77"""
        tmp = tempfile.mkdtemp(prefix="meetpki-bus-uid-")
        os.chmod(tmp, 0o755)
        conf = os.path.join(tmp, "bus.conf")
        with open(conf, "w") as f:
            f.write(ANY_USER_BUS)
        bus = daemon = None
        try:
            bus = subprocess.Popen(["dbus-daemon", "--config-file=" + conf, "--nofork", "--print-address=1"],
                                   stdout=subprocess.PIPE, text=True)
            address = bus.stdout.readline().strip()
            env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address, HOME=tmp)
            daemon = subprocess.Popen([MEETPKID, "--session", "--home", os.path.join(tmp, "store")], env=env)
            deadline = time.monotonic() + 20
            while run(["--session-bus", "pki", "list"], env=env).returncode != 0:
                self.assertIsNone(daemon.poll())
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.1)
            p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                CLI, "--session-bus", "pki", "csr", "x", "CN:x.example.com"],
                               capture_output=True, text=True, timeout=60, env=env)
            self.assertEqual(p.returncode, 77, p.stderr)
            self.assertEqual(p.stdout, "")
            self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
            self.assertIn("refused", p.stderr)
            self.assertFalse(os.path.exists(os.path.join(tmp, "store", "x.key")))
        finally:
            for proc in (daemon, bus):
                if proc is not None and proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=10)
            if bus is not None:
                bus.stdout.close()
            shutil.rmtree(tmp, ignore_errors=True)

    def test_99_daemon_not_running(self):
        self.assertEqual(DAEMON.stop(), 0)
        for p in (via_option("pki", "list"), via_env("pki", "inspect", "web.crt")):
            self.assertEqual(p.returncode, 69, p.stderr)
            self.assertEqual(len(p.stderr.splitlines()), 1)
            self.assertIn("meetpkid is not running", p.stderr)
            self.assertEqual(p.stdout, "")
        # the help of a built-in command never asks the daemon: the same
        # as without a bus, whichever bus is named (the system one may not
        # even exist here)
        for args in (["help", "pki", "csr"], ["pki", "csr", "--help"], ["help"], ["help", "node", "provision"]):
            here = run(args)
            self.assertEqual(here.returncode, 0, here.stderr)
            for there in (run(["--bus"] + args), run(["--session-bus"] + args), via_env(*args)):
                self.assertEqual((there.stdout, there.stderr, there.returncode),
                                 (here.stdout, here.stderr, here.returncode), args)
        # a service's help does: meetpkid is not running
        for p in (via_option("help", "webadmin"), via_env("help", "webadmin")):
            self.assertEqual(p.returncode, 69, p.stderr)
            self.assertIn("meetpkid is not running", p.stderr)
            self.assertEqual(p.stdout, "")
        # no bus at all
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS="unix:path=/nonexistent/bus")
        p = run(["--session-bus", "pki", "list"], env=env)
        self.assertEqual(p.returncode, 69, p.stderr)
        p = run(["--session-bus", "pki", "csr", "--help"], env=env)
        self.assertEqual((p.returncode, p.stdout), (0, run(["pki", "csr", "--help"]).stdout), p.stderr)


EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "examples",
                       "single-node.conf")


def store_files(home):
    """{relative path: (mode, bytes)} of every file and directory in a store"""
    found = {}
    for top, dirs, files in os.walk(home):
        for name in dirs + files:
            path = os.path.join(top, name)
            st = os.lstat(path)
            data = None
            if stat.S_ISREG(st.st_mode):
                with open(path, "rb") as f:
                    data = f.read()
            found[os.path.relpath(path, home)] = (stat.S_IMODE(st.st_mode), data)
    return found


class Provision(unittest.TestCase):
    """`node provision` in-process on a store of its own and through
    Manager1.Provision on the daemon's, restarted on a fresh store: the
    same output and exit status, the same files with the same modes"""
    maxDiff = None

    def setUp(self):
        DAEMON.stop()
        # one clock for both sides again, a little ahead: the CAs openssl
        # makes in a test are valid from the moment they are made
        self.clock = os.environ["MEETPKI_NOW"]
        os.environ["MEETPKI_NOW"] = str(int(time.time()) + 600)
        self.bus_home = tempfile.mkdtemp(prefix="meetpki-prov-bus-")
        self.local_home = tempfile.mkdtemp(prefix="meetpki-prov-local-")
        self.outside = tempfile.mkdtemp(prefix="meetpki-prov-outside-")
        DAEMON.start(self.bus_home)

    def tearDown(self):
        os.environ["MEETPKI_NOW"] = self.clock
        self.assertEqual(DAEMON.stop(), 0)
        for d in (self.bus_home, self.local_home, self.outside):
            shutil.rmtree(d, ignore_errors=True)

    def both(self, *args):
        """in-process on the local store, then through the bus; the lines
        name the live files' directory, the store's own path, which is the
        one thing that differs between the twins: it is normalised, and
        nothing else (MEETPKI_NOW fixes the dates; provisioning prints no
        fingerprint or serial)"""
        here = local(*args, home=self.local_home)
        there = via_option(*args)
        for p, home in ((here, self.local_home), (there, self.bus_home)):
            p.stdout = p.stdout.replace(home, "<store>")
            p.stderr = p.stderr.replace(home, "<store>")
        self.assertEqual(there.stdout, here.stdout, args)
        self.assertEqual(there.stderr, here.stderr, args)
        self.assertEqual(there.returncode, here.returncode, args)
        self.assertNotIn("PRIVATE KEY", there.stdout + there.stderr)
        return here

    def assert_same_files(self):
        here = {k: v[0] for k, v in store_files(self.local_home).items()}
        there = {k: v[0] for k, v in store_files(self.bus_home).items()}
        self.assertEqual(there, here)
        return there

    def verify_applied(self, cafile, untrusted=None, count=7):
        """every live certificate of the bus store verifies with openssl"""
        certs = [os.path.join(top, n) for top, _, files in os.walk(os.path.join(self.bus_home, "services"))
                 for n in files if n in ("cert.pem", "server-cert.pem", "client-cert.pem")]
        self.assertEqual(len(certs), count, certs)
        for crt in certs:
            extra = ["-untrusted", untrusted] if untrusted else []
            p = openssl("verify", "-attime", os.environ["MEETPKI_NOW"], "-CAfile", cafile, *extra, crt)
            self.assertEqual(p.returncode, 0, crt + ": " + p.stderr)

    def test_00_single_node_alike(self):
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        signals = []
        sub = bus.signal_subscribe(None, "io.meetpki.Manager1", None, "/io/meetpki/Manager1", None,
                                   Gio.DBusSignalFlags.NONE,
                                   lambda c, s, p, i, name, params: signals.append((name, params.unpack())))
        listed_while_running = False
        try:
            here = local("node", "provision", EXAMPLE, home=self.local_home)
            self.assertEqual(here.returncode, 0, here.stderr)
            proc = subprocess.Popen([CLI, "--session-bus", "node", "provision", EXAMPLE], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
            ctx = GLib.MainContext.default()
            deadline = time.monotonic() + 240
            while proc.poll() is None and time.monotonic() < deadline:
                ctx.iteration(False)
                started = ("Progress", ("Provision", EXAMPLE, "started")) in signals
                finished = ("Progress", ("Provision", EXAMPLE, "finished")) in signals
                if started and not finished and not listed_while_running:
                    # the daemon answers List while Provision runs in its worker
                    reply = bus.call_sync(BUS_NAME, "/io/meetpki/Manager1", "io.meetpki.Manager1", "List", None,
                                          GLib.VariantType("(a{sv})"), Gio.DBusCallFlags.NONE, 30000, None)
                    self.assertIsNotNone(reply)
                    ctx.iteration(False)
                    listed_while_running = ("Progress", ("Provision", EXAMPLE, "finished")) not in signals
                time.sleep(0.01)
            out, err = proc.communicate(timeout=60)
            # the daemon sent "finished" before its reply, but on its way to
            # this connection it may still be in GDBus's thread when the cli
            # has its reply and exits: wait for it (bounded), then drain
            deadline = time.monotonic() + 30
            while (proc.returncode == 0 and ("Progress", ("Provision", EXAMPLE, "finished")) not in signals
                   and time.monotonic() < deadline):
                ctx.iteration(False)
                time.sleep(0.01)
            while ctx.iteration(False):
                pass
        finally:
            bus.signal_unsubscribe(sub)
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(out.replace(self.bus_home, "<store>"), here.stdout.replace(self.local_home, "<store>"))
        self.assertEqual(err, here.stderr)
        self.assertTrue(listed_while_running, signals)
        stages = [p[2] for name, p in signals if name == "Progress" and p[0] == "Provision"]
        self.assertEqual(stages, ["started", "webadmin", "callbridge", "webbridge", "xmpp", "turn", "database",
                                  "check", "finished"])
        self.assertNotIn("PRIVATE KEY", repr(signals) + out + err)
        # each service's new status, as after a Service1 call, before "finished"
        changed = {p[0]: p[1] for name, p in signals[:signals.index(("Progress", ("Provision", EXAMPLE, "finished")))]
                   if name == "ServiceChanged"}
        self.assertEqual(sorted(changed), ["callbridge", "database", "turn", "webadmin", "webbridge", "xmpp"])
        for name, status in changed.items():
            self.assertEqual(status["state"], "enabled", name)
        files = self.assert_same_files()
        self.assertEqual(files["example-ca.key"], 0o600)
        self.assertEqual(files["services/webadmin/key.pem"], 0o600)
        self.verify_applied(os.path.join(self.bus_home, "example-ca.crt"))
        # again: a renewal under new names, alike
        self.both("node", "provision", EXAMPLE)
        self.assert_same_files()
        # a dry run writes nothing, alike
        before = store_files(self.bus_home)
        p = self.both("node", "provision", EXAMPLE, "--dry-run", "--key-type", "ec:p256")
        self.assertIn("would run: database cluster initialize", p.stdout)
        self.assertEqual(store_files(self.bus_home), before)

    def make_ca(self):
        """a root and an intermediate CA made by openssl, outside the stores"""
        o = self.outside
        for args in (["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                      "-keyout", "root.key", "-out", "root.crt", "-days", "3650", "-subj", "/CN=Outside Root",
                      "-addext", "basicConstraints=critical,CA:TRUE",
                      "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
                     ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                      "-keyout", "inter.key", "-out", "inter.csr", "-subj", "/CN=Outside Intermediate"]):
            p = subprocess.run(["openssl"] + args, cwd=o, capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(o, "ext.cnf"), "w") as f:
            f.write("basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n"
                    "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n")
        p = subprocess.run(["openssl", "x509", "-req", "-in", "inter.csr", "-CA", "root.crt", "-CAkey", "root.key",
                            "-CAcreateserial", "-days", "3650", "-extfile", "ext.cnf", "-out", "inter.crt"],
                           cwd=o, capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)

    def write_profile(self, name, ca, services=None, edit=None):
        with open(EXAMPLE) as f:
            text = f.read()
        if edit is not None:
            text = text.replace(*edit)
        if services is not None:
            text = text.replace("enable=webadmin;callbridge;webbridge;xmpp;turn;database", "enable=" + services)
        start = text.index("[ca]")
        end = text.index("[certificates]")
        path = os.path.join(self.outside, name)
        with open(path, "w") as f:
            f.write(text[:start] + ca + "\n" + text[end:])
        return path

    def test_01_existing_ca_from_outside_files(self):
        self.make_ca()
        # paths relative to the profile's directory, as in-process
        # the database is left out: provisioning gives its ca role the CA's
        # certificate alone, which is not enough below a root (in-process too)
        profile = self.write_profile("existing.conf", "[ca]\nmode=existing\nname=outside-ca\n"
                                     "key=inter.key\ncert=inter.crt\nbundle=root.crt\n",
                                     "webadmin;callbridge;webbridge;xmpp;turn")
        p = self.both("node", "provision", profile)
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout[-3000:])
        self.assertIn("SUCCESS: imported the CA outside-ca.crt", p.stdout)
        self.assertIn("CA bundle outside-ca-bundle.crt (2 certificates, root last)", p.stdout)
        files = self.assert_same_files()
        self.assertEqual(files["outside-ca.key"], 0o600)
        with open(os.path.join(self.outside, "inter.crt"), "rb") as f:
            self.assertEqual(store_files(self.bus_home)["outside-ca.crt"][1], f.read())
        self.verify_applied(os.path.join(self.outside, "root.crt"), os.path.join(self.outside, "inter.crt"), 5)
        # the root itself as the CA, for every service
        shutil.rmtree(self.local_home)
        os.mkdir(self.local_home)
        self.assertEqual(DAEMON.stop(), 0)
        shutil.rmtree(self.bus_home)
        os.mkdir(self.bus_home)
        DAEMON.start(self.bus_home)
        profile = self.write_profile("root.conf", "[ca]\nmode=existing\nname=root-ca\nkey=root.key\n"
                                     "cert=root.crt\n")
        p = self.both("node", "provision", os.path.relpath(profile))
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout[-3000:])
        self.assert_same_files()
        self.verify_applied(os.path.join(self.outside, "root.crt"))

    def test_02_bad_profiles_alike_and_nothing_written(self):
        self.make_ca()
        cases = [
            # a typo in a group's keys
            (self.write_profile("typo.conf", "[ca]\nmode=local\nname=x-ca\ncolour=blue\n"), 6,
             "[ca] has no key 'colour'"),
            # a CA file that is not there
            (self.write_profile("missing.conf", "[ca]\nmode=existing\nname=x-ca\nkey=nosuch.key\n"
                                "cert=inter.crt\n"), 3, "nosuch.key: No such file or directory"),
            (self.write_profile("nobundle.conf", "[ca]\nmode=existing\nname=x-ca\nkey=inter.key\n"
                                "cert=inter.crt\nbundle=gone.crt\n"), 3, "gone.crt"),
            (self.write_profile("nokey.conf", "[ca]\nmode=existing\nname=x-ca\ncert=inter.crt\n"), 6,
             "needs key= and cert="),
            # a service no plugin provides, in [names] too
            (self.write_profile("names.conf", "[ca]\nname=x-ca\n[names]\nwebadmn=wa\n"), 6,
             "did you mean webadmin?"),
            (os.path.join(self.outside, "nosuch.conf"), 3, "nosuch.conf"),
            # a bad value after good ones: no fact is written either
            (self.write_profile("role.conf", "[ca]\nname=x-ca\n",
                                edit=("database-role=primary", "database-role=boss")), 2,
             "database-role: 'boss' is not one of primary, joined, connected"),
        ]
        # on an empty store and on a provisioned one
        for provisioned in (False, True):
            if provisioned:
                self.both("node", "provision", EXAMPLE)
            before_bus = store_files(self.bus_home)
            before_local = store_files(self.local_home)
            for profile, status, words in cases:
                p = self.both("node", "provision", profile)
                self.assertEqual(p.returncode, status, p.stderr)
                self.assertEqual(len(p.stderr.splitlines()), 1, p.stderr)
                self.assertIn(words, p.stderr)
                self.assertEqual(store_files(self.bus_home), before_bus, profile)
                self.assertEqual(store_files(self.local_home), before_local, profile)

    def test_03_the_method_itself(self):
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)

        def call(text, options):
            return bus.call_sync(BUS_NAME, "/io/meetpki/Manager1", "io.meetpki.Manager1", "Provision",
                                 GLib.Variant("(sa{sv})", (text, options)), GLib.VariantType("(asu)"),
                                 Gio.DBusCallFlags.NONE, 300000, None).unpack()

        with open(EXAMPLE) as f:
            text = f.read()
        lines, warnings = call(text, {"dry-run": GLib.Variant("b", True)})
        self.assertIn("would run: database cluster initialize", lines)
        self.assertEqual(warnings, 0)
        # an existing CA's files come by descriptor, or the call is refused
        for options, words in (({}, "option 'ca-key-fd' is required"),
                               ({"ca-key-fd": GLib.Variant("h", 0)}, "no such passed file descriptor"),
                               ({"bogus": GLib.Variant("b", True)}, "bogus")):
            with self.assertRaises(GLib.Error) as e:
                call("[node]\nserver-fqdn=cms1.example.com\n[ca]\nmode=existing\nkey=/k\ncert=/c\n", options)
            self.assertIn("io.meetpki.Error.InvalidArgs", e.exception.message)
            self.assertIn(words, e.exception.message)
        with self.assertRaises(GLib.Error) as e:
            call("[node]\nserver-fqdn=cms1.example.com\n[ca]\nmode=local\n", {"ca-cert-fd": GLib.Variant("h", 0)})
        self.assertIn("the profile names no such file", e.exception.message)
        self.assertEqual(os.listdir(self.bus_home), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
