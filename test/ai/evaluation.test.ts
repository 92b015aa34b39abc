import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { evaluate, quadraticWeightedKappa, type GradedAnswer } from '../../extensions/ai-check/evaluation.ts';
import { createChatModel } from '../../extensions/ai-check/openrouter.ts';
import { testLog } from '../support/stack.ts';
import { startModelServer, type ModelServer } from './support/model-server.ts';

const exec = promisify(execFile);

describe('ai-check evaluation', () => {
  describe('quadratic weighted kappa', () => {
    it('is 1 for perfect agreement and -1 for a complete reversal', () => {
      expect(quadraticWeightedKappa([0, 1, 2, 3], [0, 1, 2, 3], 0, 3)).to.equal(1);
      expect(quadraticWeightedKappa([0, 1, 2], [2, 1, 0], 0, 2)).to.be.closeTo(-1, 1e-12);
    });

    it('matches a value worked out by hand (and by sklearn cohen_kappa_score, weights="quadratic")', () => {
      // O has 1 at (0,0), (1,2), (2,2), (2,1); sum W*O = 0.5, sum W*E = 1.375 -> 1 - 0.5/1.375
      expect(quadraticWeightedKappa([0, 1, 2, 2], [0, 2, 2, 1], 0, 2)).to.be.closeTo(0.636364, 1e-6);
    });

    it('is 0 when one rater agrees no better than chance, and refuses ratings out of range', () => {
      expect(quadraticWeightedKappa([0, 0, 1, 1], [0, 1, 0, 1], 0, 1)).to.be.closeTo(0, 1e-12);
      expect(() => quadraticWeightedKappa([5], [0], 0, 2)).to.throw(/out of/);
    });
  });

  describe('evaluating the model on graded answers', () => {
    let model: ModelServer;
    const items: GradedAnswer[] = [
      { question: 'What is a stock?', reference_answer: 'A stock is an accumulation you can count at a moment in time, filled and drained by flows.', student_answer: 'An accumulation counted at a moment in time, changed by flows that fill or drain it.', human_score: 2, max_score: 2 },
      { question: 'What is a stock?', reference_answer: 'A stock is an accumulation you can count at a moment in time, filled and drained by flows.', student_answer: 'No idea, something about shops.', human_score: 0, max_score: 2 },
      { question: 'What is a balancing loop?', reference_answer: 'A balancing loop pushes a system towards a goal, like a thermostat.', student_answer: 'A loop pushing the system towards its goal, like a thermostat does.', human_score: 2, max_score: 2 },
      { question: 'What is a balancing loop?', reference_answer: 'A balancing loop pushes a system towards a goal, like a thermostat.', student_answer: 'It makes things grow faster.', human_score: 1, max_score: 2 },
    ];

    before(async () => {
      model = await startModelServer();
    });
    after(() => model.close());

    it('reports accuracy, kappa and the cost per check against the local model server', async () => {
      const chat = createChatModel({ baseURL: model.url, apiKey: 'k', model: 'test/grader', temperature: 0, maxOutputTokens: 200, timeoutMs: 2000, maxRetries: 1, maxBackoffMs: 1000, pricing: { currency: 'USD', inputPer1M: 1, outputPer1M: 4 } }, { log: testLog });
      model.script.push({ kind: 'invalid-json' });
      const report = await evaluate({ model: chat, pricing: { currency: 'USD', inputPer1M: 1, outputPer1M: 4 } }, items, { concurrency: 1 });
      expect(report.graded).to.equal(4);
      expect(report.toMentor).to.equal(0);
      expect(report.accuracy).to.equal(0.75);
      expect(report.kappa).to.be.greaterThan(0.5);
      expect(report.costPerCheckMicros).to.be.greaterThan(0);
      expect(model.requests).to.have.length(5);
    });

    it('runs as the command scripts/ai-eval.ts on a JSONL file', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'ai-eval-'));
      try {
        const file = path.join(dir, 'graded.jsonl');
        await writeFile(file, items.map((i) => JSON.stringify(i)).join('\n') + '\n');
        const root = path.resolve(import.meta.dirname, '../..');
        const { stdout } = await exec(process.execPath, ['--import', 'tsx', 'scripts/ai-eval.ts', '--file', file, '--model', 'test/grader', '--price-in', '1', '--price-out', '4', '--json'], {
          cwd: root, env: { ...process.env, OPENROUTER_API_KEY: 'k', OPENROUTER_BASE_URL: model.url }, timeout: 60_000,
        });
        const report = JSON.parse(stdout);
        expect(report.items).to.equal(4);
        expect(report).to.have.property('kappa');
        expect(report).to.have.property('costPerCheckMicros');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
