import { closeSync, existsSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { z } from 'zod';
import { AppError } from '../../../kernel/errors.ts';

/**
 * The results of an evaluation run, appended line by line as they happen, so that a run
 * stopped at any point (Ctrl-C, a crash, a kill) resumes where it stopped and never calls
 * the model again for an item it has a result for. Before each model attempt its worst-case
 * cost is written down (`reserve`), after it what it cost (`settle`): an attempt cut off by
 * a kill stays booked at its reservation, so the run's budget counts it as spent.
 *
 * The first line says what run this is (model, prompt version, settings): results made
 * with other settings are never mixed in; a new results file is needed for those.
 */
export const runHeader = z.strictObject({
  kind: z.literal('run'),
  version: z.literal(1),
  model: z.string(),
  prompt_version: z.string(),
  settings: z.record(z.string(), z.unknown()),
  started_at: z.string(),
});
export type RunHeader = z.infer<typeof runHeader>;

const segment = z.strictObject({ kind: z.literal('segment'), id: z.string(), started_at: z.string(), pid: z.number() });
const reserve = z.strictObject({ kind: z.literal('reserve'), segment: z.string(), key: z.string(), attempt: z.string(), micros: z.number() });
const settle = z.strictObject({
  kind: z.literal('settle'), segment: z.string(), key: z.string(), attempt: z.string(), micros: z.number(),
  prompt_tokens: z.number(), completion_tokens: z.number(),
});
export const resultRecord = z.strictObject({
  kind: z.literal('result'),
  segment: z.string(),
  key: z.string(),
  line: z.number(),
  /** graded: a valid verdict; to_mentor: invalid output twice (in service: a mentor's); failed: the provider did not answer. */
  outcome: z.enum(['graded', 'to_mentor', 'failed']),
  score: z.number().nullable(),
  label: z.string().nullable(),
  verdict: z.string().nullable(),
  feedback: z.string().nullable(),
  cost_micros: z.number(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  calls: z.number(),
  latency_ms: z.number(),
  error: z.string().nullable(),
  at: z.string(),
});
export type ResultRecord = z.infer<typeof resultRecord>;

export const logRecord = z.discriminatedUnion('kind', [segment, reserve, settle, resultRecord]);
export type LogRecord = z.infer<typeof logRecord>;

/** Where a run writes; the file below, or memory (evaluate() of evaluation.ts). */
export interface ResultsLog {
  append(record: LogRecord): void;
}

export interface RunLedger {
  /** Settled attempts at their cost; attempts cut off (no settlement) at their reservation. */
  spentMicros: number;
  /** The latest result of each item that needs no new call (graded or to_mentor). */
  done: Map<string, ResultRecord>;
  /** Every result, in order (failed ones included). */
  results: ResultRecord[];
  /** Attempts reserved and never settled: calls an interruption cut off. */
  cutOff: number;
}

export function ledgerOf(records: LogRecord[]): RunLedger {
  const reserved = new Map<string, number>();
  const settled = new Map<string, number>();
  const done = new Map<string, ResultRecord>();
  const results: ResultRecord[] = [];
  for (const r of records) {
    const id = 'attempt' in r ? `${r.segment}/${r.key}/${r.attempt}` : '';
    if (r.kind === 'reserve') reserved.set(id, r.micros);
    else if (r.kind === 'settle') settled.set(id, r.micros);
    else if (r.kind === 'result') {
      results.push(r);
      if (r.outcome === 'failed') done.delete(r.key);
      else done.set(r.key, r);
    }
  }
  let spentMicros = 0;
  let cutOff = 0;
  for (const [id, micros] of reserved) {
    const cost = settled.get(id);
    if (cost === undefined) cutOff++;
    spentMicros += cost ?? micros;
  }
  return { spentMicros, done, results, cutOff };
}

export interface OpenedResults {
  header: RunHeader;
  records: LogRecord[];
  log: ResultsLog;
  /** A last line cut in half by a kill was dropped. */
  droppedTornLine: boolean;
  close(): void;
}

const sameSettings = (a: RunHeader, b: RunHeader) =>
  a.model === b.model && a.prompt_version === b.prompt_version && JSON.stringify(a.settings) === JSON.stringify(b.settings);

function lockFile(path: string): () => void {
  const lock = `${path}.lock`;
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => { try { unlinkSync(lock); } catch { /* gone already */ } };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(lock, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        throw new AppError('EVAL_RUN_LOCKED', 409, `another run (process ${pid}) is writing ${path}`, { pid });
      }
      // The holder died (killed): its lock is stale.
      unlinkSync(lock);
    }
  }
  throw new AppError('EVAL_RUN_LOCKED', 409, `cannot lock ${path}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Opens (or creates) a results file for a run with `header`'s settings, locked against a
 * second run writing it at the same time. Resuming with other settings is refused.
 */
export function openResults(path: string, header: RunHeader): OpenedResults {
  const unlock = lockFile(path);
  try {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const lines = text.split('\n');
    let droppedTornLine = false;
    // A kill in the middle of a write leaves a last line without its newline: drop it.
    const tail = lines.pop() ?? '';
    if (tail !== '') droppedTornLine = true;
    const records: LogRecord[] = [];
    let existing: RunHeader | null = null;
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new AppError('EVAL_RESULTS_CONFLICT', 409, `${path} line ${i + 1} is not JSON: not a results file of ai-eval, or damaged`);
      }
      if (i === 0) {
        const h = runHeader.safeParse(json);
        if (!h.success) throw new AppError('EVAL_RESULTS_CONFLICT', 409, `${path} line 1 is not an ai-eval run header`);
        existing = h.data;
        return;
      }
      const r = logRecord.safeParse(json);
      if (!r.success) throw new AppError('EVAL_RESULTS_CONFLICT', 409, `${path} line ${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
      records.push(r.data);
    });
    const fd = openSync(path, 'a+');
    if (droppedTornLine) ftruncateSync(fd, Buffer.byteLength(text) - Buffer.byteLength(tail));
    const write = (value: unknown) => {
      writeSync(fd, `${JSON.stringify(value)}\n`);
      // On disk before the call it books goes out: a power cut must not forget a paid call.
      fdatasyncSync(fd);
    };
    const found = existing as RunHeader | null;
    if (found && !sameSettings(found, header)) {
      closeSync(fd);
      throw new AppError('EVAL_RESULTS_CONFLICT', 409,
        `${path} holds results of another run (model ${found.model}, prompt ${found.prompt_version}, settings ${JSON.stringify(found.settings)}): give a new --results file for these settings`);
    }
    if (!found) write(header);
    return {
      header: found ?? header,
      records,
      droppedTornLine,
      log: { append: (record) => write(record) },
      close: () => { closeSync(fd); unlock(); },
    };
  } catch (e) {
    unlock();
    throw e;
  }
}

export function memoryLog(): ResultsLog & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  return { records, append: (r) => { records.push(r); } };
}
