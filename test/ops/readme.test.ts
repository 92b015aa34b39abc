import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { CONFIG_KEYS } from '../../service/config.ts';

describe('README', () => {
  const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');

  it('documents every setting the service reads', () => {
    const missing = CONFIG_KEYS.filter((key) => !readme.includes(`\`${key}\``));
    expect(missing, 'settings missing from the README configuration table').to.deep.equal([]);
  });

  it('gives the two quick-start commands', () => {
    expect(readme).to.match(/npm start/).and.to.match(/npm test/);
  });
});
