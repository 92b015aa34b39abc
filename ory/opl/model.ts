/**
 * The permission model read from an OPL file: namespaces, their relations (with the
 * subject types each relation admits) and their permits (boolean expressions).
 */

/** One admitted subject type of a relation: `User` or `SubjectSet<Group, 'members'>`. */
export interface SubjectType {
  namespace: string;
  /** Set for `SubjectSet<N, 'relation'>`. */
  relation?: string;
}

/**
 * A permit body. `includes`, `permit` and `traverse` are evaluated on the object in scope:
 * `this` at the top, the traversed object inside a traverse.
 */
export type Expr =
  | { kind: 'or'; args: Expr[] }
  | { kind: 'and'; args: Expr[] }
  | { kind: 'not'; arg: Expr }
  /** `x.related.R.includes(ctx.subject)` */
  | { kind: 'includes'; relation: string }
  /** `x.permits.P(ctx)` */
  | { kind: 'permit'; name: string }
  /** `x.related.R.traverse((p) => body)`: body is evaluated on each related object. */
  | { kind: 'traverse'; relation: string; body: Expr };

export interface NamespaceModel {
  name: string;
  relations: Map<string, SubjectType[]>;
  permits: Map<string, Expr>;
}

export type OplModel = Map<string, NamespaceModel>;
