import { CsvFileError } from './csv-file-error';
import { analyzeHeader, camelCaseKey, propertyNamesForHeader } from './header-columns';

const fileErrorOf = (fields: string[], line = 1): CsvFileError => {
  try {
    analyzeHeader(fields, line);
  } catch (error) {
    expect(error).toBeInstanceOf(CsvFileError);
    return error as CsvFileError;
  }
  throw new Error(`analyzeHeader accepted ${JSON.stringify(fields)}`);
};

describe('camelCaseKey', () => {
  it.each([
    ['Due Date', 'dueDate'],
    ['DUE_DATE', 'dueDate'],
    ['due-date', 'dueDate'],
    ['  due   date  ', 'dueDate'],
    ['amount', 'amount'],
    ['AMOUNT', 'amount'],
    ['Amount', 'amount'],
    ['firstName', 'firstName'],
    ['FirstName', 'firstName'],
    ['Customer ID', 'customerId'],
    ['customer.iPhone', 'customerIPhone'],
    ['Address 2', 'address2'],
    ['2nd Address', '2ndAddress'],
    ['Nom du Débiteur', 'nomDuDébiteur'],
    ['ÉTAT', 'état'],
    ['---', ''],
  ])('%j → %j', (header, expected) => {
    expect(camelCaseKey(header)).toBe(expected);
  });
});

describe('propertyNamesForHeader', () => {
  it('gives the header as written plus its camelCase form when that differs', () => {
    expect(propertyNamesForHeader('Due Date')).toEqual(['Due Date', 'dueDate']);
    expect(propertyNamesForHeader('DUE_DATE')).toEqual(['DUE_DATE', 'dueDate']);
    expect(propertyNamesForHeader('AMOUNT')).toEqual(['AMOUNT', 'amount']);
    expect(propertyNamesForHeader(' Due Date ')).toEqual(['Due Date', 'dueDate']);
  });

  it('gives one key for a name already in camelCase', () => {
    expect(propertyNamesForHeader('amount')).toEqual(['amount']);
    expect(propertyNamesForHeader('firstName')).toEqual(['firstName']);
  });

  it('gives only the header when it has no letter or digit', () => {
    expect(propertyNamesForHeader('#')).toEqual(['#']);
  });

  it('gives nothing for the phone and caller columns, in any case, nor for an empty name', () => {
    for (const name of ['phone', 'Phone_Number', 'MSISDN', 'Number', ' caller ', 'CALLER', '', '  ']) {
      expect(propertyNamesForHeader(name)).toEqual([]);
    }
  });
});

describe('analyzeHeader', () => {
  it('finds the phone and caller columns and maps every other column to its keys', () => {
    const layout = analyzeHeader([' Name ', 'MSISDN', 'Due Date', 'Caller', 'amount'], 1);
    expect(layout).toEqual({
      line: 1,
      fieldCount: 5,
      phoneIndex: 1,
      phoneHeader: 'MSISDN',
      callerIndex: 3,
      callerHeader: 'Caller',
      properties: [
        { index: 0, header: 'Name', keys: ['Name', 'name'] },
        { index: 2, header: 'Due Date', keys: ['Due Date', 'dueDate'] },
        { index: 4, header: 'amount', keys: ['amount'] },
      ],
    });
  });

  it('accepts each phone alias', () => {
    for (const alias of ['phone', 'PHONE', 'phone_number', 'Phone_Number', 'msisdn', 'number', ' Number ', 'Phone Number', 'phone-number']) {
      expect(analyzeHeader(['name', alias], 1).phoneIndex).toBe(1);
    }
  });

  it('has no caller column when none is named caller', () => {
    const layout = analyzeHeader(['phone'], 1);
    expect(layout.callerIndex).toBe(-1);
    expect(layout.callerHeader).toBeNull();
    expect(layout.properties).toEqual([]);
  });

  it('refuses a header without a phone column, listing the accepted names and the columns found', () => {
    const error = fileErrorOf(['name', 'mobile', 'amount'], 3);
    expect(error.line).toBe(3);
    expect(error.message).toContain('no phone column');
    for (const name of ['"phone"', '"phone_number"', '"msisdn"', '"number"', '"name"', '"mobile"', '"amount"']) {
      expect(error.message).toContain(name);
    }
  });

  it('refuses two phone columns, naming both', () => {
    const error = fileErrorOf(['phone', 'name', 'MSISDN']);
    expect(error.line).toBe(1);
    expect(error.message).toBe('the header has more than one phone column: "phone" and "MSISDN"');
  });

  it('refuses two caller columns', () => {
    expect(fileErrorOf(['phone', 'caller', 'Caller']).message).toBe('the header has more than one caller column: "caller" and "Caller"');
  });

  it('refuses an empty header name, giving its position', () => {
    const error = fileErrorOf(['phone', 'name', '  ']);
    expect(error.line).toBe(1);
    expect(error.message).toMatch(/^column 3 of the header has no name/);
  });

  it('refuses two columns that give the same key, naming both and the key', () => {
    expect(fileErrorOf(['phone', 'Due Date', 'dueDate']).message).toBe('columns "Due Date" and "dueDate" both give the property "dueDate"');
    expect(fileErrorOf(['phone', 'amount', 'AMOUNT']).message).toBe('columns "amount" and "AMOUNT" both give the property "amount"');
    expect(fileErrorOf(['phone', 'name', 'name']).message).toBe('columns "name" and "name" both give the property "name"');
    expect(fileErrorOf(['phone', 'DUE_DATE', 'due-date']).message).toContain('"dueDate"');
  });

  it('refuses reserved names, as written or as camelCase', () => {
    const reserved = '(__proto__, constructor and prototype cannot be placeholders)';
    expect(fileErrorOf(['phone', '__proto__']).message).toBe(`column 2 "__proto__" has a reserved name ${reserved}; rename it`);
    expect(fileErrorOf(['phone', 'name', 'prototype']).message).toBe(`column 3 "prototype" has a reserved name ${reserved}; rename it`);
    expect(fileErrorOf(['phone', 'Constructor']).message).toBe('column 2 "Constructor" gives the reserved property name "constructor"; rename it');
    expect(fileErrorOf(['phone', 'PROTOTYPE']).message).toContain('"prototype"');
    // The error names the column by its header too (the 400's `errors[0].column`), and the header's line.
    const error = fileErrorOf(['phone', 'caller', ' constructor '], 1);
    expect([error.line, error.column]).toEqual([1, 'constructor']);
  });
});
