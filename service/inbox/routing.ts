import type { Capability } from '../../kernel/capability.ts';
import type { Routing } from '../../kernel/inbox.ts';
import type { TopicRegistry } from '../../schemas/topics.ts';

export interface TopicRow {
  topic: string;
  sender: string;
  consumers: string[];
}

/**
 * Who consumes what: each declared topic with its sender and its consumers, from the
 * consumers' own topic lists. A consumer naming a topic schemas/topics.ts does not declare
 * is a mistake found at start-up, not a silence at run time.
 */
export function topicTable(capabilities: Capability[], topics: TopicRegistry): TopicRow[] {
  const byTopic = new Map<string, string[]>([...topics.keys()].map((t) => [t, []]));
  for (const consumer of capabilities.flatMap((c) => c.consumers ?? [])) {
    for (const topic of consumer.topics) {
      const list = byTopic.get(topic);
      if (!list) throw new Error(`consumer ${consumer.name} takes topic ${topic}, which schemas/topics.ts does not declare`);
      if (!list.includes(consumer.name)) list.push(consumer.name);
    }
  }
  return [...byTopic].map(([topic, consumers]) => ({ topic, sender: topics.get(topic)!.sender, consumers }));
}

export function routingOf(table: TopicRow[]): Routing {
  const byTopic = new Map(table.map((r) => [r.topic, r.consumers]));
  return (topic) => byTopic.get(topic) ?? [];
}

/** The table as text: one line a topic, its consumers, then its sender. */
export function formatTopicTable(table: TopicRow[]): string {
  const width = Math.max(...table.map((r) => r.topic.length));
  const consumersWidth = Math.max(...table.map((r) => r.consumers.join(', ').length), 9);
  return table
    .map((r) => `${r.topic.padEnd(width)}  ${(r.consumers.join(', ') || '-').padEnd(consumersWidth)}  ${r.sender}`)
    .join('\n');
}
