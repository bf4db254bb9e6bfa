"""Writes python-mlpstorage-timeseries.json the way Python mlpstorage does.

Mirrors mlpstorage's dataclasses (TimeSeriesSample / TimeSeriesData) and its `to_dict()` + `json.dump(indent=2)`,
with counters read from this machine's /proc, so mlps tests load a file shaped exactly like the reference's.
Run: python3 make_python_fixture.py (output is committed; rerunning changes the numbers, not the shape).
"""
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

DISK_FIELDS = ['reads_completed', 'reads_merged', 'sectors_read', 'time_reading_ms', 'writes_completed',
               'writes_merged', 'sectors_written', 'time_writing_ms', 'ios_in_progress', 'time_doing_ios_ms',
               'weighted_time_doing_ios_ms', 'discards_completed', 'discards_merged', 'sectors_discarded',
               'time_discarding_ms', 'flush_requests_completed', 'time_flushing_ms']
NET_FIELDS = ['rx_bytes', 'rx_packets', 'rx_errors', 'rx_dropped', 'rx_fifo', 'rx_frame', 'rx_compressed',
              'rx_multicast', 'tx_bytes', 'tx_packets', 'tx_errors', 'tx_dropped', 'tx_fifo', 'tx_collisions',
              'tx_carrier', 'tx_compressed']


def diskstats():
    out = []
    for line in open('/proc/diskstats'):
        parts = line.split()
        if len(parts) < 14 or parts[2].startswith('loop') or parts[2].startswith('ram'):
            continue
        rec = {'major': int(parts[0]), 'minor': int(parts[1]), 'device_name': parts[2]}
        for name, value in zip(DISK_FIELDS, parts[3:]):
            rec[name] = int(value)
        out.append(rec)
    return out


def vmstat():
    return {k: int(v) for k, v in (l.split() for l in open('/proc/vmstat') if len(l.split()) == 2)}


def meminfo():
    out = {}
    for line in open('/proc/meminfo'):
        key, rest = line.split(':', 1)
        out[key.strip()] = int(rest.split()[0])
    return out


def loadavg():
    p = open('/proc/loadavg').read().split()
    running, total = p[3].split('/')
    return {'load_1min': float(p[0]), 'load_5min': float(p[1]), 'load_15min': float(p[2]),
            'running_processes': int(running), 'total_processes': int(total)}


def netdev():
    out = []
    for line in open('/proc/net/dev').readlines()[2:]:
        name, rest = line.split(':', 1)
        out.append(dict({'interface_name': name.strip()}, **dict(zip(NET_FIELDS, map(int, rest.split())))))
    return out


@dataclass
class TimeSeriesSample:
    timestamp: str
    hostname: str
    diskstats: Optional[List[Dict[str, Any]]] = None
    vmstat: Optional[Dict[str, int]] = None
    meminfo: Optional[Dict[str, int]] = None
    loadavg: Optional[Dict[str, Any]] = None
    netdev: Optional[List[Dict[str, Any]]] = None
    errors: Optional[Dict[str, str]] = None

    def to_dict(self):
        return asdict(self)


@dataclass
class TimeSeriesData:
    collection_interval_seconds: float
    start_time: str
    end_time: str
    num_samples: int
    samples_by_host: Dict[str, List[TimeSeriesSample]] = field(default_factory=dict)
    collection_method: str = 'local'
    hosts_requested: List[str] = field(default_factory=list)
    hosts_collected: List[str] = field(default_factory=list)

    def to_dict(self):
        return {
            'collection_interval_seconds': self.collection_interval_seconds,
            'start_time': self.start_time,
            'end_time': self.end_time,
            'num_samples': self.num_samples,
            'samples_by_host': {h: [s.to_dict() for s in ss] for h, ss in self.samples_by_host.items()},
            'collection_method': self.collection_method,
            'hosts_requested': self.hosts_requested,
            'hosts_collected': self.hosts_collected,
        }


def sample(hostname, stamp):
    return TimeSeriesSample(timestamp=stamp, hostname=hostname, diskstats=diskstats(), vmstat=vmstat(),
                            meminfo=meminfo(), loadavg=loadavg(), netdev=netdev())


base = datetime(2026, 1, 24, 12, 0, 0, tzinfo=timezone.utc)
node1, node2 = [], []
for i in range(3):
    t = base.replace(second=i * 10)
    node1.append(sample('node1', t.strftime('%Y-%m-%dT%H:%M:%SZ')))
    # The reference's SSH path stamps samples with a naive isoformat().
    node2.append(sample('node2.cluster', t.replace(tzinfo=None).isoformat()))
    time.sleep(0.5)
node2[1] = TimeSeriesSample(timestamp=node2[1].timestamp, hostname='node2',
                            errors={'ssh': 'Connection timed out'})
node2[2].errors = {'vmstat': "[Errno 2] No such file or directory: '/proc/vmstat'"}
node2[2].vmstat = None
data = TimeSeriesData(collection_interval_seconds=10.0, start_time='2026-01-24T12:00:00Z',
                      end_time='2026-01-24T12:00:25Z', num_samples=6,
                      samples_by_host={'node1': node1, 'node2': node2}, collection_method='ssh',
                      hosts_requested=['node1', 'node2'], hosts_collected=['node1', 'node2'])
doc = data.to_dict()
doc['mlpstorage_version'] = '2.0.0'  # a key mlps does not know: must be tolerated
with open('python-mlpstorage-timeseries.json', 'w') as f:
    json.dump(doc, f, indent=2)
