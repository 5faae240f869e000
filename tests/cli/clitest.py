"""clitest.py - the helpers every Python CLI test shares: run matscreen (under mpiexec for more
than one rank), record checks, and end with the right exit status.

One copy, so how the tests launch ranks (--oversubscribe: CI machines have 2 cores) or report
a failed command is decided in one place.
"""
import os
import subprocess
import sys

MS = os.environ.get("MATSCREEN", "matscreen")
MPI = ["mpiexec", "--oversubscribe", "-n"]
fails = []


def check(cond, what):
    """Record one assertion; a failure does not stop the test, so one run reports them all."""
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)
    return cond


def run(args, np_=1, expect=0, env=None, fatal=True):
    """Run matscreen with args on np_ ranks and return the CompletedProcess. An exit status other
    than expect (None: any) prints the command and its output and then ends the test (fatal: the
    later steps need this one's output) or is recorded as a failed check."""
    cmd = (MPI + [str(np_)] if np_ > 1 else []) + [MS] + [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if expect is None:
        return p
    if p.returncode != expect:
        print("command:", " ".join(cmd), "\nstdout:", p.stdout, "\nstderr:", p.stderr)
        if fatal:
            raise SystemExit(f"FAIL: exit status {p.returncode}, expected {expect}")
    check(p.returncode == expect, f"{' '.join(str(a) for a in args[:2])} ... exit {p.returncode} (expected {expect})")
    return p


def finish(name):
    """Exit 1 if any check failed, else 0, with a one-line summary."""
    if fails:
        print(f"{name}: {len(fails)} check(s) failed")
        sys.exit(1)
    print(f"{name}: all checks passed")
    sys.exit(0)
