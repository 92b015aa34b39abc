import type { ProvisionReport } from '../../nocodb/provision.ts';
import type { TopicRow } from '../inbox/routing.ts';

/** The one readable block `npm start` prints when everything is up. */
export function printStatus(s: {
  serviceUrl: string;
  nocodbUrl: string;
  credentialsFile: string;
  nocodbLogin?: string;
  report: ProvisionReport;
  components: [string, string][];
  topics: TopicRow[];
}): void {
  const consumed = s.topics.filter((t) => t.consumers.length);
  const topicWidth = Math.max(...consumed.map((t) => t.topic.length));
  const width = Math.max(...s.components.map(([name]) => name.length));
  const lines = [
    '',
    '  School platform is up',
    '  ---------------------',
    `  Service       ${s.serviceUrl}   (health: ${s.serviceUrl}/health, metrics: /metrics, queues: /admin/queues)`,
    `  NocoDB        ${s.nocodbUrl}   base "School": ${s.report.createdTables.length ? `${s.report.createdTables.length} tables created now` : 'up to date'}`,
    ...(s.nocodbLogin ? [`  Log in as     ${s.nocodbLogin}; password and API token in ${s.credentialsFile}`] : []),
    `  Webhooks      ${s.serviceUrl}/hooks/{nocodb,kratos,discourse,collector,telegram,moneta,yookassa,stripe}; secrets in ${s.credentialsFile}`,
    '',
    ...s.components.map(([name, how]) => `  ${name.padEnd(width)}   ${how}`),
    ...(s.report.unknownColumns.length ? ['', `  NocoDB columns not in schemas/ (left untouched): ${s.report.unknownColumns.join(', ')}`] : []),
    ...(s.report.typeMismatches.length ? ['', `  NocoDB columns of another type than schemas/ says: ${s.report.typeMismatches.join('; ')}`] : []),
    ...(s.report.shownAs.length ? ['', `  NocoDB shown as schemas/ says now: ${s.report.shownAs.join('; ')}`] : []),
    '',
    `  Who consumes what (${consumed.length} of ${s.topics.length} declared topics; all: npm run topics)`,
    ...consumed.map((t) => `    ${t.topic.padEnd(topicWidth)}  ${t.consumers.join(', ')}`),
    '',
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
