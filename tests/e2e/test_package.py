"""`make package`: the Debian package installs with dpkg -i on this machine, its systemd unit's
ExecStartPre/ExecStart lines run as the unit's user with the unit's state directory, and it is
removed (purged) cleanly. Needs root and dpkg (CI and dev machines run as root); skips otherwise,
and when a cxbridge package this test did not install is present."""
import fcntl
import grp
import os
import pwd
import shlex
import signal
import stat
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import BIN, wait_for

SRC = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))


def sh(*args, check=True, **kw):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=300, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(args)} → {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def dpkg(*args):
    """dpkg, waiting while another dpkg/apt holds the lock (the machine is shared)."""
    deadline = time.time() + 300
    while True:
        r = sh("dpkg", *args, check=False)
        if r.returncode == 0 or "lock" not in (r.stderr + r.stdout) or time.time() > deadline:
            if r.returncode != 0:
                raise AssertionError(f"dpkg {' '.join(args)} → {r.returncode}\n{r.stdout}\n{r.stderr}")
            return r
        time.sleep(2)


def installed():
    r = sh("dpkg-query", "-W", "-f=${Status}", "cxbridge", check=False)
    return r.returncode == 0 and "install ok installed" in r.stdout


def unit_lines(path, key):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith(key + "="):
                out.append(line[len(key) + 1:])
    return out


@unittest.skipUnless(os.geteuid() == 0, "installing a package needs root")
@unittest.skipUnless(subprocess.run(["which", "dpkg-deb"], capture_output=True).returncode == 0,
                     "dpkg-deb is not installed")
class PackageTest(unittest.TestCase):
    def setUp(self):
        # One package test at a time on this machine (several worktrees share it).
        self.lock = open("/tmp/cxbridge-package-test.lock", "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        if installed():
            self.skipTest("a cxbridge package is already installed on this machine; not touching it")
        self.dir = tempfile.mkdtemp(prefix="cxb-pkg-")

    def tearDown(self):
        if installed():
            dpkg("--purge", "cxbridge")
        fcntl.flock(self.lock, fcntl.LOCK_UN)
        self.lock.close()

    def test_install_run_the_unit_and_purge(self):
        build = os.path.dirname(os.path.abspath(BIN))
        deb = sh("bash", os.path.join(SRC, "scripts", "make-deb.sh"), build, self.dir).stdout.strip()
        self.assertTrue(deb.endswith(".deb") and os.path.exists(deb), deb)

        info = sh("dpkg-deb", "--info", deb).stdout
        self.assertIn("Package: cxbridge", info)
        self.assertRegex(info, r"Depends: .*libc6.*libcurl4")
        contents = sh("dpkg-deb", "--contents", deb).stdout
        for path in ("./usr/bin/cxbridge", "./lib/systemd/system/cxbridge.service",
                     "./etc/cxbridge/cxbridge.yaml", "./usr/share/doc/cxbridge/README.md"):
            self.assertIn(path, contents)
        self.assertIn("/etc/cxbridge/cxbridge.yaml", _conffiles(deb))

        dpkg("-i", deb)
        self.assertTrue(installed())
        version = sh("/usr/bin/cxbridge", "--version").stdout
        self.assertTrue(version.startswith("cxbridge "), version)

        # postinst: a system user and group; the config readable by them only.
        user = pwd.getpwnam("cxbridge")
        self.assertLess(user.pw_uid, 1000, "a system user")
        self.assertEqual(user.pw_dir, "/var/lib/cxbridge")
        st = os.stat("/etc/cxbridge/cxbridge.yaml")
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o640)
        self.assertEqual((st.st_uid, grp.getgrgid(st.st_gid).gr_name), (0, "cxbridge"))

        unit = "/lib/systemd/system/cxbridge.service"
        for directive in ("User=cxbridge", "NoNewPrivileges=yes", "ProtectSystem=strict",
                          "StateDirectory=cxbridge", "ProtectHome=yes", "PrivateTmp=yes",
                          "CapabilityBoundingSet=", "SystemCallFilter=@system-service"):
            key, _, value = directive.partition("=")
            self.assertIn(value, unit_lines(unit, key), directive)
        if subprocess.run(["which", "systemd-analyze"], capture_output=True).returncode == 0:
            r = sh("systemd-analyze", "verify", unit, check=False)
            # Only complaints about this unit count (the machine's other units are not ours).
            own = [l for l in (r.stdout + r.stderr).splitlines() if "cxbridge.service" in l]
            self.assertEqual(own, [], r.stdout + r.stderr)

        # Run the unit's commands as systemd would: its user, its StateDirectory (created 0750 and
        # owned by the user), its working directory, no new privileges. The machine's port 8088
        # may be taken by someone's `make run`, so the listener is moved to port 0.
        state = "/var/lib/cxbridge"
        os.makedirs(state, exist_ok=True)
        os.chown(state, user.pw_uid, user.pw_gid)
        os.chmod(state, 0o750)
        as_unit = ["setpriv", "--reuid=cxbridge", "--regid=cxbridge", "--init-groups", "--no-new-privs"]
        [pre] = unit_lines(unit, "ExecStartPre")
        r = sh(*as_unit, *shlex.split(pre), cwd=state)
        self.assertIn("OK", r.stdout)
        [start] = unit_lines(unit, "ExecStart")
        port_file = os.path.join(state, "port")
        proc = subprocess.Popen(as_unit + shlex.split(start) + ["--port", "0", "--port-file", port_file],
                                cwd=state, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: os.path.exists(port_file) or proc.poll() is not None, what="listening")
            if proc.poll() is not None:
                self.fail("the unit's ExecStart exited: " + proc.stdout.read().decode(errors="replace"))
            with open(port_file) as f:
                port = int(f.read())
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as resp:
                self.assertEqual(resp.status, 200)
            # The data folder is the service's, in its state directory.
            owners = {os.stat(os.path.join(state, f)).st_uid for f in os.listdir(state)}
            self.assertEqual(owners, {user.pw_uid})
            self.assertTrue(any(f.endswith(".log") or f == "CURRENT" for f in os.listdir(state)),
                            os.listdir(state))
        finally:
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, out.decode(errors="replace"))

        # Removed cleanly: purge takes the files, the conffile and the state.
        dpkg("--purge", "cxbridge")
        self.assertFalse(installed())
        for path in ("/usr/bin/cxbridge", unit, "/etc/cxbridge", state):
            self.assertFalse(os.path.exists(path), path)


def _conffiles(deb):
    with tempfile.TemporaryDirectory() as d:
        sh("dpkg-deb", "--control", deb, d)
        with open(os.path.join(d, "conffiles")) as f:
            return f.read()


if __name__ == "__main__":
    unittest.main()
