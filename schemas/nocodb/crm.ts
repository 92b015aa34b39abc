import { col, defineTable } from './define.ts';

/** The CRM: contacts and leads. What the school sells and grants is billing's (billing.ts). */
export const contacts = defineTable({
  key: 'contacts', title: 'Contacts', description: 'Everyone the school talks to; one per Ory identity (IdentityId)',
  columns: {
    Name: col.text(), Email: col.email(), Phone: col.phone(), TelegramUsername: col.text(),
    IdentityId: col.text('Ory Kratos identity id; unique'), Jurisdiction: col.select(['ru', 'world'] as const),
    Source: col.text('Where the contact came from'), Notes: col.longText(),
  },
  links: [
    { title: 'Leads', to: 'leads', type: 'hm' },
  ],
});

export const leads = defineTable({
  key: 'leads', title: 'Leads', description: 'Requests from the contact form',
  columns: {
    Name: col.text(), Email: col.email(), Phone: col.phone(), Message: col.longText(),
    Source: col.text(), Status: col.select(['new', 'contacted', 'won', 'lost'] as const),
  },
  hooks: ['insert'],
});

export const crmTables = [contacts, leads];
