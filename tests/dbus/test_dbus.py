#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# meetpkid end to end, run under `dbus-run-session --` by meson test: starts
# `meetpkid --session --home <tmp>`, calls every method from python (gi) and
# with `gdbus call`, and checks each result against the cli's on the same
# store, and against openssl where it is about certificates.  the daemon is
# stopped in tearDownModule, and by atexit if set-up itself fails.

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from gi.repository import Gio, GLib

import meetpkid_test
from meetpkid_test import openssl, run_cli

BUS_NAME = "io.meetpki.Manager1"
OBJECT_PATH = "/io/meetpki/Manager1"
IFACE = "io.meetpki.Manager1"

MEETPKID = os.environ["MEETPKID"]
CLI = os.environ["MEETPKI_CLI"]

HOME = None
DAEMON = meetpkid_test.Daemon(MEETPKID)
BUS = None
# every reply, as text, for the "no private key crosses the bus" check
REPLIES = []


def setUpModule():
    global HOME, BUS
    # one clock for the daemon and the cli, so days_left cannot tick between
    # the two answers (certificates are still valid for openssl's clock)
    os.environ["MEETPKI_NOW"] = str(int(time.time()))
    HOME = tempfile.mkdtemp(prefix="meetpkid-test-")
    BUS = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    DAEMON.start(HOME)


def tearDownModule():
    # a sanitizer report at exit makes the status non-zero: a failure
    DAEMON.finish(HOME)


# ---- helpers ----

def call(method, args=None, signature=None, timeout_ms=120000):
    """calls a method from python; returns the unpacked out-arguments"""
    params = GLib.Variant(signature, args) if signature else None
    try:
        reply = BUS.call_sync(BUS_NAME, OBJECT_PATH, IFACE, method, params, None,
                              Gio.DBusCallFlags.NONE, timeout_ms, None)
    except GLib.Error as e:
        REPLIES.append(e.message)
        raise
    REPLIES.append(str(reply))
    return reply.unpack()


def call_error(method, args=None, signature=None):
    """calls a method that must fail; returns (error name, message)"""
    try:
        call(method, args, signature)
    except GLib.Error as e:
        name = Gio.DBusError.get_remote_error(e)
        prefix = "GDBus.Error:%s: " % name
        assert e.message.startswith(prefix), e.message
        return name, e.message[len(prefix):]
    raise AssertionError("%s succeeded" % method)


def gdbus(method, *args, check=True):
    """calls a method with `gdbus call`; returns stdout (or the process)"""
    p = subprocess.run(["gdbus", "call", "--session", "--dest", BUS_NAME,
                        "--object-path", OBJECT_PATH, "--method", IFACE + "." + method] + list(args),
                       capture_output=True, text=True, timeout=120)
    REPLIES.append(p.stdout + p.stderr)
    if check:
        if p.returncode != 0:
            raise AssertionError("gdbus %s failed: %s" % (method, p.stderr))
        return p.stdout
    return p


def cli(*args):
    return run_cli(HOME, *args)


def cli_json(*args):
    p = cli(*(list(args) + ["--json"]))
    assert p.returncode in (0, 10), p.stderr
    return json.loads(p.stdout)


def cli_error_message(*args):
    """the one line the cli prints for a failure, without its prefix"""
    p = cli(*args)
    assert p.returncode != 0, p.stdout
    text = (p.stderr or p.stdout).strip().splitlines()[-1]
    return re.sub(r"^(meetpki: |FAILURE: )", "", text)


def without_nulls(value):
    """the json the cli prints, as it comes over the bus (d-bus has no null)"""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value if v is not None]
    return value


def store_path(name):
    return os.path.join(HOME, name)


def json_to_variant(value):
    """the cli's json as the daemon's reply must carry it (doc/dbus.md): objects
    a{sv} without their nulls, integers x, lists as (strings; an empty list
    too), aa{sv} (objects) or av, in the json's order; an independent
    reading of the rules, to compare the reply with by type and bytes"""
    def members(obj):
        return {k: json_to_variant(v) for k, v in obj.items() if v is not None}
    if isinstance(value, dict):
        return GLib.Variant("a{sv}", members(value))
    if isinstance(value, list):
        if all(isinstance(v, str) for v in value):
            return GLib.Variant("as", value)
        if all(isinstance(v, dict) for v in value):
            return GLib.Variant("aa{sv}", [members(v) for v in value])
        return GLib.Variant("av", [json_to_variant(v) for v in value if v is not None])
    if isinstance(value, bool):
        return GLib.Variant("b", value)
    if isinstance(value, int):
        return GLib.Variant("x", value)
    if isinstance(value, float):
        return GLib.Variant("d", value)
    return GLib.Variant("s", value)


class Manager(unittest.TestCase):
    maxDiff = None

    def test_00_introspection(self):
        out = subprocess.run(["gdbus", "introspect", "--session", "--dest", BUS_NAME,
                              "--object-path", OBJECT_PATH], capture_output=True, text=True,
                             check=True).stdout
        self.assertIn("interface io.meetpki.Manager1", out)
        for method in ("GenerateCsr", "SelfSigned", "Sign", "Inspect", "Match", "Verify", "List",
                       "BuildBundle", "CheckBundle", "ListServices", "NodeFacts", "SetNodeFact",
                       "InspectJson", "ListJson", "CheckBundleJson", "VerifyJson", "NodeFactsJson",
                       "ListServicesJson", "BuildBundleJson", "Import", "Export", "GetVersion",
                       "MatchFiles", "Pkcs12ToPem", "FixBundleJson", "ClusterStatusJson", "Provision"):
            self.assertIn(method + "(", out)
        self.assertIn("Progress(", out)
        self.assertIn("Lines(", out)
        xml = BUS.call_sync(
            BUS_NAME, OBJECT_PATH, "org.freedesktop.DBus.Introspectable", "Introspect", None,
            GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
        info = Gio.DBusNodeInfo.new_for_xml(xml).lookup_interface(IFACE)
        self.assertIsNotNone(info)
        self.assertEqual(len(info.methods), 29)

    def test_01_generate_csr(self):
        notes, = call("GenerateCsr", ("web", ["CN:web.example.com", "subjectAltName:join.example.com"],
                                      {"key-type": GLib.Variant("s", "ec:p256")}), "(sasa{sv})")
        self.assertTrue(any("web.example.com" in n for n in notes), notes)
        self.assertEqual(os.stat(store_path("web.key")).st_mode & 0o777, 0o600)
        self.assertEqual(openssl("req", "-in", store_path("web.csr"), "-noout", "-verify").returncode, 0)
        subject = openssl("req", "-in", store_path("web.csr"), "-noout", "-subject").stdout
        self.assertIn("web.example.com", subject)
        # the same request from gdbus, with the rsa default
        out = gdbus("GenerateCsr", "gd", "['CN:gd.example.com']", "{}")
        self.assertTrue(out.startswith("(["), out)
        self.assertIn("RSA", openssl("req", "-in", store_path("gd.csr"), "-noout", "-text").stdout.upper())

    def test_02_exists_is_refused_like_the_cli(self):
        name, message = call_error("GenerateCsr", ("gd", ["CN:gd.example.com"], {}), "(sasa{sv})")
        self.assertEqual(name, "io.meetpki.Error.Exists")
        self.assertEqual(message, cli_error_message("pki", "csr", "gd", "CN:gd.example.com"))
        p = gdbus("GenerateCsr", "gd", "['CN:gd.example.com']", "{}", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("io.meetpki.Error.Exists", p.stderr)
        # force replaces
        call("GenerateCsr", ("gd", ["CN:gd2.example.com"], {"force": GLib.Variant("b", True)}), "(sasa{sv})")
        self.assertIn("gd2.example.com", openssl("req", "-in", store_path("gd.csr"), "-noout", "-subject").stdout)

    def test_03_selfsigned_and_sign(self):
        gdbus("SelfSigned", "ca", "['CN:Test CA', 'O:Example']", "{'days': <uint32 100>}")
        notes, = call("Sign", ("web", "ca", {"days": GLib.Variant("u", 30)}), "(ssa{sv})")
        self.assertIsInstance(notes, list)
        v = openssl("verify", "-CAfile", store_path("ca.crt"), store_path("web.crt"))
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        enddate = openssl("x509", "-in", store_path("ca.crt"), "-noout", "-enddate").stdout
        self.assertTrue(enddate.startswith("notAfter="))

    def test_04_inspect_matches_cli_and_openssl(self):
        desc, = call("Inspect", ("web.crt",), "(s)")
        from_cli = cli_json("pki", "inspect", "web.crt")
        self.assertEqual(desc, without_nulls(from_cli))
        fp = desc["certificates"][0]["fingerprint_sha256"]
        self.assertEqual(fp, from_cli["certificates"][0]["fingerprint_sha256"])
        ossl = openssl("x509", "-in", store_path("web.crt"), "-noout", "-fingerprint", "-sha256").stdout
        self.assertEqual(fp, ossl.strip().split("=", 1)[1])
        # every file of the store says the same over the bus as in the cli
        for name in sorted(os.listdir(HOME)):
            if name.startswith("."):
                continue
            with self.subTest(name=name):
                self.assertEqual(call("Inspect", (name,), "(s)")[0], without_nulls(cli_json("pki", "inspect", name)))
        out = gdbus("Inspect", "web.crt")
        self.assertIn(fp, out)

    def test_04b_inspect_is_never_answered_from_a_stale_file(self):
        """the daemon remembers its last Inspect reply (doc/dbus.md, Speed):
        a file changed, removed or turned into a link out of the store within
        the same second is answered as it is now"""
        outside = tempfile.mkdtemp(prefix="meetpkid-outside-")
        try:
            ca_fp = call("Inspect", ("ca.crt",), "(s)")[0]["certificates"][0]["fingerprint_sha256"]
            # the two calls within one second, as the daemon remembers per second
            for _ in range(10):
                start = int(time.time())
                shutil.copy(store_path("ca.crt"), store_path("memo.crt"))
                first, = call("Inspect", ("memo.crt",), "(s)")
                shutil.copy(store_path("web.crt"), store_path("memo.crt"))
                second, = call("Inspect", ("memo.crt",), "(s)")
                # same bytes under another name: the reply names the file asked for
                other, = call("Inspect", ("web.crt",), "(s)")
                if int(time.time()) == start:
                    break
            self.assertEqual(first["file"], "memo.crt")
            self.assertEqual(first["certificates"][0]["fingerprint_sha256"], ca_fp)
            self.assertEqual(other["file"], "web.crt")
            self.assertEqual(second, without_nulls(cli_json("pki", "inspect", "memo.crt")))
            self.assertNotEqual(second["certificates"][0]["fingerprint_sha256"], ca_fp)
            shutil.copy(store_path("memo.crt"), os.path.join(outside, "memo.crt"))
            os.unlink(store_path("memo.crt"))
            err, _ = call_error("Inspect", ("memo.crt",), "(s)")
            self.assertEqual(err, "io.meetpki.Error.NotFound")
            os.symlink(os.path.join(outside, "memo.crt"), store_path("memo.crt"))
            err, _ = call_error("Inspect", ("memo.crt",), "(s)")
            self.assertEqual(err, "io.meetpki.Error.OutsideStore")
        finally:
            if os.path.lexists(store_path("memo.crt")):
                os.unlink(store_path("memo.crt"))
            shutil.rmtree(outside)

    def test_04c_inspect_reply_is_the_cli_json_by_type_and_order(self):
        """the reply is built straight from the description, without the json
        tree (doc/dbus.md, Speed): for a certificate with every extension,
        one whose extensions cannot be parsed (warnings), a bundle, a DER
        file, requests and keys, it must be the cli's json by the rules, the
        same types and the same members in the same order, not only equal
        once unpacked"""
        conf = os.path.join(tempfile.mkdtemp(prefix="meetpkid-conf-"), "every.cnf")
        ext = ("subjectAltName = DNS:every.example.com, email:a@example.com, URI:https://example.com/x, "
               "IP:192.0.2.1, IP:2001:db8::1, otherName:1.3.6.1.5.5.7.8.5;UTF8:alice@example.com, "
               "otherName:1.2.3.4;UTF8:other, dirName:dir_sect, RID:1.2.3.4.5\n"
               "keyUsage = critical, digitalSignature, keyEncipherment, keyCertSign, cRLSign\n"
               "extendedKeyUsage = serverAuth, clientAuth, codeSigning, 1.2.3.4.99\n"
               "basicConstraints = critical, CA:TRUE, pathlen:2\n"
               "subjectKeyIdentifier = hash\n")
        with open(conf, "w") as f:
            f.write("[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = every.example.com\n"
                    "[ext]\n" + ext + "[crt_ext]\n" + ext + "authorityKeyIdentifier = keyid:always\n"
                    "[dir_sect]\nCN = dir name\n"
                    "[bad]\nkeyUsage = DER:04:00\nextendedKeyUsage = DER:04:00\n"
                    "basicConstraints = DER:04:00\nsubjectKeyIdentifier = DER:03:01:00\n")
        try:
            for args in (["req", "-x509", "-key", store_path("web.key"), "-out", store_path("every.crt"),
                          "-config", conf, "-extensions", "crt_ext", "-days", "30"],
                         ["req", "-x509", "-key", store_path("web.key"), "-out", store_path("warned.crt"),
                          "-config", conf, "-extensions", "bad", "-days", "30"],
                         ["req", "-new", "-key", store_path("web.key"), "-out", store_path("every.csr"),
                          "-config", conf, "-reqexts", "ext"],
                         ["x509", "-in", store_path("every.crt"), "-outform", "der",
                          "-out", store_path("every-der.crt")]):
                meetpkid_test.openssl_out(*args)
        finally:
            shutil.rmtree(os.path.dirname(conf))
        with open(store_path("chain.crt"), "w") as out:
            for name in ("web.crt", "ca.crt", "every.crt", "warned.crt"):
                with open(store_path(name)) as f:
                    out.write(f.read())
        try:
            seen = set()
            for name in sorted(os.listdir(HOME)):
                if name.startswith(".") or not name.endswith((".crt", ".csr", ".key")):
                    continue
                with self.subTest(name=name):
                    reply = BUS.call_sync(BUS_NAME, OBJECT_PATH, IFACE, "Inspect", GLib.Variant("(s)", (name,)),
                                          GLib.VariantType("(a{sv})"), Gio.DBusCallFlags.NONE, -1, None)
                    desc = reply.get_child_value(0)
                    expected = json_to_variant(cli_json("pki", "inspect", name))
                    self.assertTrue(desc.equal(expected), "%s\n%s" % (desc.print_(True), expected.print_(True)))
                    seen.add(desc.unpack()["kind"])
            self.assertEqual(seen, {"certificate", "certificates", "csr", "key"})
            every = call("Inspect", ("every.crt",), "(s)")[0]["certificates"][0]
            self.assertEqual(len(every["sans"]), 9)
            self.assertIn("authority_key_id", every)
            warned = call("Inspect", ("warned.crt",), "(s)")[0]["certificates"][0]
            self.assertEqual(len(warned["warnings"]), 4)
        finally:
            for name in ("every.crt", "warned.crt", "every.csr", "every-der.crt", "chain.crt"):
                os.unlink(store_path(name))

    def test_05_match(self):
        self.assertEqual(call("Match", ("web.key", "web.crt"), "(ss)"), ())
        self.assertEqual(gdbus("Match", "web.key", "web.crt").strip(), "()")
        name, message = call_error("Match", ("web.key", "ca.crt"), "(ss)")
        self.assertEqual(name, "io.meetpki.Error.Mismatch")
        self.assertEqual(message, cli_error_message("pki", "match", "web.key", "ca.crt"))

    def test_06_verify(self):
        result, = call("Verify", ("web.crt", "ca.crt", {}), "(ssa{sv})")
        subjects = [c["subject"] for c in result["chain"]]
        cli_out = cli("pki", "verify", "web.crt", "ca.crt")
        self.assertEqual(cli_out.returncode, 0)
        cli_subjects = re.findall(r"^\s+\d+\. (.*?)(?: -> | \(self-signed\))", cli_out.stdout, re.M)
        self.assertEqual(subjects, cli_subjects)
        self.assertTrue(result["chain"][-1]["self_signed"])
        self.assertIn("self_signed", gdbus("Verify", "web.crt", "ca.crt", "{}"))
        name, message = call_error("Verify", ("web.crt", "", {}), "(ssa{sv})")
        self.assertEqual(name, "io.meetpki.Error.VerifyFailed")
        self.assertEqual(message, cli_error_message("pki", "verify", "web.crt"))

    def test_07_list(self):
        listing, = call("List", None, None)
        self.assertEqual(listing, without_nulls(cli_json("pki", "list")))
        names = [f["name"] for f in listing["files"]]
        self.assertIn("web.key", names)
        self.assertIn("'web.crt'", gdbus("List"))

    def test_08_bundles(self):
        count, findings = call("BuildBundle", ("web.crt", ["ca.crt"], "chain.pem", {}), "(sassa{sv})")
        self.assertEqual(count, 2)
        with open(store_path("chain.pem")) as f:
            written = f.read()
        self.assertEqual(written, cli("bundle", "build", "web.crt", "ca.crt").stdout)
        v = openssl("verify", "-CAfile", store_path("ca.crt"), store_path("chain.pem"))
        self.assertEqual(v.returncode, 0)
        name, message = call_error("BuildBundle", ("web.crt", ["ca.crt"], "chain.pem", {}), "(sassa{sv})")
        self.assertEqual(name, "io.meetpki.Error.Exists")
        self.assertEqual(message, cli_error_message("bundle", "build", "web.crt", "ca.crt", "-o", "chain.pem"))
        out = gdbus("BuildBundle", "web.crt", "['ca.crt']", "ca-only.pem", "{'ca-only': <true>}")
        self.assertTrue(out.startswith("(uint32 1,"), out)
        report, = call("CheckBundle", ("chain.pem", {}), "(sa{sv})")
        self.assertEqual(report, without_nulls(cli_json("bundle", "check", "chain.pem")))
        self.assertEqual(report["kind"], "full-chain")
        report, = call("CheckBundle", ("ca-only.pem", {"kind": GLib.Variant("s", "ca-bundle")}), "(sa{sv})")
        self.assertEqual(report, without_nulls(cli_json("bundle", "check", "ca-only.pem", "--ca-bundle")))
        self.assertIn("'errors': <int64 0>", gdbus("CheckBundle", "chain.pem", "{}"))

    def test_09_list_services(self):
        services, = call("ListServices", None, None)
        self.assertEqual(services, without_nulls(cli_json("plugins", "list")))
        self.assertEqual(sorted(s["name"] for s in services),
                         ["callbridge", "database", "turn", "webadmin", "webbridge", "xmpp"])
        self.assertIn("'webadmin'", gdbus("ListServices"))

    def test_10_node_facts(self):
        call("SetNodeFact", ("server-fqdn", "cms1.example.com"), "(ss)")
        gdbus("SetNodeFact", "peers", "cms1.example.com,cms2.example.com")
        facts, = call("NodeFacts", None, None)
        self.assertEqual(facts, without_nulls(cli_json("node", "show")))
        self.assertEqual(facts["peers"], ["cms1.example.com", "cms2.example.com"])
        self.assertIn("cms1.example.com", gdbus("NodeFacts"))
        call("SetNodeFact", ("server-fqdn", ""), "(ss)")
        self.assertNotIn("server-fqdn", call("NodeFacts", None, None)[0])
        self.assertIsNone(cli_json("node", "show")["server-fqdn"])
        name, message = call_error("SetNodeFact", ("bogus", "x"), "(ss)")
        self.assertEqual(name, "io.meetpki.Error.InvalidArgs")
        self.assertEqual(message, cli_error_message("node", "set", "bogus", "x"))

    def test_10_get_version(self):
        version, = call("GetVersion", None, None)
        cli = subprocess.run([CLI, "--version"], capture_output=True, text=True, check=True).stdout
        self.assertEqual("meetpki %s\n" % version, cli)
        self.assertIn(version, gdbus("GetVersion"))

    def test_11_errors_are_meetpki_errors(self):
        cases = [
            (("Inspect", ("nosuch.crt",), "(s)"), ("pki", "inspect", "nosuch.crt"), "NotFound"),
            (("GenerateCsr", ("bad name", ["CN:a.example.com"], {}), "(sasa{sv})"),
             ("pki", "csr", "bad name", "CN:a.example.com"), "InvalidArgs"),
            (("GenerateCsr", ("x", ["CN:a.example.com"], {"key-type": GLib.Variant("s", "dsa")}), "(sasa{sv})"),
             ("pki", "csr", "x", "CN:a.example.com", "--key-type", "dsa"), "InvalidArgs"),
            (("Sign", ("web", "gd", {}), "(ssa{sv})"), ("pki", "sign", "web", "gd"), None),
        ]
        for (method, args, sig), cli_args, code in cases:
            with self.subTest(method=method, args=args):
                name, message = call_error(method, args, sig)
                self.assertTrue(name.startswith("io.meetpki.Error."), name)
                if code is not None:
                    self.assertEqual(name, "io.meetpki.Error." + code)
                self.assertEqual(message, cli_error_message(*cli_args))
        name, message = call_error("GenerateCsr", ("x", ["CN:a.example.com"], {"color": GLib.Variant("s", "red")}),
                                   "(sasa{sv})")
        self.assertEqual((name, message), ("io.meetpki.Error.InvalidArgs", "unknown option 'color'"))
        name, _ = call_error("Sign", ("web", "ca", {"days": GLib.Variant("s", "30")}), "(ssa{sv})")
        self.assertEqual(name, "io.meetpki.Error.InvalidArgs")
        p = gdbus("Inspect", "nosuch.crt", check=False)
        self.assertIn("io.meetpki.Error.NotFound", p.stderr)
        self.assertFalse(os.path.exists(store_path("x.key")))

    def test_12_paths_outside_the_store_are_refused(self):
        outside = tempfile.mkdtemp(prefix="meetpkid-outside-")
        try:
            shutil.copy(store_path("web.crt"), os.path.join(outside, "web.crt"))
            os.symlink(os.path.join(outside, "web.crt"), store_path("link.crt"))
            for name in (os.path.join(outside, "web.crt"), "../" + os.path.basename(outside) + "/web.crt",
                         "link.crt", "/etc/passwd"):
                with self.subTest(name=name):
                    err, _ = call_error("Inspect", (name,), "(s)")
                    self.assertEqual(err, "io.meetpki.Error.OutsideStore")
            err, _ = call_error("Verify", ("web.crt", "/etc/ssl/certs/ca-certificates.crt", {}), "(ssa{sv})")
            self.assertEqual(err, "io.meetpki.Error.OutsideStore")
            err, _ = call_error("BuildBundle", ("web.crt", ["ca.crt"], os.path.join(outside, "out.pem"), {}),
                                "(sassa{sv})")
            self.assertEqual(err, "io.meetpki.Error.OutsideStore")
            err, _ = call_error("BuildBundle", ("web.crt", ["ca.crt"], "link.crt", {"force": GLib.Variant("b", True)}),
                                "(sassa{sv})")
            self.assertEqual(err, "io.meetpki.Error.OutsideStore")
            p = gdbus("Inspect", "/etc/passwd", check=False)
            self.assertIn("io.meetpki.Error.OutsideStore", p.stderr)
            self.assertEqual(sorted(os.listdir(outside)), ["web.crt"])
        finally:
            os.unlink(store_path("link.crt"))
            shutil.rmtree(outside)

    def test_13_long_operation_leaves_the_daemon_answering(self):
        loop = GLib.MainLoop()
        events = []
        sub = BUS.signal_subscribe(BUS_NAME, IFACE, "Progress", OBJECT_PATH, None, Gio.DBusSignalFlags.NONE,
                                   lambda *a: events.append(("progress",) + tuple(a[5].unpack())))

        def done(bus, res):
            try:
                bus.call_finish(res)
                events.append(("csr", "ok"))
            except GLib.Error as e:
                events.append(("csr", e.message))
            loop.quit()

        BUS.call(BUS_NAME, OBJECT_PATH, IFACE, "GenerateCsr",
                 GLib.Variant("(sasa{sv})", ("big", ["CN:big.example.com"], {"key-type": GLib.Variant("s", "rsa:4096")})),
                 None, Gio.DBusCallFlags.NONE, 300000, None, done)
        # a blocking call on another connection while the key is generated
        other = Gio.DBusConnection.new_for_address_sync(
            Gio.dbus_address_get_for_bus_sync(Gio.BusType.SESSION, None),
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
        start = time.monotonic()
        other.call_sync(BUS_NAME, OBJECT_PATH, IFACE, "List", None, None, Gio.DBusCallFlags.NONE, 10000, None)
        answered = time.monotonic() - start
        events.append(("list", "answered"))
        GLib.timeout_add_seconds(300, loop.quit)
        loop.run()
        # let the last Progress signal arrive
        ctx = GLib.MainContext.default()
        deadline = time.monotonic() + 5
        while ("progress", "GenerateCsr", "big", "finished") not in events and time.monotonic() < deadline:
            ctx.iteration(False)
            time.sleep(0.01)
        BUS.signal_unsubscribe(sub)
        other.close_sync(None)
        self.assertIn(("csr", "ok"), events)
        self.assertLess(events.index(("list", "answered")), events.index(("csr", "ok")), events)
        self.assertLess(answered, 2.0)
        self.assertIn(("progress", "GenerateCsr", "big", "started"), events)
        self.assertIn(("progress", "GenerateCsr", "big", "finished"), events)
        out = openssl("req", "-in", store_path("big.csr"), "-noout", "-text").stdout
        self.assertIn("4096 bit", out)

    def test_14_concurrent_writers_are_serialised_with_the_cli(self):
        # four bus callers and one cli race for the same new name: exactly one
        # wins, the others see Exists, and the key and csr left belong together
        loop = GLib.MainLoop()
        results = []

        def done(bus, res):
            try:
                bus.call_finish(res)
                results.append("ok")
            except GLib.Error as e:
                results.append(Gio.DBusError.get_remote_error(e))
            if len(results) == 4:
                loop.quit()

        for _ in range(4):
            BUS.call(BUS_NAME, OBJECT_PATH, IFACE, "GenerateCsr",
                     GLib.Variant("(sasa{sv})", ("race", ["CN:race.example.com"], {"key-type": GLib.Variant("s", "rsa:2048")})),
                     None, Gio.DBusCallFlags.NONE, 120000, None, done)
        from_cli = subprocess.Popen([CLI, "--home", HOME, "pki", "csr", "race", "CN:race.example.com"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        GLib.timeout_add_seconds(120, loop.quit)
        loop.run()
        cli_status = from_cli.wait(timeout=120)
        from_cli.stderr.close()
        wins = results.count("ok") + (1 if cli_status == 0 else 0)
        self.assertEqual(wins, 1, (results, cli_status))
        self.assertEqual(sorted(r for r in results if r != "ok"), ["io.meetpki.Error.Exists"] * (4 - results.count("ok")))
        if cli_status != 0:
            self.assertEqual(cli_status, 4)  # the cli's exit status for Exists
        key_pub = openssl("pkey", "-in", store_path("race.key"), "-pubout").stdout
        csr_pub = openssl("req", "-in", store_path("race.csr"), "-noout", "-pubkey").stdout
        self.assertTrue(key_pub.startswith("-----BEGIN PUBLIC KEY-----"))
        self.assertEqual(key_pub, csr_pub)
        self.assertEqual([n for n in os.listdir(HOME) if n.startswith(".") and n != ".lock"], [])

    def test_15_passed_descriptors(self):
        """InspectJson, Import and Export with descriptors passed from python"""
        def call_fds(method, args, signature, files, mode="rb"):
            fds = Gio.UnixFDList()
            opened = [open(f, mode) for f in files]
            try:
                for f in opened:
                    fds.append(f.fileno())
                reply, _ = BUS.call_with_unix_fd_list_sync(BUS_NAME, OBJECT_PATH, IFACE, method,
                                                           GLib.Variant(signature, args), None,
                                                           Gio.DBusCallFlags.NONE, 120000, fds, None)
            finally:
                for f in opened:
                    f.close()
            REPLIES.append(str(reply))
            return reply.unpack()

        outside = tempfile.mkdtemp(prefix="meetpkid-fd-")
        try:
            crt = os.path.join(outside, "copy.crt")
            shutil.copy(store_path("web.crt"), crt)
            text, = call_fds("InspectJson", ("copy.crt", {"fd": GLib.Variant("h", 0)}), "(sa{sv})", [crt])
            self.assertEqual(json.loads(text), cli_json("pki", "inspect", crt) | {"file": "copy.crt"})
            # the plain store name, and the text exactly as the cli prints it
            text, = call("InspectJson", ("web.crt", {}), "(sa{sv})")
            self.assertEqual(text + "\n", cli("pki", "inspect", "web.crt", "--json").stdout)
            # a pipe is not a file
            r, w = os.pipe()
            try:
                fds = Gio.UnixFDList()
                fds.append(r)
                with self.assertRaises(GLib.Error) as ctx:
                    BUS.call_with_unix_fd_list_sync(BUS_NAME, OBJECT_PATH, IFACE, "InspectJson",
                                                    GLib.Variant("(sa{sv})", ("p", {"fd": GLib.Variant("h", 0)})),
                                                    None, Gio.DBusCallFlags.NONE, 20000, fds, None)
                self.assertIn("not a regular file", ctx.exception.message)
            finally:
                os.close(r)
                os.close(w)

            stored, kind, count = call_fds("Import", ("fdcopy.crt", 0, {}), "(sha{sv})", [crt])
            self.assertEqual((stored, kind, count), ("fdcopy.crt", "certificates", 1))
            self.assertEqual(subprocess.run(["cmp", store_path("fdcopy.crt"), crt]).returncode, 0)

            out = os.path.join(outside, "out.crt")
            open(out, "w").close()
            self.assertEqual(call_fds("Export", ("ca.crt", 0, {}), "(sha{sv})", [out], "r+b"), ())
            self.assertEqual(subprocess.run(["cmp", store_path("ca.crt"), out]).returncode, 0)
            # a key never leaves, not even into the caller's own file
            leak = os.path.join(outside, "leak.key")
            open(leak, "w").close()
            with self.assertRaises(GLib.Error) as ctx:
                call_fds("Export", ("web.key", 0, {}), "(sha{sv})", [leak], "r+b")
            self.assertIn("io.meetpki.Error.InvalidArgs", ctx.exception.message)
            self.assertIn("key material never crosses", ctx.exception.message)
            self.assertEqual(os.path.getsize(leak), 0)
        finally:
            shutil.rmtree(outside, ignore_errors=True)

    def test_16_match_files(self):
        """MatchFiles: the key or certificate from outside by descriptor,
        from python and from gdbus; only descriptors cross, the reply is empty"""
        outside = tempfile.mkdtemp(prefix="meetpkid-match-")
        try:
            key = os.path.join(outside, "outside.key")
            crt = os.path.join(outside, "outside.crt")
            shutil.copy(store_path("web.key"), key)
            shutil.copy(store_path("web.crt"), crt)
            with open(key, "rb") as k, open(crt, "rb") as c:
                fds = Gio.UnixFDList()
                fds.append(k.fileno())
                fds.append(c.fileno())
                reply, _ = BUS.call_with_unix_fd_list_sync(
                    BUS_NAME, OBJECT_PATH, IFACE, "MatchFiles",
                    GLib.Variant("(ssa{sv})", (key, crt,
                                               {"key-fd": GLib.Variant("h", 0),
                                                "certificate-fd": GLib.Variant("h", 1)})),
                    None, Gio.DBusCallFlags.NONE, 20000, fds, None)
            REPLIES.append(str(reply))
            self.assertEqual(reply.unpack(), ())
            # the outside key against another store certificate: Mismatch, the cli's message
            with open(key, "rb") as k:
                fds = Gio.UnixFDList()
                fds.append(k.fileno())
                with self.assertRaises(GLib.Error) as ctx:
                    BUS.call_with_unix_fd_list_sync(
                        BUS_NAME, OBJECT_PATH, IFACE, "MatchFiles",
                        GLib.Variant("(ssa{sv})", (key, "ca.crt", {"key-fd": GLib.Variant("h", 0)})),
                        None, Gio.DBusCallFlags.NONE, 20000, fds, None)
            REPLIES.append(ctx.exception.message)
            self.assertIn("io.meetpki.Error.Mismatch", ctx.exception.message)
            p = cli("pki", "match", key, "ca.crt")
            self.assertEqual(p.returncode, 1)
            self.assertIn(ctx.exception.message.split(": ", 1)[1], p.stdout + p.stderr)
            # a store path instead of a descriptor is still refused
            name, _ = call_error("MatchFiles", (key, "web.crt", {}), "(ssa{sv})")
            self.assertEqual(name, "io.meetpki.Error.OutsideStore")
            # gdbus passes descriptors for top-level handles only: store names
            p = gdbus("MatchFiles", "web.key", "web.crt", "{}", check=False)
            self.assertEqual((p.returncode, p.stdout.strip()), (0, "()"), p.stderr)
        finally:
            shutil.rmtree(outside, ignore_errors=True)

    def test_17_pkcs12_to_pem(self):
        """Pkcs12ToPem: the .p12 and the password by descriptor (python-gi,
        a pipe; gdbus, a file); the key matches, the password is nowhere"""
        outside = tempfile.mkdtemp(prefix="meetpkid-p12-")
        password = "p12-Pass phrase"
        try:
            p12 = os.path.join(outside, "web.p12")
            pw = os.path.join(outside, "pw")
            with open(pw, "w") as f:
                f.write(password + "\n")
            self.assertEqual(openssl("pkcs12", "-export", "-inkey", store_path("web.key"), "-in", store_path("web.crt"),
                                     "-certfile", store_path("ca.crt"), "-out", p12,
                                     "-passout", "file:" + pw).returncode, 0)

            def split(basename, password_bytes, options=None):
                r, w = os.pipe()
                os.write(w, password_bytes)
                os.close(w)
                fds = Gio.UnixFDList()
                try:
                    with open(p12, "rb") as f:
                        fds.append(f.fileno())
                    fds.append(r)
                finally:
                    os.close(r)
                opts = {"password-fd": GLib.Variant("h", 1), "source": GLib.Variant("s", p12)}
                opts.update(options or {})
                try:
                    reply, _ = BUS.call_with_unix_fd_list_sync(BUS_NAME, OBJECT_PATH, IFACE, "Pkcs12ToPem",
                                                               GLib.Variant("(sha{sv})", (basename, 0, opts)),
                                                               None, Gio.DBusCallFlags.NONE, 60000, fds, None)
                except GLib.Error as e:
                    REPLIES.append(e.message)
                    raise
                REPLIES.append(str(reply))
                return reply.unpack()

            with self.assertRaises(GLib.Error) as ctx:
                split("frompy", b"wrong\n")
            self.assertIn("io.meetpki.Error.InvalidData", ctx.exception.message)
            wrong = os.path.join(outside, "wrong")
            with open(wrong, "w") as f:
                f.write("wrong\n")
            p = cli("pki", "pkcs12-to-pem", p12, "frompy", "--password-file", wrong)
            self.assertEqual(p.returncode, 6)
            self.assertIn(ctx.exception.message.split(": ", 1)[1], p.stderr)
            self.assertFalse(os.path.exists(store_path("frompy.key")))
            self.assertEqual(split("frompy", password.encode() + b"\n"),
                             ("frompy.key", "frompy.crt", "frompy-bundle.crt", 1, False))
            self.assertEqual(os.stat(store_path("frompy.key")).st_mode & 0o777, 0o600)
            self.assertEqual(openssl("pkey", "-in", store_path("frompy.key"), "-pubout").stdout,
                             openssl("x509", "-in", store_path("frompy.crt"), "-noout", "-pubkey").stdout)
            # existing files: Exists, unchanged
            name, _ = call_error("Pkcs12ToPem", ("frompy", 0, {}), "(sha{sv})")
            self.assertEqual(name, "io.meetpki.Error.InvalidArgs")  # no descriptor passed at all
            with self.assertRaises(GLib.Error) as ctx:
                split("frompy", password.encode())
            self.assertIn("io.meetpki.Error.Exists", ctx.exception.message)
            # a writer that keeps the pipe open is not waited for
            r, w = os.pipe()
            try:
                fds = Gio.UnixFDList()
                with open(p12, "rb") as f:
                    fds.append(f.fileno())
                fds.append(r)
                with self.assertRaises(GLib.Error) as ctx:
                    BUS.call_with_unix_fd_list_sync(BUS_NAME, OBJECT_PATH, IFACE, "Pkcs12ToPem",
                                                    GLib.Variant("(sha{sv})", ("held", 0, {"password-fd": GLib.Variant("h", 1)})),
                                                    None, Gio.DBusCallFlags.NONE, 20000, fds, None)
                REPLIES.append(ctx.exception.message)
                self.assertIn("io.meetpki.Error.Io", ctx.exception.message)
            finally:
                os.close(r)
                os.close(w)
            self.assertFalse(os.path.exists(store_path("held.key")))
            # gdbus passes its own descriptor for the top-level handle; options
            # cannot carry one from gdbus, so a .p12 with the empty password
            bare = os.path.join(outside, "bare.p12")
            self.assertEqual(openssl("pkcs12", "-export", "-inkey", store_path("web.key"), "-in", store_path("web.crt"),
                                     "-out", bare, "-passout", "pass:").returncode, 0)
            with open(bare, "rb") as f:
                p = subprocess.run(["gdbus", "call", "--session", "--dest", BUS_NAME, "--object-path", OBJECT_PATH,
                                    "--method", IFACE + ".Pkcs12ToPem", "fromgdbus", str(f.fileno()), "{}"],
                                   capture_output=True, text=True, timeout=60, pass_fds=(f.fileno(),))
            REPLIES.append(p.stdout + p.stderr)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("'fromgdbus.key', 'fromgdbus.crt', '', uint32 0", p.stdout)
            self.assertEqual(openssl("pkey", "-in", store_path("fromgdbus.key"), "-pubout").stdout,
                             openssl("x509", "-in", store_path("fromgdbus.crt"), "-noout", "-pubkey").stdout)
            for text in REPLIES:
                self.assertNotIn(password, text)
        finally:
            shutil.rmtree(outside, ignore_errors=True)

    def test_20_provision_failure_lines_reach_the_caller(self):
        """a dry run of Provision that fails at its second service: the lines
        before the error come as Manager1's Lines signal to the caller, the
        error is the cli's, and nothing is written"""
        text = ("[node]\nserver-fqdn=cms1.example.com\n[ca]\nname=dry-ca\n"
                "[services]\nenable=webadmin;webbridge\n")
        profile = os.path.join(tempfile.mkdtemp(prefix="meetpki-profile-"), "dry.conf")
        with open(profile, "w") as f:
            f.write(text)
        before = sorted((n, os.stat(store_path(n)).st_mtime_ns) for n in os.listdir(HOME))
        got = []
        sub = BUS.signal_subscribe(BUS_NAME, IFACE, "Lines", OBJECT_PATH, None, Gio.DBusSignalFlags.NONE,
                                   lambda *a: got.append(a[5].unpack()[0]))
        try:
            err, message = call_error("Provision", (text, {"dry-run": GLib.Variant("b", True),
                                                           "source": GLib.Variant("s", profile)}), "(sa{sv})")
            ctx = GLib.MainContext.default()
            deadline = time.monotonic() + 5
            while not got and time.monotonic() < deadline:
                ctx.iteration(False)
                time.sleep(0.01)
        finally:
            BUS.signal_unsubscribe(sub)
        p = cli("node", "provision", profile, "--dry-run")
        shutil.rmtree(os.path.dirname(profile))
        self.assertEqual(p.returncode, 2)
        self.assertEqual(err, "io.meetpki.Error.InvalidArgs")
        self.assertEqual("meetpki: " + message + "\n", p.stderr)
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0], p.stdout.splitlines())
        self.assertIn("== webbridge", got[0])
        self.assertEqual(sorted((n, os.stat(store_path(n)).st_mtime_ns) for n in os.listdir(HOME)), before)
    def test_18_fix_bundle_json(self):
        """FixBundleJson: a store file rewritten in canonical form; the report
        is the cli's; refusals in its error, paths refused by the store"""
        with open(store_path("ca.crt"), "rb") as a, open(store_path("web.crt"), "rb") as b:
            messy = a.read() + b"\n\n" + b.read()
        with open(store_path("messy.pem"), "wb") as f:
            f.write(messy)
        text, = call("FixBundleJson", ("messy.pem", "canon.pem", {}), "(ssa{sv})")
        report = json.loads(text)
        self.assertIsNone(report["error"], report)
        self.assertEqual((report["result"], report["output"]), ("written", "canon.pem"))
        self.assertEqual(openssl("verify", "-CAfile", store_path("ca.crt"), store_path("canon.pem")).returncode, 0)
        with open(store_path("messy.pem"), "rb") as f:
            self.assertEqual(f.read(), messy)
        # again: Exists, reported with the findings, as bundle build does
        report = json.loads(call("FixBundleJson", ("messy.pem", "canon.pem", {}), "(ssa{sv})")[0])
        self.assertEqual(report["error"]["name"], "Exists")
        p = cli("bundle", "fix", "messy.pem", "-o", "canon.pem")
        self.assertEqual(p.returncode, 4)
        self.assertIn(report["error"]["message"], p.stderr)
        # a path: OutsideStore, nothing read
        report = json.loads(call("FixBundleJson", ("/etc/ssl/certs/ca-certificates.crt", "", {}), "(ssa{sv})")[0])
        self.assertEqual(report["error"]["name"], "OutsideStore")
        self.assertEqual(report["findings"], [])
        name, _ = call_error("FixBundleJson", ("messy.pem", "", {"frobnicate": GLib.Variant("b", True)}),
                             "(ssa{sv})")
        self.assertEqual(name, "io.meetpki.Error.InvalidArgs")
        # in place with gdbus: the old file kept as .bak
        out = gdbus("FixBundleJson", "messy.pem", "", "{}")
        self.assertIn("messy.pem.bak", out)
        with open(store_path("messy.pem.bak"), "rb") as f:
            self.assertEqual(f.read(), messy)
        with open(store_path("messy.pem"), "rb") as a, open(store_path("canon.pem"), "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_19_cluster_status_json(self):
        """ClusterStatusJson: the cli's --json text, nulls included; the same
        state as Cluster1.GetStatus"""
        text, = call("ClusterStatusJson", ("database",), "(s)")
        self.assertEqual(text + "\n", cli("database", "cluster", "status", "--json").stdout)
        status = json.loads(text)
        got = BUS.call_sync(BUS_NAME, OBJECT_PATH + "/services/database", "io.meetpki.Cluster1", "GetStatus", None,
                            GLib.VariantType("(a{sv})"), Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
        self.assertEqual(got, {k: v for k, v in status.items() if v is not None})
        self.assertIn(status["state"], gdbus("ClusterStatusJson", "database"))
        name, message = call_error("ClusterStatusJson", ("nosuch",), "(s)")
        self.assertEqual((name, message), ("io.meetpki.Error.NotFound", "no service 'nosuch' is loaded"))

    def test_98_no_reply_carries_a_private_key(self):
        # the last test: every reply and error of the run, python and gdbus
        self.assertGreater(len(REPLIES), 30)
        with open(store_path("web.key")) as f:
            body = "".join(line for line in f.read().splitlines() if not line.startswith("-----"))
        for text in REPLIES:
            self.assertNotIn("PRIVATE KEY", text)
            self.assertNotIn(body[:40], text)
        desc, = call("Inspect", ("web.key",), "(s)")
        self.assertEqual(desc["kind"], "key")
        self.assertNotIn("PRIVATE", str(desc))


SERVICES_PATH = OBJECT_PATH + "/services"
SERVICE_IFACE = "io.meetpki.Service1"
CLUSTER_IFACE = "io.meetpki.Cluster1"
SERVICE_NAMES = ["callbridge", "database", "turn", "webadmin", "webbridge", "xmpp"]


def svc(name, method, args=None, signature=None, iface=SERVICE_IFACE):
    """calls a method of a service object; returns the unpacked out-arguments"""
    params = GLib.Variant(signature, args) if signature else None
    try:
        reply = BUS.call_sync(BUS_NAME, SERVICES_PATH + "/" + name, iface, method, params, None,
                              Gio.DBusCallFlags.NONE, 120000, None)
    except GLib.Error as e:
        REPLIES.append(e.message)
        raise
    REPLIES.append(str(reply))
    return reply.unpack()


def svc_error(name, method, args=None, signature=None, iface=SERVICE_IFACE):
    """a service method that must fail; returns (error name, message)"""
    try:
        svc(name, method, args, signature, iface)
    except GLib.Error as e:
        remote = Gio.DBusError.get_remote_error(e)
        prefix = "GDBus.Error:%s: " % remote
        assert e.message.startswith(prefix), e.message
        return remote, e.message[len(prefix):]
    raise AssertionError("%s.%s succeeded" % (name, method))


def live_files(home, service):
    """name -> sha256 of each live file of a service"""
    d = os.path.join(home, "services", service)
    out = {}
    for n in sorted(os.listdir(d)):
        p = subprocess.run(["sha256sum", os.path.join(d, n)], capture_output=True, text=True, check=True)
        out[n] = p.stdout.split()[0]
    return out


def watch_service(name):
    """collects the manager's ServiceChanged and the PropertiesChanged of
    @name's object, in the order they come; returns (events, subscriptions)"""
    events = []
    subs = [BUS.signal_subscribe(BUS_NAME, IFACE, "ServiceChanged", OBJECT_PATH, None, Gio.DBusSignalFlags.NONE,
                                 lambda *a: events.append(("ServiceChanged",) + tuple(a[5].unpack()))),
            BUS.signal_subscribe(BUS_NAME, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                 SERVICES_PATH + "/" + name, None, Gio.DBusSignalFlags.NONE,
                                 lambda *a: events.append(("PropertiesChanged",) + tuple(a[5].unpack())))]
    return events, subs


def unwatch(subs):
    for sub in subs:
        BUS.signal_unsubscribe(sub)


def settle(events, until=None, seconds=1.0):
    """dispatches signals until @until(events) holds, or for @seconds when
    nothing is awaited (what was not sent by then is taken as never sent)"""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + (30 if until else seconds)
    while time.monotonic() < deadline:
        while ctx.iteration(False):
            pass
        if until is not None and until(events):
            return
        time.sleep(0.01)
    if until is not None:
        raise AssertionError("signals awaited did not come: %r" % (events,))


def sha256(path):
    return subprocess.run(["sha256sum", path], capture_output=True, text=True, check=True).stdout.split()[0]


class Periodic(unittest.TestCase):
    """a daemon of its own, on a bus of its own, with a one-second check:
    Check equals the cli's `check --json`, CheckFinished follows every
    check, CertificateExpiring names a certificate with two days left"""

    def test_check_and_certificate_expiring(self):
        tmp = tempfile.mkdtemp(prefix="meetpkid-periodic-")
        home = os.path.join(tmp, "store")
        bus_proc = daemon = conn = None
        try:
            for args in (["pki", "selfsigned", "ca", "CN:Periodic CA"], ["node", "set", "server-fqdn", "p.example.com"],
                         ["webadmin", "csr", "soon"], ["pki", "sign", "soon", "ca", "--days", "2"],
                         ["webadmin", "certs", "soon.key", "soon.crt", "ca.crt"]):
                p = run_cli(home, *args)
                self.assertEqual(p.returncode, 0, (args, p.stdout, p.stderr))
            # bad options are refused before the daemon starts
            for bad in (["--check-interval", "-1"], ["--warn-days", "40000"]):
                p = subprocess.run([MEETPKID, "--session", "--home", home] + bad, capture_output=True, text=True,
                                   timeout=30)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(bad[0], p.stderr)
            bus_proc = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                                        stdout=subprocess.PIPE, text=True)
            address = bus_proc.stdout.readline().strip()
            env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
            conn = Gio.DBusConnection.new_for_address_sync(
                address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
                None, None)
            events = []
            for signal in ("CertificateExpiring", "CheckFinished"):
                conn.signal_subscribe(None, IFACE, signal, OBJECT_PATH, None, Gio.DBusSignalFlags.NONE,
                                      lambda c, s, p, i, name, params: events.append((name, params.unpack())))
            daemon = subprocess.Popen([MEETPKID, "--session", "--home", home, "--check-interval", "1",
                                       "--warn-days", "30"], env=env)
            ctx = GLib.MainContext.default()
            deadline = time.monotonic() + 30
            while not any(e[0] == "CertificateExpiring" for e in events) and time.monotonic() < deadline:
                self.assertIsNone(daemon.poll())
                ctx.iteration(False)
                time.sleep(0.01)
            expiring = [e[1] for e in events if e[0] == "CertificateExpiring"]
            self.assertTrue(expiring, events)
            name, days = expiring[0]
            self.assertEqual(name, "soon.crt")
            self.assertIn(days, (1, 2))
            self.assertNotIn("ca.crt", [e[0] for e in expiring])
            # the certificate's own end date, by openssl: within the two days
            end = openssl("x509", "-in", os.path.join(home, "services", "webadmin", "cert.pem"), "-noout",
                          "-checkend", str(3 * 86400))
            self.assertNotEqual(end.returncode, 0)
            finished = [e[1][0] for e in events if e[0] == "CheckFinished"]
            self.assertTrue(finished)
            from_cli = json.loads(run_cli(home, "check", "--json").stdout)
            self.assertEqual(finished[0], without_nulls(from_cli))
            self.assertEqual(finished[0]["warnings"], 1)
            # Check on the bus: the cli's answer, then a CheckFinished
            n_before = len(finished)
            result = conn.call_sync(BUS_NAME, OBJECT_PATH, IFACE, "Check", GLib.Variant("(a{sv})", ({},)), None,
                                    Gio.DBusCallFlags.NONE, 60000, None).unpack()[0]
            self.assertEqual(result, without_nulls(from_cli))
            result = conn.call_sync(BUS_NAME, OBJECT_PATH, IFACE, "Check",
                                    GLib.Variant("(a{sv})", ({"warn-days": GLib.Variant("u", 1)},)), None,
                                    Gio.DBusCallFlags.NONE, 60000, None).unpack()[0]
            self.assertEqual(result, without_nulls(json.loads(run_cli(home, "check", "--json", "--warn-days", "1").stdout)))
            self.assertEqual(result["warnings"], 0)
            deadline = time.monotonic() + 10
            while len([e for e in events if e[0] == "CheckFinished"]) < n_before + 2 and time.monotonic() < deadline:
                ctx.iteration(False)
                time.sleep(0.01)
            self.assertGreaterEqual(len([e for e in events if e[0] == "CheckFinished"]), n_before + 2)
            daemon.terminate()
            self.assertEqual(daemon.wait(timeout=30), 0)
            daemon = None
        finally:
            if conn is not None:
                conn.close_sync(None)
            for p in (daemon, bus_proc):
                if p is not None and p.poll() is None:
                    p.terminate()
                    p.wait(timeout=10)
            if bus_proc is not None:
                bus_proc.stdout.close()
            shutil.rmtree(tmp, ignore_errors=True)


class InspectPaths(unittest.TestCase):
    """a daemon of its own, on a bus of its own, logging its debug lines:
    Inspect of a small file by a caller whose uid is known is answered in
    the main thread, any other in a worker (doc/dbus.md, Speed); both give
    the cli's answer, and a big file in the worker holds up no other call"""
    maxDiff = None
    INLINE = "Inspect %s: answered in the main thread"

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="meetpkid-paths-")
        cls.home = os.path.join(cls.tmp, "store")
        cls.bus_proc = cls.daemon = None
        cls.conns = []
        for args in (["pki", "selfsigned", "ca", "CN:Paths CA"],
                     ["pki", "csr", "web", "CN:web.example.com"],
                     ["pki", "sign", "web", "ca"]):
            p = run_cli(cls.home, *args)
            assert p.returncode == 0, (args, p.stdout, p.stderr)
        with open(os.path.join(cls.home, "ca.crt")) as f:
            cls.ca_pem = f.read()
        # far over the 16 KiB the main thread takes, and slow enough to see
        with open(os.path.join(cls.home, "big.pem"), "w") as f:
            f.write(cls.ca_pem * 1500)
        # glib writes debug lines to stdout
        cls.log_path = os.path.join(cls.tmp, "meetpkid.log")
        cls.log = open(cls.log_path, "w")
        cls.bus_proc = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                                        stdout=subprocess.PIPE, text=True)
        cls.address = cls.bus_proc.stdout.readline().strip()
        env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=cls.address, G_MESSAGES_DEBUG="meetpki")
        cls.daemon = subprocess.Popen([MEETPKID, "--session", "--home", cls.home], env=env, stdout=cls.log)
        conn = cls.connect()
        deadline = time.monotonic() + 20
        while not meetpkid_test.name_has_owner(conn, BUS_NAME):
            assert cls.daemon.poll() is None and time.monotonic() < deadline, "meetpkid did not start"
            time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        for conn in cls.conns:
            conn.close_sync(None)
        status = meetpkid_test.stop(cls.daemon)
        if cls.bus_proc is not None:
            meetpkid_test.stop(cls.bus_proc)
            cls.bus_proc.stdout.close()
        cls.log.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        assert status == 0, "meetpkid exited with status %d" % status

    @classmethod
    def connect(cls):
        """a new connection: a caller whose uid the daemon does not know yet"""
        conn = Gio.DBusConnection.new_for_address_sync(
            cls.address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None, None)
        cls.conns.append(conn)
        return conn

    def inspect(self, conn, name):
        return conn.call_sync(BUS_NAME, OBJECT_PATH, IFACE, "Inspect", GLib.Variant("(s)", (name,)), None,
                              Gio.DBusCallFlags.NONE, 120000, None).unpack()[0]

    def inline_count(self, name):
        with open(self.log_path) as f:
            return f.read().count(self.INLINE % name)

    def test_main_thread_and_worker_give_the_cli_answer(self):
        for name in ("ca.crt", "web.crt", "web.csr", "web.key"):
            with self.subTest(name=name):
                conn = self.connect()
                before = self.inline_count(name)
                # the first call of a caller: its uid is asked of the bus, in a worker
                first = self.inspect(conn, name)
                self.assertEqual(self.inline_count(name), before)
                # another file between the two, so the daemon's memo of its
                # last reply does not answer the second
                self.inspect(conn, "ca.crt" if name != "ca.crt" else "web.crt")
                second = self.inspect(conn, name)
                self.assertEqual(self.inline_count(name), before + 1)
                self.assertEqual(first, second)
                self.assertEqual(second, without_nulls(json.loads(run_cli(self.home, "pki", "inspect", name,
                                                                          "--json").stdout)))

    def test_big_file_in_a_worker_holds_up_no_other_call(self):
        conn = self.connect()
        self.inspect(conn, "ca.crt")
        done = []

        def finished(c, result, what):
            done.append((what, c.call_finish(result).unpack()[0]))

        for name in ("big.pem", "web.crt"):
            conn.call(BUS_NAME, OBJECT_PATH, IFACE, "Inspect", GLib.Variant("(s)", (name,)), None,
                      Gio.DBusCallFlags.NONE, 120000, None, finished, name)
        ctx = GLib.MainContext.default()
        deadline = time.monotonic() + 120
        while len(done) < 2 and time.monotonic() < deadline:
            ctx.iteration(True)
        self.assertEqual([what for what, _ in done], ["web.crt", "big.pem"])
        big = done[1][1]
        self.assertEqual(len(big["certificates"]), 1500)
        ca_fp = self.inspect(conn, "ca.crt")["certificates"][0]["fingerprint_sha256"]
        self.assertEqual({c["fingerprint_sha256"] for c in big["certificates"]}, {ca_fp})
        self.assertEqual(self.inline_count("big.pem"), 0)
        self.assertGreaterEqual(self.inline_count("web.crt"), 1)


class Services(unittest.TestCase):
    """io.meetpki.Service1 and Cluster1: each method against the cli's same
    command on a copy of the store (the embedded backend, no daemons)"""
    maxDiff = None
    twin = None  # a copy of the store the cli works on

    @classmethod
    def setUpClass(cls):
        call("SetNodeFact", ("server-fqdn", "svc.example.com"), "(ss)")
        if not os.path.exists(store_path("ca.crt")):
            call("SelfSigned", ("ca", ["CN:Test CA"], {}), "(sasa{sv})")

    @classmethod
    def tearDownClass(cls):
        if cls.twin is not None:
            shutil.rmtree(cls.twin, ignore_errors=True)

    def same_as_cli(self, name, method, cli_args, args, signature, iface=SERVICE_IFACE):
        """calls @method on the bus and the cli's command on the twin store:
        the same lines, and the same live files"""
        lines, = svc(name, method, args, signature, iface)
        p = run_cli(Services.twin, *cli_args)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(lines, p.stdout.replace(Services.twin, HOME).splitlines())
        if os.path.isdir(os.path.join(HOME, "services", name)):
            self.assertEqual(live_files(HOME, name), live_files(Services.twin, name))
        status, = svc(name, "GetStatus")
        twin_status = without_nulls(json.loads(run_cli(Services.twin, name, "status", "--json").stdout))
        twin_status["live-dir"] = twin_status["live-dir"].replace(Services.twin, HOME)
        self.assertEqual(status, twin_status)
        return lines

    def test_00_objects(self):
        out = subprocess.run(["gdbus", "introspect", "--session", "--dest", BUS_NAME,
                              "--object-path", SERVICES_PATH], capture_output=True, text=True, check=True).stdout
        for name in SERVICE_NAMES:
            self.assertIn("node " + name, out)
        for name in SERVICE_NAMES:
            with self.subTest(name=name):
                xml = BUS.call_sync(BUS_NAME, SERVICES_PATH + "/" + name, "org.freedesktop.DBus.Introspectable",
                                    "Introspect", None, GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE, -1,
                                    None).unpack()[0]
                node = Gio.DBusNodeInfo.new_for_xml(xml)
                info = node.lookup_interface(SERVICE_IFACE)
                self.assertEqual(sorted(m.name for m in info.methods),
                                 ["Apply", "ApplyCertificates", "ApplyCertificatesJson", "ApplyJson", "Disable",
                                  "Enable", "GenerateCsr", "GetStatus", "InstallTrust", "Probe", "Restart", "Rollback",
                                  "RollbackJson", "SetBackend", "SetEndpoint"])
                self.assertEqual(node.lookup_interface(CLUSTER_IFACE) is not None, name == "database")
                props = BUS.call_sync(BUS_NAME, SERVICES_PATH + "/" + name, "org.freedesktop.DBus.Properties",
                                      "GetAll", GLib.Variant("(s)", (SERVICE_IFACE,)), None,
                                      Gio.DBusCallFlags.NONE, -1, None).unpack()[0]
                self.assertEqual(props["Name"], name)
                self.assertEqual(props["Cluster"], name == "database")
                self.assertFalse(props["Enabled"])
        cluster = Gio.DBusNodeInfo.new_for_xml(BUS.call_sync(
            BUS_NAME, SERVICES_PATH + "/database", "org.freedesktop.DBus.Introspectable", "Introspect", None,
            GLib.VariantType("(s)"), Gio.DBusCallFlags.NONE, -1, None).unpack()[0]).lookup_interface(CLUSTER_IFACE)
        self.assertEqual(sorted(m.name for m in cluster.methods),
                         ["Connect", "GetStatus", "Initialize", "Join", "Remove", "SetLocalNode"])

    def test_01_status_matches_cli(self):
        for name in SERVICE_NAMES:
            with self.subTest(name=name):
                status, = svc(name, "GetStatus")
                self.assertEqual(status, without_nulls(cli_json(name, "status")))
                self.assertEqual(status["state"], "disabled")
        self.assertIn("'service': <'webadmin'>",
                      subprocess.run(["gdbus", "call", "--session", "--dest", BUS_NAME, "--object-path",
                                      SERVICES_PATH + "/webadmin", "--method", SERVICE_IFACE + ".GetStatus"],
                                     capture_output=True, text=True, check=True).stdout)

    def test_02_generate_csr_follows_the_service_rules(self):
        lines, = svc("webadmin", "GenerateCsr", ("wa", {"key-type": GLib.Variant("s", "ec:p256")}), "(sa{sv})")
        p = cli("webadmin", "csr", "wa-cli", "--key-type", "ec:p256")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(lines, p.stdout.replace("wa-cli", "wa").splitlines())
        self.assertIn("wa: CN:svc.example.com subjectAltName:svc.example.com", lines)
        subject = openssl("req", "-in", store_path("wa.csr"), "-noout", "-subject").stdout
        self.assertIn("svc.example.com", subject)
        self.assertEqual(os.stat(store_path("wa.key")).st_mode & 0o777, 0o600)
        name, message = svc_error("webadmin", "GenerateCsr", ("wa", {}), "(sa{sv})")
        self.assertEqual(name, "io.meetpki.Error.Exists")
        self.assertEqual(message, cli_error_message("webadmin", "csr", "wa"))
        for n in ("wa", "tu"):
            call("Sign", (n, "ca", {}), "(ssa{sv})") if n == "wa" else None
        svc("turn", "GenerateCsr", ("tu", {}), "(sa{sv})")
        call("Sign", ("tu", "ca", {}), "(ssa{sv})")
        # the cli's twin of the store, from here on changed by the cli only
        Services.twin = tempfile.mkdtemp(prefix="meetpkid-twin-")
        shutil.rmtree(Services.twin)
        shutil.copytree(HOME, Services.twin, symlinks=True)

    def test_03_apply_enable_restart_disable_as_the_cli(self):
        files = ["wa.key", "wa.crt", "ca.crt"]
        lines = self.same_as_cli("webadmin", "ApplyCertificates", ["webadmin", "certs"] + files,
                                 (files, {}), "(asa{sv})")
        self.assertIn("SUCCESS: Key and certificate pair match", lines)
        live = os.path.join(HOME, "services", "webadmin")
        self.assertEqual(openssl("verify", "-CAfile", os.path.join(live, "bundle.pem"),
                                 os.path.join(live, "cert.pem")).returncode, 0)
        self.assertEqual(os.stat(os.path.join(live, "key.pem")).st_mode & 0o777, 0o600)
        lines = self.same_as_cli("webadmin", "Enable", ["webadmin", "enable"], ({},), "(a{sv})")
        self.assertEqual(lines[-1], "SUCCESS: webadmin enabled")
        self.same_as_cli("webadmin", "Restart", ["webadmin", "restart"], ({},), "(a{sv})")
        self.same_as_cli("webadmin", "Disable", ["webadmin", "disable"], ({},), "(a{sv})")
        lines = self.same_as_cli("webadmin", "Apply", ["webadmin", "apply"] + files, (files, {}), "(asa{sv})")
        self.assertIn("webadmin apply sequence: disable -> certs -> enable", lines)
        self.assertEqual(svc("webadmin", "GetStatus")[0]["state"], "enabled")
        # a dry run tells and changes nothing
        before = live_files(HOME, "webadmin")
        lines, = svc("webadmin", "Disable", ({"dry-run": GLib.Variant("b", True)},), "(a{sv})")
        self.assertEqual(lines, cli("webadmin", "disable", "--dry-run").stdout.splitlines())
        self.assertEqual(svc("webadmin", "GetStatus")[0]["state"], "enabled")
        self.assertEqual(live_files(HOME, "webadmin"), before)
        # the gdbus way
        p = subprocess.run(["gdbus", "call", "--session", "--dest", BUS_NAME, "--object-path",
                            SERVICES_PATH + "/webadmin", "--method", SERVICE_IFACE + ".Restart", "{}"],
                           capture_output=True, text=True, timeout=60)
        REPLIES.append(p.stdout + p.stderr)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("SUCCESS: webadmin restarted", p.stdout)

    def test_04_service_changed_after_enable(self):
        svc("webadmin", "Disable", ({},), "(a{sv})")
        loop = GLib.MainLoop()
        events = []

        def on_changed(*a):
            events.append(a[5].unpack())
            loop.quit()

        sub = BUS.signal_subscribe(BUS_NAME, IFACE, "ServiceChanged", OBJECT_PATH, None,
                                   Gio.DBusSignalFlags.NONE, on_changed)
        BUS.call(BUS_NAME, SERVICES_PATH + "/webadmin", SERVICE_IFACE, "Enable", GLib.Variant("(a{sv})", ({},)),
                 None, Gio.DBusCallFlags.NONE, 60000, None, lambda bus, res: events.append(("reply", bus.call_finish(res).unpack())))
        GLib.timeout_add_seconds(30, loop.quit)
        loop.run()
        ctx = GLib.MainContext.default()
        deadline = time.monotonic() + 5
        while len(events) < 2 and time.monotonic() < deadline:
            ctx.iteration(False)
            time.sleep(0.01)
        BUS.signal_unsubscribe(sub)
        changed = [e for e in events if e[0] == "webadmin"]
        self.assertEqual(len(changed), 1, events)
        self.assertEqual(changed[0][1]["state"], "enabled")
        self.assertEqual(changed[0][1], without_nulls(cli_json("webadmin", "status")))
        enabled = BUS.call_sync(BUS_NAME, SERVICES_PATH + "/webadmin", "org.freedesktop.DBus.Properties", "Get",
                                GLib.Variant("(ss)", (SERVICE_IFACE, "Enabled")), None, Gio.DBusCallFlags.NONE,
                                -1, None).unpack()[0]
        self.assertTrue(enabled)

    def test_04b_enabled_property_is_announced(self):
        """Disable and Enable announce the Enabled property with
        org.freedesktop.DBus.Properties.PropertiesChanged, as a client
        bound to the property (python-gi's proxy cache, gdbus monitor)
        sees it"""
        def enabled():
            return BUS.call_sync(BUS_NAME, SERVICES_PATH + "/webadmin", "org.freedesktop.DBus.Properties", "Get",
                                 GLib.Variant("(ss)", (SERVICE_IFACE, "Enabled")), None, Gio.DBusCallFlags.NONE,
                                 -1, None).unpack()[0]

        def announced(events):
            return [e[2] for e in events if e[0] == "PropertiesChanged" and e[1] == SERVICE_IFACE]

        svc("webadmin", "Enable", ({},), "(a{sv})")
        self.assertTrue(enabled())
        proxy = Gio.DBusProxy.new_sync(BUS, Gio.DBusProxyFlags.NONE, None, BUS_NAME, SERVICES_PATH + "/webadmin",
                                       SERVICE_IFACE, None)
        self.assertTrue(proxy.get_cached_property("Enabled").unpack())
        for method, value, state in (("Disable", False, "disabled"), ("Enable", True, "enabled")):
            with self.subTest(method=method):
                events, subs = watch_service("webadmin")
                try:
                    svc("webadmin", method, ({},), "(a{sv})")
                    settle(events, until=lambda ev: announced(ev))
                finally:
                    unwatch(subs)
                self.assertEqual(announced(events), [{"Enabled": value}], events)
                # the invalidated list is empty: the value itself came
                self.assertEqual([e[3] for e in events if e[0] == "PropertiesChanged"], [[]])
                self.assertEqual(enabled(), value)
                self.assertEqual(proxy.get_cached_property("Enabled").unpack(), value)
                self.assertEqual(cli_json("webadmin", "status")["state"], state)
                # and the manager told it as ServiceChanged, with the same state
                changed = [e for e in events if e[0] == "ServiceChanged"]
                self.assertEqual(len(changed), 1, events)
                self.assertEqual(changed[0][1:], ("webadmin", without_nulls(cli_json("webadmin", "status"))))

    def test_04c_dry_runs_announce_and_change_nothing(self):
        """every dry run of Service1 tells what it would do, emits neither
        ServiceChanged nor PropertiesChanged, and leaves the status, the
        live files and services.conf as they were"""
        files = ["wa.key", "wa.crt", "ca.crt"]
        dry = {"dry-run": GLib.Variant("b", True)}
        conf = store_path("services.conf")
        status = svc("webadmin", "GetStatus")[0]
        self.assertEqual(status["state"], "enabled")
        live = live_files(HOME, "webadmin")
        conf_sum = sha256(conf)
        calls = (("ApplyCertificates", (files, dry), "(asa{sv})"),
                 ("Apply", (files, dry), "(asa{sv})"),
                 ("Rollback", (dry,), "(a{sv})"),
                 ("Disable", (dry,), "(a{sv})"),
                 ("Enable", (dry,), "(a{sv})"),
                 ("Restart", (dry,), "(a{sv})"),
                 ("SetEndpoint", ("127.0.0.1:1", dry), "(sa{sv})"),
                 ("SetBackend", ("exec", ["restart=false"], dry), "(sasa{sv})"))
        events, subs = watch_service("webadmin")
        try:
            for method, args, signature in calls:
                with self.subTest(method=method):
                    lines, = svc("webadmin", method, args, signature)
                    self.assertTrue(lines, method)
            settle(events)
            self.assertEqual(events, [])
            self.assertEqual(svc("webadmin", "GetStatus")[0], status)
            self.assertEqual(live_files(HOME, "webadmin"), live)
            self.assertEqual(sha256(conf), conf_sum)
            # the same watch does see a real run (of a command that leaves
            # the service as it was): the check above can fail
            svc("webadmin", "Enable", ({},), "(a{sv})")
            settle(events, until=lambda ev: any(e[0] == "ServiceChanged" for e in ev))
        finally:
            unwatch(subs)
        self.assertEqual([e[:2] for e in events], [("ServiceChanged", "webadmin")])
        self.assertEqual(svc("webadmin", "GetStatus")[0], status)

    def test_05_errors_are_meetpki_errors(self):
        live_before = live_files(HOME, "webadmin")
        cases = [
            (("webadmin", ["nosuch.key", "wa.crt"]), "NotFound"),
            (("webadmin", ["ca.key", "wa.crt", "ca.crt"]), "VerifyFailed"),
            (("database", ["wa.key", "wa.crt", "ca.crt"]), None),
        ]
        for (name, files), code in cases:
            with self.subTest(name=name, files=files):
                err, message = svc_error(name, "ApplyCertificates", (files, {}), "(asa{sv})")
                self.assertTrue(err.startswith("io.meetpki.Error."), err)
                if code is not None:
                    self.assertEqual(err, "io.meetpki.Error." + code)
                cli_args = [name, "cluster", "certs"] if name == "database" else [name, "certs"]
                self.assertEqual(message, cli_error_message(*(cli_args + files)))
        # store names only: a path or a link out of the store is refused
        for files in (["/etc/passwd", "wa.crt"], [store_path("wa.key"), "wa.crt"]):
            err, _ = svc_error("webadmin", "ApplyCertificates", (files, {}), "(asa{sv})")
            self.assertEqual(err, "io.meetpki.Error.OutsideStore")
        err, message = svc_error("webadmin", "Enable", ({"color": GLib.Variant("s", "red")},), "(a{sv})")
        self.assertEqual((err, message), ("io.meetpki.Error.InvalidArgs", "unknown option 'color'"))
        err, _ = svc_error("webadmin", "ApplyCertificates", (["wa.key", "wa.crt"], {"yes": GLib.Variant("b", True)}),
                           "(asa{sv})")
        self.assertEqual(err, "io.meetpki.Error.InvalidArgs")
        self.assertEqual(live_files(HOME, "webadmin"), live_before)
        # the exec backend's failure, as the cli names it
        for home in (HOME, Services.twin):
            self.assertEqual(run_cli(home, "turn", "backend", "exec", "certs=false").returncode, 0)
        err, message = svc_error("turn", "ApplyCertificates", (["tu.key", "tu.crt", "ca.crt"], {}), "(asa{sv})")
        self.assertEqual(err, "io.meetpki.Error.BackendFailed")
        p = run_cli(Services.twin, "turn", "certs", "tu.key", "tu.crt", "ca.crt")
        self.assertEqual(p.returncode, 13)
        self.assertEqual("meetpki: " + message, p.stderr.strip().splitlines()[-1])
        p = subprocess.run(["gdbus", "call", "--session", "--dest", BUS_NAME, "--object-path", SERVICES_PATH + "/turn",
                            "--method", SERVICE_IFACE + ".ApplyCertificates", "['tu.key', 'tu.crt', 'ca.crt']", "{}"],
                           capture_output=True, text=True, timeout=60)
        REPLIES.append(p.stdout + p.stderr)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("io.meetpki.Error.BackendFailed", p.stderr)

    def test_06_cluster(self):
        status, = svc("database", "GetStatus", iface=CLUSTER_IFACE)
        self.assertEqual(status, without_nulls(cli_json("database", "cluster", "status")))
        self.assertEqual(status["status"], "Not in a database cluster")
        lines = self.same_as_cli("database", "SetLocalNode", ["database", "cluster", "localnode", "a"], ("a",), "(s)",
                                 iface=CLUSTER_IFACE)
        self.assertEqual(lines, ["database cluster uses interface a on this node"])
        self.assertEqual(svc("database", "GetStatus", iface=CLUSTER_IFACE)[0]["localnode"], "a")
        err, message = svc_error("database", "SetLocalNode", ("a b",), "(s)", iface=CLUSTER_IFACE)
        self.assertEqual(err, "io.meetpki.Error.InvalidArgs")
        self.assertEqual(message, cli_error_message("database", "cluster", "localnode", "a b"))
        # no certificates yet: refused like the cli
        err, message = svc_error("database", "Initialize", ({},), "(a{sv})", iface=CLUSTER_IFACE)
        self.assertEqual(message, cli_error_message("database", "cluster", "initialize"))
        err, message = svc_error("database", "Join", ("db1.example.com", {}), "(sa{sv})", iface=CLUSTER_IFACE)
        self.assertEqual(message, cli_error_message("database", "cluster", "join", "db1.example.com"))
        err, _ = svc_error("database", "Join", ("", {}), "(sa{sv})", iface=CLUSTER_IFACE)
        self.assertEqual(err, "io.meetpki.Error.InvalidArgs")
        lines, = svc("database", "Remove", ({"yes": GLib.Variant("b", True)},), "(a{sv})", iface=CLUSTER_IFACE)
        self.assertEqual(lines, ["This node is in no database cluster; nothing to remove"])
        err, _ = svc_error("webadmin", "GetStatus", iface=CLUSTER_IFACE)
        self.assertEqual(err, "org.freedesktop.DBus.Error.UnknownMethod")

    def lines_signal(self, name, method, args, signature, iface=SERVICE_IFACE):
        """calls a method that must fail; returns (error name, message, the
        Lines signal's lines)"""
        got = []
        sub = BUS.signal_subscribe(BUS_NAME, iface, "Lines", SERVICES_PATH + "/" + name, None,
                                   Gio.DBusSignalFlags.NONE, lambda *a: got.append(a[5].unpack()[0]))
        try:
            err, message = svc_error(name, method, args, signature, iface)
            ctx = GLib.MainContext.default()
            deadline = time.monotonic() + 5
            while not got and time.monotonic() < deadline:
                ctx.iteration(False)
                time.sleep(0.01)
        finally:
            BUS.signal_unsubscribe(sub)
        self.assertEqual(len(got), 1)
        return err, message, got[0]

    def test_07_failure_lines_reach_the_caller(self):
        files = ["ca.key", "wa.crt", "ca.crt"]
        err, message, lines = self.lines_signal("webadmin", "ApplyCertificates", (files, {}), "(asa{sv})")
        self.assertEqual(err, "io.meetpki.Error.VerifyFailed")
        p = run_cli(Services.twin, "webadmin", "certs", *files)
        self.assertEqual(p.returncode, 1)
        # the cli's last line is the error itself, a FAILURE line for a check
        self.assertEqual(lines + ["FAILURE: " + message], p.stdout.replace(Services.twin, HOME).splitlines())
        self.assertTrue(any(line.startswith("FAILURE: ") for line in lines), lines)

    def test_08_rollback_as_the_cli(self):
        # a renewal under a new name, the same files in both stores
        self.assertEqual(cli("webadmin", "csr", "wb").returncode, 0)
        self.assertEqual(cli("pki", "sign", "wb", "ca").returncode, 0)
        for n in ("wb.key", "wb.csr", "wb.crt"):
            shutil.copy2(store_path(n), os.path.join(Services.twin, n))
        files = ["wb.key", "wb.crt", "ca.crt"]
        self.same_as_cli("webadmin", "Apply", ["webadmin", "apply"] + files, (files, {}), "(asa{sv})")
        lines = self.same_as_cli("webadmin", "Rollback", ["webadmin", "rollback"], ({},), "(a{sv})")
        self.assertEqual(lines[0], "webadmin: rolling back to the last known-good files")

        def fingerprint(path):
            return openssl("x509", "-in", path, "-noout", "-fingerprint", "-sha256").stdout

        self.assertEqual(fingerprint(os.path.join(HOME, "services", "webadmin", "cert.pem")),
                         fingerprint(store_path("wa.crt")))

    def test_09_probe_failure_and_rollback_failure(self):
        for home in (HOME, Services.twin):
            p = run_cli(home, "webadmin", "endpoint", "127.0.0.1:1", "--probe-timeout", "1")
            self.assertEqual(p.returncode, 0, p.stderr)
        try:
            err, message, lines = self.lines_signal("webadmin", "Restart", ({},), "(a{sv})")
            self.assertEqual(err, "io.meetpki.Error.RollbackFailed")
            p = run_cli(Services.twin, "webadmin", "restart")
            self.assertEqual(p.returncode, 15)
            self.assertEqual("meetpki: " + message, p.stderr.strip().splitlines()[-1])
            self.assertEqual(lines, p.stdout.replace(Services.twin, HOME).splitlines())
            self.assertIn("FAILURE: webadmin probe: cannot connect to 127.0.0.1:1: Connection refused; "
                          "rolling back to the previous files", lines)
        finally:
            for home in (HOME, Services.twin):
                run_cli(home, "webadmin", "endpoint", "none")

    def test_10_database_cluster_through_the_bus(self):
        call("SetNodeFact", ("database-role", "primary"), "(ss)")
        self.assertEqual(run_cli(Services.twin, "node", "set", "database-role", "primary").returncode, 0)
        lines, = svc("database", "GenerateCsr", ("db", {"key-type": GLib.Variant("s", "ec:p256")}), "(sa{sv})")
        self.assertIn("dbclient: CN:postgres subjectAltName:postgres", lines)
        for n in ("dbserver", "dbclient"):
            call("Sign", (n, "ca", {}), "(ssa{sv})")
            for ext in (".key", ".csr", ".crt"):
                shutil.copy2(store_path(n + ext), os.path.join(Services.twin, n + ext))
        files = ["dbserver.key", "dbserver.crt", "dbclient.key", "dbclient.crt", "ca.crt"]
        lines = self.same_as_cli("database", "ApplyCertificates", ["database", "cluster", "certs"] + files,
                                 (files, {}), "(asa{sv})")
        self.assertIn("SUCCESS: client-cert has the common name postgres", lines)
        self.assertEqual(openssl("verify", "-CAfile", store_path("ca.crt"),
                                 os.path.join(HOME, "services", "database", "server-cert.pem")).returncode, 0)
        lines = self.same_as_cli("database", "Initialize", ["database", "cluster", "initialize"], ({},), "(a{sv})",
                                 iface=CLUSTER_IFACE)
        self.assertEqual(lines, ["SUCCESS: database cluster initialized; this node is the primary"])
        status, = svc("database", "GetStatus", iface=CLUSTER_IFACE)
        self.assertEqual(status, without_nulls(cli_json("database", "cluster", "status")))
        self.assertEqual(status["status"], "Connected Primary")
        # the vendor's uppercase Y: nobody answers on the bus, so "yes" is required
        err, message = svc_error("database", "Remove", ({},), "(a{sv})", iface=CLUSTER_IFACE)
        self.assertEqual(err, "io.meetpki.Error.InvalidArgs")
        self.assertEqual(message, "not confirmed (an uppercase Y, or --yes); the node stays in the cluster")
        self.assertEqual(svc("database", "GetStatus", iface=CLUSTER_IFACE)[0]["state"], "primary")
        lines = self.same_as_cli("database", "Remove", ["database", "cluster", "remove", "--yes"],
                                 ({"yes": GLib.Variant("b", True)},), "(a{sv})", iface=CLUSTER_IFACE)
        self.assertEqual(lines, ["SUCCESS: removed this node from the database cluster (it was primary)"])
        self.assertEqual(svc("database", "GetStatus", iface=CLUSTER_IFACE)[0]["state"], "none")

    def test_99_no_reply_carries_a_private_key(self):
        with open(store_path("wa.key")) as f:
            body = "".join(line for line in f.read().splitlines() if not line.startswith("-----"))
        for text in REPLIES:
            self.assertNotIn("PRIVATE KEY", text)
            self.assertNotIn(body[:40], text)


class Shutdown(unittest.TestCase):
    """runs after Manager (alphabetical): stops the shared daemon"""

    def test_sigterm_waits_for_calls_in_progress(self):
        loop = GLib.MainLoop()
        events = []

        def on_progress(*a):
            stage = a[5].unpack()
            events.append(stage)
            if stage == ("GenerateCsr", "late", "started"):
                DAEMON.proc.terminate()

        def done(bus, res):
            try:
                bus.call_finish(res)
                events.append("reply")
            except GLib.Error as e:
                events.append(e.message)
            loop.quit()

        sub = BUS.signal_subscribe(BUS_NAME, IFACE, "Progress", OBJECT_PATH, None, Gio.DBusSignalFlags.NONE,
                                   on_progress)
        BUS.call(BUS_NAME, OBJECT_PATH, IFACE, "GenerateCsr",
                 GLib.Variant("(sasa{sv})", ("late", ["CN:late.example.com"], {"key-type": GLib.Variant("s", "rsa:4096")})),
                 None, Gio.DBusCallFlags.NONE, 300000, None, done)
        GLib.timeout_add_seconds(300, loop.quit)
        loop.run()
        BUS.signal_unsubscribe(sub)
        # the call in progress was answered, then the daemon left cleanly
        self.assertIn("reply", events)
        self.assertEqual(DAEMON.proc.wait(timeout=60), 0)
        self.assertEqual(openssl("req", "-in", store_path("late.csr"), "-noout", "-verify").returncode, 0)
        self.assertEqual(os.stat(store_path("late.key")).st_mode & 0o777, 0o600)


ANY_USER_BUS = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <include>/usr/share/dbus-1/session.conf</include>
  <policy context="default">
    <allow user="*"/>
  </policy>
</busconfig>
"""


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("setpriv") and os.path.exists("/usr/share/dbus-1/session.conf"),
                     "needs root and setpriv to call as another user")
class OtherUser(unittest.TestCase):
    """a session bus that lets every user connect: the daemon must still
    answer its own user only"""

    def test_another_uid_is_refused(self):
        tmp = tempfile.mkdtemp(prefix="meetpkid-uid-")
        home = os.path.join(tmp, "store")
        conf = os.path.join(tmp, "bus.conf")
        with open(conf, "w") as f:
            f.write(ANY_USER_BUS)
        bus = daemon = None
        try:
            bus = subprocess.Popen(["dbus-daemon", "--config-file=" + conf, "--nofork", "--print-address=1"],
                                   stdout=subprocess.PIPE, text=True)
            address = bus.stdout.readline().strip()
            env = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address)
            daemon = subprocess.Popen([MEETPKID, "--session", "--home", home], env=env)

            def gdbus_as(uid, method, *args):
                prefix = ["setpriv", "--reuid=%d" % uid, "--regid=%d" % uid, "--clear-groups"] if uid else []
                return subprocess.run(prefix + ["gdbus", "call", "--address", address, "--dest", BUS_NAME,
                                                "--object-path", OBJECT_PATH, "--method", IFACE + "." + method]
                                      + list(args), capture_output=True, text=True, timeout=60)

            deadline = time.monotonic() + 20
            while gdbus_as(0, "List").returncode != 0:
                self.assertIsNone(daemon.poll())
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.1)
            for method, args in (("List", ()), ("GenerateCsr", ("x", "['CN:x.example.com']", "{}"))):
                p = gdbus_as(65534, method, *args)
                self.assertNotEqual(p.returncode, 0, p.stdout)
                self.assertIn("org.freedesktop.DBus.Error.AccessDenied", p.stderr)
                self.assertIn("uid 65534", p.stderr)
            self.assertEqual([n for n in os.listdir(home) if not n.startswith(".")], [])
            self.assertEqual(gdbus_as(0, "GenerateCsr", "x", "['CN:x.example.com']",
                                      "{'key-type': <'ec:p256'>}").returncode, 0)
        finally:
            for p in (daemon, bus):
                if p is not None and p.poll() is None:
                    p.terminate()
                    p.wait(timeout=10)
            if bus is not None:
                bus.stdout.close()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
