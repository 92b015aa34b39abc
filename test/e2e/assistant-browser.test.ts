/**
 * A student connects their own assistant, in a real browser (Debian's chromium through
 * puppeteer-core): a visitor opening /assistant is sent to sign in and back; the form mints
 * a personal MCP token, shown once with the configuration to paste into Claude Desktop; the
 * official MCP client with that token lists her answers; the page's Revoke button stops it.
 * Screenshot: docs/screenshots/assistant-token.png.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { expect } from 'chai';
import puppeteer, { type Browser } from 'puppeteer-core';
import { startSchool, type School } from '../support/school.ts';
import { repoRoot } from '../ory/spec-dir.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const SHOTS = path.join(repoRoot, 'docs/screenshots');

describe('a student connects an assistant in a browser: sign in, mint a token, use it, revoke it', function () {
  this.timeout(240_000);
  let school: School;
  let browser: Browser;

  before(async function () {
    if (!CHROMIUM) this.skip();
    school = await startSchool('assistant_browser');
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    await mkdir(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await school?.close();
  });

  const mcp = async (token: string) => {
    const client = new Client({ name: 'claude-desktop-like', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${school.platform.url}/api/ai-check/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    return client;
  };

  it('walks from the sign-in to a token her assistant uses, and revokes it', async () => {
    const ann = await school.register('Ann');
    const page = await (await browser.createBrowserContext()).newPage();
    await page.setExtraHTTPHeaders({ 'accept-language': 'ru-RU,ru;q=0.9' });
    const url = `${school.platform.url}/assistant`;
    await page.goto(url);
    await page.waitForSelector('input[name="identifier"]');
    await page.type('input[name="identifier"]', ann.email);
    await page.type('input[name="password"]', ann.password);
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    expect(page.url(), 'back on the page she opened').to.equal(url);
    expect(await page.$eval('#mcp-url', (e) => e.textContent)).to.equal(`${school.platform.url}/api/ai-check/mcp`);
    expect(await page.content()).to.include('Токенов пока нет.');

    await page.type('input[name="name"]', 'Claude на ноутбуке');
    await Promise.all([page.waitForNavigation(), page.click('form[action^="/assistant/tokens"] button[type="submit"]')]);
    const token = await page.$eval('#minted-token', (e) => e.textContent ?? '');
    expect(token).to.match(/^sch_mcp_[A-Za-z0-9_-]{43}$/);
    expect(await page.content(), 'the configuration to paste carries it').to.include(`Bearer ${token}`);
    await page.screenshot({ path: path.join(SHOTS, 'assistant-token.png'), fullPage: true });

    const client = await mcp(token);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).to.include('list_my_answers');
    const answers = (await client.callTool({ name: 'list_my_answers', arguments: {} })) as { structuredContent?: { answers: unknown[] } };
    expect(answers.structuredContent?.answers, 'no workbook yet: none').to.deep.equal([]);
    const check = (await client.callTool({ name: 'check_answer', arguments: { answer_id: 1 } })) as { content: { text: string }[] };
    expect(JSON.parse(check.content[0]!.text).error.code, 'a read token (the form\'s default) may not check').to.equal('MCP_SCOPE_INSUFFICIENT');
    await client.close();

    // Reloaded, the page lists the token by name without showing it again; Revoke stops it.
    await page.goto(url);
    expect(await page.content()).to.include('Claude на ноутбуке').and.not.include(token);
    await Promise.all([page.waitForNavigation(), page.click('form[action*="/revoke"] button[type="submit"]')]);
    expect(await page.$eval('[role="status"]', (e) => e.textContent)).to.equal('Токен отозван.');
    const refused = await mcp(token).catch((e: Error) => e);
    expect(String(refused)).to.match(/401|UNAUTHENTICATED|invalid_token/);
  });
});
