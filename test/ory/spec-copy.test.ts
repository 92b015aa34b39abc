import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { repoRoot, sharedSpecDir } from './spec-dir.ts';

const gitHash = (file: string) => execFileSync('git', ['hash-object', file], { encoding: 'utf8' }).trim();

describe('ory/spec: our copy of Ory\'s published specs', () => {
  const ours = path.join(repoRoot, 'ory/spec');

  it('holds Ory\'s OpenAPI files unchanged (the git blobs of ory/kratos and ory/keto v26.2.0)', () => {
    expect(gitHash(path.join(ours, 'kratos-api.json'))).to.equal('e9e025608b35d06554548e7d39fe6bbb1241b722');
    expect(gitHash(path.join(ours, 'keto-api.json'))).to.equal('641d6731e29ad3dac2ca0c0ba6ff5b89df9f17fd');
  });

  it('matches ../shared/ory-spec file for file, where that folder is present', function () {
    if (!existsSync(sharedSpecDir)) this.skip();
    for (const name of readdirSync(sharedSpecDir).filter((f) => f.endsWith('.json'))) {
      expect(gitHash(path.join(ours, name)), name).to.equal(gitHash(path.join(sharedSpecDir, name)));
    }
  });
});
