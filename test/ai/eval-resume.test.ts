import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { startModelServer, type ModelServer } from './support/model-server.ts';

/**
 * `npm run ai:eval` killed half way (SIGKILL, so nothing of it can tidy up) and run again:
 * it goes on from its results file, and the local model server sees no answer twice except
 * the two whose calls were under way at the kill (their results were never had).
 */
const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

async function waitFor(what: string, test: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ai-eval resume after a kill', () => {
  let server: ModelServer;
  let dir: string;
  before(async () => {
    server = await startModelServer();
    dir = await mkdtemp(path.join(tmpdir(), 'ai-eval-resume-'));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('resumes where it stopped and books no finished check twice', async () => {
    const file = path.join(dir, 'graded.jsonl');
    const answers = Array.from({ length: 12 }, (_, i) => `answer number ${i + 1}: a stock is an accumulation counted at a moment, changed by flows`);
    await writeFile(file, answers.map((a, i) => JSON.stringify({
      question: 'What is a stock?', reference_answer: 'A stock is an accumulation you can count at a moment in time, filled and drained by flows.',
      student_answer: a, max_score: 5, human_score: (i % 4) + 1.5, language: 'en',
    })).join('\n') + '\n');
    const results = path.join(dir, 'graded.test_grader.results.jsonl');
    const args = ['--import', 'tsx', 'scripts/ai-eval.ts', '--file', file, '--model', 'test/grader', '--price-in', '1', '--price-out', '4', '--concurrency', '2', '--json'];
    const env = { ...process.env, OPENROUTER_API_KEY: 'k', OPENROUTER_BASE_URL: server.url };
    const resultLines = async () => (await readFile(results, 'utf8').catch(() => '')).split('\n').filter((l) => l.includes('"kind":"result"')).length;

    let gate = server.hold();
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await waitFor('two calls under way', () => gate.held() === 2);
    // Let two pairs of calls through, one pair at a time; hold the third pair and kill the run then.
    for (let done = 2; done <= 4; done += 2) {
      // In this order: a gate's release() clears whichever gate is set (model-server.ts).
      gate.release();
      gate = server.hold();
      await waitFor(`${done} results on disk`, async () => (await resultLines()) === done && gate.held() === 2);
    }
    child.kill('SIGKILL');
    expect(await exited).to.equal('SIGKILL');
    gate.release();
    const firstRun = server.requests.map((r) => JSON.parse(r.messages.at(-1)!.content).student_answer as string);
    expect(firstRun).to.have.length(6);
    const finished = firstRun.slice(0, 4);

    const { stdout } = await exec(process.execPath, args, { cwd: root, env, timeout: 60_000 });
    const report = JSON.parse(stdout);
    const secondRun = server.requests.slice(6).map((r) => JSON.parse(r.messages.at(-1)!.content).student_answer as string);
    expect(secondRun).to.have.length(8);
    for (const a of finished) expect(secondRun).to.not.include(a);
    // The two cut off by the kill are asked again: their results were never had.
    expect(secondRun).to.include.members(firstRun.slice(4));
    expect(new Set([...finished, ...secondRun]).size).to.equal(12);

    expect(report.graded).to.equal(12);
    expect(report.notRun).to.equal(0);
    expect(report.cost.cutOffAttempts).to.equal(2);
    const lines = (await readFile(results, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.kind === 'result')).to.have.length(12);
    expect(lines.filter((l) => l.kind === 'segment')).to.have.length(2);
    // What was spent counts the two cut-off attempts at their reservation: they may have been billed.
    const settled = lines.filter((l) => l.kind === 'settle').reduce((s, l) => s + l.micros, 0);
    const cutOff = lines.filter((l) => l.kind === 'reserve' && !lines.some((x) => x.kind === 'settle' && x.segment === l.segment && x.key === l.key && x.attempt === l.attempt));
    expect(cutOff).to.have.length(2);
    expect(report.cost.spentMicros).to.equal(settled + cutOff.reduce((s, l) => s + l.micros, 0));

    // A third run has nothing left to do and calls nothing.
    const again = JSON.parse((await exec(process.execPath, args, { cwd: root, env, timeout: 60_000 })).stdout);
    expect(server.requests).to.have.length(14);
    expect(again.graded).to.equal(12);
  });

  it('refuses to resume a results file made with another model or prompt settings', async () => {
    const file = path.join(dir, 'small.jsonl');
    await writeFile(file, `${JSON.stringify({ question: 'q?', reference_answer: 'r', student_answer: 'a', max_score: 2, human_score: 1, language: 'en' })}\n`);
    const results = path.join(dir, 'small.results.jsonl');
    const env = { ...process.env, OPENROUTER_API_KEY: 'k', OPENROUTER_BASE_URL: server.url };
    const base = ['--import', 'tsx', 'scripts/ai-eval.ts', '--file', file, '--results', results, '--price-in', '1', '--price-out', '4', '--json'];
    await exec(process.execPath, [...base, '--model', 'test/grader'], { cwd: root, env, timeout: 60_000 });
    const refused = await exec(process.execPath, [...base, '--model', 'test/other'], { cwd: root, env, timeout: 60_000 }).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(refused?.code).to.equal(2);
    expect(refused?.stderr).to.match(/holds results of another run \(model test\/grader/);
  });

  it('prints each malformed line of the graded set by its number and calls nothing', async () => {
    const before = server.requests.length;
    const env = { ...process.env, OPENROUTER_API_KEY: 'k', OPENROUTER_BASE_URL: server.url };
    const fixture = path.join(root, 'test/fixtures/ai-eval/malformed.jsonl');
    const failed = await exec(process.execPath, ['--import', 'tsx', 'scripts/ai-eval.ts', '--file', fixture, '--results', path.join(dir, 'm.results.jsonl'), '--model', 'test/grader', '--free'], { cwd: root, env, timeout: 60_000 })
      .then(() => null, (e: { code: number; stderr: string }) => e);
    expect(failed?.code).to.equal(2);
    // Seven: the command's --language (en by default) gives line 10 its language.
    expect(failed?.stderr).to.match(/7 line\(s\) of the graded set cannot be read/);
    expect(failed?.stderr).to.match(/line 2: not JSON/);
    expect(failed?.stderr).to.match(/line 3: human_score 6 is above max_score 5/);
    expect(server.requests.length).to.equal(before);
  });
});
