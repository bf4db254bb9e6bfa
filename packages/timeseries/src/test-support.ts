// Helpers shared by this package's test files (not part of the package: no entry imports it).

/** The error `fn` throws (with its stable `code` when it is an MlpsError); fails the test when it does not throw. */
export function errorOf(fn: () => unknown): Error & { code?: string } {
  try {
    fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a throw');
}
