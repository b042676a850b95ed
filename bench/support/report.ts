/** Benchmark results: figures next to their targets, printed as a table and saved as JSON. */

export interface Target {
  op: '<=' | '>=' | '==';
  value: number;
}

export interface Metric {
  name: string;
  value: number;
  unit: string;
  target?: Target;
  /** Only for metrics with a target. */
  pass?: boolean;
}

export interface ScenarioResult {
  scenario: string;
  metrics: Metric[];
  /** Supporting figures (phases, CPU split, counts) for analysis; not judged. */
  details: Record<string, unknown>;
  error?: string;
}

export function metric(name: string, value: number, unit: string, target?: Target): Metric {
  if (!target) return { name, value, unit };
  const pass =
    Number.isFinite(value) &&
    (target.op === '<=' ? value <= target.value : target.op === '>=' ? value >= target.value : value === target.value);
  return { name, value, unit, target, pass };
}

const OP_SYMBOL = { '<=': '≤', '>=': '≥', '==': '=' } as const;

function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Number.isInteger(value) ? 0 : Math.abs(value) >= 100 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${text} ${unit}` : text;
}

export function formatTable(results: ScenarioResult[]): string {
  const rows: string[][] = [['Scenario', 'Metric', 'Value', 'Target', 'Result']];
  for (const result of results) {
    if (result.error) rows.push([result.scenario, 'ERROR', result.error.split('\n')[0].slice(0, 100), '', 'BROKEN']);
    for (const m of result.metrics) {
      rows.push([
        result.scenario,
        m.name,
        formatValue(m.value, m.unit),
        m.target ? `${OP_SYMBOL[m.target.op]} ${formatValue(m.target.value, m.unit)}` : '',
        m.target ? (m.pass ? 'PASS' : 'FAIL') : '',
      ]);
    }
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column])).join(' | ').trimEnd();
  const separator = widths.map((w) => '-'.repeat(w)).join('-|-');
  return [line(rows[0]), separator, ...rows.slice(1).map(line)].join('\n');
}
