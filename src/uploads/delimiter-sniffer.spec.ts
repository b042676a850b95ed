import { sniffDelimiter } from './delimiter-sniffer';

const sniff = (text: string, final = false) => sniffDelimiter(Buffer.from(text, 'utf8'), final);

describe('sniffDelimiter', () => {
  it('picks the candidate that occurs most on the header line', () => {
    expect(sniff('phone,name,amount\n1;2;3;4;5\n')).toBe(',');
    expect(sniff('phone;name;amount\n1,2,3,4,5\n')).toBe(';');
    expect(sniff('phone\tname\tamount\n')).toBe('\t');
    expect(sniff('phone;name;due date, time\n')).toBe(';');
  });

  it('breaks a tie in the order comma, semicolon, tab', () => {
    expect(sniff('phone;name,amount\n')).toBe(',');
    expect(sniff('phone;name\tamount\n')).toBe(';');
  });

  it('falls back to a comma for a single-column header', () => {
    expect(sniff('phone\n+6588893322\n')).toBe(',');
  });

  it('ignores delimiters inside quotes, including quoted line breaks and doubled quotes', () => {
    expect(sniff('phone;"a,b,c";"say ""x,y"""\n')).toBe(';');
    expect(sniff('"ph,one\n,,,";name;amount\n')).toBe(';');
  });

  it('reads a quote inside an unquoted field as a character, as the parser does', () => {
    expect(sniff(`phone;Height 5'6";name\n1,2,3,4\n`)).toBe(';');
    expect(sniff('Note "x";phone;name\n')).toBe(';');
    expect(sniff('phone\t=HYPERLINK("a,b")\tname\n')).toBe('\t');
    expect(sniff('phone\tHeight 5\'6"\tname\n"x,y,z,w\n')).toBe('\t');
    // A quote at the start of a field (after spaces) still opens a quoted field.
    expect(sniff('phone; "a,b,c";name\n')).toBe(';');
  });

  it('skips a BOM and blank lines before the header', () => {
    expect(sniff('\ufeff\n  \r\n\tphone;name\n')).toBe(';');
  });

  it('reads only the header line', () => {
    expect(sniff('phone\n1;2;3;4\n')).toBe(',');
    expect(sniff('phone;name\r\n1,2,3,4\r\n')).toBe(';');
  });

  it('asks for more input until the header line ends, unless told the input is final', () => {
    expect(sniff('phone;na')).toBeNull();
    expect(sniff('"phone\n;x";')).toBeNull();
    expect(sniff('phone;na', true)).toBe(';');
    expect(sniff('', true)).toBe(',');
  });
});
