import { MlpsError, isMlpsError, invalidArgument } from './errors';

describe('MlpsError', () => {
  it('carries a stable code and cause', () => {
    const cause = new Error('root');
    const err = new MlpsError('IO_ERROR', 'could not read /proc/stat', { cause });
    expect(err.code).toBe('IO_ERROR');
    expect(err.cause).toBe(cause);
    expect(err).toBeInstanceOf(Error);
    expect(isMlpsError(err)).toBe(true);
  });

  it('is recognised across package copies by its marker, not by instanceof', () => {
    const foreign = new Error('x');
    Object.defineProperty(foreign, Symbol.for('@mlps/error'), { value: true });
    expect(isMlpsError(foreign)).toBe(true);
    expect(isMlpsError(new Error('plain'))).toBe(false);
    expect(isMlpsError(null)).toBe(false);
    expect(isMlpsError('INVALID_ARGUMENT')).toBe(false);
  });

  it('invalidArgument uses INVALID_ARGUMENT', () => {
    expect(invalidArgument('interval must be >= 0.01 s, got 0').code).toBe('INVALID_ARGUMENT');
  });
});
