import type { Pool } from 'pg';
import type { z } from 'zod';
import type { NocoRows, Row } from '../../nocodb/client.ts';
import type { RelationTuple } from '../../ory/opl/tuples.ts';
import { groupRow, guideRow, mentorRow, personRow, workbookRow } from '../../schemas/events/identity.ts';
import {
  allTuples, grants, groupTuples, identityTuples, subscriptionTuples, workbookTuples,
  type GroupState, type SchoolSnapshot, type SubscriptionState, type WorkbookState,
} from './desired.ts';
import type { NocoLinks } from '../../nocodb/links.ts';
import type { Ory } from '../../ory/client.ts';
import { kratosRoles } from './role-guard.ts';
import type { Slice } from './slices.ts';

/**
 * Reads NocoDB's current state (never the webhook payload: link changes fire no webhook,
 * nocodb#9763) and turns it into the tuples it justifies (desired.ts). One slice at a time
 * for the consumers, everything at once for reconciliation.
 */
export interface SchoolState {
  desired(slice: Slice, today: string): Promise<RelationTuple[]>;
  /** A workbook's owner and group; null when the row is gone. */
  workbook(id: number): Promise<WorkbookState | null>;
  groupsOfMentor(mentorId: number): Promise<number[]>;
  groupsOfPerson(personId: number): Promise<number[]>;
  /** The groups a person leads through the Mentors rows that picked them. */
  groupsMentoredBy(personId: number): Promise<number[]>;
  workbooksOfPerson(personId: number): Promise<number[]>;
  workbooksOfGroup(groupId: number): Promise<number[]>;
  /** Every tuple NocoDB justifies now, for reconciliation. */
  everything(today: string): Promise<{ tuples: RelationTuple[]; counts: Record<string, number>; people: PeopleRoles }>;
}

const PAGE = 1000;

/** People rows as NocoDB shows their roles, and the privileged roles Kratos gives each identity. */
export interface PeopleRoles {
  people: { Id: number; IdentityId: string | null; Roles: string[] }[];
  rolesOf: Map<string, string[]>;
}
/** Identity ids go into NocoDB where-clauses: only plain tokens (Kratos ids are UUIDs). */
const SAFE_TOKEN = /^[A-Za-z0-9_.@-]{1,200}$/;

export function schoolState(deps: { nocodb: NocoRows; links: NocoLinks; kratos: Pick<Ory['identities'], 'get' | 'list'>; staffReviewGroup?: string; db: Pick<Pool, 'query'> }): SchoolState {
  const { nocodb, links, kratos } = deps;

  const read = async <S extends z.ZodType>(table: string, id: number, schema: S): Promise<z.infer<S> | null> => {
    try {
      return schema.parse(await nocodb.get(table, id));
    } catch (e) {
      if ((e as { response?: { status?: number } }).response?.status === 404) return null;
      throw e;
    }
  };

  const listAll = async (table: string, query: { where?: string; fields?: string } = {}): Promise<Row[]> => {
    const rows: Row[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await nocodb.list(table, { ...query, sort: 'Id', limit: PAGE, offset });
      rows.push(...page);
      if (page.length < PAGE) return rows;
    }
  };

  const identitiesOf = (rows: Row[]) => rows.map((r) => personRow.parse(r).IdentityId).filter((id): id is string => !!id);

  async function group(id: number): Promise<GroupState | null> {
    if (!(await read('groups', id, groupRow))) return null;
    const [members, mentorLinks] = await Promise.all([
      links.list('groups', 'Members', id, ['Id', 'IdentityId']),
      links.list('groups', 'Mentors', id, ['Id']),
    ]);
    const mentors = await Promise.all(mentorLinks.map(async (l) => {
      const m = await read('mentors', mentorRow.parse(l).Id, mentorRow);
      return m && { identity: await mentorIdentity(m, async (p) => (await read('people', p, personRow))?.IdentityId ?? null), active: m.Active };
    }));
    return { id, members: identitiesOf(members), mentors: mentors.filter((m) => m !== null) };
  }

  /** The person picked in the Mentors row, else the identity id typed there (older rows). */
  async function mentorIdentity(m: z.infer<typeof mentorRow>, identityOfPerson: (personId: number) => Promise<string | null>): Promise<string | null> {
    return (m.people_id !== null ? await identityOfPerson(m.people_id) : null) ?? m.IdentityId;
  }

  async function workbook(id: number): Promise<WorkbookState | null> {
    const row = await read('workbooks', id, workbookRow);
    if (!row) return null;
    const owner = row.people_id ? (await read('people', row.people_id, personRow))?.IdentityId ?? null : null;
    const guideSlug = row.guides_id ? (await read('guides', row.guides_id, guideRow))?.Slug ?? null : null;
    return { id, owner, groupId: row.groups_id, guideSlug };
  }

  /** A product's holders today and its guides: billing's record (billing_entitlement), not a NocoDB row. */
  async function subscription(id: number): Promise<SubscriptionState | null> {
    return (await products([id]))[0] ?? null;
  }

  async function products(ids: number[] | null): Promise<SubscriptionState[]> {
    const { rows } = await deps.db.query<{ id: number; guides: string[]; holders: string[] }>(
      `select p.id, case when p.deleted then '{}'::text[] else p.guides end as guides,
         coalesce(array_agg(e.person_id) filter (where e.person_id is not null and not p.deleted), '{}') as holders
       from billing_product p left join billing_entitlement e on e.product_id = p.id
       where $1::int[] is null or p.id = any($1::int[]) group by p.id, p.guides, p.deleted order by p.id`, [ids]);
    return rows.map((r) => ({ id: r.id, guides: r.guides, holders: r.holders }));
  }

  /** Privileged roles come from Kratos' metadata_admin, never from People.Roles (role-guard.ts). */
  async function rolesOf(identity: string): Promise<string[]> {
    if (!SAFE_TOKEN.test(identity)) return [];
    return kratosRoles((await kratos.get(identity))?.metadata_admin);
  }

  async function kratosRolesOfAll(): Promise<Map<string, string[]>> {
    const roles = new Map<string, string[]>();
    let pageToken: string | undefined;
    do {
      const page = await kratos.list({ pageSize: 500, ...(pageToken ? { pageToken } : {}) });
      for (const i of page.identities) {
        const r = kratosRoles(i.metadata_admin);
        if (r.length) roles.set(i.id, r);
      }
      pageToken = page.nextPageToken;
    } while (pageToken);
    return roles;
  }

  async function readEverything(): Promise<{ state: SchoolSnapshot; counts: Record<string, number>; rows: PeopleRoles }> {
    const [people, groups, mentors, workbooks, subscriptions, guides, roleOf] = await Promise.all([
      listAll('people', { fields: 'Id,IdentityId,Roles' }).then((rows) => rows.map((r) => personRow.parse(r))),
      listAll('groups', { fields: 'Id' }).then((rows) => rows.map((r) => groupRow.parse(r))),
      listAll('mentors').then((rows) => rows.map((r) => mentorRow.parse(r))),
      listAll('workbooks').then((rows) => rows.map((r) => workbookRow.parse(r))),
      products(null),
      listAll('guides', { fields: 'Id,Slug' }).then((rows) => rows.map((r) => guideRow.parse(r))),
      kratosRolesOfAll(),
    ]);
    const slugOf = new Map(guides.map((g) => [g.Id, g.Slug]));
    const identityOf = new Map(people.map((p) => [p.Id, p.IdentityId]));
    const mentorsOf = new Map<number, GroupState['mentors']>();
    for (const m of mentors) {
      for (const g of await links.list('mentors', 'Groups', m.Id, ['Id'])) {
        const gid = groupRow.parse(g).Id;
        const identity = await mentorIdentity(m, async (p) => identityOf.get(p) ?? null);
        mentorsOf.set(gid, [...(mentorsOf.get(gid) ?? []), { identity, active: m.Active }]);
      }
    }
    const groupStates: GroupState[] = [];
    for (const g of groups) {
      const members = (await links.list('groups', 'Members', g.Id, ['Id'])).map((p) => identityOf.get(personRow.parse(p).Id));
      groupStates.push({ id: g.Id, members: members.filter((id): id is string => !!id), mentors: mentorsOf.get(g.Id) ?? [] });
    }
    return {
      state: {
        groups: groupStates,
        workbooks: workbooks.map((w) => ({ id: w.Id, owner: w.people_id ? identityOf.get(w.people_id) ?? null : null, groupId: w.groups_id, guideSlug: w.guides_id ? slugOf.get(w.guides_id) ?? null : null })),
        subscriptions,
        people: [...new Set([...people.map((p) => p.IdentityId).filter((id): id is string => !!id), ...roleOf.keys()])]
          .map((identity) => ({ identity, roles: roleOf.get(identity) ?? [] })),
      },
      rows: { people: people.map((p) => ({ Id: p.Id, IdentityId: p.IdentityId, Roles: p.Roles })), rolesOf: roleOf },
      counts: { people: people.length, groups: groups.length, mentors: mentors.length, workbooks: workbooks.length, subscriptions: subscriptions.length },
    };
  }

  return {
    workbook,
    async desired(slice, today) {
      if (slice.kind === 'grants') return grants(deps.staffReviewGroup);
      if (slice.kind === 'roles') return identityTuples(slice.identity, await rolesOf(slice.identity));
      switch (slice.namespace) {
        case 'Group': {
          const g = await group(slice.rowId);
          return g ? groupTuples(g) : [];
        }
        case 'Workbook': {
          const w = await workbook(slice.rowId);
          return w ? workbookTuples(w) : [];
        }
        case 'Subscription': {
          const s = await subscription(slice.rowId);
          return s ? subscriptionTuples(s) : [];
        }
      }
    },
    groupsOfMentor: async (id) => (await links.list('mentors', 'Groups', id, ['Id'])).map((g) => groupRow.parse(g).Id),
    groupsOfPerson: async (id) => (await links.list('people', 'Groups', id, ['Id'])).map((g) => groupRow.parse(g).Id),
    async groupsMentoredBy(id) {
      const rows = await listAll('mentors', { where: `(people_id,eq,${id})`, fields: 'Id' });
      const groups = await Promise.all(rows.map(async (m) => (await links.list('mentors', 'Groups', mentorRow.parse(m).Id, ['Id'])).map((g) => groupRow.parse(g).Id)));
      return [...new Set(groups.flat())];
    },
    workbooksOfGroup: async (id) => (await listAll('workbooks', { where: `(groups_id,eq,${id})`, fields: 'Id' })).map((w) => workbookRow.parse(w).Id),
    workbooksOfPerson: async (id) => (await listAll('workbooks', { where: `(people_id,eq,${id})`, fields: 'Id' })).map((w) => workbookRow.parse(w).Id),

    async everything(today) {
      const snapshot = await readEverything();
      return { tuples: allTuples(snapshot.state, today, deps.staffReviewGroup), counts: snapshot.counts, people: snapshot.rows };
    },
  };
}
