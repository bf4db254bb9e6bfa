// Public API of multihost. Only what is exported here is public.
export { parseHostList, isLocalHost } from './hosts';
export type { HostSpec } from './hosts';
export {
  parseKnownHosts,
  lookupHostKey,
  verifyHostKey,
  fingerprintSha256,
  knownHostsName,
  appendKnownHost,
} from './knownhosts';
export type { HostKeyPolicy, KnownHostEntry, KnownHostMatch, HostKeyDecision, VerifyHostKeyOptions } from './knownhosts';
export { openSshConnection, resolveSshOptions, SshConnection } from './transport';
export type { SshOptions, SshTarget, ResolvedSshOptions } from './transport';
export { buildRemoteCommand, buildRemoteLoop, remoteFiles, scanResponse } from './remote-script';
export type { RemoteReader, RemoteFile, RemoteReading, ScanResult } from './remote-script';
export { RemoteSampler } from './remote-sampler';
export type { RemoteSampleResult } from './remote-sampler';
export { runRemoteCommand, shellQuote } from './remote-command';
export type { RemoteCommandResult, RunRemoteCommandOptions } from './remote-command';
export { MultiHostTimeSeriesCollector } from './collector';
export type {
  HostTarget,
  HostStatus,
  MultiHostLogger,
  MultiHostCollectorStats,
  MultiHostTimeSeriesCollectorOptions,
} from './collector';
export type { HostMethod, HostConnectionState } from './host-session';
