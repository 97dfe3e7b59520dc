#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# every method of meetpkid, called with `gdbus call` (the tool a shell
# script or another desktop would use), in one walk over a fresh store:
# GetVersion to Cluster1.Remove, then Provision.  Each reply is parsed back
# into a GVariant and checked on what it did: openssl reads the keys, CSRs,
# certificates and chains the calls wrote, an `openssl s_server` on
# 127.0.0.1 answers Probe, and the cli run on the same store (or, for
# Provision, on a copy of it) agrees with MatchFiles, Pkcs12ToPem,
# FixBundleJson, ClusterStatusJson and Provision.  gdbus passes a
# descriptor for a top-level handle argument only, never for one inside
# the a{sv} options: the options that take one (MatchFiles' key-fd and
# certificate-fd, Pkcs12ToPem's password-fd, Provision's ca-*-fd) are
# reached from python-gi in test_dbus.py and test_cli_bus.py, not here.
# The set of methods walked must equal the set the daemon introspects, so
# a method added to an interface without a gdbus call here fails this
# test.  No reply may carry private key material.

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

from gi.repository import GLib

import meetpkid_test
from meetpkid_test import openssl_out, run_cli, serve_tls

BUS_NAME = "io.meetpki.Manager1"
MANAGER = "/io/meetpki/Manager1"
SERVICES = MANAGER + "/services"

MEETPKID = os.environ["MEETPKID"]
CLI = os.environ["MEETPKI_CLI"]

HOME = None
OUTSIDE = None
DAEMON = meetpkid_test.Daemon(MEETPKID)
REPLIES = []
CALLED = set()


def setUpModule():
    global HOME, OUTSIDE
    # one clock for the daemon and the cli, so days_left cannot tick between
    # the two answers (certificates are still valid for openssl's clock)
    os.environ["MEETPKI_NOW"] = str(int(time.time()))
    HOME = tempfile.mkdtemp(prefix="meetpkid-gdbus-")
    OUTSIDE = tempfile.mkdtemp(prefix="meetpkid-gdbus-out-")
    DAEMON.start(HOME)


def tearDownModule():
    DAEMON.finish(HOME, OUTSIDE)


def interface_of(path, method):
    if path == MANAGER:
        return "io.meetpki.Manager1"
    if method.startswith("Cluster1."):
        return "io.meetpki.Cluster1"
    return "io.meetpki.Service1"


def is_open(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def gdbus(path, method, *args, fds=None, signature=None, error=None):
    """`gdbus call` of @method on @path; @fds maps a descriptor number of
    gdbus to a file it inherits (a handle argument names that number; one
    free in this process too: GLib's own are the low ones, hence 20 up).
    Returns the reply as an unpacked tuple (parsed with @signature), or,
    when @error is given, checks the call failed with that D-Bus error and
    returns its message."""
    iface = interface_of(path, method)
    name = method.split(".")[-1]
    CALLED.add((iface, name))
    for num, (filename, mode) in (fds or {}).items():
        assert not is_open(num), "descriptor %d is in use here" % num
        with open(filename, mode) as f:
            fd = os.dup(f.fileno())
        if fd == num:
            os.set_inheritable(num, True)
        else:
            os.dup2(fd, num, inheritable=True)
            os.close(fd)
    try:
        p = subprocess.run(["gdbus", "call", "--session", "--dest", BUS_NAME, "--object-path", path,
                            "--method", iface + "." + name] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=120,
                           pass_fds=tuple((fds or {}).keys()))
    finally:
        for num in (fds or {}):
            os.close(num)
    REPLIES.append(p.stdout + p.stderr)
    if error is not None:
        assert p.returncode != 0, "%s succeeded: %s" % (name, p.stdout)
        assert "GDBus.Error:io.meetpki.Error." + error + ":" in p.stderr, p.stderr
        return p.stderr.split("GDBus.Error:io.meetpki.Error." + error + ":", 1)[1].strip().splitlines()[0]
    assert p.returncode == 0, "gdbus %s %s failed: %s" % (name, args, p.stderr)
    if signature is None:
        assert p.stdout.strip() == "()", p.stdout
        return ()
    return GLib.Variant.parse(GLib.VariantType(signature), p.stdout.strip(), None, None).unpack()


def store(name):
    return os.path.join(HOME, name)


def cli(*args, home=None):
    """the cli in-process on @home (the daemon's store by default)"""
    return run_cli(home or HOME, *args)


def text_arg(value):
    """@value as gdbus reads a string argument: GVariant text, quoted"""
    return GLib.Variant("s", value).print_(False)


def read(path, mode="rb"):
    with open(path, mode) as f:
        return f.read()


def sha256_fingerprint(path):
    out = openssl_out("x509", "-in", path, "-noout", "-fingerprint", "-sha256")
    return out.strip().split("=", 1)[1].replace(":", "").lower()


def introspected(path):
    """(interface, method) of our interfaces on @path"""
    xml, = GLib.Variant.parse(GLib.VariantType("(s)"), subprocess.run(
        ["gdbus", "call", "--session", "--dest", BUS_NAME, "--object-path", path,
         "--method", "org.freedesktop.DBus.Introspectable.Introspect"],
        capture_output=True, text=True, check=True, timeout=60).stdout.strip(), None, None).unpack()
    from gi.repository import Gio
    node = Gio.DBusNodeInfo.new_for_xml(xml)
    return {(i.name, m.name) for i in node.interfaces if i.name.startswith("io.meetpki.") for m in i.methods}


def carries_key(pem, text):
    """whether @text holds material of the private key @pem: a slice from
    the middle of its base64 (the start is the PKCS#8 header, the same in
    every key of a type), wherever lines break in @text"""
    body = "".join(l for l in pem.splitlines() if not l.startswith("-----"))
    middle = len(body) // 2
    return body[middle - 32:middle] in text.replace("\\n", "").replace("\n", "")


class KeyLeakCheck(unittest.TestCase):
    """carries_key() catches a key's material, not the header two keys share"""

    def test_carries_key(self):
        keys = []
        for n, algorithm in enumerate(("ec", "ec", "rsa", "rsa")):
            path = os.path.join(OUTSIDE, "leak%d.key" % n)
            openssl_out("genpkey", "-algorithm", algorithm, "-pkeyopt",
                        "ec_paramgen_curve:P-256" if algorithm == "ec" else "rsa_keygen_bits:2048", "-out", path)
            keys.append(read(path, "r"))
        for key, other in ((keys[0], keys[1]), (keys[2], keys[3])):
            lines = key.splitlines()
            # the PEM as gdbus prints a reply that holds it
            self.assertTrue(carries_key(key, GLib.Variant("(s)", (key,)).print_(True)))
            # its base64 without the PEM lines, without the header
            body = "".join(lines[1:-1])
            self.assertTrue(carries_key(key, "x" + body[len(body) // 4:]))
            # another fresh key of the same type, whose header is the same
            self.assertFalse(carries_key(key, other))
            self.assertFalse(carries_key(key, GLib.Variant("(s)", (other,)).print_(True)))


class ServeTls(unittest.TestCase):
    """meetpkid_test.serve_tls(): a server that dies is told at once, with
    openssl's words; a server that ran is stopped, also after a failure"""

    def test_serve_tls(self):
        missing = os.path.join(OUTSIDE, "missing.key")
        started = time.monotonic()
        with self.assertRaises(AssertionError) as e:
            with serve_tls(missing.replace(".key", ".crt"), missing):
                self.fail("served without a key")
        self.assertLess(time.monotonic() - started, 5)
        self.assertIn("openssl s_server exited", str(e.exception))
        self.assertIn(missing, str(e.exception))

        key, crt = os.path.join(OUTSIDE, "tls.key"), os.path.join(OUTSIDE, "tls.crt")
        openssl_out("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", crt, "-subj", "/CN=localhost", "-days", "1")
        for fail in (False, True):
            try:
                with serve_tls(crt, key) as address:
                    host, port = address.rsplit(":", 1)
                    socket.create_connection((host, int(port)), timeout=5).close()
                    if fail:
                        raise KeyError("inside")
            except KeyError:
                pass
            with self.assertRaises(OSError):
                socket.create_connection((host, int(port)), timeout=5).close()


class EveryMethod(unittest.TestCase):

    def test_every_method_with_gdbus(self):
        self.manager()
        self.match_files()
        self.pkcs12_to_pem()
        self.fix_bundle()
        self.webadmin()
        self.trust()
        self.database()
        # webadmin and database applied, webbridge's trust store installed:
        # their files checked, both ways
        result = self.check()
        self.assertEqual(sorted(result["services"]), ["database", "webadmin", "webbridge"])
        self.assertEqual(result["errors"], 0, result)
        self.assertIn("warning", [f["severity"] for f in result["findings"]])
        self.provision()
        want = introspected(MANAGER) | introspected(SERVICES + "/webadmin") | introspected(SERVICES + "/database")
        self.assertEqual(sorted(want - CALLED), [], "methods no gdbus call here reaches")
        self.assertEqual(sorted(CALLED - want), [], "methods called here the daemon does not have")
        for text in REPLIES:
            self.assertNotIn("PRIVATE KEY", text)
        for key in ("ca.key", "web.key", "wa.key", "p12web.key", "prov-ca.key", "webadmin.key"):
            for text in REPLIES:
                self.assertFalse(carries_key(read(store(key), "r"), text), "%s in a reply: %s" % (key, text))

    def manager(self):
        version = subprocess.run([CLI, "--version"], capture_output=True, text=True, check=True).stdout.split()[-1]
        self.assertEqual(gdbus(MANAGER, "GetVersion", signature="(s)"), (version,))

        gdbus(MANAGER, "SetNodeFact", "server-fqdn", "cms1.example.com")
        self.assertEqual(gdbus(MANAGER, "NodeFacts", signature="(a{sv})")[0]["server-fqdn"], "cms1.example.com")
        facts = json.loads(gdbus(MANAGER, "NodeFactsJson", signature="(s)")[0])
        self.assertEqual(facts["server-fqdn"], "cms1.example.com")

        gdbus(MANAGER, "SelfSigned", "ca", "['CN:Every CA', 'O:Example']", "{'days': <uint32 100>}",
              signature="(as)")
        self.assertIn("CA:TRUE", openssl_out("x509", "-in", store("ca.crt"), "-noout", "-text"))
        self.assertEqual(os.stat(store("ca.key")).st_mode & 0o777, 0o600)

        gdbus(MANAGER, "GenerateCsr", "web", "['CN:cms1.example.com']", "{'key-type': <'ec:p256'>}",
              signature="(as)")
        openssl_out("req", "-in", store("web.csr"), "-noout", "-verify")

        gdbus(MANAGER, "Sign", "web", "ca", "{}", signature="(as)")
        self.assertIn("OK", openssl_out("verify", "-CAfile", store("ca.crt"), store("web.crt")))

        desc = gdbus(MANAGER, "Inspect", "web.crt", signature="(a{sv})")[0]
        self.assertIn("cms1.example.com", json.dumps(desc))
        self.assertIn(sha256_fingerprint(store("web.crt")), json.dumps(desc).lower().replace(":", ""))
        inspected = json.loads(gdbus(MANAGER, "InspectJson", "web.crt", "{}", signature="(s)")[0])
        self.assertIn(sha256_fingerprint(store("web.crt")), json.dumps(inspected).lower().replace(":", ""))

        gdbus(MANAGER, "Match", "web.key", "web.crt")
        # the key openssl derives from web.key is the certificate's: the
        # reply above is not an accident
        self.assertEqual(openssl_out("pkey", "-in", store("web.key"), "-pubout"),
                         openssl_out("x509", "-in", store("web.crt"), "-noout", "-pubkey"))
        gdbus(MANAGER, "Match", "ca.key", "web.crt", error="Mismatch")

        result = gdbus(MANAGER, "Verify", "web.crt", "ca.crt", "{}", signature="(a{sv})")[0]
        self.assertIn("Every CA", json.dumps(result))
        verified = json.loads(gdbus(MANAGER, "VerifyJson", "web.crt", "ca.crt", "{}", signature="(s)")[0])
        self.assertIn("Every CA", json.dumps(verified))

        listing = gdbus(MANAGER, "List", signature="(a{sv})")[0]
        self.assertIn("web.crt", json.dumps(listing))
        listed = json.loads(gdbus(MANAGER, "ListJson", signature="(s)")[0])
        self.assertIn("web.csr", json.dumps(listed))

        count, _ = gdbus(MANAGER, "BuildBundle", "web.crt", "['ca.crt']", "chain.pem", "{}", signature="(uas)")
        self.assertEqual(count, 2)
        self.assertIn("OK", openssl_out("verify", "-CAfile", store("ca.crt"), "-untrusted", store("chain.pem"),
                                        store("web.crt")))
        with open(store("chain.pem")) as f:
            self.assertEqual(f.read().count("BEGIN CERTIFICATE"), 2)
        built = json.loads(gdbus(MANAGER, "BuildBundleJson", "web.crt", "['ca.crt']", "chain2.pem", "{}",
                                 signature="(s)")[0])
        self.assertIsInstance(built, dict)
        with open(store("chain.pem")) as a, open(store("chain2.pem")) as b:
            self.assertEqual(a.read(), b.read())

        report = gdbus(MANAGER, "CheckBundle", "chain.pem", "{}", signature="(a{sv})")[0]
        self.assertEqual(report["errors"], 0)
        checked = json.loads(gdbus(MANAGER, "CheckBundleJson", "chain.pem", "{}", signature="(s)")[0])
        self.assertEqual(checked["errors"], 0)

        services = gdbus(MANAGER, "ListServices", signature="(aa{sv})")[0]
        self.assertEqual(sorted(s["name"] for s in services),
                         ["callbridge", "database", "turn", "webadmin", "webbridge", "xmpp"])
        listed, directory = gdbus(MANAGER, "ListServicesJson", signature="(ss)")
        self.assertTrue(os.path.isdir(directory), directory)
        self.assertIn("webadmin", listed)
        status = json.loads(gdbus(MANAGER, "ServiceStatusJson", "webadmin", signature="(s)")[0])
        self.assertEqual(status["state"], "disabled")

        # a certificate openssl made outside the store comes in by descriptor
        outside_key = os.path.join(OUTSIDE, "o.key")
        outside_crt = os.path.join(OUTSIDE, "o.crt")
        openssl_out("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", outside_key, "-out", outside_crt,
                    "-subj", "/CN=outside.example.com", "-days", "30")
        stored, kind, count = gdbus(MANAGER, "Import", "o.crt", 20, "{}", fds={20: (outside_crt, "rb")},
                                    signature="(ssu)")
        self.assertEqual((stored, count), ("o.crt", 1), kind)
        self.assertEqual(sha256_fingerprint(store("o.crt")), sha256_fingerprint(outside_crt))

        exported = os.path.join(OUTSIDE, "web-copy.crt")
        gdbus(MANAGER, "Export", "web.crt", 21, "{}", fds={21: (exported, "wb")})
        with open(exported, "rb") as a, open(store("web.crt"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        refused = os.path.join(OUTSIDE, "web-copy.key")
        message = gdbus(MANAGER, "Export", "web.key", 21, "{}", fds={21: (refused, "wb")}, error="InvalidArgs")
        self.assertIn("key", message)
        self.assertEqual(os.path.getsize(refused), 0)

        # nothing applied yet: no service to check, both ways
        self.assertEqual(self.check()["services"], [])

    def webadmin(self):
        wa = SERVICES + "/webadmin"
        status = gdbus(wa, "GetStatus", signature="(a{sv})")[0]
        self.assertEqual((status["service"], status["state"]), ("webadmin", "disabled"))

        lines = gdbus(wa, "GenerateCsr", "wa", "{}", signature="(as)")[0]
        self.assertIn("wa: CN:cms1.example.com subjectAltName:cms1.example.com", lines)
        openssl_out("req", "-in", store("wa.csr"), "-noout", "-verify")
        gdbus(MANAGER, "Sign", "wa", "ca", "{}", signature="(as)")

        gdbus(wa, "SetBackend", "embedded", "@as []", "{}", signature="(as)")
        files = "['wa.key', 'wa.crt', 'ca.crt']"
        lines = gdbus(wa, "ApplyCertificates", files, "{}", signature="(as)")[0]
        self.assertIn("SUCCESS: Key and certificate pair match", lines)
        live = os.path.join(HOME, "services", "webadmin")
        self.assertIn("OK", openssl_out("verify", "-CAfile", os.path.join(live, "bundle.pem"),
                                        os.path.join(live, "cert.pem")))
        self.assertEqual(sha256_fingerprint(os.path.join(live, "cert.pem")), sha256_fingerprint(store("wa.crt")))

        self.assertEqual(gdbus(wa, "Enable", "{}", signature="(as)")[0][-1], "SUCCESS: webadmin enabled")
        self.assertIn("SUCCESS: webadmin restarted", gdbus(wa, "Restart", "{}", signature="(as)")[0])
        gdbus(wa, "Disable", "{}", signature="(as)")
        self.assertEqual(gdbus(wa, "GetStatus", signature="(a{sv})")[0]["state"], "disabled")
        lines = gdbus(wa, "Apply", files, "{}", signature="(as)")[0]
        self.assertIn("webadmin apply sequence: disable -> certs -> enable", lines)
        self.assertEqual(gdbus(wa, "GetStatus", signature="(a{sv})")[0]["state"], "enabled")
        # the second apply kept the first for a rollback: the same files back
        gdbus(wa, "Rollback", "{}", signature="(as)")
        self.assertEqual(sha256_fingerprint(os.path.join(live, "cert.pem")), sha256_fingerprint(store("wa.crt")))
        # the same two as one object each, built from the engine's reports
        applied = json.loads(gdbus(wa, "ApplyJson", files, "{}", signature="(s)")[0])
        self.assertEqual([(s["step"], s["outcome"]) for s in applied["steps"]],
                         [("disable", "ok"), ("certs", "ok"), ("enable", "ok")])
        self.assertEqual(applied["applied"][1]["sha256"],
                         openssl_out("dgst", "-sha256", "-r", os.path.join(live, "cert.pem")).split()[0])
        back = json.loads(gdbus(wa, "RollbackJson", "{}", signature="(s)")[0])
        self.assertEqual((back["command"], back["verdict"], back["error"]), ("rollback", "applied", None))
        self.assertEqual(sha256_fingerprint(os.path.join(live, "cert.pem")), sha256_fingerprint(store("wa.crt")))
        certs = json.loads(gdbus(wa, "ApplyCertificatesJson", files, "{'dry-run': <true>}", signature="(s)")[0])
        self.assertEqual((certs["command"], certs["verdict"], certs["steps"]),
                         ("certs", "dry-run", [{"step": "certs", "outcome": "would-run", "message": None}]))

        # a real TLS server on loopback serving the live files answers Probe
        with serve_tls(os.path.join(live, "cert.pem"), os.path.join(live, "key.pem"), "-www") as address:
            gdbus(wa, "SetEndpoint", address, "{}", signature="(as)")
            self.assertEqual(gdbus(wa, "GetStatus", signature="(a{sv})")[0]["endpoint"]["address"], address)
            _, probed = gdbus(wa, "Probe", "", "{}", signature="(ass)")
            probed = json.loads(probed)
            self.assertTrue(probed["ok"], probed)
            self.assertIn(sha256_fingerprint(store("wa.crt")), json.dumps(probed).lower().replace(":", ""))
        gdbus(wa, "SetEndpoint", "none", "{}", signature="(as)")

    def trust(self):
        wb = SERVICES + "/webbridge"
        # the CA that signed web.crt, as the C2W trust store; openssl
        # verifies the certificate against what the daemon installed
        lines = gdbus(wb, "InstallTrust", "c2w", "ca.crt", "{}", signature="(as)")[0]
        self.assertIn("SUCCESS: ca.crt: 1 CA certificate (CA:TRUE)", lines)
        live = os.path.join(HOME, "services", "webbridge", "trust-c2w.pem")
        self.assertIn("OK", openssl_out("verify", "-CAfile", live, store("web.crt")))
        status = gdbus(wb, "GetStatus", signature="(a{sv})")[0]
        self.assertEqual([(t["store"], t["file"], t["live"]) for t in status["trust"]],
                         [("c2w", "ca.crt", "trust-c2w.pem")])
        # an entity certificate is no CA: refused, the file as it was
        with open(live, "rb") as f:
            before = f.read()
        message = gdbus(wb, "InstallTrust", "c2w", "web.crt", "{}", error="VerifyFailed")
        self.assertIn("nothing was changed", message)
        with open(live, "rb") as f:
            self.assertEqual(f.read(), before)
        gdbus(wb, "InstallTrust", "nosuch", "ca.crt", "{}", error="InvalidArgs")

    def database(self):
        db = SERVICES + "/database"
        status = gdbus(db, "Cluster1.GetStatus", signature="(a{sv})")[0]
        self.assertEqual(status["status"], "Not in a database cluster")
        self.assertEqual(gdbus(db, "Cluster1.SetLocalNode", "a", signature="(as)")[0],
                         ["database cluster uses interface a on this node"])

        gdbus(MANAGER, "SetNodeFact", "database-role", "primary")
        gdbus(db, "GenerateCsr", "db", "{}", signature="(as)")
        for n in ("dbserver", "dbclient"):
            gdbus(MANAGER, "Sign", n, "ca", "{}", signature="(as)")
        files = "['dbserver.key', 'dbserver.crt', 'dbclient.key', 'dbclient.crt', 'ca.crt']"
        certs = json.loads(gdbus(db, "ApplyCertificatesJson", files, "{}", signature="(s)")[0])
        self.assertEqual((certs["command"], certs["verdict"], certs["steps"][0]["outcome"]),
                         ("cluster certs", "applied", "ok"))
        self.assertIn("OK", openssl_out("verify", "-CAfile", store("ca.crt"),
                                        os.path.join(HOME, "services", "database", "server-cert.pem")))
        self.assertIn("postgres", openssl_out("x509", "-in", os.path.join(HOME, "services", "database",
                                                                       "client-cert.pem"), "-noout", "-subject"))

        gdbus(db, "Cluster1.Initialize", "{}", signature="(as)")
        self.assertEqual(gdbus(db, "Cluster1.GetStatus", signature="(a{sv})")[0]["status"], "Connected Primary")
        self.assertEqual(self.cluster_status()["status"], "Connected Primary")
        gdbus(db, "Cluster1.Remove", "{}", error="InvalidArgs")
        gdbus(db, "Cluster1.Remove", "{'yes': <true>}", signature="(as)")
        self.assertEqual(gdbus(db, "Cluster1.GetStatus", signature="(a{sv})")[0]["state"], "none")
        # out of the cluster: nulls in the text, left out of GetStatus
        self.assertIsNone(self.cluster_status()["primary"])
        message = gdbus(MANAGER, "ClusterStatusJson", "nosuch", error="NotFound")
        self.assertEqual(message, "no service 'nosuch' is loaded")

        for method in ("Join", "Connect"):
            gdbus(db, "Cluster1." + method, "cms2.example.com", "{}", signature="(as)")
            self.assertNotEqual(gdbus(db, "Cluster1.GetStatus", signature="(a{sv})")[0]["state"], "none")
            gdbus(db, "Cluster1.Remove", "{'yes': <true>}", signature="(as)")
            self.assertEqual(gdbus(db, "Cluster1.GetStatus", signature="(a{sv})")[0]["state"], "none")

    def check(self):
        """Manager1.Check: the result `check --json` prints on the same
        store, with the daemon's default threshold (30 days, the cli's
        too) and with a --warn-days of 400 (the certificates here expire
        sooner: warnings)"""
        for options, args in (("{}", []), ("{'warn-days': <uint32 400>}", ["--warn-days", "400"])):
            result = gdbus(MANAGER, "Check", options, signature="(a{sv})")[0]
            p = cli("check", "--json", *args)
            expect = 1 if result["errors"] else 10 if result["warnings"] else 0
            self.assertEqual(p.returncode, expect, p.stderr)
            self.assertEqual(result, json.loads(p.stdout), options)
        return result

    def cluster_status(self):
        """Manager1.ClusterStatusJson: the text `database cluster status
        --json` prints on the same store, nulls included; without them the
        dictionary Cluster1.GetStatus returns"""
        text, = gdbus(MANAGER, "ClusterStatusJson", "database", signature="(s)")
        p = cli("database", "cluster", "status", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(text + "\n", p.stdout)
        status = json.loads(text)
        self.assertEqual(gdbus(SERVICES + "/database", "Cluster1.GetStatus", signature="(a{sv})")[0],
                         {k: v for k, v in status.items() if v is not None})
        return status

    def match_files(self):
        # MatchFiles with store names, as the cli's `pki match` on the store
        gdbus(MANAGER, "MatchFiles", "web.key", "web.crt", "{}")
        self.assertEqual(cli("pki", "match", "web.key", "web.crt").returncode, 0)
        message = gdbus(MANAGER, "MatchFiles", "ca.key", "web.crt", "{}", error="Mismatch")
        p = cli("pki", "match", "ca.key", "web.crt")
        self.assertEqual(p.returncode, 1)
        self.assertIn(message, p.stdout + p.stderr)
        # a file outside the store comes in by descriptor only, in the
        # options ("key-fd", "certificate-fd": handles inside a{sv}).  gdbus
        # passes a descriptor for a top-level handle argument only, and
        # MatchFiles has none: that arm cannot be reached with gdbus (it is
        # with python-gi in test_dbus.py, and by `meetpki --bus pki match` in
        # test_cli_bus.py).  What gdbus can send is refused, nothing read:
        # the path alone, and a handle naming a descriptor it did not pass
        outside_key = os.path.join(OUTSIDE, "web.key")
        shutil.copy(store("web.key"), outside_key)
        self.assertEqual(cli("pki", "match", outside_key, "web.crt").returncode, 0)
        gdbus(MANAGER, "MatchFiles", outside_key, "web.crt", "{}", error="OutsideStore")
        message = gdbus(MANAGER, "MatchFiles", outside_key, "web.crt", "{'key-fd': <handle 22>}",
                        fds={22: (outside_key, "rb")}, error="InvalidArgs")
        self.assertIn("no such passed file descriptor", message)

    def pkcs12_to_pem(self):
        # gdbus passes the .p12's descriptor (a top-level handle) but cannot
        # pass "password-fd" (a handle inside the options): a .p12 made by
        # openssl with the empty password, which is what no "password-fd" means
        p12 = os.path.join(OUTSIDE, "web.p12")
        openssl_out("pkcs12", "-export", "-inkey", store("web.key"), "-in", store("web.crt"), "-certfile", store("ca.crt"),
                    "-out", p12, "-passout", "pass:")
        self.assertEqual(gdbus(MANAGER, "Pkcs12ToPem", "p12web", 23, "{}", fds={23: (p12, "rb")},
                               signature="(sssub)"),
                         ("p12web.key", "p12web.crt", "p12web-bundle.crt", 1, False))
        self.assertEqual(os.stat(store("p12web.key")).st_mode & 0o777, 0o600)
        self.assertEqual(openssl_out("pkey", "-in", store("p12web.key"), "-pubout"),
                         openssl_out("x509", "-in", store("web.crt"), "-noout", "-pubkey"))
        self.assertEqual(sha256_fingerprint(store("p12web.crt")), sha256_fingerprint(store("web.crt")))
        self.assertEqual(sha256_fingerprint(store("p12web-bundle.crt")), sha256_fingerprint(store("ca.crt")))
        # the cli splits the same file into the same store: the same bytes
        p = cli("pki", "pkcs12-to-pem", p12, "p12cli")
        self.assertEqual(p.returncode, 0, p.stderr)
        for bus_name, cli_name in (("p12web.key", "p12cli.key"), ("p12web.crt", "p12cli.crt"),
                                   ("p12web-bundle.crt", "p12cli-bundle.crt")):
            self.assertEqual(read(store(bus_name)), read(store(cli_name)), bus_name)
        # again: Exists, the cli's message, the files as they were
        key = read(store("p12web.key"))
        message = gdbus(MANAGER, "Pkcs12ToPem", "p12web", 23, "{}", fds={23: (p12, "rb")}, error="Exists")
        p = cli("pki", "pkcs12-to-pem", p12, "p12web")
        self.assertEqual(p.returncode, 4)
        self.assertIn(message, p.stderr)
        self.assertEqual(read(store("p12web.key")), key)
        # the same number as a handle in the options names no descriptor of
        # the call: refused, nothing written
        message = gdbus(MANAGER, "Pkcs12ToPem", "p12none", 23, "{'password-fd': <handle 23>}",
                        fds={23: (p12, "rb")}, error="InvalidArgs")
        self.assertIn("no such passed file descriptor", message)
        self.assertFalse(os.path.exists(store("p12none.key")))

    def fix_bundle(self):
        messy = read(store("ca.crt")) + b"\n\n" + read(store("web.crt"))
        with open(store("messy.pem"), "wb") as f:
            f.write(messy)
        report = json.loads(gdbus(MANAGER, "FixBundleJson", "messy.pem", "canon.pem", "{}", signature="(s)")[0])
        self.assertEqual((report["error"], report["result"], report["output"]), (None, "written", "canon.pem"))
        self.assertEqual(read(store("messy.pem")), messy)
        # the cli's `bundle fix -o` on the same store: the same findings,
        # the same bytes written
        p = cli("bundle", "fix", "messy.pem", "-o", "canon-cli.pem")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.splitlines()[:-1], report["findings"])
        self.assertIn("[wrong-order]", p.stdout)
        self.assertEqual(read(store("canon.pem")), read(store("canon-cli.pem")))
        # openssl reads the entity first, the root last
        subjects = [l for l in openssl_out("crl2pkcs7", "-nocrl", "-certfile", store("canon.pem")).splitlines()]
        pkcs7 = subprocess.run(["openssl", "pkcs7", "-print_certs", "-noout"], input="\n".join(subjects) + "\n",
                               capture_output=True, text=True, check=True).stdout
        order = [l for l in pkcs7.splitlines() if l.startswith("subject=")]
        self.assertEqual(len(order), 2, pkcs7)
        self.assertIn("cms1.example.com", order[0])
        self.assertIn("Every CA", order[1])
        # in place: the old file kept as .bak
        report = json.loads(gdbus(MANAGER, "FixBundleJson", "messy.pem", "", "{}", signature="(s)")[0])
        self.assertEqual((report["error"], report["result"], report["backup"]), (None, "fixed", "messy.pem.bak"))
        self.assertEqual(read(store("messy.pem.bak")), messy)
        self.assertEqual(read(store("messy.pem")), read(store("canon.pem")))
        # an existing output: refused in the report with the cli's message
        report = json.loads(gdbus(MANAGER, "FixBundleJson", "messy.pem", "canon.pem", "{}", signature="(s)")[0])
        self.assertEqual(report["error"]["name"], "Exists")
        p = cli("bundle", "fix", "messy.pem", "-o", "canon.pem")
        self.assertEqual(p.returncode, 4)
        self.assertIn(report["error"]["message"], p.stderr)

    def provision(self):
        """Provision of a profile (its text; gdbus passes no descriptor for
        the ca-*-fd options, so the CA is a local one) on the walk's store,
        and the cli's `node provision` on a copy of it made just before: the
        same lines, the same listing; openssl verifies what was applied"""
        profile = os.path.join(OUTSIDE, "node.conf")
        text = ("[node]\nserver-fqdn=cms1.example.com\n"
                "[ca]\nmode=local\nname=prov-ca\nsubject=CN:Provisioned CA;O:Example\ndays=100\n"
                "[certificates]\ndays=30\nkey-type=ec:p256\n"
                "[services]\nenable=webadmin;callbridge\n")
        with open(profile, "w") as f:
            f.write(text)
        # an existing CA's files come by descriptor only, in the options:
        # from gdbus, handles naming nothing the call passed, refused with
        # nothing written
        existing = os.path.join(OUTSIDE, "existing.conf")
        with open(existing, "w") as f:
            f.write(text.replace("mode=local\n", "mode=existing\nkey=o.key\ncert=o.crt\n"))
        before = sorted((n, os.stat(store(n)).st_mtime_ns) for n in os.listdir(HOME))
        options = GLib.Variant("a{sv}", {"source": GLib.Variant("s", existing),
                                         "ca-key-fd": GLib.Variant("h", 24),
                                         "ca-cert-fd": GLib.Variant("h", 25)}).print_(True)
        message = gdbus(MANAGER, "Provision", text_arg(read(existing, "r")), options,
                        fds={24: (os.path.join(OUTSIDE, "o.key"), "rb"), 25: (os.path.join(OUTSIDE, "o.crt"), "rb")},
                        error="InvalidArgs")
        self.assertIn("no such passed file descriptor", message)
        self.assertEqual(sorted((n, os.stat(store(n)).st_mtime_ns) for n in os.listdir(HOME)), before)

        twin = tempfile.mkdtemp(prefix="meetpkid-gdbus-twin-")
        try:
            shutil.copytree(HOME, twin, symlinks=True, dirs_exist_ok=True)
            options = GLib.Variant("a{sv}", {"source": GLib.Variant("s", profile)}).print_(True)
            lines, warnings = gdbus(MANAGER, "Provision", text_arg(text), options, signature="(asu)")
            p = cli("node", "provision", profile, home=twin)
            self.assertEqual(p.returncode, 10 if warnings else 0, p.stderr)
            self.assertEqual(lines, p.stdout.replace(twin, HOME).splitlines())
            self.assertIn("== webadmin", lines)
            # `pki list` on the two stores: the same names, kinds, names
            # and dates (one clock, MEETPKI_NOW), and ListJson is it
            listed = cli("pki", "list", "--json")
            self.assertEqual(listed.returncode, 0, listed.stderr)
            self.assertEqual(listed.stdout.replace(HOME, "<store>"),
                             cli("pki", "list", "--json", home=twin).stdout.replace(twin, "<store>"))
            self.assertEqual(json.loads(gdbus(MANAGER, "ListJson", signature="(s)")[0]), json.loads(listed.stdout))
            names = {f["name"] for f in json.loads(listed.stdout)["files"]}
            self.assertLessEqual({"prov-ca.key", "prov-ca.crt", "webadmin.key", "webadmin.crt"}, names)
        finally:
            shutil.rmtree(twin, ignore_errors=True)
        self.assertEqual(os.stat(store("prov-ca.key")).st_mode & 0o777, 0o600)
        self.assertIn("CA:TRUE", openssl_out("x509", "-in", store("prov-ca.crt"), "-noout", "-text"))
        for service in ("webadmin", "callbridge"):
            live = os.path.join(HOME, "services", service, "cert.pem")
            self.assertIn("OK", openssl_out("verify", "-CAfile", store("prov-ca.crt"), live))
        self.assertEqual(sha256_fingerprint(os.path.join(HOME, "services", "webadmin", "cert.pem")),
                         sha256_fingerprint(store("webadmin.crt")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
