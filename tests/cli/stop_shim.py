"""Stopping a run at its first checkpoint, without a timing window (shared by the resume tests).

The shim tests/cli/kill_at_write.c (MS_SHIM = its path) stops the process with SIGSTOP right
after its first rename() onto a path containing MS_STOP_AT_RENAME, so a test signals a run that
is provably mid-way with a committed checkpoint, on a fast or a loaded machine."""
import ctypes
import errno
import os
import signal
import subprocess
import time

SHIM = os.environ.get("MS_SHIM", "")
_LIBC = ctypes.CDLL(None, use_errno=True)


def stop_env(ckpt):
    """environment for a run whose rank writing CKPT stops right after its first commit"""
    pre = os.environ.get("LD_PRELOAD", "")           # the sanitizer tests preload keep_dsos
    env = dict(os.environ, LD_PRELOAD=SHIM + (":" + pre if pre else ""), MS_STOP_AT_RENAME=os.path.basename(ckpt))
    # the shim is not instrumented: under ASan it must be allowed to load before the runtime
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":")
    return env


def state(pid):
    try:
        return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def wait_stopped(p, ckpt, single=False):
    """wait until CKPT exists and a process is stopped in the shim; return the pids to signal
    (p itself when SINGLE, else mpiexec p's children, the ranks); [] if p ended first"""
    t0 = time.time()
    while time.time() - t0 < 120 and p.poll() is None:
        pids = [p.pid] if single else subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
        if os.path.exists(ckpt) and any(state(r) == "T" for r in pids):
            return pids
        time.sleep(0.02)
    return []


def signal_main_thread(pid, sig):
    """send SIG to the main thread of the stopped process PID (tgkill), not to the process.

    A signal sent to a process (kill) is taken by whichever of its threads runs first after
    SIGCONT: an OpenMP or MPI progress thread may run the handler after the main thread has
    already looked at the stop flag, and the run then stops one checkpoint later. A signal
    sent to the main thread runs its handler before that thread returns from the stop."""
    if _LIBC.tgkill(int(pid), int(pid), int(sig)) != 0:
        err = ctypes.get_errno()
        if err == errno.ESRCH:             # gone: mpiexec ended it after its partner's kill -9
            return
        raise OSError(err, f"tgkill({pid}, {sig})")


def continue_all(pids):
    """SIGCONT to every stopped rank. A rank may be gone already: once its partner died
    (kill -9) or exited (75), mpiexec ends and reaps the others, so a missing one is expected."""
    for r in pids:
        try:
            os.kill(int(r), signal.SIGCONT)
        except ProcessLookupError:
            pass


def interrupt_at_first_checkpoint(cmd, out, how, what):
    """Start CMD (mpiexec ... matscreen ... -output OUT), stop it right after its first checkpoint
    commit (OUT.ckpt), send every rank SIGKILL (HOW "kill") or SIGTERM ("term") on its main
    thread, let the ranks go on, and check what a user must see: "term" exits 75 with the
    message that says to run the same command again, "kill" fails; either way the checkpoint
    stays and no output is written. WHAT names the run in the check messages."""
    from clitest import check
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True, env=stop_env(out + ".ckpt"))
    ranks = wait_stopped(p, out + ".ckpt")
    check(len(ranks) == 2, f"{how}: the {what} was still going at its first checkpoint")
    for r in ranks:
        signal_main_thread(r, signal.SIGKILL if how == "kill" else signal.SIGTERM)
    continue_all(ranks)                # a stopped rank gets its SIGTERM when it continues
    _, err = p.communicate(timeout=120)
    if how == "term":
        check(p.returncode == 75, f"SIGTERM: exit status {p.returncode}, expected 75")
        check("interrupted by signal 15" in err and "run the same command again" in err, "SIGTERM message")
    else:
        check(p.returncode != 0, "kill -9: the job failed")
    check(os.path.exists(out + ".ckpt") and not os.path.exists(out), f"{how}: checkpoint kept, no output written")


def term_single_at_first_checkpoint(cmd, ckpt):
    """Run CMD as one process (no mpiexec), stop it right after its first commit of CKPT, send it
    SIGTERM and let it go on; return its exit status (an interrupted run exits 75)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=stop_env(ckpt))
    wait_stopped(p, ckpt, single=True)
    signal_main_thread(p.pid, signal.SIGTERM)
    p.send_signal(signal.SIGCONT)
    p.communicate()
    return p.returncode
