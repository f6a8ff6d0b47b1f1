#!/usr/bin/python3
"""Session capture benchmark: prints figures, never passes or fails.

Starts Xvfb + openbox, vigil-collector, an enrolled vigil-agent (mutual TLS, --source session:SOCKET)
and vigil-session on loopback, with an xterm as the focused window, then measures:
  - RSS and CPU (% of one core) of the helper and the service (with the vigil-delivery process it
    starts to reach the collector, counted in the service's CPU) while idle, while xdotool types
    ordinary text at 10 characters/s, and while it types a risk phrase every line (a capture
    stored and delivered every 2.5 s: far more than any pupil, the worst case);
  - key -> collector latency per capture: the collector's received_at minus the capture's
    observed_at (the helper's receipt of the key that completed the hit; same clock, same host).
Run it under its own D-Bus session (AT-SPI): scripts/bench does that.
Usage: session_capture_bench.py BUILD_DIR RULES_DIR [TYPING_SECONDS]
"""
import datetime
import collections
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

# Long enough to include a heartbeat (one a minute), and for 10 ms process ticks to matter little.
IDLE_SECONDS = 60
CHARS_PER_SECOND = 10
# What pupils type nearly all the time: no rule matches it.
PLAIN = "we need to finish the science homework before friday, then revise for the maths test\n"
# One line per capture: the hit completes at the space after "myself", Enter starts a new line.
PHRASE = "i want to kill myself ok\n"
START_TIMEOUT = 30


def wait_for(predicate, what, timeout=START_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise SystemExit(f"bench: {what} did not happen within {timeout} s")


def stat_fields(pid):
    """/proc/PID/stat after the command name: [0] is the state, [1] the parent, [11:15] the CPU ticks."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def ticks_to_seconds(*ticks):
    return sum(int(t) for t in ticks) / os.sysconf("SC_CLK_TCK")


def tick_cpu_seconds(pid):
    fields = stat_fields(pid)
    return ticks_to_seconds(fields[11], fields[12])  # utime + stime, whole process, 10 ms steps


def thread_cpu_ns(pid):
    """Nanoseconds on CPU per live thread (schedstat), for figures finer than the 10 ms ticks."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                out[tid] = int(f.read().split()[0])
        except OSError:
            pass
    return out


def children_of(pid):
    """Live (not yet reaped) child processes of `pid`: the agent's vigil-delivery runs as one."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = stat_fields(entry)
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def reaped_children_cpu_seconds(pid):
    fields = stat_fields(pid)
    return ticks_to_seconds(fields[13], fields[14])  # cutime + cstime


def children_cpu(pid):
    """CPU of `pid`'s children so far: those reaped (whole lifetimes) and each live one's."""
    live = {}
    for child in children_of(pid):
        try:
            live[child] = tick_cpu_seconds(child)
        except OSError:
            pass
    return reaped_children_cpu_seconds(pid), live


def cpu_sample(pid):
    return tick_cpu_seconds(pid), thread_cpu_ns(pid), children_cpu(pid)


def children_cpu_seconds_between(before, after):
    # A child live at the start and reaped since is in the reaped total with its whole lifetime:
    # its share before the window is taken off.
    (reaped_before, live_before), (reaped_after, live_after) = before[2], after[2]
    return reaped_after - reaped_before + sum(live_after.values()) - sum(live_before.values())


def cpu_seconds_between(before, after):
    # Per-thread nanoseconds of the threads alive at the end. A thread that ended in between took
    # its time with it; the whole-process ticks keep that time but only in 10 ms steps: the larger
    # of the two counts.
    threads = sum(ns - before[1].get(tid, 0) for tid, ns in after[1].items()) / 1e9
    if set(before[1]) - set(after[1]):
        return max(threads, after[0] - before[0])
    return threads


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def thread_names(pid):
    names = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                names[tid] = f.read().strip()
        except OSError:
            pass
    return names


def busiest_threads(pid, before, after, elapsed):
    """Where a process's CPU went, by thread name (threads of one name summed), busiest first."""
    names = thread_names(pid)
    by_name = {}
    for tid, ns in after[1].items():
        name = names.get(tid, tid)
        by_name[name] = by_name.get(name, 0) + (ns - before[1].get(tid, 0))
    return sorted(((100 * ns / 1e9 / elapsed, name) for name, ns in by_name.items()), reverse=True)


def pss_mb(pid):
    """Proportional set size: shared pages split between the processes mapping them."""
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    return 0.0


class ChildWatch:
    """Samples a process's children 10 times a second: the largest RSS seen, the largest PSS of the
    process and its children together (what they occupy between them), and how long any ran."""

    def __init__(self, pid):
        self.pid, self.peak_rss_mb, self.peak_pss_mb, self.alive_s = pid, 0.0, 0.0, 0.0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        while not self.done.wait(0.1):
            children = children_of(self.pid)
            if children:
                self.alive_s += 0.1
            try:
                together = pss_mb(self.pid)
                for child in children:
                    self.peak_rss_mb = max(self.peak_rss_mb, rss_mb(child))
                    together += pss_mb(child)
                self.peak_pss_mb = max(self.peak_pss_mb, together)
            except OSError:
                pass

    def stop(self):
        self.done.set()
        self.thread.join()


# One process's figures over a window; the children are the service's vigil-delivery processes.
Figures = collections.namedtuple("Figures", "rss_mb cpu children_cpu children_peak_rss_mb children_alive_s peak_pss_mb")


def measure(procs, seconds, action=None, breakdown=None):
    """{name: Figures} for each process over `seconds` (CPU as % of one core)."""
    before = {name: cpu_sample(p.pid) for name, p in procs.items()}
    watches = {name: ChildWatch(p.pid) for name, p in procs.items()}
    start = time.monotonic()
    if action:
        action()
    remaining = seconds - (time.monotonic() - start)
    if remaining > 0:
        time.sleep(remaining)  # a benchmark window, not synchronisation
    elapsed = time.monotonic() - start
    for watch in watches.values():
        watch.stop()
    after = {name: cpu_sample(p.pid) for name, p in procs.items()}
    if breakdown is not None:
        for name, p in procs.items():
            breakdown[name] = busiest_threads(p.pid, before[name], after[name], elapsed)
    return {name: Figures(rss_mb(p.pid), 100 * cpu_seconds_between(before[name], after[name]) / elapsed,
                          100 * children_cpu_seconds_between(before[name], after[name]) / elapsed,
                          watches[name].peak_rss_mb, watches[name].alive_s, watches[name].peak_pss_mb) for name, p in procs.items()}


def parse_ts(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def main():
    build, rules = sys.argv[1], sys.argv[2]
    typing_seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    tmp = tempfile.mkdtemp(prefix="vigil-bench-")
    logs = open(os.path.join(tmp, "bench.log"), "w")
    procs = []

    def start(argv, **kw):
        p = subprocess.Popen(argv, stdout=logs, stderr=logs, **kw)
        procs.append(p)
        return p

    try:
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-noreset", "-nolisten", "tcp", "-screen", "0", "1024x768x24"],
                                stdout=subprocess.PIPE, stderr=logs)
        procs.append(xvfb)
        os.environ["DISPLAY"] = ":" + xvfb.stdout.readline().decode().strip()
        os.environ.pop("WAYLAND_DISPLAY", None)  # run from a Wayland desktop, the helper would watch that instead
        start(["openbox"])
        wait_for(lambda: b"window id" in subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
                                                         capture_output=True).stdout, "openbox start")
        port_file = os.path.join(tmp, "port")
        start([f"{build}/collector/vigil-collector", "serve", "--listen", "127.0.0.1:0", "--port-file", port_file,
               "--data-dir", f"{tmp}/collector"])
        wait_for(lambda: os.path.exists(port_file) and os.path.getsize(port_file) > 0, "collector start")
        port = open(port_file).read().strip()
        # Enrolled and over mutual TLS, as a deployed agent runs (TLS costs memory and CPU too).
        token = subprocess.run([f"{build}/collector/vigil-collector", "enroll-token", "create", "--data-dir", f"{tmp}/collector"],
                               capture_output=True, text=True, check=True).stdout.strip()
        subprocess.run([f"{build}/agent/vigil-agent", "enroll", "--collector", f"127.0.0.1:{port}", "--token", token,
                        "--data-dir", f"{tmp}/agent"], stdout=logs, stderr=logs, check=True)
        sock = f"{tmp}/session.sock"
        agent = start([f"{build}/agent/vigil-agent", "--collector", f"127.0.0.1:{port}", "--data-dir", f"{tmp}/agent",
                       "--source", f"session:{sock}", "--rules", rules]
                      + os.environ.get("VIGIL_BENCH_AGENT_ARGS", "").split())
        wait_for(lambda: os.path.exists(sock), "agent socket")
        helper = start([f"{build}/agent/vigil-session", "--agent-socket", sock])
        start(["xterm", "-T", "bench", "-e", "cat"])
        wait_for(lambda: subprocess.run(["xdotool", "search", "--name", "^bench$"], capture_output=True).stdout, "xterm")
        wid = subprocess.run(["xdotool", "search", "--name", "^bench$"], capture_output=True, text=True).stdout.split()[0]
        subprocess.run(["xdotool", "windowactivate", "--sync", wid], check=True)

        watched = {"vigil-session (helper)": helper, "vigil-agent (service)": agent}
        # xdotool waits --delay/2 after each press and again after each release, so one character
        # takes the whole delay only if we pass twice the per-character interval.
        delay_ms = str(2 * 1000 // CHARS_PER_SECOND)

        def typing_phase(line):
            text = (line * (typing_seconds * CHARS_PER_SECOND // len(line) + 1))[: typing_seconds * CHARS_PER_SECOND]
            typist = {}

            def type_text():
                typist["start"] = time.monotonic()
                typist["proc"] = subprocess.Popen(["xdotool", "type", "--delay", delay_ms, text], stdout=logs, stderr=logs)

            threads = {}
            figures = measure(watched, typing_seconds, type_text, breakdown=threads)
            typist["proc"].wait()
            return text, time.monotonic() - typist["start"], figures, threads

        phases = []  # (name, figures, per-thread breakdown)
        idle_threads = {}
        phases.append(("idle", measure(watched, IDLE_SECONDS, breakdown=idle_threads), idle_threads))
        plain_text, plain_for, plain, plain_threads = typing_phase(PLAIN)
        phases.append(("typing", plain, plain_threads))
        text, typed_for, hits, hit_threads = typing_phase(PHRASE)
        phases.append(("hit/line", hits, hit_threads))
        expected = text.count("myself ")
        collector_cmd = [f"{build}/collector/vigil-collector", "captures", "--data-dir", f"{tmp}/collector", "--json"]
        captures = []

        def all_arrived():
            nonlocal captures
            out = subprocess.run(collector_cmd, capture_output=True, text=True).stdout
            captures = [json.loads(line) for line in out.splitlines() if line.strip()]
            return len([c for c in captures if c["source"] == "keyboard"]) >= expected

        try:
            wait_for(all_arrived, "delivery of every capture", timeout=60)
        except SystemExit as e:
            print(e)
        latencies = sorted((parse_ts(c["received_at"]) - parse_ts(c["observed_at"])).total_seconds() * 1000
                           for c in captures if c["source"] == "keyboard")

        print(f"session capture benchmark ({os.cpu_count()} cores; {CHARS_PER_SECOND} chars/s for {typing_seconds} s "
              f"into xterm; rules {rules})")
        print(f"typing: ordinary text, no rule hit ({len(plain_text)} characters in {plain_for:.1f} s); "
              f"hit/line: a risk phrase every {len(PHRASE)} characters, one capture stored and sent every "
              f"{len(PHRASE) / CHARS_PER_SECOND:.1f} s ({len(text)} characters in {typed_for:.1f} s)")
        print(f"{'process':26}" + "".join(f" {name + ' RSS MB':>16} {name + ' CPU %':>15}" for name, _, _ in phases))
        for name in watched:
            print(f"{name:26}" + "".join(f" {figures[name].rss_mb:16.1f} {figures[name].cpu:15.3f}" for _, figures, _ in phases))
        # The service reaches the collector through vigil-delivery, a child it starts for each
        # burst of exchanges (heartbeats included) and ends when idle: its CPU is the service's.
        agent_name = "vigil-agent (service)"
        print(f"{'  vigil-delivery (child)':26}" + "".join(
            f" {figures[agent_name].children_peak_rss_mb:16.1f} {figures[agent_name].children_cpu:15.3f}" for _, figures, _ in phases)
              + "   (RSS: largest seen while one ran)")
        print(f"{'service + delivery CPU':26}" + "".join(
            f" {'':16} {figures[agent_name].cpu + figures[agent_name].children_cpu:15.3f}" for _, figures, _ in phases))
        print(f"{'service + delivery PSS':26}" + "".join(
            f" {figures[agent_name].peak_pss_mb:16.1f} {'':15}" for _, figures, _ in phases) + "   (largest seen, MB)")
        print("delivery process alive: " + ", ".join(
            f"{name} {figures[agent_name].children_alive_s:.1f} s of {IDLE_SECONDS if name == 'idle' else typing_seconds} s"
            for name, figures, _ in phases))
        if latencies:
            p50 = statistics.median(latencies)
            p99 = latencies[min(len(latencies) - 1, int(round(0.99 * (len(latencies) - 1))))]
            print(f"key -> collector latency over {len(latencies)} captures (expected {expected}): "
                  f"p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {latencies[-1]:.0f} ms")
        else:
            print(f"no keyboard captures arrived (expected {expected}); see {tmp}/bench.log")
        for phase, _, threads in phases:
            for name, rows in threads.items():
                shown = ", ".join(f"{thread} {pct:.3f}" for pct, thread in rows[:6] if pct >= 0.001)
                print(f"  {phase:8} {name}: CPU % by thread: {shown or 'none above 0.001'}")
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        logs.close()
        if os.environ.get("VIGIL_BENCH_KEEP") is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
