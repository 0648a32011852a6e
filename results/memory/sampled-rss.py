#!/usr/bin/env python3
"""Runs one command and samples its resident memory every few seconds, as it goes.

    python3 results/memory/sampled-rss.py --csv OUT.csv [--every 10] -- ./moco experiment ...

Writes `seconds,rss_mib,hwm_mib` rows (the process tree's summed VmRSS, and the largest process's
VmHWM) to OUT.csv while the command runs, then prints the command's exit code, its peak and the
time it took. The process tree includes the JVM that ./moco execs and anything it starts."""
import argparse, os, subprocess, sys, time


def tree(pid):
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return pids


def status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", required=True)
    parser.add_argument("--every", type=float, default=10.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given after --")
    start = time.time()
    proc = subprocess.Popen(command)
    peak_rss = peak_hwm = 0
    with open(args.csv, "w") as out:
        out.write("seconds,rss_mib,hwm_mib\n")
        while proc.poll() is None:
            pids = tree(proc.pid)
            rss = sum(status_kib(p, "VmRSS") for p in pids) / 1024
            hwm = max((status_kib(p, "VmHWM") for p in pids), default=0) / 1024
            peak_rss, peak_hwm = max(peak_rss, rss), max(peak_hwm, hwm)
            out.write(f"{time.time() - start:.0f},{rss:.1f},{hwm:.1f}\n")
            out.flush()
            try:
                proc.wait(timeout=args.every)
            except subprocess.TimeoutExpired:
                pass
    print(f"sampled-rss: exit {proc.returncode}; peak RSS sampled {peak_rss:.0f} MiB, VmHWM {peak_hwm:.0f} MiB; "
          f"{time.time() - start:.0f} s; samples in {args.csv}", file=sys.stderr)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
