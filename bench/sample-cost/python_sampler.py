#!/usr/bin/env python3
"""Python sampler written the way MLCommons mlpstorage's TimeSeriesCollector does it, for comparison.

It reads the five files (/proc/diskstats, vmstat, meminfo, loadavg, net/dev), parses each into dicts,
appends the sample to a list from a background thread and waits with threading.Event().wait(interval)
after each sample (so its period is interval + collection time, as in the reference).

Usage: python_sampler.py --interval 1 --seconds 30 [--idle]
  --idle  the baseline: the same thread and Event.wait(interval) loop with no sampling in it
Prints one JSON line with the measured figures (see run.mjs for their meaning).
"""
import argparse
import json
import os
import resource
import socket
import sys
import threading
import time
from datetime import datetime

DISK_FIELDS = [
    "reads_completed", "reads_merged", "sectors_read", "time_reading_ms",
    "writes_completed", "writes_merged", "sectors_written", "time_writing_ms",
    "ios_in_progress", "time_doing_ios_ms", "weighted_time_doing_ios_ms",
    "discards_completed", "discards_merged", "sectors_discarded", "time_discarding_ms",
    "flush_requests_completed", "time_flushing_ms",
]
NET_FIELDS = [
    "rx_bytes", "rx_packets", "rx_errors", "rx_dropped", "rx_fifo", "rx_frame", "rx_compressed", "rx_multicast",
    "tx_bytes", "tx_packets", "tx_errors", "tx_dropped", "tx_fifo", "tx_collisions", "tx_carrier", "tx_compressed",
]


def read_file(path):
    with open(path, "r") as f:
        return f.read()


def parse_proc_diskstats(content):
    result = []
    for line in content.strip().split("\n"):
        parts = line.split()
        if len(parts) < 14:
            continue
        try:
            record = {"major": int(parts[0]), "minor": int(parts[1]), "device_name": parts[2]}
            for name, value in zip(DISK_FIELDS, parts[3:]):
                record[name] = int(value)
            result.append(record)
        except ValueError:
            continue
    return result


def parse_proc_vmstat(content):
    result = {}
    for line in content.strip().split("\n"):
        parts = line.split()
        if len(parts) == 2:
            try:
                result[parts[0]] = int(parts[1])
            except ValueError:
                pass
    return result


def parse_proc_meminfo(content):
    result = {}
    for line in content.strip().split("\n"):
        if ":" not in line:
            continue
        key, value = line.split(":", 1)
        parts = value.split()
        if parts:
            try:
                result[key.strip()] = int(parts[0])
            except ValueError:
                pass
    return result


def parse_proc_loadavg(content):
    parts = content.split()
    if len(parts) < 4:
        return None
    running, total = parts[3].split("/")
    return {
        "load_1min": float(parts[0]),
        "load_5min": float(parts[1]),
        "load_15min": float(parts[2]),
        "running_processes": int(running),
        "total_processes": int(total),
    }


def parse_proc_net_dev(content):
    result = []
    for line in content.strip().split("\n")[2:]:
        if ":" not in line:
            continue
        name, data = line.split(":", 1)
        values = data.split()
        if len(values) < 16:
            continue
        try:
            record = {"interface_name": name.strip()}
            for field, value in zip(NET_FIELDS, values):
                record[field] = int(value)
            result.append(record)
        except ValueError:
            continue
    return result


def collect_timeseries_sample():
    sample = {"timestamp": datetime.now().isoformat(), "hostname": socket.gethostname()}
    errors = {}
    for key, path, parser in (
        ("diskstats", "/proc/diskstats", parse_proc_diskstats),
        ("vmstat", "/proc/vmstat", parse_proc_vmstat),
        ("meminfo", "/proc/meminfo", parse_proc_meminfo),
        ("loadavg", "/proc/loadavg", parse_proc_loadavg),
        ("netdev", "/proc/net/dev", parse_proc_net_dev),
    ):
        try:
            sample[key] = parser(read_file(path))
        except Exception as e:  # the reference records the error and goes on
            errors[key] = str(e)
    if errors:
        sample["errors"] = errors
    return sample


class TimeSeriesCollector:
    def __init__(self, interval, idle=False):
        self.interval = interval
        self.idle = idle
        self.samples = []
        self.starts = []
        # CPU seconds of the sampling work alone (read + parse), measured around it like ours.mjs does.
        self.sample_cpu = []
        self._stop_event = threading.Event()
        self._thread = None

    def _loop(self):
        while not self._stop_event.is_set():
            self.starts.append(time.monotonic())
            if not self.idle:
                c0 = time.process_time()
                sample = collect_timeseries_sample()
                self.sample_cpu.append(time.process_time() - c0)
                self.samples.append(sample)
            self._stop_event.wait(self.interval)

    def start(self):
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self):
        self._stop_event.set()
        self._thread.join()


def deep_size(obj, seen=None):
    if seen is None:
        seen = set()
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, (list, tuple)):
        size += sum(deep_size(v, seen) for v in obj)
    return size


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--idle", action="store_true")
    args = ap.parse_args()
    if args.idle:
        collector = TimeSeriesCollector(args.interval, idle=True)
        cpu0 = cpu_seconds()
        collector.start()
        time.sleep(args.seconds)
        cpu1 = cpu_seconds()
        ticks = len(collector.starts)
        collector.stop()
        print(json.dumps({"label": "python-idle", "interval": args.interval, "ticks": ticks,
                          "cpuMsPerTick": (cpu1 - cpu0) * 1000 / max(ticks, 1)}))
        return
    for _ in range(10):  # warm-up, as the Node side gets
        collect_timeseries_sample()
    rss_start = rss_bytes()
    collector = TimeSeriesCollector(args.interval)
    cpu0 = cpu_seconds()
    collector.start()
    time.sleep(args.seconds / 2)
    cpu_mid, n_mid = cpu_seconds(), len(collector.samples)
    time.sleep(args.seconds / 2)
    cpu1 = cpu_seconds()
    n_end = len(collector.samples)
    rss_end = rss_bytes()
    collector.stop()
    n = len(collector.samples)
    retained = deep_size(collector.samples)
    print(json.dumps({
        "label": "python",
        "interval": args.interval,
        "samples": n,
        "cpuMsPerSample": (cpu1 - cpu0) * 1000 / max(n, 1),
        "cpuMsPerSampleSecondHalf": (cpu1 - cpu_mid) * 1000 / max(n_end - n_mid, 1),
        "sampleCpuMs": [c * 1000 for c in collector.sample_cpu[:n]],
        "rssStartBytes": rss_start,
        "rssEndBytes": rss_end,
        "retainedBytesPerSample": retained / max(n, 1),
        "retainedMethod": "deep sys.getsizeof of the samples list",
        "startsMs": [s * 1000 for s in collector.starts[:n]],
        "indices": list(range(n)),
    }))


if __name__ == "__main__":
    main()
