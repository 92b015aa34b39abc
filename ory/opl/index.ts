/** The OPL evaluator: parse a namespaces file once, then check against any tuple store. */
import { readFileSync } from 'node:fs';
import { parseOpl } from './parse.ts';
import type { OplModel } from './model.ts';

export { parseOpl, OplSyntaxError } from './parse.ts';
export { createChecker, DEFAULT_MAX_DEPTH, UnknownRelationError } from './evaluate.ts';
export type { Checker, CheckRequest } from './evaluate.ts';
export type { Expr, NamespaceModel, OplModel, SubjectType } from './model.ts';
export { MemoryTuples, matchesQuery, sameTuple, formatTuple } from './tuples.ts';
export type { RelationTuple, SubjectSet, Subject, TupleQuery, TupleReader } from './tuples.ts';

export function loadOpl(path: string): OplModel {
  return parseOpl(readFileSync(path, 'utf8'), path);
}
