import { parse } from 'csv-parse/sync';
import { csvCell, csvLine, neutralizeFormula, phoneCell, quoteField } from './csv-cells';

describe('CSV cells', () => {
  it.each([
    ['=HYPERLINK("http://x","y")', `'=HYPERLINK("http://x","y")`],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@SUM(1)', "'@SUM(1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', "'\rcmd"],
  ])('prefixes a formula-like value %j with a quote mark', (value, expected) => {
    expect(neutralizeFormula(value)).toBe(expected);
  });

  it.each(['', 'Alex', '200,000$', ' =not first', "'already", '1=1', '*#', 'a@b.c'])('leaves %j as it is', (value) => {
    expect(neutralizeFormula(value)).toBe(value);
  });

  it('quotes only fields holding a comma, a quote, CR or LF, doubling quotes', () => {
    expect(quoteField('plain text')).toBe('plain text');
    expect(quoteField('a,b')).toBe('"a,b"');
    expect(quoteField('say "hi"')).toBe('"say ""hi"""');
    expect(quoteField('line\nbreak')).toBe('"line\nbreak"');
    expect(quoteField('cr\rhere')).toBe('"cr\rhere"');
  });

  it('neutralizes before quoting, and writes null as an empty cell', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });

  it('writes E.164 phone numbers as they are, and anything else in a phone column like any cell', () => {
    expect(phoneCell('+6588893322')).toBe('+6588893322');
    expect(phoneCell('6588893322')).toBe('6588893322');
    expect(phoneCell('+1+cmd')).toBe("'+1+cmd");
    expect(phoneCell('=1,2')).toBe(`"'=1,2"`);
    // The exemption is for phone columns only: the same text in any other cell is neutralized.
    expect(csvCell('+6588893322')).toBe("'+6588893322");
  });

  it('ends lines with CRLF, and a CSV parser reads back exactly what was written', () => {
    const values = ['a,b', 'say "hi"', 'two\r\nlines', '=1+1', '', 'plain', 'ünïcödé'];
    const text = csvLine(values.map(csvCell)) + csvLine(['x', 'y']);
    expect(text.endsWith('\r\nx,y\r\n')).toBe(true);
    expect(parse(text, { relax_column_count: true })).toEqual([['a,b', 'say "hi"', 'two\r\nlines', "'=1+1", '', 'plain', 'ünïcödé'], ['x', 'y']]);
  });
});
