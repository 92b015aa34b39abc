import { expect } from 'chai';
import { bootstrapInterval, seededRandom } from '../../extensions/ai-check/evaluation/bootstrap.ts';
import { labelAgreement, scoreAgreement } from '../../extensions/ai-check/evaluation/agreement.ts';
import { accuracy, confusionMatrix, labelScores, pearson, percentile, quadraticWeightedKappa, rmse, toGrid } from '../../extensions/ai-check/evaluation/metrics.ts';

/**
 * Each figure of the evaluation report against a value worked out by hand and, where one
 * exists, a reference implementation's published number: scipy.stats.pearsonr's and
 * scikit-learn's examples in their documentation, and scikit-learn 1.2.1 / scipy 1.10.1
 * (Debian 12's python3-sklearn, python3-scipy) run on the same inputs.
 */
describe('ai-eval metrics', () => {
  describe('Pearson r', () => {
    it('is 0.5 for x = 1,2,3 and y = 1,3,2 (by hand: sxy 1, sxx 2, syy 2)', () => {
      expect(pearson([1, 2, 3], [1, 3, 2])).to.be.closeTo(0.5, 1e-12);
    });

    it("matches scipy.stats.pearsonr's documented example (-0.828503883588428)", () => {
      expect(pearson([1, 2, 3, 4, 5, 6, 7], [10, 9, 2.5, 6, 4, 3, 2])).to.be.closeTo(-0.828503883588428, 1e-12);
    });

    it('is undefined (null, not 0) when one grader gives everything the same score', () => {
      expect(pearson([1, 1, 1], [0, 1, 2])).to.equal(null);
      expect(pearson([1], [1])).to.equal(null);
    });
  });

  describe('RMSE', () => {
    it('is sqrt(1/2) for 0,1 against 1,1 (by hand)', () => {
      expect(rmse([0, 1], [1, 1])).to.be.closeTo(Math.SQRT1_2, 1e-12);
    });

    it("matches scikit-learn's documented mean_squared_error example, rooted (sqrt 0.375 = 0.6123724356957945)", () => {
      expect(rmse([3, -0.5, 2, 7], [2.5, 0.0, 2, 8])).to.be.closeTo(0.6123724356957945, 1e-12);
    });
  });

  describe('quadratic weighted kappa on a grid', () => {
    it('rounds a share of the maximum to the nearest grid point, halves up, and float error does not move it', () => {
      expect(toGrid(2.5 / 5, 5)).to.equal(3);
      expect(toGrid(3.75 / 5, 5)).to.equal(4);
      expect(toGrid(3.75 / 5, 20)).to.equal(15);
      expect(toGrid(0.35, 20)).to.equal(7); // 0.35 * 20 is 6.999999999999999 in floating point
      expect(toGrid(1.25 / 5, 2)).to.equal(1); // 0.25 of the way on a 0..2 grid: 0.5, a half, up
    });

    it('matches a value worked out by hand, and sklearn cohen_kappa_score(weights="quadratic")', () => {
      // O has 1 at (0,0), (1,2), (2,2), (2,1); sum W*O = 0.5, sum W*E = 1.375 -> 1 - 0.5/1.375 = 0.636364
      expect(quadraticWeightedKappa([0, 1, 2, 2], [0, 2, 2, 1], 0, 2)).to.be.closeTo(0.6363636363636364, 1e-12);
    });

    it('refuses a rating that is not a grid point (a decimal score must be put on the grid first)', () => {
      expect(() => quadraticWeightedKappa([3.75], [4], 0, 5)).to.throw(/integers/);
    });
  });

  describe('labels: accuracy, macro-F1, confusion matrix', () => {
    it("matches scikit-learn's documented f1_score example (macro 0.26666666666666666)", () => {
      const t = ['0', '1', '2', '0', '1', '2'];
      const p = ['0', '2', '1', '0', '0', '1'];
      expect(labelScores(t, p, ['0', '1', '2']).macroF1).to.be.closeTo(0.26666666666666666, 1e-12);
    });

    it("matches scikit-learn's documented confusion_matrix example", () => {
      expect(confusionMatrix(['2', '0', '2', '2', '0', '1'], ['0', '0', '2', '2', '0', '2'], ['0', '1', '2'])).to.deep.equal([[2, 0, 0], [0, 0, 1], [1, 0, 2]]);
    });

    it('counts a label people used and the model never gave as F1 0, and leaves out a declared label nobody used', () => {
      // correct: tp 1, predicted 2, support 2 -> P 0.5, R 0.5, F1 0.5; incorrect: tp 1, predicted 2, support 1 -> P 0.5, R 1, F1 2/3;
      // irrelevant: support 1, never predicted -> 0; non_domain: used by nobody -> left out. Macro: (1/2 + 2/3 + 0) / 3 = 7/18
      // (sklearn f1_score(average='macro') on the same lists: 0.38888888888888884).
      const truth = ['correct', 'correct', 'incorrect', 'irrelevant'];
      const model = ['correct', 'incorrect', 'incorrect', 'correct'];
      const s = labelScores(truth, model, ['correct', 'incorrect', 'irrelevant', 'non_domain']);
      expect(s.macroF1).to.be.closeTo(7 / 18, 1e-12);
      expect(s.perLabel.map((l) => l.label)).to.deep.equal(['correct', 'incorrect', 'irrelevant']);
      expect(accuracy(truth, model)).to.equal(0.5);
    });

    it('matches scikit-learn 1.2.1 on a five-way (SemEval-2013 task 7) sample: accuracy 0.625, macro-F1 0.5666666666666667', () => {
      const labels = ['correct', 'partially_correct_incomplete', 'contradictory', 'irrelevant', 'non_domain'];
      const truth = ['correct', 'correct', 'contradictory', 'partially_correct_incomplete', 'irrelevant', 'correct', 'non_domain', 'contradictory'];
      const model = ['correct', 'partially_correct_incomplete', 'contradictory', 'partially_correct_incomplete', 'contradictory', 'correct', 'non_domain', 'correct'];
      const a = labelAgreement(truth, model, labels, { resamples: 200, seed: 1 });
      expect(a.accuracy.value).to.equal(0.625);
      expect(a.macroF1.value).to.be.closeTo(0.5666666666666667, 1e-12);
      expect(a.confusion.rows).to.deep.equal([[2, 1, 0, 0, 0], [0, 1, 0, 0, 0], [1, 0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 1]]);
    });
  });

  describe('decimal scores (two graders, quarter steps of 0..5)', () => {
    const human = [5, 4.5, 3.75, 2, 5, 1.5, 4, 0.5];
    const model = [5, 4, 4, 3, 4.5, 1, 3.5, 1];
    it('matches scipy 1.10.1 and scikit-learn 1.2.1 on the same items (r, RMSE in points, QWK on whole points)', () => {
      const a = scoreAgreement(model.map((v) => v / 5), human.map((v) => v / 5), { gridSteps: 5, passShare: 0.5, rmseUnit: 5 }, { resamples: 200, seed: 1 });
      expect(a.pearson.value).to.be.closeTo(0.944888871360945, 1e-12);
      expect(a.rmse.value).to.be.closeTo(0.5376453291901642, 1e-12);
      // grid: human 5,5,4,2,5,2,4,1 and model 5,4,4,3,5,1,4,1 -> cohen_kappa_score(..., weights='quadratic', labels=range(6))
      expect(a.qwk.value).to.be.closeTo(0.9166666666666666, 1e-12);
      expect(a.exact.value).to.equal(0.625);
      // pass at 2.5 of 5: only item 4 (model 3, human 2) is on different sides
      expect(a.passFail.value).to.equal(0.875);
    });

    it('gives another QWK on a finer grid (quarter points: 0..20), as sklearn does on the same categories (0.9369676320272573)', () => {
      const a = scoreAgreement(model.map((v) => v / 5), human.map((v) => v / 5), { gridSteps: 20, passShare: 0.5, rmseUnit: 5 }, { resamples: 200, seed: 1 });
      expect(a.qwk.value).to.be.closeTo(0.9369676320272573, 1e-12);
    });
  });

  describe('percentiles and the bootstrap', () => {
    it('interpolates percentiles as numpy.percentile does (95th of 1..4 is 3.85)', () => {
      expect(percentile([1, 2, 3, 4], 95)).to.be.closeTo(3.85, 1e-12);
      expect(percentile([10, 20], 50)).to.equal(15);
      expect(percentile([], 50)).to.equal(null);
    });

    it('draws the same numbers from the same seed, and others from another', () => {
      const a = seededRandom(16);
      const b = seededRandom(16);
      const c = seededRandom(17);
      const first = [a(), a(), a()];
      expect([b(), b(), b()]).to.deep.equal(first);
      expect([c(), c(), c()]).to.not.deep.equal(first);
      expect(first.every((v) => v >= 0 && v < 1)).to.equal(true);
    });

    it('gives [1, 1] for perfect agreement and [0, 1] for one hit and one miss (a draw of two misses or two hits is likely)', () => {
      const same = bootstrapInterval(10, () => 1, { resamples: 500, seed: 3 });
      expect([same.low, same.high]).to.deep.equal([1, 1]);
      const hits = [1, 0];
      const half = bootstrapInterval(2, (idx) => idx.reduce((s, i) => s + hits[i]!, 0) / idx.length, { resamples: 500, seed: 3 });
      expect([half.low, half.high]).to.deep.equal([0, 1]);
    });

    it('narrows as items grow, around the point estimate, and leaves out draws where the statistic is undefined', () => {
      const hits = (n: number) => Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 0 : 1));
      const width = (n: number) => {
        const h = hits(n);
        const i = bootstrapInterval(n, (idx) => idx.reduce((s, j) => s + h[j]!, 0) / idx.length, { resamples: 1000, seed: 16 });
        expect(i.low!).to.be.at.most(0.75 + 1e-9);
        expect(i.high!).to.be.at.least(0.75 - 1e-9);
        return i.high! - i.low!;
      };
      expect(width(400)).to.be.lessThan(width(40) / 2);
      // Pearson of two items is undefined whenever a draw repeats one item: those draws do not count.
      const r = bootstrapInterval(2, (idx) => pearson(idx.map((i) => [0, 1][i]!), idx.map((i) => [0, 1][i]!)), { resamples: 400, seed: 5 });
      expect(r.used).to.be.greaterThan(100).and.lessThan(300);
      expect([r.low, r.high]).to.deep.equal([1, 1]);
    });
  });
});
