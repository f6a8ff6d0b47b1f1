#!/usr/bin/env python3
"""Prints captures from a running collector as a table, following new ones for a while."""
import argparse
import json
import subprocess
import sys
import time


def load(collector, data_dir):
    out = subprocess.run([collector, "captures", "--data-dir", data_dir, "--json"],
                         capture_output=True, text=True, errors="replace")
    if out.returncode != 0:
        return []
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


def printable(text, width):
    # Pupil text is attacker-controlled: strip control characters before it reaches a terminal.
    clean = "".join(ch if ch.isprintable() else " " for ch in text)
    return clean if len(clean) <= width else clean[: width - 1] + "…"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--collector", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--follow-seconds", type=float, default=15)
    args = parser.parse_args()

    seen = set()
    deadline = time.monotonic() + args.follow_seconds
    quiet_since = time.monotonic()
    print(f"  {'sev':>3}  {'category':<15} {'user':<10} {'app':<10} text")
    while time.monotonic() < deadline:
        fresh = [c for c in load(args.collector, args.data_dir) if c["id"] not in seen]
        for c in fresh:
            seen.add(c["id"])
            top = max(c["hits"], key=lambda h: h["severity"])
            print(f"  {top['severity']:>3}  {top['category']:<15} {printable(c['user'], 10):<10} "
                  f"{printable(c['app'], 10):<10} {printable(c['text'], 70)}")
            sys.stdout.flush()
        if fresh:
            quiet_since = time.monotonic()
        elif seen and time.monotonic() - quiet_since > 3:
            break
        time.sleep(0.3)
    print(f"\n  {len(seen)} captures stored")
    return 0 if seen else 1


if __name__ == "__main__":
    sys.exit(main())
