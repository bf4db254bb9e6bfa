"""The loading side of Python mlpstorage's time-series format, as its dataclasses do it: required keys are
read by name, unknown keys are ignored. Exits 0 and prints a summary when the file loads, 1 otherwise."""
import json
import sys
from datetime import datetime
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional


@dataclass
class TimeSeriesSample:
    timestamp: str
    hostname: str
    diskstats: Optional[List[Dict[str, Any]]] = None
    vmstat: Optional[Dict[str, int]] = None
    meminfo: Optional[Dict[str, int]] = None
    loadavg: Optional[Dict[str, float]] = None
    netdev: Optional[List[Dict[str, Any]]] = None
    errors: Optional[Dict[str, str]] = None

    @classmethod
    def from_dict(cls, d):
        return cls(timestamp=d["timestamp"], hostname=d["hostname"], diskstats=d.get("diskstats"), vmstat=d.get("vmstat"),
                   meminfo=d.get("meminfo"), loadavg=d.get("loadavg"), netdev=d.get("netdev"), errors=d.get("errors"))


@dataclass
class TimeSeriesData:
    collection_interval_seconds: float
    start_time: str
    end_time: str
    num_samples: int
    samples_by_host: Dict[str, List[TimeSeriesSample]] = field(default_factory=dict)
    collection_method: str = "local"
    hosts_requested: List[str] = field(default_factory=list)
    hosts_collected: List[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, d):
        return cls(collection_interval_seconds=float(d["collection_interval_seconds"]), start_time=d["start_time"],
                   end_time=d["end_time"], num_samples=int(d["num_samples"]),
                   samples_by_host={h: [TimeSeriesSample.from_dict(s) for s in ss] for h, ss in d["samples_by_host"].items()},
                   collection_method=d.get("collection_method", "local"), hosts_requested=list(d.get("hosts_requested", [])),
                   hosts_collected=list(d.get("hosts_collected", [])))


if __name__ == "__main__":
    data = TimeSeriesData.from_dict(json.load(open(sys.argv[1])))
    total = sum(len(v) for v in data.samples_by_host.values())
    assert total == data.num_samples, f"num_samples {data.num_samples} != {total}"
    # The reference reads its times back with exactly this format; a fraction (".803Z") fails it.
    for ts in (data.start_time, data.end_time):
        datetime.strptime(ts, '%Y-%m-%dT%H:%M:%SZ')
    for host, samples in data.samples_by_host.items():
        for s in samples:
            datetime.strptime(s.timestamp, '%Y-%m-%dT%H:%M:%SZ')
            for d in s.diskstats or []:
                int(d["sectors_read"]) + int(d["sectors_written"])
                int(d["time_doing_ios_ms"]) + int(d["weighted_time_doing_ios_ms"])
            for n in s.netdev or []:
                int(n["rx_bytes"]) + int(n["tx_bytes"])
    print(json.dumps({"num_samples": data.num_samples, "hosts": sorted(data.samples_by_host), "method": data.collection_method}))
