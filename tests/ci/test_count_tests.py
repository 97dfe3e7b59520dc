#!/usr/bin/env python3
# .ci/count-tests on the testlog.json that a real `meson test` writes for a
# small project: tests that pass, fail, skip (exit 77), and pass with a TAP
# subtest or a python unittest skipped.  a skipped test is never counted as
# passed; it is listed; with CI=true it counts as failed.
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

COUNT = os.path.join(os.environ.get("COUNT_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")),
                     ".ci", "count-tests")

MESON_BUILD = """\
project('counted', [])
sh = find_program('sh')
py = find_program('python3')
test('passes', sh, args : ['-c', 'exit 0'])
test('fails', sh, args : ['-c', 'exit 1'])
test('skips', sh, args : ['-c', 'exit 77'])
test('tap-skip', sh, protocol : 'tap',
     args : ['-c', 'printf "1..2\\\\nok 1 /a/one\\\\nok 2 /a/two # SKIP openssl is not installed\\\\n"'])
test('tap-ok', sh, protocol : 'tap', args : ['-c', 'printf "1..1\\\\nok 1 /a/one\\\\n"'])
test('unit-skip', py, args : [files('unit.py')])
"""

UNIT = textwrap.dedent("""\
    import unittest

    class T(unittest.TestCase):
        def test_runs(self):
            pass

        def test_skipped(self):
            \"\"\"a docstring, printed on its own line\"\"\"
            self.skipTest("no setpriv")

    unittest.main(verbosity=2)
    """)


class CountTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="meetpki-ci-count-")
        src = os.path.join(cls.tmp, "src")
        os.mkdir(src)
        with open(os.path.join(src, "meson.build"), "w") as f:
            f.write(MESON_BUILD)
        with open(os.path.join(src, "unit.py"), "w") as f:
            f.write(UNIT)
        cls.build = os.path.join(cls.tmp, "b")
        env = dict(os.environ)
        env.pop("MESON_TESTTHREADS", None)
        for args in (["meson", "setup", cls.build, src], ["meson", "test", "-C", cls.build]):
            p = subprocess.run(args, capture_output=True, text=True, env=env)
            # `meson test` fails: one test fails on purpose
            if args[1] == "setup":
                assert p.returncode == 0, p.stdout + p.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def count(self, ci, *dirs):
        env = dict(os.environ)
        env.pop("CI", None)
        if ci:
            env["CI"] = "true"
        return subprocess.run([sys.executable, COUNT] + list(dirs or [self.build]),
                              capture_output=True, text=True, env=env, cwd=self.tmp)

    def skipped_line(self):
        return ("skipped%s: b/skips, b/tap-skip (/a/two: openssl is not installed), "
                "b/unit-skip (test_skipped: no setpriv)\n")

    def test_outside_ci_skips_are_listed_not_passed(self):
        p = self.count(False, "b")
        self.assertEqual(p.stdout, self.skipped_line() % "" + "2 passed, 1 failed\n")
        self.assertEqual(p.returncode, 1)

    def test_ci_skips_count_as_failed(self):
        p = self.count(True, "b")
        self.assertEqual(p.stdout, self.skipped_line() % ", counted as failed under CI" + "2 passed, 4 failed\n")
        self.assertEqual(p.returncode, 1)

    def test_missing_log_fails(self):
        p = self.count(False, "b", "nothere")
        self.assertTrue(p.stdout.endswith("nothere: no meson-logs/testlog.json\n"
                                          + self.skipped_line() % "" + "2 passed, 2 failed\n"), p.stdout)

    def test_all_passed(self):
        # only the tests that pass whole: the log cut to them
        clean = os.path.join(self.tmp, "clean")
        os.makedirs(os.path.join(clean, "meson-logs"), exist_ok=True)
        with open(os.path.join(self.build, "meson-logs", "testlog.json")) as f, \
             open(os.path.join(clean, "meson-logs", "testlog.json"), "w") as out:
            for line in f:
                if '"name": "passes"' in line or '"name": "tap-ok"' in line:
                    out.write(line)
        for ci in (False, True):
            p = self.count(ci, "clean")
            self.assertEqual((p.stdout, p.returncode), ("2 passed, 0 failed\n", 0))


if __name__ == "__main__":
    unittest.main(verbosity=2)
