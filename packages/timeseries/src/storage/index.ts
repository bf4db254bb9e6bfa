// The storage under test: resolution (pure, over gathered facts), gathering (local and one remote command)
// and whole-run device figures.
export { parseMountinfo, unescapeMountField } from './mountinfo';
export type { MountInfoEntry } from './mountinfo';
export {
  isNetworkFilesystem,
  blockDeviceKind,
  mountForPath,
  mountBlockDevice,
  blockDeviceChain,
  resolveStorageTarget,
  resolveStorageUnderTest,
  unavailableStorageFacts,
} from './resolve';
export type {
  StorageRole,
  BlockDeviceKind,
  BlockDeviceFacts,
  StorageFacts,
  StorageChainLink,
  StorageUnderTest,
  StorageUnderTestMap,
  StorageTarget,
} from './resolve';
export { gatherStorageFacts, realPathOf, storageGatherCommand, parseStorageGatherOutput } from './gather';
export type { GatherStorageOptions } from './gather';
export { DeviceFiguresAccumulator, deviceGlobMatcher, storageDevices, storageDeviceSelector } from './figures';
export type { DeviceRunFigures } from './figures';
