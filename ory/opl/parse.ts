/**
 * Reads an Ory Permission Language file with the TypeScript compiler's parser (syntax
 * only, no type-checking) into an OplModel. It accepts the subset of OPL that Keto
 * accepts: classes with a `related` type literal and a `permits` object of arrow
 * functions built from includes / traverse / permits calls, `||`, `&&`, `!`, parentheses.
 */
import ts from 'typescript';
import type { Expr, NamespaceModel, OplModel, SubjectType } from './model.ts';

export class OplSyntaxError extends Error {
  constructor(
    message: string,
    readonly fileName: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${fileName}:${line}:${column}: ${message}`);
    this.name = 'OplSyntaxError';
  }
}

interface Scope {
  /** 'this' at the top level, the arrow parameter's name inside a traverse. */
  self: string;
  ctx: string;
}

export function parseOpl(source: string, fileName = 'namespaces.keto.ts'): OplModel {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const fail: Fail = (node, message) => {
    const { line, character } = file.getLineAndCharacterOfPosition(node.getStart(file));
    throw new OplSyntaxError(message, fileName, line + 1, character + 1);
  };
  const syntax = ts.transpileModule(source, { fileName, reportDiagnostics: true }).diagnostics ?? [];
  const first = syntax[0];
  if (first) {
    const { line, character } = file.getLineAndCharacterOfPosition(first.start ?? 0);
    throw new OplSyntaxError(ts.flattenDiagnosticMessageText(first.messageText, '\n'), fileName, line + 1, character + 1);
  }

  const model: OplModel = new Map();
  for (const statement of file.statements) {
    if (ts.isImportDeclaration(statement)) continue;
    if (!ts.isClassDeclaration(statement) || !statement.name) fail(statement, 'only imports and namespace classes are allowed');
    const cls = statement as ts.ClassDeclaration;
    const name = cls.name!.text;
    if (model.has(name)) fail(cls, `namespace ${name} is declared twice`);
    model.set(name, parseClass(cls, name, fail));
  }
  validateModel(model, file, fail);
  return model;
}

type Fail = (node: ts.Node, message: string) => never;

function parseClass(cls: ts.ClassDeclaration, name: string, fail: Fail): NamespaceModel {
  const ns: NamespaceModel = { name, relations: new Map(), permits: new Map() };
  for (const member of cls.members) {
    if (!ts.isPropertyDeclaration(member) || !ts.isIdentifier(member.name)) fail(member, 'only `related` and `permits` members are allowed');
    const prop = member as ts.PropertyDeclaration;
    const key = (prop.name as ts.Identifier).text;
    if (key === 'related') parseRelated(prop, ns, fail);
    else if (key === 'permits') parsePermits(prop, ns, fail);
    else fail(prop, `unknown member ${key}: only \`related\` and \`permits\` are allowed`);
  }
  return ns;
}

function parseRelated(prop: ts.PropertyDeclaration, ns: NamespaceModel, fail: Fail): void {
  if (!prop.type || !ts.isTypeLiteralNode(prop.type)) fail(prop, '`related` must be declared with a type literal');
  for (const m of (prop.type as ts.TypeLiteralNode).members) {
    if (!ts.isPropertySignature(m) || !m.type || !(ts.isIdentifier(m.name) || ts.isStringLiteral(m.name))) {
      fail(m, 'a relation is `name: Type[]`');
    }
    const sig = m as ts.PropertySignature;
    const relation = (sig.name as ts.Identifier | ts.StringLiteral).text;
    ns.relations.set(relation, subjectTypes(elementType(sig.type!, fail), fail));
  }
}

function elementType(type: ts.TypeNode, fail: Fail): ts.TypeNode {
  if (ts.isArrayTypeNode(type)) return type.elementType;
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName) && type.typeName.text === 'Array' && type.typeArguments?.length === 1) {
    return type.typeArguments[0]!;
  }
  return fail(type, 'a relation type must be an array, e.g. `User[]`');
}

function subjectTypes(type: ts.TypeNode, fail: Fail): SubjectType[] {
  if (ts.isParenthesizedTypeNode(type)) return subjectTypes(type.type, fail);
  if (ts.isUnionTypeNode(type)) return type.types.flatMap((t) => subjectTypes(t, fail));
  if (ts.isTypeReferenceNode(type) && ts.isIdentifier(type.typeName)) {
    const ref = type.typeName.text;
    if (ref !== 'SubjectSet') return [{ namespace: ref }];
    const [target, rel] = type.typeArguments ?? [];
    if (target && rel && ts.isTypeReferenceNode(target) && ts.isIdentifier(target.typeName) && ts.isLiteralTypeNode(rel) && ts.isStringLiteral(rel.literal)) {
      return [{ namespace: target.typeName.text, relation: rel.literal.text }];
    }
  }
  return fail(type, "a subject type is a namespace name or `SubjectSet<Namespace, 'relation'>`");
}

function parsePermits(prop: ts.PropertyDeclaration, ns: NamespaceModel, fail: Fail): void {
  const init = prop.initializer;
  if (!init || !ts.isObjectLiteralExpression(init)) return fail(prop, '`permits` must be an object literal: permits = { ... }');
  for (const p of init.properties) {
    if (!ts.isPropertyAssignment(p) || !(ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) || !ts.isArrowFunction(p.initializer)) {
      fail(p, 'a permit is `name: (ctx: Context): boolean => expression`');
    }
    const assignment = p as ts.PropertyAssignment;
    const fn = assignment.initializer as ts.ArrowFunction;
    const param = fn.parameters[0];
    if (fn.parameters.length !== 1 || !param || !ts.isIdentifier(param.name)) fail(fn, 'a permit takes exactly one parameter, the context');
    const scope: Scope = { self: 'this', ctx: (param!.name as ts.Identifier).text };
    ns.permits.set((assignment.name as ts.Identifier).text, parseExpr(bodyExpression(fn, fail), scope, fail));
  }
}

function bodyExpression(fn: ts.ArrowFunction, fail: Fail): ts.Expression {
  if (!ts.isBlock(fn.body)) return fn.body;
  const [only] = fn.body.statements;
  if (fn.body.statements.length === 1 && only && ts.isReturnStatement(only) && only.expression) return only.expression;
  return fail(fn.body, 'a permit body is one expression (or a block with one return)');
}

function parseExpr(node: ts.Expression, scope: Scope, fail: Fail): Expr {
  if (ts.isParenthesizedExpression(node)) return parseExpr(node.expression, scope, fail);
  if (ts.isPrefixUnaryExpression(node) && node.operator === ts.SyntaxKind.ExclamationToken) {
    return { kind: 'not', arg: parseExpr(node.operand, scope, fail) };
  }
  if (ts.isBinaryExpression(node)) {
    const op = node.operatorToken.kind;
    const kind = op === ts.SyntaxKind.BarBarToken ? 'or' : op === ts.SyntaxKind.AmpersandAmpersandToken ? 'and' : undefined;
    if (!kind) return fail(node.operatorToken, 'only `||`, `&&` and `!` combine permits');
    const args = [node.left, node.right].flatMap((side) => {
      const e = parseExpr(side, scope, fail);
      return e.kind === kind ? e.args : [e];
    });
    return { kind, args };
  }
  if (ts.isCallExpression(node)) return parseCall(node, scope, fail);
  return fail(node, 'expected includes(...), traverse(...), permits.X(ctx), `||`, `&&`, `!` or parentheses');
}

function parseCall(call: ts.CallExpression, scope: Scope, fail: Fail): Expr {
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee)) return fail(call, 'unsupported call');
  const method = callee.name.text;
  const target = callee.expression;

  // x.permits.P(ctx)
  if (ts.isPropertyAccessExpression(target) && target.name.text === 'permits' && isSelf(target.expression, scope)) {
    if (call.arguments.length !== 1 || !isIdentifier(call.arguments[0], scope.ctx)) fail(call, `pass the context: permits.${method}(${scope.ctx})`);
    return { kind: 'permit', name: method };
  }
  // x.related.R.includes(ctx.subject) / x.related.R.traverse(fn)
  const relation = relatedName(target, scope);
  if (!relation) return fail(call, 'expected this.related.<relation>.includes(...) or .traverse(...), or this.permits.<name>(ctx)');
  if (method === 'includes') {
    const [arg] = call.arguments;
    const ok = arg && ts.isPropertyAccessExpression(arg) && arg.name.text === 'subject' && isIdentifier(arg.expression, scope.ctx);
    if (call.arguments.length !== 1 || !ok) fail(call, `includes takes the subject: includes(${scope.ctx}.subject)`);
    return { kind: 'includes', relation };
  }
  if (method === 'traverse') {
    if (scope.self !== 'this') fail(call, 'traverse cannot be nested');
    const [fn] = call.arguments;
    if (call.arguments.length !== 1 || !fn || !ts.isArrowFunction(fn) || fn.parameters.length !== 1 || !ts.isIdentifier(fn.parameters[0]!.name)) {
      return fail(call, 'traverse takes one arrow function: traverse((p) => ...)');
    }
    const self = (fn.parameters[0]!.name as ts.Identifier).text;
    return { kind: 'traverse', relation, body: parseExpr(bodyExpression(fn, fail), { self, ctx: scope.ctx }, fail) };
  }
  return fail(callee.name, `unsupported method ${method}: use includes or traverse`);
}

/** `<self>.related.R` -> R */
function relatedName(node: ts.Expression, scope: Scope): string | undefined {
  if (!ts.isPropertyAccessExpression(node)) return undefined;
  const related = node.expression;
  if (!ts.isPropertyAccessExpression(related) || related.name.text !== 'related' || !isSelf(related.expression, scope)) return undefined;
  return node.name.text;
}

function isSelf(node: ts.Expression, scope: Scope): boolean {
  if (scope.self === 'this') return node.kind === ts.SyntaxKind.ThisKeyword;
  return isIdentifier(node, scope.self);
}

function isIdentifier(node: ts.Node | undefined, name: string): boolean {
  return !!node && ts.isIdentifier(node) && node.text === name;
}

/** Every name an expression uses must exist where it is evaluated. */
function validateModel(model: OplModel, file: ts.SourceFile, fail: Fail): void {
  const problems: string[] = [];
  for (const ns of model.values()) {
    for (const [relation, types] of ns.relations) {
      for (const t of types) {
        const target = model.get(t.namespace);
        if (!target) problems.push(`${ns.name}.related.${relation}: unknown namespace ${t.namespace}`);
        else if (t.relation && !target.relations.has(t.relation) && !target.permits.has(t.relation)) {
          problems.push(`${ns.name}.related.${relation}: ${t.namespace} has no relation ${t.relation}`);
        }
      }
    }
    for (const [permit, expr] of ns.permits) checkNames(model, ns, expr, `${ns.name}.permits.${permit}`, problems);
  }
  if (problems.length > 0) fail(file, problems.join('; '));
}

function checkNames(model: OplModel, ns: NamespaceModel, expr: Expr, where: string, problems: string[]): void {
  switch (expr.kind) {
    case 'or':
    case 'and':
      for (const a of expr.args) checkNames(model, ns, a, where, problems);
      return;
    case 'not':
      return checkNames(model, ns, expr.arg, where, problems);
    case 'includes':
      if (!ns.relations.has(expr.relation)) problems.push(`${where}: ${ns.name} has no relation ${expr.relation}`);
      return;
    case 'permit':
      if (!ns.permits.has(expr.name)) problems.push(`${where}: ${ns.name} has no permit ${expr.name}`);
      return;
    case 'traverse': {
      const types = ns.relations.get(expr.relation);
      if (!types) {
        problems.push(`${where}: ${ns.name} has no relation ${expr.relation}`);
        return;
      }
      for (const t of types) {
        const target = model.get(t.namespace);
        if (target) checkNames(model, target, expr.body, `${where} (traversing to ${t.namespace})`, problems);
      }
    }
  }
}
