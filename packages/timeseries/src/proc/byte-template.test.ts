import { demoteTokens, MARK_BASE, markedText, tokenize } from './byte-template';

const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

describe('markedText', () => {
  it('replaces each number token of ASCII text by its mark and keeps every other byte', () => {
    const bytes = bytesOf('sda 12 0 3.5\nnr_free 42\n');
    const text = markedText(tokenize(bytes, 0, bytes.length), 7);
    expect(text).toBe(`sda ${MARK_BASE + 7} ${MARK_BASE + 8} ${MARK_BASE + 9}\nnr_free ${MARK_BASE + 10}\n`);
  });

  it('gives the same text for UTF-8 names, where byte and string offsets differ', () => {
    const source = 'dévice 5 /mnt/ünï 77\n';
    const bytes = bytesOf(source);
    expect(bytes.length).toBeGreaterThan(source.length);
    const text = markedText(tokenize(bytes, 0, bytes.length), 0);
    expect(text).toBe(`dévice ${MARK_BASE} /mnt/ünï ${MARK_BASE + 1}\n`);
  });

  it('keeps demoted tokens (digits of a name) as their own bytes, in ASCII and UTF-8 text', () => {
    for (const source of ['/mnt/nfs 2024 9\n', '/mnt/é 2024 9\n']) {
      const bytes = bytesOf(source);
      const file = tokenize(bytes, 0, bytes.length);
      demoteTokens(file, [0]);
      expect(markedText(file, 0)).toBe(source.replace(' 9\n', ` ${MARK_BASE + 1}\n`));
    }
  });

  it('reads only its own byte range of a larger buffer', () => {
    const whole = bytesOf('xx 1\nsda 12\nyy 2\n');
    const start = 'xx 1\n'.length;
    const end = start + 'sda 12\n'.length;
    expect(markedText(tokenize(whole, start, end), 0)).toBe(`sda ${MARK_BASE}\n`);
  });
});
