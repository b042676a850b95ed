import { LineCounter } from './line-counter';

/**
 * The 1-based line of each byte of `text`, counted by hand: CRLF, LF and CR alone each end a line. The LF of a CRLF
 * is left out (null): it is never a byte an error points at, and the counter has counted the line end at its CR.
 */
const linesByHand = (text: string): (number | null)[] => {
  const lines: (number | null)[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    lines.push(text[i] === '\n' && text[i - 1] === '\r' ? null : line);
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) line++;
  }
  return lines;
};

describe('LineCounter', () => {
  const text = 'a\r\nb\nc\rd\r\r\n\n\re\r';
  const bytes = Buffer.from(text, 'latin1');
  const expected = linesByHand(text);

  it('names the line of every byte, however the stream is cut (a CRLF split between chunks is one line end)', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const counter = new LineCounter();
      counter.add(bytes.subarray(0, cut));
      for (let i = cut; i < bytes.length; i++) {
        if (expected[i] !== null) expect([i, counter.lineAt(bytes.subarray(cut), i - cut)]).toEqual([i, expected[i]]);
      }
    }
    const counter = new LineCounter();
    for (let i = 0; i < bytes.length; i++) {
      if (expected[i] !== null) expect([i, counter.lineAt(bytes.subarray(i, i + 1), 0)]).toEqual([i, expected[i]]);
      counter.add(bytes.subarray(i, i + 1));
    }
    expect(counter.currentLine).toBe(9);
  });

  it('counts a CR at the end of a chunk once, whether or not a LF follows', () => {
    const counter = new LineCounter();
    counter.add(Buffer.from('x\r'));
    expect(counter.currentLine).toBe(2);
    counter.add(Buffer.from('\ny'));
    expect(counter.currentLine).toBe(2);
    counter.add(Buffer.from('\r'));
    counter.add(Buffer.from('z'));
    expect(counter.currentLine).toBe(3);
  });
});
