import { ApiError, apiFetch, getJson, UnauthorizedError } from './api.js';
import { badge, byId, formatTime, h, setText, show } from './dom.js';
import {
  BranchJson,
  FlowJson,
  flowRelativePath,
  isTruthy,
  messagesOf,
  MessageJson,
  newBranch,
  newStep,
  numberOrText,
  parentOf,
  parseCsvHead,
  placeholderFor,
  placeholdersOf,
  RECORD_DEFAULTS,
  rowProperties,
  setField,
  STEP_KINDS,
  StepJson,
  StepKind,
  stepsAt,
  TRANSCRIBE_LOCALES,
} from './flow-model.js';
import type { FieldError, PreviewAnswer, PreviewStep, SavedFlow, SavedFlowList } from './types.js';

const PREVIEW_DEBOUNCE_MS = 500;
/** How much of a chosen CSV is read for sample rows: its header and first rows, never the whole file. */
const SAMPLE_BYTES = 64 * 1024;
const SAMPLE_ROWS = 5;

const STEP_HINTS: Record<StepKind, string> = {
  play: 'speaks a message',
  gather: 'speaks a prompt and waits for one key',
  transfer: 'hands the call to an agent',
  record: 'lets the callee leave a message',
};

interface SampleProperty {
  name: string;
  value: string;
}

/**
 * The flow builder: the flow's steps as a tree to add, remove, reorder and edit (or as JSON text, the same
 * document), checked and previewed by the API itself (POST /call-flows/preview, whose 400 field errors are
 * shown at the step and field they name), with a sample row typed in or read from the first rows of a CSV,
 * a spoken preview (preview.wav), and saving as a new flow or a new version of the loaded one (/call-flows).
 */
export class FlowBuilder {
  private flow: FlowJson = { steps: [] };
  /** The saved flow being edited (null: a new one). */
  private loaded: SavedFlow | null = null;
  private dirty = false;
  private mode: 'tree' | 'json' = 'tree';
  private sample: SampleProperty[] = [];
  private sampleRows: Record<string, string>[] = [];
  private previewTimer: number | undefined;
  /** Answers to older preview requests are dropped. */
  private previewSeq = 0;
  /** The message textarea the placeholder chips insert into. */
  private activeMessage: HTMLTextAreaElement | null = null;
  private saved: SavedFlow[] = [];
  private readonly tree = byId('flow-tree');
  private readonly chips = h('div', { class: 'fb-chips', id: 'placeholder-chips', 'aria-label': 'Placeholders of the sample row' });

  constructor(
    private readonly onError: (error: unknown) => void,
    private readonly onUse: (flow: SavedFlow) => void,
    private readonly onSavedListChange: (flows: SavedFlow[]) => void,
    private readonly onDeleted: (message: string) => void = () => undefined,
  ) {
    byId('flow-new').addEventListener('click', async () => {
      if (await this.mayDiscard()) this.openNew();
    });
    byId<HTMLSelectElement>('flow-list').addEventListener('change', async (event) => {
      const select = event.target as HTMLSelectElement;
      const id = select.value;
      if (!(await this.mayDiscard())) {
        select.value = this.loaded?.id ?? '';
        return;
      }
      if (id) void this.load(id);
    });
    byId('flow-close').addEventListener('click', async () => {
      if (await this.mayDiscard()) this.close();
    });
    byId('view-tree').addEventListener('click', () => this.setMode('tree'));
    byId('view-json').addEventListener('click', () => this.setMode('json'));
    byId('flow-json').addEventListener('input', () => this.jsonEdited());
    byId('flow-save-new').addEventListener('click', () => void this.save('new'));
    byId('flow-save-version').addEventListener('click', () => void this.save('version'));
    byId('flow-use').addEventListener('click', () => this.loaded && this.onUse(this.loaded));
    byId<HTMLSelectElement>('flow-versions').addEventListener('change', async (event) => {
      const select = event.target as HTMLSelectElement;
      if (!this.loaded) return;
      if (!(await this.mayDiscard())) {
        select.value = String(this.loaded.version);
        return;
      }
      void this.load(this.loaded.id, Number(select.value));
    });
    byId('flow-delete').addEventListener('click', () => {
      if (!this.loaded) return;
      const dialog = byId<HTMLDialogElement>('flow-delete-dialog');
      setText(byId('flow-delete-name'), this.loaded.title);
      dialog.returnValue = '';
      dialog.showModal();
    });
    byId<HTMLDialogElement>('flow-delete-dialog').addEventListener('close', () => {
      if (byId<HTMLDialogElement>('flow-delete-dialog').returnValue === 'delete') void this.deleteFlow();
    });
    byId('flow-title').addEventListener('input', () => this.changed(false));
    byId('preview-run').addEventListener('click', () => void this.preview());
    byId('preview-listen').addEventListener('click', () => void this.listen());
    byId('preview-keys').addEventListener('input', () => this.schedulePreview());
    byId('preview-transfer').addEventListener('change', () => this.schedulePreview());
    byId('sample-add').addEventListener('click', () => {
      this.sample.push({ name: '', value: '' });
      this.renderSample();
    });
    byId<HTMLInputElement>('sample-file').addEventListener('change', () => void this.readSampleFile());
    byId<HTMLSelectElement>('sample-row').addEventListener('change', (event) => this.useSampleRow(Number((event.target as HTMLSelectElement).value)));
    // Chips insert without taking the focus away from the message being typed.
    this.chips.addEventListener('mousedown', (event) => event.preventDefault());
  }

  /** GET /call-flows (newest first) into the builder's list and the campaign form's. */
  async refreshList(): Promise<void> {
    const list = await getJson<SavedFlowList>('/call-flows?page=1&perPage=100');
    this.saved = list.items;
    const select = byId<HTMLSelectElement>('flow-list');
    const current = this.loaded?.id ?? '';
    select.replaceChildren(
      h('option', { value: '' }, list.items.length === 0 ? 'No saved flow yet' : 'Open a saved flow…'),
      ...list.items.map((flow) => h('option', { value: flow.id, selected: flow.id === current }, `${flow.title} · v${flow.version}`)),
    );
    this.onSavedListChange(list.items);
    if (this.loaded) this.updateHeader();
  }

  /** True when there is nothing unsaved in the builder, or the operator chose to discard it. */
  private mayDiscard(): Promise<boolean> {
    if (!this.dirty || byId('builder').hidden) return Promise.resolve(true);
    const dialog = byId<HTMLDialogElement>('flow-discard-dialog');
    dialog.returnValue = '';
    dialog.showModal();
    return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'discard'), { once: true }));
  }

  /** Another key, another organization: nothing of the previous one's flows stays on the page. */
  reset(): void {
    clearTimeout(this.previewTimer);
    this.previewSeq++;
    this.close();
    this.loaded = null;
    this.flow = { steps: [] };
    this.saved = [];
    this.sample = [];
    this.sampleRows = [];
    this.dirty = false;
    byId('sample-properties').replaceChildren();
    byId<HTMLInputElement>('sample-file').value = '';
    show(byId('sample-row'), false);
    setText(byId('sample-file-info'), '');
    byId('preview-audio').replaceChildren();
    byId<HTMLSelectElement>('flow-list').replaceChildren(h('option', { value: '' }, 'Open a saved flow…'));
    this.onSavedListChange([]);
  }

  openNew(): void {
    this.loaded = null;
    this.flow = { steps: [] };
    byId<HTMLInputElement>('flow-title').value = '';
    byId<HTMLSelectElement>('flow-list').value = '';
    this.dirty = false;
    this.open();
  }

  async load(id: string, version?: number): Promise<void> {
    try {
      const flow = await getJson<SavedFlow>(`/call-flows/${encodeURIComponent(id)}${version ? `?version=${version}` : ''}`);
      this.loaded = flow;
      this.flow = structuredClone(flow.callFlow) as FlowJson;
      if (!this.flow || !Array.isArray(this.flow.steps)) this.flow = { steps: [] };
      byId<HTMLInputElement>('flow-title').value = flow.title;
      byId<HTMLSelectElement>('flow-list').value = flow.id;
      this.dirty = false;
      this.open();
    } catch (error) {
      this.onError(error);
    }
  }

  private open(): void {
    show(byId('builder'), true);
    this.clearPreview();
    this.setStatus('', '');
    this.setMode(this.mode);
    this.syncSampleWithFlow();
    this.updateHeader();
    this.schedulePreview();
  }

  private close(): void {
    show(byId('builder'), false);
    byId<HTMLSelectElement>('flow-list').value = '';
  }

  /** The newest version of the loaded flow: the list's, or the loaded one's when the list does not have it yet. */
  private latestVersion(): number {
    const listed = this.saved.find((flow) => flow.id === this.loaded?.id)?.version ?? 0;
    return Math.max(listed, this.loaded?.version ?? 0);
  }

  private updateHeader(): void {
    const loaded = this.loaded;
    const latest = this.latestVersion();
    const versions = byId<HTMLSelectElement>('flow-versions');
    show(byId('flow-versions-field'), loaded !== null && latest > 1);
    if (loaded) {
      versions.replaceChildren(
        ...Array.from({ length: latest }, (_, i) => latest - i).map((v) => h('option', { value: v, selected: v === loaded.version }, v === latest ? `${v} (latest)` : String(v))),
      );
    }
    show(byId('flow-delete'), loaded !== null);
    setText(
      byId('flow-version'),
      loaded ? `version ${loaded.version} · saved ${formatTime(loaded.updatedAt)}${this.dirty ? ' · unsaved changes' : ''}` : this.dirty ? 'not saved yet' : 'new flow',
    );
    const saveVersion = byId<HTMLButtonElement>('flow-save-version');
    show(saveVersion, loaded !== null);
    if (loaded) setText(saveVersion, `Save as version ${latest + 1}`);
    const use = byId<HTMLButtonElement>('flow-use');
    use.disabled = loaded === null || this.dirty;
    use.title = loaded === null ? 'Save the flow first' : this.dirty ? 'Save the changes first' : `Start a campaign with version ${loaded.version}`;
  }

  private changed(structure: boolean): void {
    this.dirty = true;
    this.updateHeader();
    if (structure) this.renderTree();
    this.syncSampleWithFlow();
    this.schedulePreview();
  }

  // ——— Tree / JSON ———

  private setMode(mode: 'tree' | 'json'): void {
    if (mode === 'tree' && this.mode === 'json' && !byId('builder').hidden) {
      // Back from the JSON text: only a document that parses (the API judges the rest).
      if (!this.readJson()) return;
    }
    this.mode = mode;
    byId('view-tree').setAttribute('aria-pressed', String(mode === 'tree'));
    byId('view-json').setAttribute('aria-pressed', String(mode === 'json'));
    show(this.tree, mode === 'tree');
    show(byId('flow-json-view'), mode === 'json');
    if (mode === 'json') {
      byId<HTMLTextAreaElement>('flow-json').value = JSON.stringify(this.flow, null, 2);
      show(byId('flow-json-error'), false);
    } else this.renderTree();
  }

  private jsonEdited(): void {
    if (this.readJson()) this.changed(false);
  }

  private readJson(): boolean {
    const error = byId('flow-json-error');
    try {
      const parsed = JSON.parse(byId<HTMLTextAreaElement>('flow-json').value) as FlowJson;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('a call flow is an object with a "steps" array');
      this.flow = parsed;
      show(error, false);
      return true;
    } catch (e) {
      setText(error, `Not valid JSON: ${(e as Error).message}`);
      show(error, true);
      return false;
    }
  }

  private renderTree(): void {
    this.chips.remove();
    this.activeMessage = null;
    if (!Array.isArray(this.flow.steps)) this.flow.steps = [];
    this.tree.replaceChildren(this.stepList(this.flow.steps, '', 1));
  }

  /** A list of steps (the flow's, or a branch's) with the buttons that add a step at its end. */
  private stepList(steps: StepJson[], owner: string, depth: number): HTMLElement {
    const prefix = owner === '' ? 'steps' : `${owner}.steps`;
    return h(
      'div',
      { class: 'fb-list', 'data-steps-of': owner },
      h('ol', { class: 'fb-steps' }, ...steps.map((step, i) => this.stepItem(step, `${prefix}[${i}]`, i, steps.length, depth))),
      steps.length === 0 ? h('p', { class: 'muted small fb-empty' }, owner === '' ? 'No step yet: add the first one.' : 'No step: the call ends here.') : null,
      h(
        'div',
        { class: 'fb-add' },
        h('span', { class: 'muted small' }, 'Add'),
        ...STEP_KINDS.map((kind) =>
          h('button', { type: 'button', class: 'button-quiet small', 'data-add': kind, title: `Add a ${kind} step: ${STEP_HINTS[kind]}`, onclick: () => this.addStep(owner, kind) }, `+ ${kind}`),
        ),
      ),
    );
  }

  private stepItem(step: StepJson, path: string, index: number, count: number, depth: number): HTMLElement {
    const kind = typeof step?.name === 'string' ? step.name : '?';
    const tools = h(
      'span',
      { class: 'fb-tools' },
      h('button', { type: 'button', class: 'button-quiet icon', 'data-action': 'up', title: 'Move up', 'aria-label': `Move ${path} up`, disabled: index === 0, onclick: () => this.move(path, -1) }, '↑'),
      h('button', { type: 'button', class: 'button-quiet icon', 'data-action': 'down', title: 'Move down', 'aria-label': `Move ${path} down`, disabled: index === count - 1, onclick: () => this.move(path, 1) }, '↓'),
      h('button', { type: 'button', class: 'button-quiet icon', 'data-action': 'remove', title: 'Remove this step', 'aria-label': `Remove ${path}`, onclick: () => this.remove(path) }, '✕'),
    );
    const item = h(
      'li',
      { class: `fb-step fb-step-${kind}`, 'data-path': path },
      h('div', { class: 'fb-step-head' }, h('span', { class: `fb-kind fb-kind-${kind}` }, kind), h('span', { class: 'mono small muted' }, path), tools),
      h('div', { class: 'fb-errors', 'data-errors-for': path }),
    );
    switch (step?.name) {
      case 'play':
        item.append(this.messageFields(step, path));
        break;
      case 'gather':
        item.append(this.messageFields(step, path), this.gatherFields(step, path, depth));
        break;
      case 'transfer':
        item.append(
          h(
            'div',
            { class: 'fb-row' },
            this.input('Transfer to', `${path}.destination`, step.destination ?? '', { placeholder: 'Ext:1000, +6591991191 or sip:agent@example.com', size: 32 }),
          ),
        );
        break;
      case 'record':
        item.append(this.recordFields(step, path));
        break;
      default:
        item.append(h('p', { class: 'muted small' }, 'A step this builder does not know: edit it as JSON.'));
    }
    return item;
  }

  private messageFields(step: StepJson, path: string): HTMLElement {
    if (!step.message || typeof step.message !== 'object') step.message = { msg: '' };
    const message: MessageJson = step.message;
    const msgPath = `${path}.message.msg`;
    const textarea = h('textarea', {
      rows: 2,
      'data-field': msgPath,
      id: fieldId(msgPath),
      placeholder: step.name === 'gather' ? 'Press 1 to pay {{amount}} now, 0 to speak to an agent' : 'Hello {{name}}, …',
      spellcheck: 'true',
    }) as HTMLTextAreaElement;
    textarea.value = typeof message.msg === 'string' ? message.msg : '';
    textarea.addEventListener('input', () => {
      message.msg = textarea.value;
      this.changed(false);
    });
    textarea.addEventListener('focus', () => this.showChips(textarea));
    // `lang` (the contract's example) stays `lang`; a new message uses `language` (the contract's table).
    const languageField = message.lang !== undefined && message.language === undefined ? 'lang' : 'language';
    return h(
      'div',
      { class: 'fb-message' },
      h('label', { class: 'fb-label', for: fieldId(msgPath) }, step.name === 'gather' ? 'Prompt' : 'Message'),
      textarea,
      h(
        'div',
        { class: 'fb-row' },
        this.input('Language', `${path}.message.${languageField}`, message[languageField] ?? '', { placeholder: 'en', size: 6 }),
        this.select('Voice', `${path}.message.gender`, String(message.gender ?? ''), [
          ['', 'default'],
          ['female', 'female'],
          ['male', 'male'],
        ]),
        this.input('Pitch', `${path}.message.pitch`, message.pitch ?? '', { type: 'number', min: 0, max: 9, size: 3, number: true }),
        this.input('Rate', `${path}.message.rate`, message.rate ?? '', { type: 'number', min: 0, max: 9, size: 3, number: true }),
      ),
    );
  }

  private gatherFields(step: StepJson, path: string, depth: number): HTMLElement {
    if (!Array.isArray(step.branches)) step.branches = [];
    const branches = step.branches;
    return h(
      'div',
      { class: 'fb-gather' },
      h(
        'div',
        { class: 'fb-row' },
        this.input('Prompts in all', `${path}.maxRetries`, step.maxRetries ?? '', { type: 'number', min: 1, max: 10, size: 3, placeholder: '3', number: true }),
        h('span', { class: 'hint' }, 'No key, or a key no branch takes, prompts again; then the default branch is followed, or the call ends.'),
      ),
      h('ol', { class: 'fb-branches' }, ...branches.map((branch, i) => this.branchItem(branch, `${path}.branches[${i}]`, depth))),
      h('button', { type: 'button', class: 'button-quiet small', 'data-add-branch': path, onclick: () => this.addBranch(path) }, '+ branch'),
    );
  }

  private branchItem(branch: BranchJson, path: string, depth: number): HTMLElement {
    if (!branch.callFlow || typeof branch.callFlow !== 'object') branch.callFlow = { steps: [] };
    if (!Array.isArray(branch.callFlow.steps)) branch.callFlow.steps = [];
    return h(
      'li',
      { class: 'fb-branch', 'data-path': path },
      h(
        'div',
        { class: 'fb-branch-head' },
        this.input('Key', `${path}.digit`, branch.digit ?? '', { size: 2, maxlength: 2, placeholder: '–', class: 'fb-digit' }),
        this.checkbox('default', `${path}.default`, isTruthy(branch.default), 'Followed when the prompts are used up without a key a branch takes'),
        this.checkbox('opt-out', `${path}.optOut`, isTruthy(branch.optOut), "Puts the callee's number on the do-not-call list"),
        h('span', { class: 'fb-tools' }, h('button', { type: 'button', class: 'button-quiet icon', 'data-action': 'remove-branch', title: 'Remove this branch', onclick: () => this.removeBranch(path) }, '✕')),
      ),
      h('div', { class: 'fb-errors', 'data-errors-for': path }),
      this.stepList(branch.callFlow.steps, `${path}.callFlow`, depth + 1),
    );
  }

  private recordFields(step: StepJson, path: string): HTMLElement {
    return h(
      'div',
      { class: 'fb-row' },
      this.input('Max length (s)', `${path}.maxLength`, step.maxLength ?? '', { type: 'number', min: 1, max: 3600, size: 5, placeholder: String(RECORD_DEFAULTS.maxLength), number: true }),
      this.input('Silence (s)', `${path}.timeout`, step.timeout ?? '', { type: 'number', min: 1, max: 60, size: 3, placeholder: String(RECORD_DEFAULTS.timeout), number: true }),
      this.input('End key', `${path}.endKey`, step.endKey ?? '', { size: 2, maxlength: 2, placeholder: RECORD_DEFAULTS.endKey }),
      this.checkbox('beep', `${path}.beep`, step.beep === undefined ? RECORD_DEFAULTS.beep : isTruthy(step.beep), 'A beep before the recording starts'),
      this.checkbox('transcribe', `${path}.transcribe`, isTruthy(step.transcribe), 'Transcribe the message'),
      this.select('Locale', `${path}.transcribeLocale`, step.transcribeLocale ?? '', [['', `default (${RECORD_DEFAULTS.transcribeLocale})`], ...TRANSCRIBE_LOCALES.map((l): [string, string] => [l, l])]),
    );
  }

  private input(
    labelText: string,
    path: string,
    value: string | number,
    options: { type?: string; size?: number; min?: number; max?: number; maxlength?: number; placeholder?: string; number?: boolean; class?: string } = {},
  ): HTMLElement {
    const input = h('input', {
      type: options.type ?? 'text',
      id: fieldId(path),
      'data-field': path,
      size: options.size,
      min: options.min,
      max: options.max,
      maxlength: options.maxlength,
      placeholder: options.placeholder,
      class: options.class,
      spellcheck: 'false',
    }) as HTMLInputElement;
    input.value = String(value);
    input.addEventListener('input', () => {
      setField(this.flow, path, options.number ? numberOrText(input.value) : input.value);
      this.changed(false);
    });
    return h('span', { class: 'fb-field' }, h('label', { for: fieldId(path) }, labelText), input);
  }

  private select(labelText: string, path: string, value: string, options: [string, string][]): HTMLElement {
    const select = h('select', { id: fieldId(path), 'data-field': path }, ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text))) as HTMLSelectElement;
    select.addEventListener('change', () => {
      setField(this.flow, path, select.value);
      this.changed(false);
    });
    return h('span', { class: 'fb-field' }, h('label', { for: fieldId(path) }, labelText), select);
  }

  private checkbox(labelText: string, path: string, checked: boolean, title: string): HTMLElement {
    const box = h('input', { type: 'checkbox', id: fieldId(path), 'data-field': path, checked }) as HTMLInputElement;
    box.addEventListener('change', () => {
      // A flag left at false is not written (the API's default), except beep whose default is true.
      setField(this.flow, path, box.checked ? true : path.endsWith('.beep') ? false : undefined);
      this.changed(false);
    });
    return h('label', { class: 'fb-check', title }, box, ` ${labelText}`);
  }

  // ——— Structure edits ———

  private addStep(owner: string, kind: StepKind): void {
    const steps = stepsAt(this.flow, owner);
    steps.push(newStep(kind));
    const path = `${owner === '' ? '' : `${owner}.`}steps[${steps.length - 1}]`;
    this.changed(true);
    // The new step's first field, ready to type into.
    const first = this.tree.querySelector<HTMLElement>(`[data-path="${path}"] textarea, [data-path="${path}"] input`);
    first?.focus();
  }

  private move(path: string, delta: number): void {
    const { listOwner, index } = parentOf(path);
    const steps = stepsAt(this.flow, listOwner);
    const target = index + delta;
    if (target < 0 || target >= steps.length) return;
    [steps[index], steps[target]] = [steps[target], steps[index]];
    this.changed(true);
  }

  private remove(path: string): void {
    const { listOwner, index } = parentOf(path);
    stepsAt(this.flow, listOwner).splice(index, 1);
    this.changed(true);
  }

  private addBranch(gatherPath: string): void {
    const step = stepAt(this.flow, gatherPath);
    if (!Array.isArray(step.branches)) step.branches = [];
    step.branches.push(newBranch(step.branches));
    this.changed(true);
  }

  private removeBranch(branchPath: string): void {
    const match = /^(.*)\.branches\[(\d+)\]$/.exec(branchPath);
    if (!match) return;
    stepAt(this.flow, match[1]).branches?.splice(Number(match[2]), 1);
    this.changed(true);
  }

  // ——— Sample row and placeholders ———

  /** Every placeholder the flow uses has a row in the sample (empty until filled); rows the operator typed stay. */
  private syncSampleWithFlow(): void {
    const used = new Set(messagesOf(this.flow).flatMap(placeholdersOf));
    let added = false;
    for (const name of used) {
      if (!this.sample.some((p) => p.name === name)) {
        this.sample.push({ name, value: '' });
        added = true;
      }
    }
    if (added || byId('sample-properties').childElementCount === 0) this.renderSample();
    else this.renderChips();
  }

  private renderSample(): void {
    const used = new Set(messagesOf(this.flow).flatMap(placeholdersOf));
    const rows = this.sample.map((property, i) => {
      const name = h('input', { class: 'mono', 'data-sample-name': i, placeholder: 'name', size: 12, 'aria-label': 'Property name', spellcheck: 'false' }) as HTMLInputElement;
      const value = h('input', { 'data-sample-value': property.name, placeholder: used.has(property.name) ? 'used by the flow' : 'value', 'aria-label': `Value of ${property.name || 'the property'}` }) as HTMLInputElement;
      name.value = property.name;
      value.value = property.value;
      name.addEventListener('input', () => {
        property.name = name.value;
        value.dataset.sampleValue = name.value;
        this.renderChips();
        this.schedulePreview();
      });
      value.addEventListener('input', () => {
        property.value = value.value;
        this.schedulePreview();
      });
      const remove = h('button', { type: 'button', class: 'button-quiet icon', title: 'Remove', onclick: () => {
        this.sample.splice(i, 1);
        this.renderSample();
        this.schedulePreview();
      } }, '✕');
      return h('div', { class: 'sample-row' }, name, value, remove);
    });
    byId('sample-properties').replaceChildren(...rows);
    this.renderChips();
  }

  /** `{{name}}` chips of the sample row's properties, shown under the message being typed; a click inserts one. */
  private renderChips(): void {
    const names = [...new Set(this.sample.map((p) => p.name.trim()).filter((name) => name !== ''))];
    this.chips.replaceChildren(
      h('span', { class: 'muted small' }, names.length ? 'Insert' : 'Type a sample row (right) to get its placeholders here'),
      ...names.map((name) => h('button', { type: 'button', class: 'chip', 'data-placeholder': name, onclick: () => this.insertPlaceholder(name) }, placeholderFor(name))),
    );
  }

  private showChips(textarea: HTMLTextAreaElement): void {
    this.activeMessage = textarea;
    this.renderChips();
    textarea.after(this.chips);
  }

  private insertPlaceholder(name: string): void {
    const textarea = this.activeMessage;
    if (!textarea) return;
    const text = placeholderFor(name);
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    // An opening `{{` just typed is completed rather than doubled.
    const before = textarea.value.slice(0, start).replace(/\{\{\s*[\w [\]]*$/, '');
    textarea.value = before + text + textarea.value.slice(end);
    const caret = before.length + text.length;
    textarea.setSelectionRange(caret, caret);
    textarea.focus();
    textarea.dispatchEvent(new Event('input'));
  }

  private async readSampleFile(): Promise<void> {
    const file = byId<HTMLInputElement>('sample-file').files?.[0];
    const select = byId<HTMLSelectElement>('sample-row');
    if (!file) return;
    const head = await file.slice(0, SAMPLE_BYTES).text();
    const { header, rows } = parseCsvHead(head, SAMPLE_ROWS, file.size <= SAMPLE_BYTES);
    this.sampleRows = rows.map((row) => rowProperties(header, row));
    const phoneIndex = header.findIndex((name) => ['phone', 'phone_number', 'msisdn', 'number'].includes(name.toLowerCase()));
    select.replaceChildren(
      ...rows.map((row, i) => h('option', { value: i }, `Row ${i + 1}${phoneIndex >= 0 && row[phoneIndex] ? ` · ${row[phoneIndex]}` : ''}`)),
    );
    show(select, rows.length > 0);
    setText(byId('sample-file-info'), rows.length === 0 ? 'No data row in this file' : `${header.length} columns, first ${rows.length} rows`);
    if (rows.length > 0) this.useSampleRow(0);
  }

  private useSampleRow(index: number): void {
    const properties = this.sampleRows[index];
    if (!properties) return;
    const used = new Set(messagesOf(this.flow).flatMap(placeholdersOf));
    this.sample = Object.entries(properties).map(([name, value]) => ({ name, value }));
    for (const name of used) if (!(name in properties)) this.sample.push({ name, value: '' });
    this.renderSample();
    this.schedulePreview();
  }

  private properties(): Record<string, string> {
    const properties: Record<string, string> = {};
    for (const { name, value } of this.sample) if (name.trim() !== '' && value !== '') properties[name.trim()] = value;
    return properties;
  }

  private keys(): string[] {
    const text = byId<HTMLInputElement>('preview-keys').value;
    return text.split(',').map((key) => key.trim());
  }

  // ——— Preview, errors, saving ———

  private schedulePreview(): void {
    clearTimeout(this.previewTimer);
    if (byId('builder').hidden) return;
    this.previewTimer = window.setTimeout(() => void this.preview(), PREVIEW_DEBOUNCE_MS);
  }

  private previewBody(): object {
    return { callFlow: this.flow, properties: this.properties(), keys: this.keys(), transferStatus: byId<HTMLSelectElement>('preview-transfer').value };
  }

  /** POST /call-flows/preview: the steps the imaginary callee goes through, or the API's errors placed where they belong. */
  async preview(): Promise<void> {
    clearTimeout(this.previewTimer);
    if (this.mode === 'json' && !this.readJson()) return;
    if (!Array.isArray(this.flow.steps) || this.flow.steps.length === 0) {
      this.showErrors([]);
      this.clearPreview('Add a step to preview the call.');
      return;
    }
    const seq = ++this.previewSeq;
    const results = byId('preview-steps');
    results.setAttribute('aria-busy', 'true');
    try {
      const response = await apiFetch('/call-flows/preview', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(this.previewBody()) });
      const answer = (await response.json()) as PreviewAnswer;
      if (seq !== this.previewSeq) return;
      this.showErrors([]);
      this.renderPreview(answer);
    } catch (error) {
      if (seq !== this.previewSeq) return;
      if (error instanceof ApiError && error.httpStatus === 400) {
        const errors = error.body?.errors ?? [{ field: '', message: error.message }];
        this.showErrors(errors);
        this.clearPreview('The flow cannot be previewed until the problems shown are fixed.');
      } else if (error instanceof ApiError) {
        this.clearPreview(`The preview failed: ${error.message}`);
      } else {
        this.onError(error);
      }
    } finally {
      if (seq === this.previewSeq) results.removeAttribute('aria-busy');
    }
  }

  private clearPreview(message = ''): void {
    byId('preview-steps').replaceChildren();
    setText(byId('preview-outcome'), message);
    byId('preview-outcome').className = 'muted small';
  }

  private renderPreview(answer: PreviewAnswer): void {
    const items = answer.steps.map(previewStep);
    for (const item of items) item.addEventListener('click', () => this.reveal(item.dataset.previewPath ?? ''));
    byId('preview-steps').replaceChildren(...items);
    const outcome = byId('preview-outcome');
    outcome.className = 'preview-outcome';
    const o = answer.outcome;
    const parts: (Node | string)[] = [];
    if (o) {
      parts.push(h('span', { 'data-outcome': o.endedBy }, (flowRelativeText(o.description))));
      if (o.optOut) parts.push(' ', h('span', { class: 'badge badge-cancelled' }, 'opted out'));
      if (o.unusedKeys.length) parts.push(h('span', { class: 'muted small' }, ` (keys not used: ${o.unusedKeys.map((k) => k || 'no input').join(', ')})`));
    }
    outcome.replaceChildren(...parts);
  }

  /** Scrolls the tree to a step (a click on the preview) and flashes it. */
  private reveal(path: string): void {
    if (this.mode !== 'tree') return;
    const element = [...this.tree.querySelectorAll<HTMLElement>('[data-path]')].find((e) => e.dataset.path === path);
    if (!element) return;
    element.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    element.classList.add('flash');
    setTimeout(() => element.classList.remove('flash'), 1200);
  }

  /**
   * The API's field errors: each at the deepest step, branch or field of the tree its path names (the field
   * itself is marked invalid); errors outside the flow (sample properties, title) or that name no element are listed below.
   */
  private showErrors(errors: FieldError[]): void {
    for (const old of this.tree.querySelectorAll('.fb-field-error')) old.remove();
    for (const old of this.tree.querySelectorAll('[aria-invalid="true"]')) old.removeAttribute('aria-invalid');
    for (const step of this.tree.querySelectorAll('.has-error')) step.classList.remove('has-error');
    const elements = new Map<string, HTMLElement>();
    for (const element of this.tree.querySelectorAll<HTMLElement>('[data-field], [data-errors-for]')) elements.set(element.dataset.field ?? element.dataset.errorsFor!, element);
    const unplaced: FieldError[] = [];
    for (const error of errors) {
      const relative = flowRelativePath(error.field);
      let target: HTMLElement | undefined;
      let path = relative;
      while (this.mode === 'tree' && path !== null && path !== '' && !(target = elements.get(path))) path = shorter(path);
      if (!target || !path) {
        unplaced.push(error);
        continue;
      }
      const message = h('p', { class: 'fb-field-error error-text small', 'data-error-field': error.field, role: 'alert' }, path === relative ? error.message : `${error.field.replace(/^callFlow\./, '')}: ${error.message}`);
      if (target.dataset.field) {
        target.setAttribute('aria-invalid', 'true');
        (target.closest('.fb-field, .fb-check, .fb-message') ?? target).after(message);
      } else target.append(message);
      target.closest('.fb-step')?.classList.add('has-error');
    }
    const list = byId('flow-errors');
    list.replaceChildren(...unplaced.map((e) => h('li', { 'data-error-field': e.field }, e.field ? h('code', {}, e.field) : null, e.field ? `: ${e.message}` : e.message)));
    show(list, unplaced.length > 0);
  }

  private async listen(): Promise<void> {
    const button = byId<HTMLButtonElement>('preview-listen');
    const place = byId('preview-audio');
    button.disabled = true;
    setText(button, 'Rendering…');
    try {
      const response = await apiFetch('/call-flows/preview.wav', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(this.previewBody()) });
      const blob = await response.blob();
      const old = place.querySelector('audio');
      if (old?.src) URL.revokeObjectURL(old.src);
      const audio = h('audio', { controls: true, src: URL.createObjectURL(blob), 'data-preview-audio': '' }) as HTMLAudioElement;
      place.replaceChildren(audio);
      void audio.play().catch(() => undefined); // autoplay may be refused; the controls remain
    } catch (error) {
      if (error instanceof ApiError && error.httpStatus === 400) {
        this.showErrors(error.body?.errors ?? []);
        place.replaceChildren(h('p', { class: 'error-text small' }, error.message));
      } else if (error instanceof ApiError) {
        // 501: no text-to-speech engine on the server; the API says what to install.
        place.replaceChildren(h('p', { class: 'muted small', 'data-preview-audio-error': error.httpStatus }, error.message));
      } else this.onError(error);
    } finally {
      button.disabled = false;
      setText(button, '▶ Listen');
    }
  }

  private async save(as: 'new' | 'version'): Promise<void> {
    if (this.mode === 'json' && !this.readJson()) return;
    const title = byId<HTMLInputElement>('flow-title').value.trim();
    const loaded = this.loaded;
    if (as === 'version' && !loaded) return;
    const buttons = [byId<HTMLButtonElement>('flow-save-new'), byId<HTMLButtonElement>('flow-save-version')];
    for (const button of buttons) button.disabled = true;
    try {
      const response =
        as === 'new'
          ? await apiFetch('/call-flows', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title, callFlow: this.flow }) })
          : await apiFetch(`/call-flows/${encodeURIComponent(loaded!.id)}`, {
              method: 'PUT',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ ...(title && { title }), callFlow: this.flow }),
            });
      const saved = (await response.json()) as SavedFlow;
      this.loaded = saved;
      this.dirty = false;
      this.showErrors([]);
      this.setStatus('ok', `Saved “${saved.title}”, version ${saved.version}.`);
      this.updateHeader();
      await this.refreshList();
    } catch (error) {
      if (error instanceof UnauthorizedError) this.onError(error);
      else if (error instanceof ApiError) {
        if (error.httpStatus === 400) this.showErrors(error.body?.errors ?? []);
        this.setStatus('error', error.message);
      } else this.onError(error);
    } finally {
      for (const button of buttons) button.disabled = false;
    }
  }

  /** DELETE /call-flows/{id}: every version goes; campaigns keep the flow they started with. */
  private async deleteFlow(): Promise<void> {
    const loaded = this.loaded;
    if (!loaded) return;
    try {
      await apiFetch(`/call-flows/${encodeURIComponent(loaded.id)}`, { method: 'DELETE' });
      this.close();
      this.loaded = null;
      await this.refreshList();
      this.onDeleted(`Deleted the flow “${loaded.title}”.`);
    } catch (error) {
      if (error instanceof ApiError) this.setStatus('error', error.message);
      else this.onError(error);
    }
  }

  private setStatus(kind: 'ok' | 'error' | '', message: string): void {
    const status = byId('flow-status');
    status.className = kind === 'ok' ? 'ok-text small' : kind === 'error' ? 'error-text small' : 'small';
    setText(status, message);
    show(status, message !== '');
  }

  savedFlows(): SavedFlow[] {
    return this.saved;
  }
}

function fieldId(path: string): string {
  return `fb-${path.replace(/[^\w]+/g, '-')}`;
}

/** `steps[1].message.msg` → `steps[1].message` → `steps[1]` → `steps` → ''. */
function shorter(path: string): string {
  const match = /^(.*?)(\[\d+\]|\.[^.[\]]+)$/.exec(path);
  return match ? match[1] : '';
}

function stepAt(flow: FlowJson, path: string): StepJson {
  const { listOwner, index } = parentOf(path);
  return stepsAt(flow, listOwner)[index];
}

/** One step of the preview: its kind and place, what is spoken (each prompt of a gather with the key it got), and what it led to. */
function previewStep(step: PreviewStep): HTMLElement {
  const relative = flowRelativePath(step.path) ?? step.path;
  const facts: Node[] = [];
  const fact = (name: string, ...content: (Node | string)[]) => facts.push(h('span', { class: 'preview-fact', 'data-fact': name }, ...content));
  if (step.voice) fact('voice', h('span', { class: 'muted' }, 'voice '), describe(step.voice));
  const prompts = step.prompts ?? [];
  const promptList = prompts.length
    ? h(
        'ol',
        { class: 'preview-prompts small' },
        ...prompts.map((prompt) =>
          h(
            'li',
            { 'data-prompt': prompt.attempt },
            `prompt ${prompt.attempt}${step.maxRetries ? ` of ${step.maxRetries}` : ''}: `,
            prompt.key ? h('kbd', {}, prompt.key) : h('span', { class: 'no-input' }, 'no input'),
            ` → ${PROMPT_RESULTS[prompt.result] ?? prompt.result}`,
          ),
        ),
      )
    : null;
  if (step.stepName === 'gather') {
    const branch = step.branch;
    if (branch) {
      const which = branch.digit !== undefined ? `key ${branch.digit}` : 'the default branch';
      fact('branch', h('span', { class: 'muted' }, 'follows '), `${which}${branch.default && branch.digit !== undefined ? ' (default)' : ''}`, h('span', { class: 'mono muted' }, ` ${flowRelativePath(branch.path) ?? branch.path}`));
    } else if (branch === null) fact('branch', h('span', { class: 'error-text' }, 'no branch taken: the call ends'));
    if (step.optOut) fact('optOut', h('span', { class: 'badge badge-cancelled' }, 'opt-out'), ' the number goes on the do-not-call list');
  }
  if (step.transfer) fact('transfer', h('span', { class: 'muted' }, 'to '), h('span', { class: 'mono' }, step.transfer.destination), ' · ', badge(step.transfer.status));
  if (step.record) {
    const r = step.record;
    fact('record', `records up to ${r.maxLength} s; ends after ${r.timeout} s of silence or on ${r.endKey}${r.beep ? '; beep first' : ''}${r.transcribe ? `; transcribed (${r.transcribeLocale})` : ''}`);
  }
  const item = h(
    'li',
    { class: `preview-step step-${step.stepName}`, 'data-preview-path': relative, title: 'Show this step in the flow' },
    h('div', {}, h('span', { class: `fb-kind fb-kind-${step.stepName}` }, step.stepName), ' ', h('span', { class: 'mono small muted' }, relative)),
    typeof step.text === 'string' ? h('blockquote', { class: 'preview-text' }, step.text) : null,
    promptList,
    facts.length ? h('div', { class: 'preview-facts small' }, ...facts) : null,
  );
  return item;
}

const PROMPT_RESULTS: Record<string, string> = { follow: 'branch followed', reprompt: 'prompted again', hangup: 'the call ends' };

/** A value of the preview answer as short text: objects as `key: value` pairs. */
function describe(value: unknown): string {
  if (value === '') return 'none';
  if (value === true) return 'yes';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(describe).join(', ');
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k} ${describe(v)}`)
      .join(', ');
  }
  return String(value);
}

/** The API's sentences name paths from `callFlow.`; the builder shows them relative to the flow. */
function flowRelativeText(text: string): string {
  return text.replace(/callFlow\.(steps\[)/g, '$1').replace(/\.callFlow\.steps\[/g, '.callFlow.steps[');
}
