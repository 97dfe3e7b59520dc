#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# the lab: the six services as real Debian daemons (nginx, prosody, coturn,
# PostgreSQL) started by tools/lab on free loopback ports, serving the
# certificates of a store provisioned from data/examples/single-node.conf.
# every check of what a daemon serves is made by an independent client
# (openssl s_client, psql), comparing the served certificate's DER with the
# applied file's.  every daemon is stopped again, also when a test fails.
#
# environment (set by meson): MEETPKI_CLI, MEETPKI_PLUGIN_DIR, LAB_TOOL,
# LAB_SRCDIR.  a service whose daemon is not installed is skipped with
# tools/lab's reason, except under CI (CI=true), where tools/deps installs
# them all and a skip is a failure.

import base64
import hashlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

MEETPKI = os.environ.get("MEETPKI_CLI", "meetpki")
LAB = os.environ.get("LAB_TOOL", "tools/lab")
SRCDIR = os.environ.get("LAB_SRCDIR", ".")
PROFILE = os.path.join(SRCDIR, "data", "examples", "single-node.conf")
SERVICES = ["webadmin", "webbridge", "callbridge", "xmpp", "turn", "database"]
CA = "example-ca"
DOMAIN = "example.com"
TIMEOUT = 60
PEM_RE = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n(.*?)-----END CERTIFICATE-----", re.S)


def pem_certs(data):
    """the DER of each certificate in PEM text, in order"""
    return [base64.b64decode(b"".join(m.group(1).split())) for m in PEM_RE.finditer(data)]


def fingerprint(der):
    return hashlib.sha256(der).hexdigest()


def file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def free_ports(n):
    """n distinct ports that are free on 127.0.0.1 right now"""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def run(argv, env=None, check=True, input_text=None):
    p = subprocess.run(argv, env=env, input=input_text, capture_output=True, text=True,
                       timeout=TIMEOUT * 5)
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d\nstdout:\n%s\nstderr:\n%s"
                             % (" ".join(argv), p.returncode, p.stdout, p.stderr))
    return p


def proc_user(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return pwd.getpwuid(int(line.split()[1])).pw_name
    return None


def children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[1]) == pid:
            kids.append(int(entry))
    return sorted(kids)


class Lab:
    """a store provisioned from the example profile and the lab on it"""

    def __init__(self):
        self.home = tempfile.mkdtemp(prefix="meetpki-labtest.")
        self.ports = dict(zip(SERVICES, free_ports(len(SERVICES))))
        self.env = dict(os.environ, MEETPKI_HOME=self.home)
        for svc, port in self.ports.items():
            self.env["LAB_PORT_" + svc.upper()] = str(port)
        self.up = False
        self.skipped = {}
        self.pids = {}

    def meetpki(self, *args, check=True):
        return run([MEETPKI] + list(args), env=self.env, check=check)

    def lab(self, *args, check=True):
        return run([LAB] + list(args), env=self.env, check=check)

    def start(self):
        self.meetpki("node", "provision", PROFILE)
        self.up = True
        self.lab("up")
        self.read_status()

    def read_status(self):
        self.pids = {}
        for line in self.lab("status", check=False).stdout.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in SERVICES:
                if words[1] == "skipped":
                    self.skipped[words[0]] = line.split("skipped", 1)[1].strip()
                elif words[1] == "running":
                    self.pids[words[0]] = int(words[-1])
        return self.pids

    def stop(self):
        if self.up:
            self.up = False
            self.lab("down", check=False)
        shutil.rmtree(self.home, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.home, name)

    def served_chain(self, svc):
        """what the daemon serves, verified against the CA by openssl"""
        argv = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % self.ports[svc],
                "-verify_return_error", "-CAfile", self.path(CA + ".crt"), "-showcerts"]
        if svc == "xmpp":
            argv += ["-starttls", "xmpp", "-xmpphost", DOMAIN]
        elif svc == "database":
            argv += ["-starttls", "postgres"]
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
        out = p.stdout.decode(errors="replace")
        if p.returncode != 0 or "Verify return code: 0 (ok)" not in out:
            raise AssertionError("openssl s_client on %s failed (%d):\n%s\n%s"
                                 % (svc, p.returncode, out, p.stderr.decode(errors="replace")))
        return pem_certs(p.stdout)

    def applied_cert(self, svc):
        """the DER of the certificate the service has applied (its live file)"""
        name = "server-cert.pem" if svc == "database" else "cert.pem"
        with open(os.path.join(self.home, "services", svc, name), "rb") as f:
            return pem_certs(f.read())[0]

    def psql(self, *conninfo, check=True):
        info = ["host=127.0.0.1", "port=%d" % self.ports["database"], "user=postgres",
                "dbname=postgres", "connect_timeout=10"] + list(conninfo)
        env = dict(self.env, PGPASSWORD="", PGSSLMODE="")
        return run(["psql", " ".join(info), "-XAtc",
                    "select current_user || ' ' || ssl from pg_stat_ssl where pid = pg_backend_pid()"],
                   env=env, check=check)


class LabTest(unittest.TestCase):
    lab = None

    @classmethod
    def setUpClass(cls):
        cls.lab = Lab()
        cls.addClassCleanup(cls.lab.stop)
        cls.lab.start()

    def need(self, svc):
        reason = self.lab.skipped.get(svc)
        if reason is None:
            return
        if os.environ.get("CI") == "true":
            self.fail("%s is not running under CI: %s (tools/deps installs it)" % (svc, reason))
        self.skipTest("%s: %s" % (svc, reason))

    def assert_serves(self, svc, der):
        self.assertEqual(fingerprint(self.lab.served_chain(svc)[0]), fingerprint(der),
                         "%s serves another certificate than the applied one" % svc)

    def test_endpoints_serve_the_applied_certificates(self):
        for svc in SERVICES:
            with self.subTest(service=svc):
                self.need(svc)
                self.assertIn(svc, self.lab.pids, "%s is not running" % svc)
                self.assert_serves(svc, self.lab.applied_cert(svc))

    def test_webbridge_serves_the_full_chain_in_order(self):
        self.need("webbridge")
        served = self.lab.served_chain("webbridge")
        with open(self.lab.path(CA + ".crt"), "rb") as f:
            root = pem_certs(f.read())[0]
        self.assertEqual([fingerprint(c) for c in served],
                         [fingerprint(self.lab.applied_cert("webbridge")), fingerprint(root)])

    def test_psql_logs_in_with_the_client_certificate(self):
        self.need("database")
        tls = ["sslmode=verify-ca", "sslrootcert=" + self.lab.path(CA + ".crt")]
        p = self.lab.psql("sslcert=" + self.lab.path("dbclient.crt"),
                          "sslkey=" + self.lab.path("dbclient.key"), *tls)
        self.assertEqual(p.stdout.strip(), "postgres true")
        # hostssl ... cert: no client certificate, no login
        p = self.lab.psql("sslcert=/nonexistent", "sslkey=/nonexistent", *tls, check=False)
        self.assertNotEqual(p.returncode, 0, p.stdout)
        self.assertIn("certificate", p.stderr)

    def test_daemons_that_refuse_root_run_as_their_own_users(self):
        if os.getuid() != 0:
            self.skipTest("the daemons run as their own users only when the lab runs as root")
        for svc, user in (("database", "postgres"), ("xmpp", "prosody"), ("turn", "turnserver")):
            with self.subTest(service=svc):
                self.need(svc)
                self.assertEqual(proc_user(self.lab.pids[svc]), user)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    if not result.wasSuccessful():
        sys.exit(1)
    # nothing could run here at all: tell meson it was skipped
    if result.testsRun > 0 and len(result.skipped) == result.testsRun:
        sys.exit(77)
    sys.exit(0)
