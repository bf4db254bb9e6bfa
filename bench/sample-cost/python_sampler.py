#!/usr/bin/env python3
"""The Python side of bench/sample-cost: a sampler written the way MLCommons mlpstorage samples.

mlpstorage's TimeSeriesCollector (mlpstorage/cluster_collector.py, `collect_timeseries_sample` and the
`_collection_loop` thread) does, per sample: a `%Y-%m-%dT%H:%M:%SZ` timestamp from time.gmtime(),
socket.gethostname(), then for each of /proc/diskstats, vmstat, loadavg, meminfo, net/dev: open the file,
read it whole, parse it (diskstats and net/dev lines into the HostDiskInfo / HostNetworkInfo dataclasses,
turned into dicts with dataclasses.asdict; vmstat and meminfo into dicts; loadavg into a tuple, then a
dict), an `errors` dict dropped when empty; the sample is appended to a list, then the thread waits with
threading.Event().wait(interval) (so its period is interval + collection time). This file re-implements
that path with the same data structures and calls, so its CPU is what the reference costs.

--variant dicts is the leaner sampler earlier versions of this bench used (the same reads and parsing, but
records built as plain dicts with zip, no dataclasses/asdict, datetime.isoformat timestamps): a stricter
yardstick than the reference itself, run beside it so either ratio can be quoted.

Protocol with run.mjs: prints "ready" once warmed up, waits for one line on stdin ("go"), measures a
window of --seconds minus half an interval (the same window as ours.mjs), prints one JSON line.

Usage: python_sampler.py --interval 1 --seconds 30 [--variant reference|dicts] [--idle]
  --idle  the baseline: the same thread and Event.wait(interval) loop with no sampling in it
"""
import argparse
import json
import os
import resource
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Optional

# ---------------------------------------------------------------------------------------------------
# The reference's way: dataclass records, to_dict through dataclasses.asdict.


@dataclass
class DiskRecord:
    device_name: str
    reads_completed: int = 0
    reads_merged: int = 0
    sectors_read: int = 0
    time_reading_ms: int = 0
    writes_completed: int = 0
    writes_merged: int = 0
    sectors_written: int = 0
    time_writing_ms: int = 0
    ios_in_progress: int = 0
    time_doing_ios_ms: int = 0
    weighted_time_doing_ios_ms: int = 0
    discards_completed: Optional[int] = None
    discards_merged: Optional[int] = None
    sectors_discarded: Optional[int] = None
    time_discarding_ms: Optional[int] = None
    flush_requests_completed: Optional[int] = None
    time_flushing_ms: Optional[int] = None

    def to_dict(self):
        # The optional kernel fields are left out when the kernel has none, as the reference does.
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class NetRecord:
    interface_name: str
    rx_bytes: int = 0
    rx_packets: int = 0
    rx_errors: int = 0
    rx_dropped: int = 0
    rx_fifo: int = 0
    rx_frame: int = 0
    rx_compressed: int = 0
    rx_multicast: int = 0
    tx_bytes: int = 0
    tx_packets: int = 0
    tx_errors: int = 0
    tx_dropped: int = 0
    tx_fifo: int = 0
    tx_collisions: int = 0
    tx_carrier: int = 0
    tx_compressed: int = 0

    def to_dict(self):
        return asdict(self)


def ref_diskstats(content):
    disks = []
    for line in content.strip().split("\n"):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) < 14:
            continue
        try:
            disk = DiskRecord(
                device_name=parts[2],
                reads_completed=int(parts[3]),
                reads_merged=int(parts[4]),
                sectors_read=int(parts[5]),
                time_reading_ms=int(parts[6]),
                writes_completed=int(parts[7]),
                writes_merged=int(parts[8]),
                sectors_written=int(parts[9]),
                time_writing_ms=int(parts[10]),
                ios_in_progress=int(parts[11]),
                time_doing_ios_ms=int(parts[12]),
                weighted_time_doing_ios_ms=int(parts[13]),
            )
            if len(parts) >= 18:
                disk.discards_completed = int(parts[14])
                disk.discards_merged = int(parts[15])
                disk.sectors_discarded = int(parts[16])
                disk.time_discarding_ms = int(parts[17])
            if len(parts) >= 20:
                disk.flush_requests_completed = int(parts[18])
                disk.time_flushing_ms = int(parts[19])
            disks.append(disk)
        except (ValueError, IndexError):
            continue
    return disks


def ref_net_dev(content):
    interfaces = []
    for line in content.strip().split("\n")[2:]:
        if not line.strip() or ":" not in line:
            continue
        parts = line.split(":")
        if len(parts) != 2:
            continue
        stats = parts[1].split()
        if len(stats) < 16:
            continue
        try:
            interfaces.append(
                NetRecord(
                    interface_name=parts[0].strip(),
                    rx_bytes=int(stats[0]),
                    rx_packets=int(stats[1]),
                    rx_errors=int(stats[2]),
                    rx_dropped=int(stats[3]),
                    rx_fifo=int(stats[4]),
                    rx_frame=int(stats[5]),
                    rx_compressed=int(stats[6]),
                    rx_multicast=int(stats[7]),
                    tx_bytes=int(stats[8]),
                    tx_packets=int(stats[9]),
                    tx_errors=int(stats[10]),
                    tx_dropped=int(stats[11]),
                    tx_fifo=int(stats[12]),
                    tx_collisions=int(stats[13]),
                    tx_carrier=int(stats[14]),
                    tx_compressed=int(stats[15]),
                )
            )
        except (ValueError, IndexError):
            continue
    return interfaces


def ref_vmstat(content):
    result = {}
    for line in content.strip().split("\n"):
        parts = line.split()
        if len(parts) == 2:
            try:
                result[parts[0]] = int(parts[1])
            except ValueError:
                pass
    return result


def ref_meminfo(content):
    result = {}
    for line in content.strip().split("\n"):
        if not line or ":" not in line:
            continue
        parts = line.split(":")
        if len(parts) != 2:
            continue
        value_parts = parts[1].strip().split()
        if value_parts:
            try:
                result[parts[0].strip()] = int(value_parts[0])
            except ValueError:
                continue
    return result


def ref_loadavg(content):
    parts = content.strip().split()
    if len(parts) < 4:
        return (0.0, 0.0, 0.0, 0, 0)
    try:
        procs = parts[3].split("/")
        return (float(parts[0]), float(parts[1]), float(parts[2]), int(procs[0]), int(procs[1]))
    except (ValueError, IndexError):
        return (0.0, 0.0, 0.0, 0, 0)


def reference_sample():
    sample = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "hostname": socket.gethostname(),
        "errors": {},
    }
    try:
        with open("/proc/diskstats", "r") as f:
            sample["diskstats"] = [d.to_dict() for d in ref_diskstats(f.read())]
    except Exception as e:
        sample["errors"]["diskstats"] = str(e)
    try:
        with open("/proc/vmstat", "r") as f:
            sample["vmstat"] = ref_vmstat(f.read())
    except Exception as e:
        sample["errors"]["vmstat"] = str(e)
    try:
        with open("/proc/loadavg", "r") as f:
            load_1, load_5, load_15, running, total = ref_loadavg(f.read())
            sample["loadavg"] = {
                "load_1min": load_1,
                "load_5min": load_5,
                "load_15min": load_15,
                "running_processes": running,
                "total_processes": total,
            }
    except Exception as e:
        sample["errors"]["loadavg"] = str(e)
    try:
        with open("/proc/meminfo", "r") as f:
            sample["meminfo"] = ref_meminfo(f.read())
    except Exception as e:
        sample["errors"]["meminfo"] = str(e)
    try:
        with open("/proc/net/dev", "r") as f:
            sample["netdev"] = [n.to_dict() for n in ref_net_dev(f.read())]
    except Exception as e:
        sample["errors"]["netdev"] = str(e)
    if not sample["errors"]:
        del sample["errors"]
    return sample


# ---------------------------------------------------------------------------------------------------
# --variant dicts: the same reads and parsing into plain dicts (no dataclasses, no asdict).

DISK_FIELDS = [
    "reads_completed", "reads_merged", "sectors_read", "time_reading_ms",
    "writes_completed", "writes_merged", "sectors_written", "time_writing_ms",
    "ios_in_progress", "time_doing_ios_ms", "weighted_time_doing_ios_ms",
    "discards_completed", "discards_merged", "sectors_discarded", "time_discarding_ms",
    "flush_requests_completed", "time_flushing_ms",
]
NET_FIELDS = [f.name for f in NetRecord.__dataclass_fields__.values()][1:]


def dict_diskstats(content):
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


def dict_net_dev(content):
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


def dict_loadavg(content):
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


def read_text(path):
    with open(path, "r") as f:
        return f.read()


def dicts_sample():
    sample = {"timestamp": datetime.now().isoformat(), "hostname": socket.gethostname()}
    errors = {}
    for key, path, parser in (
        ("diskstats", "/proc/diskstats", dict_diskstats),
        ("vmstat", "/proc/vmstat", ref_vmstat),
        ("meminfo", "/proc/meminfo", ref_meminfo),
        ("loadavg", "/proc/loadavg", dict_loadavg),
        ("netdev", "/proc/net/dev", dict_net_dev),
    ):
        try:
            sample[key] = parser(read_text(path))
        except Exception as e:
            errors[key] = str(e)
    if errors:
        sample["errors"] = errors
    return sample


# ---------------------------------------------------------------------------------------------------
# The collection thread, as the reference's TimeSeriesCollector._collection_loop.


class Collector:
    def __init__(self, interval, sample_fn):
        self.interval = interval
        self.sample_fn = sample_fn  # None: the idle baseline
        self.samples = []
        self.starts = []  # monotonic start of each loop iteration, for drift and period error
        self._stop_event = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=False, name="TimeSeriesCollector")

    def _loop(self):
        while not self._stop_event.is_set():
            self.starts.append(time.monotonic())
            if self.sample_fn is not None:
                try:
                    self.samples.append(self.sample_fn())
                except Exception:
                    pass
            self._stop_event.wait(timeout=self.interval)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop_event.set()
        self._thread.join(timeout=self.interval + 5)


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
    r = resource.getrusage(resource.RUSAGE_SELF)  # every thread of the process
    return r.ru_utime + r.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--interval", type=float, default=1.0)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--variant", choices=("reference", "dicts"), default="reference")
    ap.add_argument("--idle", action="store_true")
    args = ap.parse_args()
    sample_fn = None if args.idle else (reference_sample if args.variant == "reference" else dicts_sample)
    label = "python-idle" if args.idle else ("python" if args.variant == "reference" else "python-dicts")
    if sample_fn is not None:
        for _ in range(10):  # warm-up, as ours.mjs gets one
            sample_fn()
    window = args.seconds - args.interval / 2  # the same window as ours.mjs
    collector = Collector(args.interval, sample_fn)
    print("ready", flush=True)
    sys.stdin.readline()  # "go": both children start together

    rss_start = rss_bytes()
    cpu0 = cpu_seconds()
    collector.start()
    time.sleep(window / 2)
    cpu_mid, n_mid = cpu_seconds(), len(collector.starts)
    time.sleep(window / 2)
    cpu1 = cpu_seconds()
    ticks = len(collector.starts)
    rss_end = rss_bytes()
    collector.stop()

    starts = collector.starts[:ticks]
    periods = sorted(abs((b - a) - args.interval) * 1000 for a, b in zip(starts, starts[1:]))

    def pct(p):
        return periods[min(len(periods) - 1, max(0, -(-len(periods) * p // 100) - 1))] if periods else None

    result = {
        "label": label,
        "interval": args.interval,
        "windowSeconds": window,
        "samples": ticks,  # loop iterations = samples taken (idle: ticks)
        "cpuMs": (cpu1 - cpu0) * 1000,
        "cpuMsPerSample": (cpu1 - cpu0) * 1000 / max(ticks, 1),
        "cpuMsPerSampleSecondHalf": (cpu1 - cpu_mid) * 1000 / max(ticks - n_mid, 1),
        "rssStartBytes": rss_start,
        "rssEndBytes": rss_end,
        "periodErrorMs": {"p50": pct(50), "p99": pct(99), "max": periods[-1] if periods else None},
        "driftMs": (starts[-1] - (starts[0] + (len(starts) - 1) * args.interval)) * 1000 if len(starts) > 1 else None,
    }
    if sample_fn is not None:
        kept = collector.samples[:ticks]
        result["retainedBytesPerSample"] = deep_size(kept) / max(len(kept), 1)
        result["retainedMethod"] = "deep sys.getsizeof of the samples list"
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
