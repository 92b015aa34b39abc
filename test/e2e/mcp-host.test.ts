/**
 * A student connects their own assistant to the school's MCP server (issue 15), as a host
 * does it: the 401 names the protected-resource metadata (RFC 9728), the student mints a
 * personal token on /assistant, and the official SDK client over Streamable HTTP lists their
 * answers and asks for a check; a read-only token may not check, a revoked one stops at
 * once, and another student sees none of it. On the real NocoDB with the demo school.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'chai';
import { seedDemo } from '../../service/demo.ts';
import { startSchool, type School, passwordSession } from '../support/school.ts';
import { testLog } from '../support/stack.ts';

type TextResult = { content: { type: string; text: string }[]; structuredContent?: any; isError?: boolean };

describe('MCP from a host: a student\'s own assistant', function () {
  this.timeout(300_000);
  let school: School;
  const clients: Client[] = [];
  before(async () => { school = await startSchool('mcp_host'); });
  after(async () => { await Promise.all(clients.map((c) => c.close().catch(() => undefined))); await school?.close(); });

  const logIn = (email: string, password: string) => passwordSession(school.standin.url, email, password);
  const mint = async (session: string, name: string, scope: 'read' | 'check') => {
    const res = await fetch(`${school.platform.url}/assistant/tokens`, {
      method: 'POST', headers: { 'x-session-token': session, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ name, scope }),
    });
    expect(res.status).to.equal(201);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const page = await res.text();
    return /<code id="minted-token">(sch_mcp_[A-Za-z0-9_-]+)<\/code>/.exec(page)![1]!;
  };
  const connect = async (token: string) => {
    const client = new Client({ name: 'claude-desktop-like', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${school.platform.url}/api/ai-check/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    clients.push(client);
    return client;
  };
  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as TextResult;

  it('points a host without a token at how to sign in (WWW-Authenticate and the protected-resource metadata)', async () => {
    const res = await fetch(`${school.platform.url}/api/ai-check/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }) });
    expect(res.status).to.equal(401);
    const challenge = res.headers.get('www-authenticate')!;
    const url = /resource_metadata="([^"]+)"/.exec(challenge)![1]!;
    expect(url).to.equal(`${school.platform.url}/.well-known/oauth-protected-resource/api/ai-check/mcp`);
    const metadata = await (await fetch(url)).json() as Record<string, unknown>;
    expect(metadata).to.include({ resource: `${school.platform.url}/api/ai-check/mcp`, resource_documentation: `${school.platform.url}/assistant` });
    expect(metadata.bearer_methods_supported).to.deep.equal(['header']);
    const forged = await fetch(`${school.platform.url}/api/ai-check/mcp`, { method: 'POST', headers: { authorization: 'Bearer sch_mcp_forged', 'content-type': 'application/json' }, body: '{}' });
    expect(forged.status).to.equal(401);
    expect(forged.headers.get('www-authenticate')).to.match(/error="invalid_token"/);
  });

  it('lets a student mint a token, list their answers and ask for a check of a submitted one; a read token may not check, a revoked one stops', async () => {
    const [, anna, boris] = await seedDemo({ rows: school.rows, ory: school.standin.ory, identity: school.capabilities.identity, log: testLog });
    const session = await logIn(anna!.email, anna!.password);
    const page = await fetch(`${school.platform.url}/assistant`, { headers: { 'x-session-token': session } });
    expect(page.status).to.equal(200);
    expect(await page.text()).to.contain('/api/ai-check/mcp');
    expect((await fetch(`${school.platform.url}/assistant`, { redirect: 'manual' })).status, 'a visitor is sent to sign in').to.equal(303);

    const reader = await connect(await mint(session, 'Claude, read', 'read'));
    const listed = (await call(reader, 'list_my_answers')).structuredContent.answers as { answer_id: number; exercise_number: number; exercise: string; status: string }[];
    expect(listed.map((a) => [a.exercise_number, a.exercise, a.status])).to.deep.equal([[1, 'Граница системы', 'draft'], [2, 'Функция и конструкция', 'draft'], [3, 'Надсистема', 'draft']]);
    const second = listed[1]!.answer_id;
    expect(JSON.parse((await call(reader, 'check_answer', { answer_id: second })).content[0]!.text).error.code).to.equal('MCP_SCOPE_INSUFFICIENT');

    const checker = await connect(await mint(session, 'Claude, check', 'check'));
    expect(JSON.parse((await call(checker, 'check_answer', { answer_id: second })).content[0]!.text).error.code, 'a draft').to.equal('ANSWER_NOT_SUBMITTED');
    const submitted = await fetch(`${school.platform.url}/api/workbooks/${anna!.workbookId}/answers/${second}/submit`, {
      method: 'POST', headers: { 'x-session-token': session, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'Функция часов — показывать время; конструкция — шестерни и стрелки.' }),
    });
    expect(submitted.status).to.equal(200);
    const waiting = (await call(checker, 'list_my_answers', { status: 'submitted' })).structuredContent.answers as { answer_id: number }[];
    expect(waiting.map((a) => a.answer_id), '"which of my answers are waiting?"').to.deep.equal([second]);
    const checked = await call(checker, 'check_answer', { answer_id: String(second) });
    expect(checked.isError ?? false, checked.content[0]!.text).to.equal(false);
    expect(checked.structuredContent.check).to.include({ answerId: String(second) });

    // Another student: none of Anna's answers, and hers is not theirs to check.
    const borisSession = await logIn(boris!.email, boris!.password);
    const other = await connect(await mint(borisSession, 'Boris', 'check'));
    const his = (await call(other, 'list_my_answers')).structuredContent.answers as { answer_id: number }[];
    expect(his.map((a) => a.answer_id)).to.not.include(second);
    expect(JSON.parse((await call(other, 'check_answer', { answer_id: second })).content[0]!.text).error.code).to.equal('NOT_YOUR_ANSWER');

    // Revoked from the page: the next request is refused.
    const listPage = await (await fetch(`${school.platform.url}/assistant`, { headers: { 'x-session-token': session } })).text();
    const readerId = /data-token-id="([0-9a-f-]{36})"><strong>Claude, read/.exec(listPage)![1]!;
    const revoked = await fetch(`${school.platform.url}/assistant/tokens/${readerId}/revoke`, { method: 'POST', headers: { 'x-session-token': session }, redirect: 'manual' });
    expect(revoked.status).to.equal(303);
    const after = await call(reader, 'list_my_answers').catch((e: Error) => e);
    expect(String(after)).to.match(/401|UNAUTHENTICATED|invalid_token/);
  });
});
