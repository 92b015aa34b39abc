/**
 * Permission model of the school in the Ory Permission Language (OPL).
 *
 * Keto loads this file (keto.yml: namespaces.location); our stand-in evaluates the same
 * file through ory/opl. Subjects are Kratos identity ids (`subject_id`), or subject sets
 * such as `Role:staff#members` and `Group:<id>#members`.
 *
 * Tuples the service writes (one line each, Keto notation `Namespace:object#relation@subject`):
 *   Role:staff#members@<identity>               staff, admin, ambassador are the three Role objects
 *   Group:<group>#members@<identity>            a student in a cohort
 *   Group:<group>#mentors@<identity>            a mentor of that cohort
 *   Group:<group>#managers@Role:staff#members   who manages the cohort (written when it is created)
 *   Group:reviewers#mentors@Role:staff#members  staff review the self-learners' queue (AI_CHECK_REVIEW_GROUP)
 *   Subscription:<plan>#holders@<identity>      an active subscription; deleted when it expires
 *   Guide:<guide>#authors@<identity>
 *   Guide:<guide>#readers@Subscription:<plan>#holders   or @Group:<group>#members or @<identity>
 *   Guide:<slug>#readers@Workbook:<workbook>#owners     a student reads the guide of their workbook
 *   Workbook:<workbook>#owners@<identity>
 *   Workbook:<workbook>#parents@Group:<group>   the cohort whose mentors review it
 *   Workbook:<workbook>#viewers@Role:staff#members
 *   Contact:<scope>#editors@Role:staff#members  CRM objects: one object per CRM scope
 *   Person:<identity>#owners@<identity>         a person's own records (points)
 *
 * This file follows Keto's OPL dialect, not ordinary TypeScript: `related` has no
 * initializer and the types come from @ory/keto-namespace-types, which replaces the
 * standard library. Type-check it with ory/keto/tsconfig.json, not the root config.
 */
import { Namespace, Context, SubjectSet } from '@ory/keto-namespace-types';

class User implements Namespace {}

/** Platform roles. Objects: "staff", "admin", "ambassador". */
class Role implements Namespace {
  related: {
    members: User[];
  };
}

/** A cohort: students (members) and their mentors. */
class Group implements Namespace {
  related: {
    members: User[];
    /** Mentors review the group's answers; the staff queue `reviewers` is reviewed by Role:staff#members. */
    mentors: (User | SubjectSet<Role, 'members'>)[];
    managers: (User | SubjectSet<Role, 'members'>)[];
  };

  permits = {
    view: (ctx: Context): boolean =>
      this.related.members.includes(ctx.subject) || this.permits.review(ctx) || this.permits.manage(ctx),
    review: (ctx: Context): boolean => this.related.mentors.includes(ctx.subject),
    manage: (ctx: Context): boolean => this.related.managers.includes(ctx.subject),
  };
}

/** An active subscription is a present tuple; expiry deletes it. Objects: plan ids. */
class Subscription implements Namespace {
  related: {
    holders: User[];
  };
}

/** A guide (course material). */
class Guide implements Namespace {
  related: {
    authors: User[];
    readers: (User | SubjectSet<Group, 'members'> | SubjectSet<Subscription, 'holders'> | SubjectSet<Workbook, 'owners'>)[];
  };

  permits = {
    read: (ctx: Context): boolean => this.related.readers.includes(ctx.subject) || this.permits.edit(ctx),
    edit: (ctx: Context): boolean => this.related.authors.includes(ctx.subject),
  };
}

/** A student's workbook, reviewed by the mentors of the cohort it belongs to. */
class Workbook implements Namespace {
  related: {
    owners: User[];
    parents: Group[];
    viewers: (User | SubjectSet<Role, 'members'>)[];
  };

  permits = {
    view: (ctx: Context): boolean =>
      this.permits.edit(ctx) ||
      this.permits.review(ctx) ||
      this.related.viewers.includes(ctx.subject) ||
      this.related.parents.traverse((p) => p.permits.manage(ctx)),
    comment: (ctx: Context): boolean => this.permits.edit(ctx) || this.permits.review(ctx),
    review: (ctx: Context): boolean => this.related.parents.traverse((p) => p.related.mentors.includes(ctx.subject)),
    edit: (ctx: Context): boolean => this.related.owners.includes(ctx.subject),
  };
}

/**
 * A person's own records (points, calendar, statement). Object: the identity id.
 * Tuples: Person:<id>#owners@<id>, Person:<id>#viewers@Role:staff#members.
 */
class Person implements Namespace {
  related: {
    owners: User[];
    viewers: (User | SubjectSet<Role, 'members'>)[];
  };

  permits = {
    view: (ctx: Context): boolean => this.related.owners.includes(ctx.subject) || this.related.viewers.includes(ctx.subject),
    edit: (ctx: Context): boolean => this.related.owners.includes(ctx.subject),
  };
}

/** CRM: people we talk to. Grant with `editors@Role:staff#members` and `editors@Role:admin#members`. */
class Contact implements Namespace {
  related: {
    viewers: (User | SubjectSet<Role, 'members'>)[];
    editors: (User | SubjectSet<Role, 'members'>)[];
  };

  permits = {
    view: (ctx: Context): boolean => this.related.viewers.includes(ctx.subject) || this.permits.edit(ctx),
    edit: (ctx: Context): boolean => this.related.editors.includes(ctx.subject),
  };
}

/** CRM: reports. */
class Report implements Namespace {
  related: {
    viewers: (User | SubjectSet<Role, 'members'>)[];
    editors: (User | SubjectSet<Role, 'members'>)[];
  };

  permits = {
    view: (ctx: Context): boolean => this.related.viewers.includes(ctx.subject) || this.permits.edit(ctx),
    edit: (ctx: Context): boolean => this.related.editors.includes(ctx.subject),
  };
}

/** CRM: payments and invoices. */
class Billing implements Namespace {
  related: {
    viewers: (User | SubjectSet<Role, 'members'>)[];
    editors: (User | SubjectSet<Role, 'members'>)[];
  };

  permits = {
    view: (ctx: Context): boolean => this.related.viewers.includes(ctx.subject) || this.permits.edit(ctx),
    edit: (ctx: Context): boolean => this.related.editors.includes(ctx.subject),
  };
}
