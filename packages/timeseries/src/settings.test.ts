import { isMlpsError } from './errors';
import { DEFAULT_INTERVAL_SECONDS, DEFAULT_MAX_SAMPLES, MAX_INTERVAL_SECONDS, validateCollectionSettings } from './settings';

function rejection(options: Record<string, unknown>): string {
  try {
    validateCollectionSettings(options);
  } catch (err) {
    expect(isMlpsError(err) && err.code).toBe('INVALID_ARGUMENT');
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe('validateCollectionSettings', () => {
  it('applies the mlpstorage defaults plus decimation', () => {
    expect(validateCollectionSettings({})).toEqual({
      intervalSeconds: DEFAULT_INTERVAL_SECONDS,
      maxSamples: DEFAULT_MAX_SAMPLES,
      overflow: 'decimate',
    });
    expect(validateCollectionSettings({ intervalSeconds: 0.01, maxSamples: 1, overflow: 'keep-first' })).toEqual({
      intervalSeconds: 0.01,
      maxSamples: 1,
      overflow: 'keep-first',
    });
    expect(validateCollectionSettings({ intervalSeconds: MAX_INTERVAL_SECONDS }).intervalSeconds).toBe(2_147_483);
  });

  it.each([
    [{ intervalSeconds: 0 }, /intervalSeconds .* got 0$/],
    [{ intervalSeconds: 0.005 }, /intervalSeconds .* got 0\.005$/],
    [{ intervalSeconds: Number.NaN }, /intervalSeconds .* got NaN$/],
    [{ intervalSeconds: Infinity }, /got Infinity$/],
    [{ intervalSeconds: '1' }, /got "1"$/],
    [{ intervalSeconds: null }, /got null$/],
    // Beyond the longest Node.js timer, setTimeout would fire every 1 ms with a TimeoutOverflowWarning.
    [{ intervalSeconds: 1e9 }, /intervalSeconds must be at most 2147483 \(seconds; the longest timer Node\.js can set\), got 1000000000$/],
    [{ intervalSeconds: 2_147_483.001 }, /at most 2147483/],
    [{ maxSamples: 0 }, /maxSamples must be an integer >= 1, got 0$/],
    [{ maxSamples: 2.5 }, /got 2\.5$/],
    [{ overflow: 'drop' }, /overflow must be 'decimate' or 'keep-first', got "drop"$/],
    [{ journalPath: '' }, /journalPath must be a non-empty path, got ""$/],
    [{ procRoot: 42 }, /procRoot must be a non-empty path, got 42$/],
    [{ logger: {} }, /logger must be an object with a warn\(message\) method/],
    [{ clock: { monotonicMs: () => 0 } }, /clock must implement monotonicMs\(\), wallMs\(\)/],
  ])('rejects %j naming the option and the value', (options, message) => {
    expect(rejection(options)).toMatch(message);
  });
});
