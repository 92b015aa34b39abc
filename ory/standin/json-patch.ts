/** RFC 6902 JSON Patch (add, remove, replace, move, copy, test), as Kratos' PATCH identity takes it. */
import { isDeepStrictEqual } from 'node:util';
import { OryError } from './ory-errors.ts';

export interface PatchOperation {
  op: string;
  path: string;
  value?: unknown;
  from?: string;
}

type Container = Record<string, unknown> | unknown[];

export function applyJsonPatch<T>(document: T, operations: unknown): T {
  if (!Array.isArray(operations)) throw new OryError(400, { reason: 'The body must be a JSON Patch array.' });
  let doc: unknown = structuredClone(document);
  for (const raw of operations) {
    const op = raw as PatchOperation;
    if (!op || typeof op.op !== 'string' || typeof op.path !== 'string') throw new OryError(400, { reason: 'Every operation needs `op` and `path`.' });
    switch (op.op) {
      case 'add':
        doc = put(doc, op.path, op.value, 'add');
        break;
      case 'replace':
        get(doc, op.path);
        doc = put(doc, op.path, op.value, 'replace');
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'move': {
        const value = get(doc, from(op));
        doc = put(remove(doc, from(op)), op.path, value, 'add');
        break;
      }
      case 'copy':
        doc = put(doc, op.path, structuredClone(get(doc, from(op))), 'add');
        break;
      case 'test':
        if (!isDeepStrictEqual(get(doc, op.path), op.value)) throw new OryError(400, { reason: `JSON Patch test failed at ${op.path}.` });
        break;
      default:
        throw new OryError(400, { reason: `Unknown JSON Patch operation "${op.op}".` });
    }
  }
  return doc as T;
}

const from = (op: PatchOperation) => {
  if (typeof op.from !== 'string') throw new OryError(400, { reason: `"${op.op}" needs \`from\`.` });
  return op.from;
};

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new OryError(400, { reason: `Invalid JSON pointer "${pointer}".` });
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, pointer: string): { parent: Container; key: string } {
  const path = tokens(pointer);
  const key = path.pop();
  if (key === undefined) throw new OryError(400, { reason: 'The document root cannot be patched.' });
  let node: unknown = doc;
  for (const t of path) {
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[t] : undefined;
    if (!node || typeof node !== 'object') throw new OryError(400, { reason: `Path ${pointer} does not exist.` });
  }
  if (!node || typeof node !== 'object') throw new OryError(400, { reason: `Path ${pointer} does not exist.` });
  return { parent: node as Container, key };
}

function get(doc: unknown, pointer: string): unknown {
  let node: unknown = doc;
  for (const t of tokens(pointer)) {
    if (!node || typeof node !== 'object' || !(t in (node as object))) throw new OryError(400, { reason: `Path ${pointer} does not exist.` });
    node = (node as Record<string, unknown>)[t];
  }
  return node;
}

function put(doc: unknown, pointer: string, value: unknown, mode: 'add' | 'replace'): unknown {
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new OryError(400, { reason: `Invalid array index in ${pointer}.` });
    if (mode === 'add') parent.splice(index, 0, value);
    else parent[index] = value;
  } else {
    parent[key] = value;
  }
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  get(doc, pointer);
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
  return doc;
}
