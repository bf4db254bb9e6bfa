/**
 * The public API of `@mlps/multihost`: the runtime names its entry exports. A change here is a change of the
 * public API: make it on purpose (README, callers), then update the list.
 */
import * as entry from './index';

const NAMES = [
  'MultiHostTimeSeriesCollector', 'RemoteSampler', 'SshConnection', 'appendKnownHost', 'buildRemoteCommand',
  'buildRemoteLoop', 'fingerprintSha256', 'isLocalHost', 'knownHostsName', 'lookupHostKey',
  'openSshConnection', 'parseHostList', 'parseKnownHosts', 'remoteFiles', 'resolveSshOptions',
  'runRemoteCommand', 'scanResponse', 'shellQuote', 'verifyHostKey',
];

it('@mlps/multihost exports exactly the listed names', () => {
  expect(Object.keys(entry).sort()).toEqual([...NAMES].sort());
});
