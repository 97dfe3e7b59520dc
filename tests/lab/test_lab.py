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
import json
import hashlib
import os
import pwd
import random
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
    """n distinct ports that are free on 127.0.0.1 right now, drawn below
    the kernel's ephemeral range: a port bind(0) hands out is the next
    one another test's bind(0) or any outgoing connection may get before
    the lab's daemon binds it"""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    low = max(low, 2048)
    rng = random.SystemRandom()
    socks = []
    try:
        while len(socks) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", rng.randrange(1024, low)))
            except OSError:
                s.close()
                continue
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def run(argv, env=None, check=True):
    p = subprocess.run(argv, env=env, capture_output=True, text=True,
                       timeout=TIMEOUT * 5)
    if check and p.returncode != 0:
        raise AssertionError("%s exited %d\nstdout:\n%s\nstderr:\n%s"
                             % (" ".join(argv), p.returncode, p.stdout, p.stderr))
    return p


def has_command(verb):
    """whether `meetpki --help` lists `<service> <verb>`"""
    p = subprocess.run([MEETPKI, "--help"], capture_output=True, text=True)
    return ("<service> %s " % verb) in p.stdout


def rolls_back():
    """whether `meetpki --help` says apply, enable or restart roll back
    (the probe landed before the rollback that uses it)"""
    p = subprocess.run([MEETPKI, "--help"], capture_output=True, text=True)
    return any("roll" in line for line in p.stdout.splitlines()
               if re.match(r"\s+<service> (apply|enable|restart)\s", line))


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
        self.env = dict(os.environ, MEETPKI_HOME=self.home)
        self.pick_ports()
        self.up = False
        self.skipped = {}
        self.pids = {}

    def meetpki(self, *args, check=True):
        return run([MEETPKI] + list(args), env=self.env, check=check)

    def lab(self, *args, check=True):
        return run([LAB] + list(args), env=self.env, check=check)

    def pick_ports(self):
        self.ports = dict(zip(SERVICES, free_ports(len(SERVICES))))
        for svc, port in self.ports.items():
            self.env["LAB_PORT_" + svc.upper()] = str(port)

    def start(self, attempts=3):
        """provision, then bring the daemons up.  a free port can be taken
        by another program between the pick and the daemon's bind (the
        suite runs other servers side by side): `lab up` then fails, and
        is tried again on other ports, its failure printed to stderr"""
        self.meetpki("node", "provision", PROFILE)
        self.up = True
        for attempt in range(1, attempts + 1):
            p = self.lab("up", check=attempt == attempts)
            if p.returncode == 0:
                break
            print("lab up failed (attempt %d of %d), trying other ports:\n%s%s"
                  % (attempt, attempts, p.stdout, p.stderr), file=sys.stderr)
            self.lab("down", check=False)
            self.pick_ports()
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

    def served_fingerprint(self, svc):
        return fingerprint(self.served_chain(svc)[0])

    def daemon_pids(self):
        """every lab daemon's main pid and its children (nginx's workers):
        what changes when a daemon is reloaded or restarted"""
        return {svc: [pid] + children(pid) for svc, pid in self.read_status().items()}

    def renew(self, svc, name):
        """a key and certificate for @svc under a fresh @name, signed by the
        CA; returns the arguments of `<svc> apply`"""
        self.meetpki(svc, "csr", name)
        if svc == "database":
            for part in ("server", "client"):
                self.meetpki("pki", "sign", name + part, CA)
            return ["--yes", name + "server.key", name + "server.crt",
                    name + "client.key", name + "client.crt", CA + ".crt"]
        self.meetpki("pki", "sign", name, CA)
        return [name + ".key", name + ".crt", CA + "-bundle.crt"]

    def applied_file(self, svc, role):
        """the store name of the file the service applied for @role"""
        status = json.loads(self.meetpki(svc, "status", "--json").stdout)
        return [a["file"] for a in status["applied"] if a["role"] == role][0]

    def psql(self, *conninfo, check=True):
        info = ["host=127.0.0.1", "port=%d" % self.ports["database"], "user=postgres",
                "dbname=postgres", "connect_timeout=10"] + list(conninfo)
        env = dict(self.env, PGPASSWORD="", PGSSLMODE="")
        return run(["psql", " ".join(info), "-XAtc",
                    "select current_user || ' ' || ssl from pg_stat_ssl where pid = pg_backend_pid()"],
                   env=env, check=check)


class LabCase(unittest.TestCase):
    """one lab for the class: a store provisioned from the example profile,
    every daemon up; down again whatever happens"""
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



class LabTest(LabCase):
    """the lab as `tools/lab up` leaves it"""

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

    def test_probe_passes_against_every_daemon(self):
        if not has_command("probe"):
            self.skipTest("meetpki has no '<service> probe' yet")
        for svc in SERVICES:
            with self.subTest(service=svc):
                self.need(svc)
                p = self.lab.meetpki(svc, "probe", check=False)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
                self.assertIn("SUCCESS", p.stdout)
                self.assertNotIn("FAILURE", p.stdout)
        # webbridge's daemon serves another leaf than webadmin applied
        self.need("webbridge")
        p = self.lab.meetpki("webadmin", "probe", "127.0.0.1:%d" % self.lab.ports["webbridge"],
                             check=False)
        self.assertEqual(p.returncode, 11, p.stdout + p.stderr)
        self.assertIn("FAILURE", p.stdout)

    def test_daemons_that_refuse_root_run_as_their_own_users(self):
        if os.getuid() != 0:
            self.skipTest("the daemons run as their own users only when the lab runs as root")
        for svc, user in (("database", "postgres"), ("xmpp", "prosody"), ("turn", "turnserver")):
            with self.subTest(service=svc):
                self.need(svc)
                self.assertEqual(proc_user(self.lab.pids[svc]), user)


class LabChangeTest(LabCase):
    """changes that the running daemons must take, or must not see"""

    def test_renewal_under_a_new_name_is_served_and_leaves_the_old_key(self):
        for svc in SERVICES:
            with self.subTest(service=svc):
                self.need(svc)
                key_role = "server-key" if svc == "database" else "key"
                old_key = self.lab.path(self.lab.applied_file(svc, key_role))
                old_sha = file_sha256(old_key)
                old_fp = self.lab.served_fingerprint(svc)
                args = self.lab.renew(svc, svc + "-renewed")
                self.lab.meetpki(svc, "apply", *args)
                new = self.lab.applied_cert(svc)
                self.assertNotEqual(fingerprint(new), old_fp)
                self.assert_serves(svc, new)
                self.assertEqual(file_sha256(old_key), old_sha, "%s changed" % old_key)

    def test_bad_apply_is_refused_before_any_daemon_is_touched(self):
        for svc in ("webadmin", "webbridge"):
            self.need(svc)
        lab = self.lab
        # the root first, the web bridge's certificate last
        wrong_order = "wb-wrong-order.pem"
        with open(lab.path(wrong_order), "wb") as out:
            for name in (CA + ".crt", lab.applied_file("webbridge", "cert")):
                with open(lab.path(name), "rb") as f:
                    out.write(f.read())
        lab.meetpki("pki", "csr", "wb-nojoin", "CN:cms1.example.com",
                    "subjectAltName:cms1.example.com," + DOMAIN)
        lab.meetpki("pki", "sign", "wb-nojoin", CA)
        webbridge_key = lab.applied_file("webbridge", "key")
        cases = [
            ("wrong key", "webadmin",
             [webbridge_key, lab.applied_file("webadmin", "cert"), CA + "-bundle.crt"],
             "do not match"),
            ("SAN without the join URL", "webbridge",
             ["wb-nojoin.key", "wb-nojoin.crt", CA + "-bundle.crt"], "join.example.com"),
            ("full chain in the wrong order", "webbridge",
             [webbridge_key, wrong_order], "wrong order"),
        ]
        served = {svc: lab.served_fingerprint(svc) for svc in ("webadmin", "webbridge")}
        pids = lab.daemon_pids()
        for what, svc, args, message in cases:
            with self.subTest(case=what):
                p = lab.meetpki(svc, "apply", *args, check=False)
                self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
                self.assertIn(message, p.stdout + p.stderr)
                self.assertIn("FAILURE", p.stdout)
                self.assertNotIn("disabled", p.stdout)
        self.assertEqual(lab.daemon_pids(), pids, "a daemon was stopped or reloaded")
        for svc, fp in served.items():
            self.assertEqual(lab.served_fingerprint(svc), fp)


class LabRollbackTest(LabCase):
    """rollback by meetpki itself: needs `<service> endpoint` and `probe`"""

    @classmethod
    def setUpClass(cls):
        if not has_command("endpoint"):
            raise unittest.SkipTest("meetpki has no '<service> endpoint' (probe and rollback) yet")
        if not rolls_back():
            raise unittest.SkipTest("meetpki's apply/enable/restart do not roll back yet "
                                    "(their 'meetpki --help' lines do not say so)")
        super().setUpClass()

    def set_steps(self, svc, *steps):
        self.lab.meetpki(svc, "backend", "exec", *steps)

    def lab_step(self, verb, svc):
        with open(self.lab.path(".lab")) as f:
            lab_dir = f.read().strip()
        return "'%s' --lab '%s' %s %s" % (LAB, lab_dir, verb, svc)

    def assert_rolled_back(self, svc, args, old_der, old_cert):
        p = self.lab.meetpki(svc, "apply", *args, check=False)
        self.assertNotEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(self.lab.applied_file(svc, "cert"), old_cert)
        self.assert_serves(svc, old_der)

    def test_a_failing_backend_command_rolls_back(self):
        svc = "webadmin"
        self.need(svc)
        old_der, old_cert = self.lab.applied_cert(svc), self.lab.applied_file(svc, "cert")
        args = self.lab.renew(svc, "wa-fails")
        # the daemon starts, but the step fails while the new certificate is live
        self.set_steps(svc, "enable=%s && ! cmp -s \"$MEETPKI_CERT\" '%s'"
                       % (self.lab_step("start", svc), self.lab.path(args[1])))
        self.assert_rolled_back(svc, args, old_der, old_cert)

    def test_a_daemon_that_keeps_the_old_certificate_rolls_back(self):
        svc = "webbridge"
        self.need(svc)
        old_der, old_cert = self.lab.applied_cert(svc), self.lab.applied_file(svc, "cert")
        args = self.lab.renew(svc, "wb-ignored")
        # the steps succeed but never reach the daemon: the probe sees the old one
        self.set_steps(svc, "disable=true", "certs=true", "enable=true", "restart=true")
        self.assert_rolled_back(svc, args, old_der, old_cert)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    if not result.wasSuccessful():
        sys.exit(1)
    # nothing could run here at all: tell meson it was skipped
    if result.testsRun > 0 and len(result.skipped) == result.testsRun:
        sys.exit(77)
    sys.exit(0)
