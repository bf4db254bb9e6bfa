import { formatCommandLine, quoteArgument } from './command-line';

describe('formatCommandLine', () => {
  it('leaves plain words and quotes the rest for a POSIX shell', () => {
    expect(formatCommandLine(['mpirun', '-n', '8', '-host', 'a:4,b:4', '++workload.dataset.data_folder=/mnt/x y'])).toBe(
      "mpirun -n 8 -host a:4,b:4 '++workload.dataset.data_folder=/mnt/x y'",
    );
  });

  it('quotes single quotes, empty strings and shell metacharacters', () => {
    expect(quoteArgument("it's")).toBe(`'it'\\''s'`);
    expect(quoteArgument('')).toBe("''");
    expect(quoteArgument('$(rm -rf /)')).toBe("'$(rm -rf /)'");
    expect(quoteArgument('a;b')).toBe("'a;b'");
  });
});
