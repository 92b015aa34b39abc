import { expect } from 'chai';
import { createChecker, loadOpl, MemoryTuples, OplSyntaxError, parseOpl, UnknownRelationError, type RelationTuple } from '../../ory/opl/index.ts';
import { REAL_OPL } from './standin-harness.ts';

/** A small model in Keto's documentation style: files in folders. */
const FILES = `
import { Namespace, Context, SubjectSet } from "@ory/keto-namespace-types"

class User implements Namespace {}

class Team implements Namespace {
  related: { members: User[] }
}

class Folder implements Namespace {
  related: {
    viewers: (User | SubjectSet<Team, "members">)[]
    banned: User[]
  }
  permits = {
    view: (ctx: Context): boolean => this.related.viewers.includes(ctx.subject),
  }
}

class File implements Namespace {
  related: {
    parents: Folder[]
    owners: User[]
    banned: User[]
    auditors: User[]
  }
  permits = {
    edit: (ctx: Context): boolean => this.related.owners.includes(ctx.subject),
    view: (ctx: Context): boolean =>
      (this.permits.edit(ctx) || this.related.parents.traverse((p) => p.permits.view(ctx))) && !this.related.banned.includes(ctx.subject),
    audit: (ctx: Context): boolean => {
      return this.related.auditors.includes(ctx.subject) && this.related.parents.traverse((f) => f.related.viewers.includes(ctx.subject))
    },
  }
}
`;

const id = (namespace: string, object: string, relation: string, subject_id: string): RelationTuple => ({ namespace, object, relation, subject_id });
const set = (namespace: string, object: string, relation: string, s: [string, string, string]): RelationTuple => ({
  namespace,
  object,
  relation,
  subject_set: { namespace: s[0], object: s[1], relation: s[2] },
});

describe('OPL evaluator', () => {
  describe('parsing', () => {
    it('reads namespaces, relation types and permit expressions', () => {
      const model = parseOpl(FILES);
      expect([...model.keys()]).to.deep.equal(['User', 'Team', 'Folder', 'File']);
      expect(model.get('Folder')!.relations.get('viewers')).to.deep.equal([{ namespace: 'User' }, { namespace: 'Team', relation: 'members' }]);
      expect(model.get('File')!.permits.get('view')).to.deep.equal({
        kind: 'and',
        args: [
          { kind: 'or', args: [{ kind: 'permit', name: 'edit' }, { kind: 'traverse', relation: 'parents', body: { kind: 'permit', name: 'view' } }] },
          { kind: 'not', arg: { kind: 'includes', relation: 'banned' } },
        ],
      });
    });

    it('reads the real namespaces.keto.ts', () => {
      const model = loadOpl(REAL_OPL);
      expect([...model.keys()]).to.include.members(['User', 'Role', 'Group', 'Guide', 'Subscription', 'Workbook', 'Contact', 'Report', 'Billing']);
      expect([...model.get('Workbook')!.permits.keys()]).to.have.members(['view', 'comment', 'review', 'edit']);
      expect([...model.get('Group')!.permits.keys()]).to.have.members(['view', 'review', 'manage']);
    });

    it('refuses syntax Keto does not accept, with the line and column', () => {
      const bad = FILES.replace('this.related.owners.includes(ctx.subject)', 'this.related.owners.length > 0');
      const line = bad.split('\n').findIndex((l) => l.includes('length > 0')) + 1;
      expect(() => parseOpl(bad, 'bad.keto.ts')).to.throw(OplSyntaxError, new RegExp(`^bad\\.keto\\.ts:${line}:\\d+: only \`\\|\\|\`, \`&&\` and \`!\` combine permits`));
    });

    it('refuses a permit that names an undeclared relation', () => {
      const bad = FILES.replace('this.related.owners.includes', 'this.related.editors.includes');
      expect(() => parseOpl(bad)).to.throw(OplSyntaxError, /File\.permits\.edit: File has no relation editors/);
    });

    it('refuses a TypeScript syntax error', () => {
      expect(() => parseOpl('class X implements Namespace {')).to.throw(OplSyntaxError, /'}' expected/);
    });
  });

  describe('checks', () => {
    const model = parseOpl(FILES);
    const tuples = new MemoryTuples([
      id('File', 'readme', 'owners', 'olga'),
      set('File', 'readme', 'parents', ['Folder', 'docs', '']),
      set('Folder', 'docs', 'viewers', ['Team', 'writers', 'members']),
      id('Team', 'writers', 'members', 'wanda'),
      id('Folder', 'docs', 'viewers', 'victor'),
      id('File', 'readme', 'banned', 'victor'),
      id('File', 'readme', 'auditors', 'wanda'),
      id('File', 'readme', 'auditors', 'mallory'),
    ]);
    const checker = createChecker(model, tuples);
    const allowed = (subject: string, relation: string, object = 'readme', maxDepth?: number) =>
      checker.check({ namespace: 'File', object, relation, subject: { subject_id: subject }, maxDepth });

    it('grants a permit through a direct relation', () => {
      expect(allowed('olga', 'edit')).to.equal(true);
      expect(allowed('wanda', 'edit')).to.equal(false);
    });

    it('grants view through traverse to the parent folder and its team (subject-set expansion)', () => {
      expect(allowed('wanda', 'view')).to.equal(true);
    });

    it('applies `&& !`: a banned viewer cannot view', () => {
      expect(checker.check({ namespace: 'Folder', object: 'docs', relation: 'view', subject: { subject_id: 'victor' } })).to.equal(true);
      expect(allowed('victor', 'view')).to.equal(false);
    });

    it('evaluates traverse with related.X.includes on the parent', () => {
      expect(allowed('wanda', 'audit')).to.equal(true);
      expect(allowed('mallory', 'audit')).to.equal(false);
    });

    it('follows subject sets in a plain relation check', () => {
      expect(checker.check({ namespace: 'Folder', object: 'docs', relation: 'viewers', subject: { subject_id: 'wanda' } })).to.equal(true);
      expect(checker.check({ namespace: 'Folder', object: 'docs', relation: 'viewers', subject: { subject_set: { namespace: 'Team', object: 'writers', relation: 'members' } } })).to.equal(true);
    });

    it('stops at max-depth and then denies (an unknown answer never grants, even under !)', () => {
      expect(allowed('wanda', 'view', 'readme', 2)).to.equal(false);
      expect(allowed('wanda', 'view', 'readme', 4)).to.equal(true);
      expect(allowed('wanda', 'view', 'readme', 99), 'a request cannot exceed the configured maximum').to.equal(true);
    });

    it('denies for an unknown namespace and refuses an undeclared relation', () => {
      expect(checker.check({ namespace: 'Nope', object: 'x', relation: 'view', subject: { subject_id: 'olga' } })).to.equal(false);
      expect(() => allowed('olga', 'delete')).to.throw(UnknownRelationError);
    });

    it('terminates on cyclic subject sets', () => {
      const cyclic = new MemoryTuples([set('Team', 'a', 'members', ['Team', 'b', 'members']), set('Team', 'b', 'members', ['Team', 'a', 'members'])]);
      expect(createChecker(model, cyclic).check({ namespace: 'Team', object: 'a', relation: 'members', subject: { subject_id: 'x' } })).to.equal(false);
    });
  });
});
