import { col, defineTable } from './define.ts';

/** The school's meta-model: what it teaches (guides, qualifications, programs) and to whom (streams, groups, people). */
export const qualifications = defineTable({
  key: 'qualifications', title: 'Qualifications', description: 'Qualifications a student can earn',
  columns: { Title: col.text(), Code: col.text(), Description: col.longText() },
});

export const guides = defineTable({
  key: 'guides', title: 'Guides', description: 'Online guides: Markdown texts with exercises',
  columns: {
    Title: col.text(), Slug: col.text('Folder of the guide in the docs repository'),
    Language: col.select(['ru', 'en'] as const), Description: col.longText(),
  },
  links: [
    { title: 'Versions', to: 'guide_versions', type: 'hm' },
    { title: 'Exercises', to: 'exercises', type: 'hm' },
    { title: 'Workbooks', to: 'workbooks', type: 'hm' },
  ],
  hooks: ['insert', 'update'],
});

export const guideVersions = defineTable({
  key: 'guide_versions', title: 'Guide versions', description: 'Editions of a guide',
  columns: { Version: col.text(), PublishedAt: col.date(), Notes: col.longText('What changed, for students') },
  links: [{ title: 'Sections', to: 'guide_sections', type: 'hm' }],
});

export const guideSections = defineTable({
  key: 'guide_sections', title: 'Guide sections', description: 'Sections of a guide edition',
  columns: { Title: col.text(), Anchor: col.text(), Position: col.int() },
  links: [{ title: 'Exercises', to: 'exercises', type: 'hm' }],
});

export const programs = defineTable({
  key: 'programs', title: 'Programs', description: 'Programs: guides leading to qualifications',
  columns: { Title: col.text(), Description: col.longText() },
  links: [
    { title: 'Qualifications', to: 'qualifications', type: 'mm' },
    { title: 'Guides', to: 'guides', type: 'mm' },
    { title: 'Streams', to: 'streams', type: 'hm' },
  ],
});

export const streams = defineTable({
  key: 'streams', title: 'Streams', description: 'A run of a program with start and end dates',
  columns: { Title: col.text(), StartsOn: col.date(), EndsOn: col.date() },
  links: [{ title: 'Groups', to: 'groups', type: 'hm' }],
});

export const people = defineTable({
  key: 'people', title: 'People', description: 'Students, mentors, authors and staff; IdentityId is their Ory Kratos identity',
  columns: {
    Name: col.text(), Email: col.email(), IdentityId: col.text('Ory Kratos identity id'),
    TelegramId: col.text(), TelegramUsername: col.text(),
    Roles: col.multiSelect(['student', 'mentor', 'author', 'staff', 'ambassador', 'admin'] as const),
    TimeZone: col.text('IANA time zone, e.g. Europe/Moscow'), Locale: col.select(['ru', 'en'] as const),
  },
  // Mentoring: a Mentors row picks its person (the Mentors grid's People column), no id pasted.
  links: [{ title: 'Workbooks', to: 'workbooks', type: 'hm' }, { title: 'Mentoring', to: 'mentors', type: 'hm' }, { title: 'Grants', to: 'grants', type: 'hm' }, { title: 'Seat assignments', to: 'seat_assignments', type: 'hm' }],
  hooks: ['insert', 'update'],
});

export const groups = defineTable({
  key: 'groups', title: 'Groups', description: 'Mentor-led or self-paced groups, each with its Telegram chat',
  columns: {
    Title: col.text(), Mode: col.select(['mentor_led', 'self_paced'] as const),
    TelegramChatId: col.text(), TelegramInviteLink: col.url(),
  },
  links: [
    { title: 'Members', to: 'people', type: 'mm' },
    { title: 'Workbooks', to: 'workbooks', type: 'hm' },
  ],
  hooks: ['insert', 'update', 'delete'],
});

export const mentors = defineTable({
  key: 'mentors', title: 'Mentors', description: 'Mentors and the groups they lead: pick the person (People) and the groups (Groups)',
  columns: { Name: col.text(), IdentityId: col.text('Ory Kratos identity id; not needed when the person is picked in People'), Active: col.bool(), Bio: col.longText() },
  links: [{ title: 'Groups', to: 'groups', type: 'mm' }],
  hooks: ['insert', 'update', 'delete'],
});

export const metaModelTables = [qualifications, guides, guideVersions, guideSections, programs, streams, people, groups, mentors];
