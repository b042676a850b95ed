import { camelCaseKey as serverCamelCaseKey } from '../uploads/header-columns';
import { camelCaseKey, flowRelativePath, parentOf, parseCsvHead, placeholderFor, placeholdersOf, rowProperties, setField, stepsAt } from './client/flow-model';

/** The flow builder's pure helpers (the browser module, compiled here for node). */
describe('dashboard flow model', () => {
  it("maps the API's field paths to the builder's, whichever way a branch's flow is written", () => {
    expect(flowRelativePath('callFlow.steps[1].branches[0].callFlow.steps[0].message.msg')).toBe('steps[1].branches[0].callFlow.steps[0].message.msg');
    expect(flowRelativePath('callFlow.steps[1].branches.1.steps[0].message.msg')).toBe('steps[1].branches[1].callFlow.steps[0].message.msg');
    expect(flowRelativePath('steps[2].destination')).toBe('steps[2].destination');
    expect(flowRelativePath('callFlow')).toBe('');
    expect(flowRelativePath('properties')).toBeNull();
    expect(flowRelativePath('destinations[0].properties')).toBeNull();
  });

  it('finds the placeholders a template reads, and writes one for any property name', () => {
    expect(placeholdersOf('Dear {{name}}, {{ amount }} on {{[Due Date]}} {{lookup this "Customer ID"}}')).toEqual(['name', 'amount', 'Due Date', 'Customer ID']);
    expect(placeholdersOf('{{#if vip}}Dear {{name}}{{else}}Hi{{/if}} {{!-- note --}} {{@index}} {{this}}')).toEqual(['vip', 'name']);
    expect(placeholderFor('dueDate')).toBe('{{dueDate}}');
    expect(placeholderFor('Due Date')).toBe('{{[Due Date]}}');
  });

  it('names CSV columns as the upload does', () => {
    for (const header of ['Due Date', 'DUE_DATE', 'Customer ID', 'firstName', 'Nom du Débiteur', 'amount']) expect(camelCaseKey(header)).toBe(serverCamelCaseKey(header));
    expect(rowProperties(['Phone', 'caller', 'name', 'Due Date', 'empty'], ['+6591234567', '+6582674904', 'Ann', 'May 1st', ''])).toEqual({
      name: 'Ann',
      'Due Date': 'May 1st',
      dueDate: 'May 1st',
    });
  });

  it("reads a CSV's header and first rows: quotes, delimiters, line ends; a cut-off last row is left out", () => {
    const text = '\ufeffphone;name;amount\r\n+6591234567;"Tan; Ann";"1,000$"\r\n\r\n+6591234568;"Say ""hi""";2\n+65912';
    expect(parseCsvHead(text, 5)).toEqual({ header: ['phone', 'name', 'amount'], rows: [['+6591234567', 'Tan; Ann', '1,000$'], ['+6591234568', 'Say "hi"', '2']] });
    expect(parseCsvHead(text, 5, true).rows).toHaveLength(3);
    expect(parseCsvHead('phone,name\n1,a\n2,b\n3,c\n', 2).rows).toEqual([['1', 'a'], ['2', 'b']]);
    expect(parseCsvHead('phone,note\n1,"line one\nline two"\n', 5, true).rows).toEqual([['1', 'line one\nline two']]);
  });

  it('edits a flow by path', () => {
    const flow = { steps: [{ name: 'gather', message: { msg: 'x' }, branches: [{ digit: '1', callFlow: { steps: [] } }] }] };
    stepsAt(flow, 'steps[0].branches[0].callFlow').push({ name: 'play', message: { msg: 'hi' } });
    setField(flow, 'steps[0].branches[0].callFlow.steps[0].message.language', 'en');
    setField(flow, 'steps[0].branches[0].digit', '');
    expect(flow.steps[0].branches[0]).toEqual({ callFlow: { steps: [{ name: 'play', message: { msg: 'hi', language: 'en' } }] } });
    expect(parentOf('steps[0].branches[0].callFlow.steps[3]')).toEqual({ listOwner: 'steps[0].branches[0].callFlow', index: 3 });
    expect(parentOf('steps[2]')).toEqual({ listOwner: '', index: 2 });
  });
});
