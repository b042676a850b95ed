import * as iconv from 'iconv-lite';
import { Readable } from 'node:stream';
import {
  CsvFileError,
  type DebtorCsvItem,
  type DebtorCsvOptions,
  type DebtorRow,
  MAX_RECORD_CHARS,
  propertyNamesForHeader,
  readDebtorRows,
  type RowError,
} from './debtor-csv-reader';

const CALLER = '+6560001111';
const defaults: DebtorCsvOptions = { maxRows: 1000, defaultRegion: 'SG', defaultCaller: CALLER };

const streamOf = (...chunks: (string | Buffer)[]): Readable =>
  Readable.from(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)));

const readAll = async (input: Readable, options: Partial<DebtorCsvOptions> = {}): Promise<DebtorCsvItem[]> => {
  const items: DebtorCsvItem[] = [];
  for await (const item of readDebtorRows(input, { ...defaults, ...options })) items.push(item);
  return items;
};
const read = (text: string, options: Partial<DebtorCsvOptions> = {}) => readAll(streamOf(text), options);

const rowsOf = (items: DebtorCsvItem[]): DebtorRow[] => items.flatMap((item) => ('row' in item ? [item.row] : []));
const errorsOf = (items: DebtorCsvItem[]): RowError[] => items.flatMap((item) => ('error' in item ? [item.error] : []));

const fileErrorOf = async (input: Readable | string, options: Partial<DebtorCsvOptions> = {}): Promise<CsvFileError> => {
  try {
    await readAll(typeof input === 'string' ? streamOf(input) : input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(CsvFileError);
    return error as CsvFileError;
  }
  throw new Error('expected a CsvFileError');
};

describe('readDebtorRows', () => {
  describe('delimiters, encoding and line endings', () => {
    const expected = [
      { line: 2, phone: '+6588893322', caller: CALLER, properties: { name: 'Alice', amount: '10.50' } },
      { line: 3, phone: '+6591234567', caller: CALLER, properties: { name: 'Bob', amount: '7' } },
    ];

    it.each([
      ['comma', 'phone,name,amount\n+65 8889 3322,Alice,10.50\n+65 9123 4567,Bob,7\n'],
      ['semicolon', 'phone;name;amount\n+65 8889 3322;Alice;10.50\n+65 9123 4567;Bob;7\n'],
      ['tab', 'phone\tname\tamount\n+65 8889 3322\tAlice\t10.50\n+65 9123 4567\tBob\t7\n'],
      ['CRLF', 'phone,name,amount\r\n+65 8889 3322,Alice,10.50\r\n+65 9123 4567,Bob,7\r\n'],
      ['BOM', '\ufeffphone,name,amount\n+65 8889 3322,Alice,10.50\n+65 9123 4567,Bob,7\n'],
      ['BOM, semicolon and CRLF', '\ufeffphone;name;amount\r\n+65 8889 3322;Alice;10.50\r\n+65 9123 4567;Bob;7'],
      ['no final line break', 'phone,name,amount\n+65 8889 3322,Alice,10.50\n+65 9123 4567,Bob,7'],
    ])('reads a %s file', async (_label, text) => {
      expect(await read(text)).toEqual(expected.map((row) => ({ row })));
    });

    it('reads decimal commas in a semicolon file as text', async () => {
      const rows = rowsOf(await read('phone;amount\n+6588893322;10,50\n'));
      expect(rows[0].properties).toEqual({ amount: '10,50' });
    });

    it('keeps a tab file with empty cells aligned', async () => {
      const rows = rowsOf(await read('phone\tname\tamount\n+6588893322\t\t7\n'));
      expect(rows[0].properties).toEqual({ amount: '7' });
    });

    it('reads a single-column file', async () => {
      expect(rowsOf(await read('phone\n+6588893322\n91234567\n')).map((row) => row.phone)).toEqual(['+6588893322', '+6591234567']);
    });

    it('reads the same rows however the input is cut into chunks, even inside a character or a CRLF', async () => {
      const text = '\ufeffphone;name;city\r\n+6588893322;Zoë;Zürich\r\n+6591234567;"Ng, 你好 🙂";"a\r\nb"\r\n';
      const bytes = Buffer.from(text, 'utf8');
      const whole = await readAll(streamOf(bytes));
      expect(rowsOf(whole).map((row) => row.properties)).toEqual([
        { name: 'Zoë', city: 'Zürich' },
        { name: 'Ng, 你好 🙂', city: 'a\r\nb' },
      ]);
      expect(rowsOf(whole).map((row) => row.line)).toEqual([2, 3]);
      for (let cut = 1; cut < bytes.length; cut++) {
        expect(await readAll(streamOf(bytes.subarray(0, cut), bytes.subarray(cut)))).toEqual(whole);
      }
      expect(await readAll(streamOf(...[...bytes].map((byte) => Buffer.from([byte]))))).toEqual(whole);
    });

    it('accepts a stream of strings', async () => {
      const items = await readAll(Readable.from(['phone,na', 'me\n+6588893322,Alice\n']));
      expect(rowsOf(items)[0].properties).toEqual({ name: 'Alice' });
    });

    it('decides the delimiter on the header line only, outside quotes', async () => {
      const rows = rowsOf(await read('phone,"a;b;c"\n+6588893322,x;y;z\n'));
      expect(rows[0].properties).toEqual({ 'a;b;c': 'x;y;z', aBC: 'x;y;z' });
    });
  });

  describe('quoting, trimming and line numbers', () => {
    it('reads quoted fields with delimiters, doubled quotes and line breaks, numbering lines as in the file', async () => {
      const text = [
        'phone,note,amount',
        '+6588893322,"Tan, Ah Beng",1',
        '+6591234567,"He said ""pay later""",2',
        '+6581234567,"line one',
        'line two',
        'line three",3',
        '+6598765432,after,4',
      ].join('\n');
      const rows = rowsOf(await read(text));
      expect(rows.map((row) => [row.line, row.properties.note])).toEqual([
        [2, 'Tan, Ah Beng'],
        [3, 'He said "pay later"'],
        [4, 'line one\nline two\nline three'],
        [7, 'after'],
      ]);
    });

    it('numbers lines right after quoted CRLFs (which csv-parse counts twice)', async () => {
      const text = 'phone,note\r\n+6588893322,"a\r\nb\r\n\r\nc"\r\n\r\n+6591234567,x\r\n+6581234567,"y\r\nz"\r\n+6598765432,w\r\n';
      const rows = rowsOf(await read(text));
      expect(rows.map((row) => row.line)).toEqual([2, 7, 8, 10]);
      expect(rows[0].properties.note).toBe('a\r\nb\r\n\r\nc');
    });

    it('trims unquoted values and header names but keeps the spaces inside quotes', async () => {
      const rows = rowsOf(await read(' phone ; Due Date ;note\n  +65 8889 3322 ;  2026-12-01  ;  "  padded  "  \n'));
      expect(rows[0]).toEqual({
        line: 2,
        phone: '+6588893322',
        caller: CALLER,
        properties: { 'Due Date': '2026-12-01', dueDate: '2026-12-01', note: '  padded  ' },
      });
    });

    it('skips empty lines, blank lines and lines of empty cells without changing line numbers', async () => {
      const text = '\n  \nphone,name\n\n+6588893322,Alice\n   \n,\n"",""\n+6591234567,Bob\n\n';
      const items = await read(text);
      expect(errorsOf(items)).toEqual([]);
      const rows = rowsOf(items);
      expect(rows.map((row) => [row.line, row.properties.name])).toEqual([
        [5, 'Alice'],
        [9, 'Bob'],
      ]);
    });
  });

  describe('quotes as spreadsheets write them', () => {
    it('keeps a quote inside an unquoted field as a character', async () => {
      const text = ['phone,name,note', '+6588893322,Smith "Jr",=HYPERLINK("x")', `+6591234567,Tan "Ah Beng",5'6" tall`, '+6581234567,a"b,"c""d"'].join('\r\n');
      expect(rowsOf(await read(text)).map((row) => [row.line, row.properties.name, row.properties.note])).toEqual([
        [2, 'Smith "Jr"', '=HYPERLINK("x")'],
        [3, 'Tan "Ah Beng"', `5'6" tall`],
        [4, 'a"b', 'c"d'],
      ]);
    });

    it('ends a record at the line break after a quote inside an unquoted field (it opens nothing)', async () => {
      const items = await read('phone,name\n+6588893322,ab"\n+6591234567,"cd\nef"\n+6581234567,x\n');
      expect(rowsOf(items).map((row) => [row.line, row.properties.name])).toEqual([
        [2, 'ab"'],
        [3, 'cd\nef'],
        [5, 'x'],
      ]);
    });

    it('splits an unquoted field with quotes at the delimiter, as spreadsheets do', async () => {
      const rows = rowsOf(await read('phone,a,b\n+6588893322,x "y,z" w\n'));
      expect(rows[0].properties).toEqual({ a: 'x "y', b: 'z" w' });
    });

    it('numbers lines exactly with quotes in unquoted fields and CRLFs in quoted ones, however the input is cut', async () => {
      const text = [
        `phone;Height 5'6";note`, // a quote in the header too: the delimiter is still found
        `+6588893322;5'6";"a\r\nb"`,
        '',
        '+6591234567;=HYPERLINK("x");"c\r\n\r\nd"',
        '+6581234567;Smith "Jr";"""quoted"""',
        '+6598765432;"e\rf";plain',
      ].join('\r\n');
      const bytes = Buffer.from(text, 'utf8');
      const whole = await readAll(streamOf(bytes));
      expect(errorsOf(whole)).toEqual([]);
      expect(rowsOf(whole).map((row) => [row.line, row.properties[`Height 5'6"`], row.properties.note])).toEqual([
        [2, `5'6"`, 'a\r\nb'],
        [5, '=HYPERLINK("x")', 'c\r\n\r\nd'],
        [8, 'Smith "Jr"', '"quoted"'],
        [9, 'e\rf', 'plain'],
      ]);
      for (let cut = 1; cut < bytes.length; cut++) {
        expect(await readAll(streamOf(bytes.subarray(0, cut), bytes.subarray(cut)))).toEqual(whole);
      }
    });

    it('still refuses a quoted field that is never closed, at the line where it opens', async () => {
      const error = await fileErrorOf('phone,name\n+6588893322,Smith "Jr"\n+6591234567,"Tan\n+6581234567,x\n');
      expect(error.line).toBe(3);
      expect(error.message).toBe('a quote opened in the record starting on this line is never closed');
    });
  });

  describe('encodings', () => {
    const rows = [
      ['phone', 'name', 'city'],
      ['+6588893322', 'Zoë Müller', 'Zürich'],
      ['+6591234567', 'José O’Brien', '€ 5'],
    ];
    const textOf = (delimiter: string, eol = '\r\n') => rows.map((cells) => cells.join(delimiter)).join(eol) + eol;
    const expected = [
      { line: 2, phone: '+6588893322', caller: CALLER, properties: { name: 'Zoë Müller', city: 'Zürich' } },
      { line: 3, phone: '+6591234567', caller: CALLER, properties: { name: 'José O’Brien', city: '€ 5' } },
    ];
    const withBom = (encoding: string, text: string) => iconv.encode(text, encoding, { addBOM: true });

    it.each([
      ['windows-1252', 'windows-1252', iconv.encode(textOf(';'), 'windows-1252')],
      ['UTF-16LE with a BOM, tab-delimited ("Unicode Text")', undefined, withBom('utf-16le', textOf('\t'))],
      ['UTF-16LE with a BOM, declared', 'utf-16le', withBom('utf-16le', textOf('\t'))],
      ['UTF-16LE without a BOM, declared', 'utf-16le', iconv.encode(textOf(','), 'utf-16le')],
      ['UTF-16BE with a BOM', undefined, withBom('utf-16be', textOf(','))],
      ['UTF-16BE without a BOM, declared', 'utf-16be', iconv.encode(textOf(','), 'utf-16be')],
      ['UTF-8 declared, with a BOM', 'utf-8', Buffer.from(`\ufeff${textOf(',')}`)],
    ] as const)('reads %s', async (_label, encoding, bytes) => {
      expect(rowsOf(await readAll(streamOf(bytes), { encoding }))).toEqual(expected);
    });

    it('reads ISO-8859-1 (no € or ’ there)', async () => {
      const bytes = iconv.encode('phone,name\r\n+6588893322,Zoë Müller ½\r\n', 'iso-8859-1');
      expect(rowsOf(await readAll(streamOf(bytes), { encoding: 'iso-8859-1' }))[0].properties).toEqual({ name: 'Zoë Müller ½' });
    });

    it('reads the same rows however a UTF-16 or Windows-1252 file is cut, even inside a character or a surrogate pair', async () => {
      const text = 'phone\tname\r\n+6588893322\t"Ng 🙂\r\nZoë"\r\n+6591234567\tO’Brien\r\n';
      for (const [encoding, bytes] of [
        [undefined, withBom('utf-16le', text)],
        ['utf-16be', iconv.encode(text, 'utf-16be')],
        ['windows-1252', iconv.encode(text.replace('🙂', '€'), 'windows-1252')],
      ] as const) {
        const whole = await readAll(streamOf(bytes), { encoding });
        expect(rowsOf(whole).map((row) => row.line)).toEqual([2, 4]);
        for (let cut = 1; cut < bytes.length; cut++) {
          expect(await readAll(streamOf(bytes.subarray(0, cut), bytes.subarray(cut)), { encoding })).toEqual(whole);
        }
      }
    });

    it('refuses what is not text in the declared encoding, naming the line', async () => {
      const undefinedByte = Buffer.concat([iconv.encode('phone,name\r\n+6588893322,Zoë\r\n+6591234567,A', 'windows-1252'), Buffer.from([0x81, 0x0d, 0x0a])]);
      expect(await fileErrorOf(streamOf(undefinedByte), { encoding: 'windows-1252' })).toMatchObject({ line: 3, message: expect.stringContaining(`0x81 at byte ${undefinedByte.length - 3} `) });
      const c1 = iconv.encode('phone,name\n+6588893322,\u0080 5\n', 'iso-8859-1');
      expect(await fileErrorOf(streamOf(c1), { encoding: 'iso-8859-1' })).toMatchObject({ line: 2, message: expect.stringContaining('where 0x80 is "€"') });
      const odd = Buffer.concat([withBom('utf-16le', 'phone\n+6588893322\n'), Buffer.from([0x41])]);
      expect(await fileErrorOf(streamOf(odd))).toMatchObject({ line: 3, message: expect.stringContaining('odd number') });
      // UTF-8 text declared as Windows-1252: "Ł" is C5 81, and 0x81 is undefined there.
      const utf8 = Buffer.from('phone,name\n+6588893322,Łukasz\n');
      expect(await fileErrorOf(streamOf(utf8), { encoding: 'windows-1252' })).toMatchObject({ line: 2, message: expect.stringContaining('is the file UTF-8?') });
    });

    it('refuses a byte-order mark that contradicts the declared encoding', async () => {
      const error = await fileErrorOf(streamOf(withBom('utf-16le', 'phone\n+6588893322\n')), { encoding: 'windows-1252' });
      expect(error).toMatchObject({ line: 1, message: expect.stringContaining('starts with a UTF-16LE byte-order mark, but the encoding field says windows-1252') });
    });
  });

  describe('columns and properties', () => {
    it('stores each property under the header as written and its camelCase form', async () => {
      const rows = rowsOf(await read('PHONE,Due Date,DUE_AMOUNT,firstName,AMOUNT\n+6588893322,2026-12-01,5,Ann,7\n'));
      expect(rows[0].properties).toEqual({
        'Due Date': '2026-12-01',
        dueDate: '2026-12-01',
        DUE_AMOUNT: '5',
        dueAmount: '5',
        firstName: 'Ann',
        AMOUNT: '7',
        amount: '7',
      });
      expect(propertyNamesForHeader('Due Date')).toEqual(['Due Date', 'dueDate']);
    });

    it('leaves an empty cell out of the properties, and keeps values as written', async () => {
      const rows = rowsOf(await read('phone,name,amount,dueDate\n+6588893322,,007.50,01/12/2026\n'));
      expect(rows[0].properties).toEqual({ amount: '007.50', dueDate: '01/12/2026' });
      expect('name' in rows[0].properties).toBe(false);
    });

    it('builds plain objects', async () => {
      const rows = rowsOf(await read('phone,name\n+6588893322,Alice\n'));
      expect(Object.getPrototypeOf(rows[0].properties)).toBe(Object.prototype);
      expect(JSON.parse(JSON.stringify(rows[0]))).toEqual(rows[0]);
    });

    it('accepts the phone column aliases in any case', async () => {
      for (const header of ['Phone', 'phone_number', 'MSISDN', ' Number ']) {
        expect(rowsOf(await read(`name,${header}\nAlice,+6588893322\n`))[0]).toMatchObject({ phone: '+6588893322', properties: { name: 'Alice' } });
      }
    });

    it('reports a row with a different number of fields than the header', async () => {
      const items = await read('phone,name,amount,dueDate\n+6588893322,Alice,1\n+6591234567,Bob,2,2026-12-01,extra\n+6581234567,Cy,3,2026-12-02\n');
      expect(errorsOf(items)).toEqual([
        { line: 2, column: null, value: null, message: 'has 3 fields; the header has 4' },
        { line: 3, column: null, value: null, message: 'has 5 fields; the header has 4' },
      ]);
      expect(rowsOf(items).map((row) => row.line)).toEqual([4]);
    });
  });

  describe('phone numbers', () => {
    it('normalizes national numbers with defaultRegion SG', async () => {
      const text = 'phone\n8889 3322\n(0) 9123 4567\n+65 (0)8123-4567\n0065 9876 5432\n6123.4567\n';
      expect(rowsOf(await read(text)).map((row) => row.phone)).toEqual(['+6588893322', '+6591234567', '+6581234567', '+6598765432', '+6561234567']);
    });

    it('normalizes US numbers with defaultRegion US', async () => {
      const rows = rowsOf(await read('phone\n(415) 555-2671\n+1 212 555 0123\n', { defaultRegion: 'US' }));
      expect(rows.map((row) => row.phone)).toEqual(['+14155552671', '+12125550123']);
    });

    it('reports invalid and empty numbers with the column as written and the raw cell', async () => {
      const items = await read('Phone,name\n1234 5678,a\n+65 1234 5678,b\n,c\nabc,d\n+6588893322,e\n');
      expect(errorsOf(items)).toEqual([
        { line: 2, column: 'Phone', value: '1234 5678', message: 'is not a valid phone number for region SG' },
        { line: 3, column: 'Phone', value: '+65 1234 5678', message: 'is not a valid phone number' },
        { line: 4, column: 'Phone', value: '', message: 'is empty' },
        { line: 5, column: 'Phone', value: 'abc', message: 'may only contain digits, spaces, dashes, dots, parentheses and a leading + or 00' },
      ]);
      expect(rowsOf(items).map((row) => row.line)).toEqual([6]);
    });

    it('reports national numbers when no defaultRegion is given', async () => {
      const items = await read('phone\n8889 3322\n+65 9123 4567\n', { defaultRegion: undefined });
      expect(errorsOf(items)).toEqual([
        { line: 2, column: 'phone', value: '8889 3322', message: 'is in national format: set defaultRegion or write it as +<country code><number>' },
      ]);
      expect(rowsOf(items).map((row) => row.phone)).toEqual(['+6591234567']);
    });

    it('reports a number already accepted earlier, however it was written', async () => {
      const items = await read('phone,name\n+65 8889 3322,a\n9123 4567,b\n88893322,c\n+6591234567,d\n');
      expect(errorsOf(items)).toEqual([
        { line: 4, column: 'phone', value: '88893322', message: 'duplicate of line 2' },
        { line: 5, column: 'phone', value: '+6591234567', message: 'duplicate of line 3' },
      ]);
    });

    it('counts as duplicates only numbers of accepted rows', async () => {
      const items = await read('phone,caller\n+6588893322,12\n+6588893322,\n+6588893322,\n');
      expect(items).toEqual([
        { error: { line: 2, column: 'caller', value: '12', message: 'is not a valid phone number for region SG' } },
        { row: { line: 3, phone: '+6588893322', caller: CALLER, properties: {} } },
        { error: { line: 4, column: 'phone', value: '+6588893322', message: 'duplicate of line 3' } },
      ]);
    });
  });

  describe('callers', () => {
    it('uses the caller cell, normalized, or else the default caller', async () => {
      const rows = rowsOf(await read('phone,CALLER\n+6588893322,6000 2222\n+6591234567,\n+6581234567,+65 6000 3333\n'));
      expect(rows.map((row) => row.caller)).toEqual(['+6560002222', CALLER, '+6560003333']);
      expect(rows[0].properties).toEqual({});
    });

    it('reports an invalid caller', async () => {
      expect(errorsOf(await read('phone,caller\n+6588893322,+65 1234 5678\n+6591234567,+65 1\n'))).toEqual([
        { line: 2, column: 'caller', value: '+65 1234 5678', message: 'is not a valid phone number' },
        { line: 3, column: 'caller', value: '+65 1', message: 'is too short to be a phone number' },
      ]);
    });

    it('reports a row without a caller when there is no default caller', async () => {
      const items = await read('phone,caller\n+6588893322,\n+6591234567,+6560002222\n', { defaultCaller: undefined });
      expect(items).toEqual([
        { error: { line: 2, column: 'caller', value: '', message: 'is empty and no default caller was given' } },
        { row: { line: 3, phone: '+6591234567', caller: '+6560002222', properties: {} } },
      ]);
      expect(errorsOf(await read('phone\n+6588893322\n', { defaultCaller: undefined }))).toEqual([
        { line: 2, column: 'caller', value: null, message: 'is empty and no default caller was given' },
      ]);
    });
  });

  describe('file errors', () => {
    it.each([
      ['no bytes', ''],
      ['only a BOM', '\ufeff'],
      ['only blank lines', '\n  \r\n\n'],
    ])('refuses an empty file (%s)', async (_label, text) => {
      const error = await fileErrorOf(text);
      expect(error.message).toBe('the file is empty');
      expect(error.line).toBeNull();
    });

    it('refuses a file with a header but no rows, giving the header line', async () => {
      for (const [text, line] of [
        ['phone,name\n', 1],
        ['phone,name\n\n,\n  \n', 1],
        ['\nphone,name', 2],
      ] as const) {
        const error = await fileErrorOf(text);
        expect(error.message).toBe('the file has a header but no rows');
        expect(error.line).toBe(line);
      }
    });

    it('refuses a header without a phone column, listing the accepted names and the headers found', async () => {
      const error = await fileErrorOf('mobile;name\n+6588893322;Alice\n');
      expect(error.line).toBe(1);
      expect(error.message).toBe(
        'the header has no phone column: name one column "phone", "phone_number", "msisdn", "number" (any case, spaces allowed: "Phone Number"); the columns found are "mobile", "name"',
      );
    });

    it.each([
      ['two phone columns', 'phone,msisdn\n1,2\n', 'more than one phone column: "phone" and "msisdn"'],
      ['an empty header name', 'phone,,amount\n1,2,3\n', 'column 2 of the header has no name'],
      ['a trailing delimiter in the header', 'phone,amount,\n1,2,\n', 'column 3 of the header has no name'],
      ['two columns giving the same key', 'phone,Due Date,dueDate\n1,2,3\n', 'columns "Due Date" and "dueDate" both give the property "dueDate"'],
      ['a reserved name', 'phone,__proto__\n1,2\n', 'column 2 "__proto__" has a reserved name'],
      ['a reserved camelCase name', 'phone,Constructor\n1,2\n', 'gives the reserved property name "constructor"'],
    ])('refuses a header with %s', async (_label, text, message) => {
      const error = await fileErrorOf(text);
      expect(error.line).toBe(1);
      expect(error.message).toContain(message);
    });

    it('refuses binary content and text that is not UTF-8, with its line', async () => {
      const nul = await fileErrorOf(streamOf(Buffer.from([0x70, 0x68, 0x00, 0x6e, 0x65])));
      expect(nul.message).toBe('the file is not a text CSV file (it has a NUL byte at byte 2)');
      expect(nul.line).toBe(1);
      const latin1 = await fileErrorOf(streamOf(Buffer.from('phone,name\n+6588893322,Zoë\n', 'latin1')));
      expect(latin1.message).toContain('the file is not UTF-8 text (the byte 0xEB at byte 25 is not UTF-8)');
      expect(latin1.line).toBe(2);
      expect((await fileErrorOf(streamOf(Buffer.from('phone,name\n', 'utf16le')))).message).toContain('it looks like UTF-16LE text without a byte-order mark');
      const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 0x41)]);
      expect((await fileErrorOf(streamOf(xlsx))).message).toContain('Excel workbook');
    });

    it('refuses invalid UTF-8 anywhere in the file, not just in its first 64 KB, naming its line', async () => {
      let head = 'phone,name\n';
      let lines = 1;
      for (let i = 0; head.length < 70_000; i++, lines++) head += `+659${String(i).padStart(7, '0')},"Alice\r\nTan"\r\n`;
      const input = streamOf(head, Buffer.from('+6581234567,Zo\xeb\n', 'latin1'));
      const error = await fileErrorOf(input);
      expect(error.line).toBe(2 * lines);
      expect(error.message).toContain(`(the byte 0xEB at byte ${head.length + 14} is not UTF-8)`);
    });

    it('refuses an unterminated quote, giving the line of the record where it opens', async () => {
      const error = await fileErrorOf('phone,note\r\n+6588893322,"a\r\nb"\r\n\r\n+6591234567,"never closed\r\n+6581234567,x\r\n');
      expect(error.line).toBe(5);
      expect(error.message).toBe('a quote opened in the record starting on this line is never closed');
    });

    it('refuses a record longer than the limit, which is what an unterminated quote in a large file gives', async () => {
      const error = await fileErrorOf(`phone,note\n+6588893322,ok\n+6591234567,"${'x'.repeat(MAX_RECORD_CHARS + 10)}`);
      expect(error.line).toBe(3);
      expect(error.message).toContain('is longer than');
    });

    it('refuses text after a closing quote, giving the line of the record', async () => {
      const after = await fileErrorOf('phone,name\n+6588893322,"Tan" Beng\n');
      expect(after.line).toBe(2);
      expect(after.message).toContain('more characters after its closing quote');
      // The record starts on line 4, where its quote opens (csv-parse's own count is off by the quoted CRLFs).
      const multiline = await fileErrorOf('phone,name\r\n+6588893322,"a\r\nb"\r\n+6591234567,"Tan\r\nAh" Beng\r\n');
      expect(multiline.line).toBe(4);
    });

    it('refuses more than maxRows data rows at the first extra row, after yielding the rows before it', async () => {
      const items: DebtorCsvItem[] = [];
      let caught: unknown;
      try {
        for await (const item of readDebtorRows(streamOf('phone\n+6588893322\n\n+6591234567\n+6581234567\n'), { ...defaults, maxRows: 2 })) items.push(item);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(CsvFileError);
      expect(caught).toMatchObject({ message: 'the file has more than 2 rows', line: 5 });
      expect(items).toHaveLength(2);
      expect(await read('phone\n+6588893322\n+6591234567\n\n', { maxRows: 2 })).toHaveLength(2);
    });

    it('passes errors of the input stream through unchanged', async () => {
      const failure = new Error('disk on fire');
      const input = new Readable({
        read() {
          this.push(Buffer.from('phone\n+6588893322\n'));
          this.destroy(failure);
        },
      });
      await expect(readAll(input)).rejects.toBe(failure);
    });
  });

  describe('streaming', () => {
    it('reads the input as rows are consumed, and destroys it when the consumer stops early', async () => {
      let chunksRead = 0;
      const input = Readable.from(
        (function* () {
          yield Buffer.from('phone,name\n');
          for (let chunk = 0; chunk < 1000; chunk++) {
            chunksRead++;
            let text = '';
            for (let i = 0; i < 100; i++) text += `+659${String(chunk * 100 + i).padStart(7, '0')},n\n`;
            yield Buffer.from(text);
          }
        })(),
      );
      const seen: DebtorCsvItem[] = [];
      for await (const item of readDebtorRows(input, { ...defaults, maxRows: 1_000_000 })) {
        seen.push(item);
        if (seen.length === 150) break;
      }
      expect(rowsOf(seen)).toHaveLength(150);
      expect(chunksRead).toBeLessThan(100);
      expect(input.destroyed).toBe(true);
    });
  });

  describe('options', () => {
    it('refuses a bad maxRows, defaultCaller or defaultRegion', async () => {
      await expect(read('phone\n+6588893322\n', { maxRows: 0 })).rejects.toThrow(RangeError);
      await expect(read('phone\n+6588893322\n', { defaultCaller: '6560001111' })).rejects.toThrow(RangeError);
      await expect(read('phone\n+6588893322\n', { defaultRegion: 'XX' as never })).rejects.toThrow(RangeError);
    });
  });
});
