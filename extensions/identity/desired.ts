import type { RelationTuple } from '../../ory/opl/tuples.ts';
import {
  GRANTED_ROLES, groupObject, roleMembers, subscriptionObject, toIdentity, toSet, workbookObject,
} from './objects.ts';

/**
 * Pure: the relation tuples NocoDB's current state justifies (namespaces.keto.ts), from
 * plain data the state reader (school-state.ts) collected. No I/O here.
 */
export interface GroupState {
  id: number;
  /** Identity ids of the people linked as Members (people without one are skipped). */
  members: string[];
  mentors: { identity: string | null; active: boolean }[];
}

export interface WorkbookState {
  id: number;
  /** The IdentityId of the person the workbook is linked to (People: its student). */
  owner: string | null;
  groupId: number | null;
  /** Slug of the guide the workbook is for (workbooks belong to a guide); its owner reads it. */
  guideSlug?: string | null;
}

/** A product's holders today as billing keeps them (billing_entitlement), and the guides it opens. */
export interface SubscriptionState {
  /** The product (NocoDB Products.Id). */
  id: number;
  holders: string[];
  guides: string[];
}

const STAFF = [roleMembers('staff'), roleMembers('admin')];

export function groupTuples(g: GroupState): RelationTuple[] {
  const object = groupObject(g.id);
  return [
    ...unique(g.members).map((id) => toIdentity('Group', object, 'members', id)),
    ...unique(g.mentors.filter((m) => m.active && m.identity).map((m) => m.identity!)).map((id) => toIdentity('Group', object, 'mentors', id)),
    ...STAFF.map((set) => toSet('Group', object, 'managers', set)),
  ];
}

export function workbookTuples(w: WorkbookState): RelationTuple[] {
  const object = workbookObject(w.id);
  return [
    ...(w.owner ? [toIdentity('Workbook', object, 'owners', w.owner)] : []),
    ...(w.groupId ? [toSet('Workbook', object, 'parents', { namespace: 'Group', object: groupObject(w.groupId), relation: '' })] : []),
    ...STAFF.map((set) => toSet('Workbook', object, 'viewers', set)),
    ...(w.guideSlug ? [toSet('Guide', w.guideSlug, 'readers', { namespace: 'Workbook', object, relation: 'owners' })] : []),
  ];
}

/** Its holders, and its guides readable by them (Guide:<slug>#readers@Subscription:product-<id>#holders). */
export function subscriptionTuples(s: SubscriptionState): RelationTuple[] {
  const object = subscriptionObject(s.id);
  return [
    ...unique(s.holders).map((id) => toIdentity('Subscription', object, 'holders', id)),
    ...unique(s.guides).map((slug) => toSet('Guide', slug, 'readers', { namespace: 'Subscription', object, relation: 'holders' })),
  ];
}

/** Role:<role>#members@identity for each role of people.Roles that is a Role object. */
export function roleTuples(identity: string, roles: string[]): RelationTuple[] {
  const granted = GRANTED_ROLES.filter((r) => roles.includes(r));
  return granted.map((role) => toIdentity('Role', role, 'members', identity));
}

/** A person's own records: they and staff may see them (Person in namespaces.keto.ts). */
export function personTuples(identity: string): RelationTuple[] {
  return [toIdentity('Person', identity, 'owners', identity), toSet('Person', identity, 'viewers', roleMembers('staff'))];
}

/** Everything that follows from one person's row: their roles and their own records. */
export function identityTuples(identity: string, roles: string[]): RelationTuple[] {
  return [...roleTuples(identity, roles), ...personTuples(identity)];
}

/**
 * The staff reviewers' queue of the AI checks (AI_CHECK_REVIEW_GROUP's default): self-learners'
 * answers that need a person go there, and every staff member reviews it. Staff are the
 * people whose Roles say so.
 */
export const STAFF_REVIEW_GROUP = 'reviewers';

/** School-wide grants: staff and admins see the CRM and the operations reports; staff review the reviewers' queue (AI_CHECK_REVIEW_GROUP). */
export const grants = (staffReviewGroup = STAFF_REVIEW_GROUP): RelationTuple[] => [
  toSet('Group', staffReviewGroup, 'mentors', roleMembers('staff')),
  ...STAFF.map((set) => toSet('Contact', 'crm', 'editors', set)),
  toSet('Report', 'operations', 'viewers', roleMembers('staff')),
  toSet('Report', 'operations', 'editors', roleMembers('admin')),
];

/** Everything NocoDB holds that moves permissions, read at once for reconciliation. */
export interface SchoolSnapshot {
  groups: GroupState[];
  workbooks: WorkbookState[];
  subscriptions: SubscriptionState[];
  people: { identity: string; roles: string[] }[];
}

export function allTuples(s: SchoolSnapshot, today: string, staffReviewGroup = STAFF_REVIEW_GROUP): RelationTuple[] {
  const roles = new Map<string, string[]>();
  for (const p of s.people) roles.set(p.identity, [...(roles.get(p.identity) ?? []), ...p.roles]);
  return [
    ...s.groups.flatMap(groupTuples),
    ...s.workbooks.flatMap(workbookTuples),
    ...s.subscriptions.flatMap(subscriptionTuples),
    ...[...roles].flatMap(([identity, r]) => identityTuples(identity, r)),
    ...grants(staffReviewGroup),
  ];
}

export const utcDay = (d: Date) => d.toISOString().slice(0, 10);

const unique = (xs: string[]) => [...new Set(xs)];
