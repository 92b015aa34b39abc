import type { NocoRows } from '../../nocodb/client.ts';
import type { NocoLinks } from '../../nocodb/links.ts';

/**
 * An autopost's targets as NocoDB links them now (read when sending begins, since links
 * fire no webhook): its Groups, each group of its Streams, and its Products' chats. Each
 * chat once; the first target naming it gives its placeholders (a group before a stream's
 * group before a product). A target without a chat is named, not dropped silently.
 */
export interface ChatTarget {
  chat: string;
  kind: 'group' | 'stream' | 'product';
  title: string;
  vars: { group: string; stream: string; product: string };
}
export interface Targets { chats: ChatTarget[]; noChat: { kind: ChatTarget['kind']; title: string }[] }

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
const fkOf = (v: unknown): number | null => {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'Id' in v) return Number((v as { Id: unknown }).Id) || null;
  return Number(v) || null;
};

export async function readTargets(links: NocoLinks, rows: Pick<NocoRows, 'get'>, postId: number): Promise<Targets> {
  const [groups, streams, products] = await Promise.all([
    links.list('autoposts', 'Groups', postId, ['Id', 'Title', 'TelegramChatId', 'streams_id']),
    links.list('autoposts', 'Streams', postId, ['Id', 'Title']),
    links.list('autoposts', 'Products', postId, ['Id', 'Title', 'TelegramChat']),
  ]);
  const streamTitle = new Map(streams.map((s) => [Number(s.Id), str(s.Title)]));
  const streamGroups = await Promise.all(streams.map(async (s) => ({
    stream: str(s.Title), groups: await links.list('streams', 'Groups', Number(s.Id), ['Id', 'Title', 'TelegramChatId']),
  })));
  // A directly linked group's stream, when it is not among the targeted streams.
  const unknownStreams = [...new Set(groups.map((g) => fkOf(g.streams_id)).filter((id): id is number => id !== null && !streamTitle.has(id)))];
  for (const id of unknownStreams) streamTitle.set(id, str((await rows.get('streams', id)).Title));

  const out: Targets = { chats: [], noChat: [] };
  const seen = new Set<string>();
  const add = (chat: string, t: Omit<ChatTarget, 'chat'>) => {
    if (!chat) return void out.noChat.push({ kind: t.kind, title: t.title });
    if (seen.has(chat)) return;
    seen.add(chat);
    out.chats.push({ chat, ...t });
  };
  for (const g of groups) {
    const title = str(g.Title);
    add(str(g.TelegramChatId), { kind: 'group', title, vars: { group: title, stream: streamTitle.get(fkOf(g.streams_id) ?? -1) ?? '', product: '' } });
  }
  for (const s of streamGroups) {
    for (const g of s.groups) {
      const title = str(g.Title);
      add(str(g.TelegramChatId), { kind: 'stream', title: `${s.stream} / ${title}`, vars: { group: title, stream: s.stream, product: '' } });
    }
  }
  for (const p of products) {
    const title = str(p.Title);
    add(str(p.TelegramChat), { kind: 'product', title, vars: { group: title, stream: '', product: title } });
  }
  return out;
}
