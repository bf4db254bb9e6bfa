"""Loads one mlps run directory the way Python mlpstorage reads its own files, and checks every key it
writes is present and typed as it writes it. Prints a JSON report; exits 1 with the reason on failure.

The reference's code is not vendored; each function below mirrors the named function of the repository
mlcommons/storage (mlpstorage_py/...) line for line where it matters:

- TimeSeriesSample.from_dict, TimeSeriesData.from_dict          rules/models.py
- ResultFilesExtractor._load_metadata, _is_complete_metadata,
  _from_metadata (-> BenchmarkRunData), BENCHMARK_TYPES lookup   rules/models.py, config.py
- ClusterInformation.from_dict, HostInfo.from_collected_data,
  ClusterSnapshots.from_dict                                     rules/models.py
- Benchmark.metadata (the keys and their types)                  benchmarks/base.py
- Benchmark.write_cluster_info ({benchmark_type}_cluster_info.json) benchmarks/base.py
- timestamps: time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())  cluster_collector.py, read back
  with datetime.strptime(ts, '%Y-%m-%dT%H:%M:%SZ').

Usage: python3 python_reference_readers.py <run_dir>
"""
import enum
import json
import os
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

TS_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


class BENCHMARK_TYPES(enum.Enum):  # config.py
    training = "training"
    vector_database = "vector_database"
    checkpointing = "checkpointing"
    kv_cache = "kv_cache"


# ---- rules/models.py: time series ------------------------------------------------------------------

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
    def from_dict(cls, data):
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass
class TimeSeriesData:
    collection_interval_seconds: float
    start_time: str
    end_time: str
    num_samples: int
    samples_by_host: Dict[str, List[TimeSeriesSample]]
    collection_method: str
    hosts_requested: List[str]
    hosts_collected: List[str]

    @classmethod
    def from_dict(cls, data):
        samples_by_host = {}
        for host, samples in data.get('samples_by_host', {}).items():
            samples_by_host[host] = [TimeSeriesSample.from_dict(s) for s in samples]
        return cls(
            collection_interval_seconds=data.get('collection_interval_seconds', 10.0),
            start_time=data.get('start_time', ''),
            end_time=data.get('end_time', ''),
            num_samples=data.get('num_samples', 0),
            samples_by_host=samples_by_host,
            collection_method=data.get('collection_method', 'unknown'),
            hosts_requested=data.get('hosts_requested', []),
            hosts_collected=data.get('hosts_collected', []),
        )


# ---- rules/models.py: cluster information ----------------------------------------------------------

@dataclass
class HostMemoryInfo:
    total: int = 0


@dataclass
class HostInfo:
    hostname: str
    memory: HostMemoryInfo = field(default_factory=HostMemoryInfo)
    collection_timestamp: Optional[str] = None

    @classmethod
    def from_collected_data(cls, data):
        # The reference reads the collector's raw keys (meminfo, cpuinfo, ...), which as_dict() does not
        # write back; like the reference, a host record from a file keeps its name and timestamp.
        meminfo = data.get('meminfo', {})
        total = int(meminfo.get('MemTotal', 0)) * 1024 if meminfo else 0
        return cls(hostname=data.get('hostname', 'unknown'), memory=HostMemoryInfo(total=total),
                   collection_timestamp=data.get('collection_timestamp'))


class ClusterInformation:
    def __init__(self, host_info_list):
        self.host_info_list = host_info_list
        self.total_memory_bytes = 0
        self.total_cores = 0
        self.num_hosts = len(host_info_list)
        self.min_memory_bytes = 0
        self.max_memory_bytes = 0
        self.collection_method = "unknown"
        self.collection_timestamp = None
        self.host_consistency_issues = []

    @classmethod
    def from_dict(cls, data):
        if data is None:
            return None
        total_memory_bytes = data.get("total_memory_bytes")
        if total_memory_bytes is None:
            return None
        host_info_list = []
        for host_data in data.get("hosts", []):
            if isinstance(host_data, dict):
                host_info_list.append(HostInfo.from_collected_data(host_data))
        inst = cls(host_info_list)
        inst.total_memory_bytes = total_memory_bytes
        inst.total_cores = data.get("total_cores", 0)
        inst.num_hosts = data.get("num_hosts", len(host_info_list))
        inst.min_memory_bytes = data.get("min_memory_bytes", 0)
        inst.max_memory_bytes = data.get("max_memory_bytes", 0)
        inst.collection_method = data.get("collection_method", "unknown")
        inst.collection_timestamp = data.get("collection_timestamp")
        inst.host_consistency_issues = data.get("host_consistency_issues", [])
        return inst


@dataclass
class ClusterSnapshots:
    start: ClusterInformation
    end: Optional[ClusterInformation] = None
    collection_method: str = 'unknown'

    @classmethod
    def from_dict(cls, data):
        if data is None:
            return None
        start = ClusterInformation.from_dict(data.get('start')) if data.get('start') else None
        end = ClusterInformation.from_dict(data.get('end')) if data.get('end') else None
        if start is None:
            return None
        return cls(start=start, end=end, collection_method=data.get('collection_method', 'unknown'))


# ---- rules/models.py: ResultFilesExtractor ---------------------------------------------------------

@dataclass
class BenchmarkRunData:
    benchmark_type: BENCHMARK_TYPES
    model: Optional[str]
    command: Optional[str]
    run_datetime: str
    num_processes: int
    parameters: Dict[str, Any]
    override_parameters: Dict[str, Any]
    result_dir: Optional[str] = None
    accelerator: Optional[str] = None
    run_args: Dict[str, Any] = field(default_factory=dict)


def load_metadata(result_dir):
    metadata_files = [f for f in os.listdir(result_dir) if f.endswith('_metadata.json')]
    if metadata_files:
        with open(os.path.join(result_dir, metadata_files[0]), 'r') as f:
            return json.load(f)
    return None


def is_complete_metadata(metadata):
    required_fields = ['benchmark_type', 'run_datetime', 'num_processes', 'parameters']
    return all(field in metadata for field in required_fields)


def from_metadata(metadata, result_dir):
    benchmark_type = None
    for bt in BENCHMARK_TYPES:
        if bt.name == metadata.get('benchmark_type', '') or bt.value == metadata.get('benchmark_type', ''):
            benchmark_type = bt
            break
    return BenchmarkRunData(
        benchmark_type=benchmark_type,
        model=metadata.get('model'),
        command=metadata.get('command'),
        run_datetime=metadata.get('run_datetime', ''),
        num_processes=metadata.get('num_processes', 0),
        parameters=metadata.get('parameters', {}),
        override_parameters=metadata.get('override_parameters', {}),
        result_dir=result_dir,
        accelerator=metadata.get('accelerator'),
        run_args=metadata.get('args', {}) or {},
    )


# ---- checks ----------------------------------------------------------------------------------------

def fail(message):
    print(json.dumps({"ok": False, "error": message}))
    sys.exit(1)


def expect(cond, message):
    if not cond:
        fail(message)


def expect_type(obj, key, types, where):
    expect(key in obj, f"{where}: key '{key}' missing")
    expect(isinstance(obj[key], types), f"{where}: '{key}' is {type(obj[key]).__name__}, expected {types}")


def parse_ts(value, where):
    try:
        return datetime.strptime(value, TS_FORMAT)
    except Exception as e:  # noqa: BLE001 - the report names what failed
        fail(f"{where}: {value!r} does not parse with strptime('{TS_FORMAT}'): {e}")


def check_cluster_information(info, where):
    for key, types in (('total_memory_bytes', int), ('total_cores', int), ('num_hosts', int),
                       ('min_memory_bytes', int), ('max_memory_bytes', int), ('collection_method', str)):
        expect_type(info, key, types, where)
    parse_ts(info['collection_timestamp'], f"{where}.collection_timestamp")
    for i, host in enumerate(info.get('hosts', [])):
        w = f"{where}.hosts[{i}]"
        expect_type(host, 'hostname', str, w)
        expect_type(host, 'memory', dict, w)
        for k in ('total', 'available', 'used', 'free', 'active', 'inactive', 'buffers', 'cached', 'shared'):
            expect(k in host['memory'], f"{w}.memory: '{k}' missing")
        expect(isinstance(host['memory']['total'], int), f"{w}.memory.total is not an int")
        parse_ts(host['collection_timestamp'], f"{w}.collection_timestamp")
        if 'cpu' in host:
            for k, t in (('num_cores', int), ('num_logical_cores', int), ('model', str), ('architecture', str)):
                expect_type(host['cpu'], k, t, f"{w}.cpu")
        expect_type(host, 'system', dict, w)
        for k, t in (('hostname', str), ('kernel_version', str), ('os_release', dict), ('uptime_seconds', (int, float)),
                     ('load_average_1min', (int, float)), ('running_processes', int), ('total_processes', int)):
            expect_type(host['system'], k, t, f"{w}.system")
    loaded = ClusterInformation.from_dict(info)
    expect(loaded is not None, f"{where}: ClusterInformation.from_dict returned None")
    return loaded


def main(run_dir):
    report = {"ok": True}

    # The metadata, as ResultFilesExtractor reads it.
    metadata = load_metadata(run_dir)
    expect(metadata is not None, "no *_metadata.json")
    expect(is_complete_metadata(metadata), "metadata is not complete for ResultFilesExtractor")
    run = from_metadata(metadata, run_dir)
    expect(run.benchmark_type is not None, f"benchmark_type {metadata.get('benchmark_type')!r} is no BENCHMARK_TYPES")
    for key, types in (('benchmark_type', str), ('run_datetime', str), ('result_dir', str), ('parameters', dict),
                       ('override_parameters', dict), ('runtime', (int, float)), ('command_output_files', list),
                       ('args', dict)):
        expect_type(metadata, key, types, 'metadata')
    for key, types in (('model', str), ('command', str), ('num_processes', int), ('accelerator', str),
                       ('system_info', dict), ('verification', str), ('executed_command', str)):
        expect(key in metadata, f"metadata: key '{key}' missing")
        expect(metadata[key] is None or isinstance(metadata[key], types), f"metadata: '{key}' has type {type(metadata[key]).__name__}")
    for entry in metadata['command_output_files']:
        expect(set(entry) >= {'command', 'stdout', 'stderr'}, f"command_output_files entry {entry}")
    bad_args = [k for k in metadata['args'] if not re.match(r'^[a-z][a-z0-9_]*$', k)]
    expect(not bad_args, f"args keys are not snake_case dests: {bad_args}")
    for key in ('timestamp', 'start_time', 'end_time'):
        parse_ts(metadata[key], f"metadata.{key}")
        expect_type(metadata, f"{key}_ms", int, 'metadata')
        expect(abs(metadata[f"{key}_ms"] // 1000 - int((parse_ts(metadata[key], key) - datetime(1970, 1, 1)).total_seconds())) == 0,
               f"metadata.{key}_ms disagrees with {key}")

    # system_info, cluster_snapshots and {benchmark_type}_cluster_info.json.
    system_info = check_cluster_information(metadata['system_info'], 'metadata.system_info')
    expect_type(metadata, 'cluster_snapshots', dict, 'metadata')
    snapshots = ClusterSnapshots.from_dict(metadata['cluster_snapshots'])
    expect(snapshots is not None and snapshots.end is not None, "ClusterSnapshots.from_dict lost start or end")
    check_cluster_information(metadata['cluster_snapshots']['end'], 'metadata.cluster_snapshots.end')
    cluster_file = os.path.join(run_dir, f"{run.benchmark_type.value}_cluster_info.json")
    cluster_info = None
    if os.path.exists(cluster_file):
        with open(cluster_file) as f:
            cluster_info = check_cluster_information(json.load(f), os.path.basename(cluster_file))
    else:
        # Only a run whose results disk refused it (mlps's documented degrade): the metadata says so.
        expect(any('cluster information not written' in w for w in metadata.get('warnings', [])),
               f"{os.path.basename(cluster_file)} missing")

    # The time-series document named by the metadata.
    ts_meta = metadata.get('timeseries_data')
    expect(isinstance(ts_meta, dict), "metadata.timeseries_data missing")
    for key, types in (('file', str), ('num_samples', int), ('interval_seconds', (int, float)), ('hosts_collected', list)):
        expect_type(ts_meta, key, types, 'metadata.timeseries_data')
    # mlps's keys beside them, typed as documented (journal_file is null when the journal could not be created).
    expect('journal_file' in ts_meta, "metadata.timeseries_data: key 'journal_file' missing")
    expect(ts_meta['journal_file'] is None or isinstance(ts_meta['journal_file'], str), "metadata.timeseries_data.journal_file type")
    for key, types in (('journal_complete', bool), ('journal_num_samples', int)):
        if key in ts_meta:
            expect_type(ts_meta, key, types, 'metadata.timeseries_data')
    rescued = metadata.get('rescued_files')
    if rescued is not None:
        expect_type(metadata, 'rescued_files', dict, 'metadata')
        for key, types in (('directory', str), ('files', list), ('reason', str)):
            expect_type(rescued, key, types, 'metadata.rescued_files')
    # The document is in the run directory, or where the metadata says it was rescued to.
    doc_path = os.path.join(run_dir, ts_meta['file'])
    if not os.path.exists(doc_path) and rescued is not None and ts_meta['file'] in rescued['files']:
        doc_path = os.path.join(rescued['directory'], ts_meta['file'])
    with open(doc_path) as f:
        doc = json.load(f)
    data = TimeSeriesData.from_dict(doc)
    total = sum(len(v) for v in data.samples_by_host.values())
    expect(total == data.num_samples == ts_meta['num_samples'], f"num_samples {data.num_samples} / {ts_meta['num_samples']} != {total}")
    reference_ts = True
    for value in [data.start_time, data.end_time] + [s.timestamp for v in data.samples_by_host.values() for s in v]:
        try:
            datetime.strptime(value, TS_FORMAT)
        except Exception:  # noqa: BLE001
            reference_ts = False
    for host, samples in data.samples_by_host.items():
        for s in samples:
            for d in s.diskstats or []:
                int(d["sectors_read"]) + int(d["sectors_written"])
            for n in s.netdev or []:
                int(n["rx_bytes"]) + int(n["tx_bytes"])

    report.update({
        "benchmark_type": run.benchmark_type.value,
        "command": run.command,
        "num_processes": run.num_processes,
        "accelerator": run.accelerator,
        "override_parameters": run.override_parameters,
        "executed_command": metadata['executed_command'],
        "command_output_files": len(metadata['command_output_files']),
        "args_program": run.run_args.get('program'),
        "args_command": run.run_args.get('command'),
        "args_hosts": run.run_args.get('hosts'),
        "args_results_dir": run.run_args.get('results_dir'),
        "args_timeseries_interval": run.run_args.get('timeseries_interval'),
        "system_info_num_hosts": system_info.num_hosts,
        "system_info_total_memory_bytes": system_info.total_memory_bytes,
        "system_info_hostnames": [h.hostname for h in system_info.host_info_list],
        "cluster_info_num_hosts": cluster_info.num_hosts if cluster_info else None,
        "journal_file": ts_meta['journal_file'],
        "journal_complete": ts_meta.get('journal_complete'),
        "journal_num_samples": ts_meta.get('journal_num_samples'),
        "rescued_files": sorted(rescued['files']) if rescued else None,
        "document_path": doc_path,
        "snapshots_method": snapshots.collection_method,
        "samples_by_host": sorted(data.samples_by_host),
        "sample_hostnames": sorted({s.hostname for v in data.samples_by_host.values() for s in v}),
        "hosts_requested": data.hosts_requested,
        "hosts_collected": data.hosts_collected,
        "collection_method": data.collection_method,
        "num_samples": data.num_samples,
        "document_timestamps_reference_form": reference_ts,
        "host_status_kept": 'host_status' in doc,
        "interval_stats_kept": 'interval_stats' in doc,
    })
    print(json.dumps(report))


if __name__ == '__main__':
    main(sys.argv[1])
