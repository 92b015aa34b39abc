import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'chai';
import { startHarness, type Harness } from './support/harness.ts';

type TextResult = { content: { type: string; text: string }[]; isError?: boolean };

describe('ai-check: MCP server', () => {
  let h: Harness;
  const clients: Client[] = [];

  async function connect(token: string | null): Promise<Client> {
    const client = new Client({ name: 'test-assistant', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${h.api}/mcp`), {
      requestInit: { headers: token ? { Authorization: `Bearer ${token}` } : {} },
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  }
  const json = (result: unknown) => JSON.parse((result as TextResult).content[0]!.text);

  before(async () => {
    h = await startHarness({ label: 'ai_mcp' });
    await h.fx.person({ id: 'stu', name: 'Sam', language: 'en' });
    await h.fx.exercise({ id: 'ex', guide: 'modeling-en', section: 'Feedback loops', title: 'Loops', question: 'What does a balancing loop do?', maxPoints: 2 });
    await h.fx.answer({ id: '1', student: 'stu', exercise: 'ex', answer: 'A balancing loop pushes the system towards a goal, like a thermostat.', status: 'submitted' });
    await h.fx.answer({ id: '2', student: 'stu', exercise: 'ex', answer: 'Not finished yet', status: 'draft' });
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await h.close();
  });

  it('tells a host what it does: its tools with described parameters, read-only hints and output schemas, instructions, and no list changes it never sends', async () => {
    const client = await connect('session-stu');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).to.deep.equal(['check_answer', 'list_my_answers', 'list_my_workbooks', 'my_progress', 'search_guides']);
    for (const t of tools) {
      expect(t.outputSchema, `${t.name} output schema`).to.be.an('object');
      expect(t.annotations?.readOnlyHint, `${t.name} read-only hint`).to.equal(t.name !== 'check_answer');
      for (const [name, p] of Object.entries((t.inputSchema.properties ?? {}) as Record<string, { description?: string }>)) {
        expect(p.description, `${t.name}.${name} is described`).to.be.a('string');
      }
    }
    expect(client.getServerCapabilities()?.tools).to.deep.equal({ listChanged: false });
    expect(client.getInstructions()).to.match(/list_my_answers/);
  });

  it('searches the guides the student may read', async () => {
    const client = await connect('session-stu');
    const result = json(await client.callTool({ name: 'search_guides', arguments: { query: 'balancing loop thermostat goal' } }));
    expect(result.results.length).to.be.greaterThan(0);
    expect(result.results[0]).to.include({ guide: 'modeling-en', section: 'Feedback loops' });
  });

  it('checks the student\'s own answer and shows it in their progress', async () => {
    const client = await connect('session-stu');
    const checked = json(await client.callTool({ name: 'check_answer', arguments: { answer_id: 1 } }));
    expect(checked.check).to.include({ status: 'checked', answerId: '1' });
    expect(checked.check.verdict).to.include({ verdict: 'accepted', score: 2 });
    const progress = json(await client.callTool({ name: 'my_progress', arguments: {} }));
    expect(progress.progress).to.include({ answers: 1, accepted: 1, waitingForMentor: 0, meanScore: 1 });
  });

  it('says what is wrong with an answer id: not a number, not there, a draft; never an outage', async () => {
    const client = await connect('session-stu');
    const call = async (answer_id: unknown) => json(await client.callTool({ name: 'check_answer', arguments: { answer_id } as Record<string, unknown> })).error;
    expect(await call('abc')).to.deep.include({ code: 'ANSWER_NOT_FOUND' });
    expect((await call('abc')).message).to.match(/whole numbers/);
    expect(await call(999999)).to.deep.include({ code: 'ANSWER_NOT_FOUND' });
    const draft = await call('2');
    expect(draft.code).to.equal('ANSWER_NOT_SUBMITTED');
    expect(draft.message).to.match(/draft: submit it/);
  });

  it('refuses another student\'s answer and a guide the student may not read', async () => {
    await h.fx.person({ id: 'other', name: 'O', language: 'en' });
    const client = await connect('session-other');
    const foreign = (await client.callTool({ name: 'check_answer', arguments: { answer_id: '1' } })) as TextResult;
    expect(foreign.isError).to.equal(true);
    expect(json(foreign).error.code).to.equal('NOT_YOUR_ANSWER');
    h.denied.add('other read Guide:modeling-en');
    const search = (await client.callTool({ name: 'search_guides', arguments: { query: 'stocks', guide: 'modeling-en' } })) as TextResult;
    expect(json(search).error.code).to.equal('GUIDE_FORBIDDEN');
    const all = json(await client.callTool({ name: 'search_guides', arguments: { query: 'stock flows граница' } }));
    expect(all.results.every((r: { guide: string }) => r.guide !== 'modeling-en')).to.equal(true);
  });

  it('turns away a caller without a valid session token', async () => {
    let error: unknown;
    try {
      await connect('forged');
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/401|UNAUTHENTICATED/);
    const response = await fetch(`${h.api}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).to.equal(401);
    expect(response.headers.get('www-authenticate'), 'a host learns how to authenticate').to.match(/^Bearer/);
  });
});
