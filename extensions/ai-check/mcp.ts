import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { forbidden, isAppError } from '../../kernel/errors.ts';
import type { CheckDeps } from './check-answer.ts';
import { requestCheck } from './check-request.ts';
import { progressOf } from './progress.ts';
import { searchGuides } from './retrieval.ts';

/**
 * Model Context Protocol server of the AI check (official SDK, Streamable HTTP, stateless:
 * one server per request), so that a student's own assistant can search the guides, ask
 * for a check and see their progress with the student's rights and no more. The caller
 * sends their Ory session token as `Authorization: Bearer <token>`; tools check Keto
 * permissions through the same `can` the HTTP guard uses.
 */
export interface McpAuth {
  resolveIdentity(token: string): Promise<string | null>;
  can(identityId: string, relation: string, object: string): Promise<boolean>;
}

const MCP_INFO = { name: 'school-ai-check', version: '1.0.0' };

type ToolResult = { content: { type: 'text'; text: string }[]; isError?: boolean };

const ok = (value: unknown): ToolResult => ({ content: [{ type: 'text', text: JSON.stringify(value) }] });

async function safely(run: () => Promise<unknown>): Promise<ToolResult> {
  try {
    return ok(await run());
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: { code: e.code, message: e.message } }) }] };
  }
}

async function readableGuides(deps: CheckDeps, auth: McpAuth, identityId: string, only?: string): Promise<string[]> {
  const { rows } = await deps.db.query<{ slug: string }>(`select slug from ai_guide where current_version_id is not null
    and ($1::text is null or slug = $1) order by slug`, [only ?? null]);
  const allowed = await Promise.all(rows.map((r) => auth.can(identityId, 'read', `Guide:${r.slug}`)));
  return rows.filter((_, i) => allowed[i]).map((r) => r.slug);
}

export function buildMcpServer(deps: CheckDeps, auth: McpAuth, identityId: string): McpServer {
  const server = new McpServer(MCP_INFO);

  server.registerTool('search_guides', {
    title: 'Search the guides',
    description: 'Full-text search in the course guides the student can read; returns the best passages with their section.',
    inputSchema: { query: z.string().min(2).max(500), guide: z.string().optional(), limit: z.number().int().min(1).max(20).optional() },
  }, async ({ query, guide, limit }) => safely(async () => {
    const guides = await readableGuides(deps, auth, identityId, guide);
    if (guide && guides.length === 0) throw forbidden('GUIDE_FORBIDDEN', `no access to guide ${guide}`);
    const results = await searchGuides(deps.db, { text: query, guides, limit: limit ?? 5, embedder: deps.embedder });
    return { results: results.map((r) => ({ id: r.id, guide: r.guideSlug, section: r.heading, text: r.content })) };
  }));

  server.registerTool('check_answer', {
    title: 'Check my answer',
    description: 'Checks the student\'s own answer (by its id) against the guide; mentor-led students see the verdict after their mentor.',
    inputSchema: { answer_id: z.string().min(1) },
  }, async ({ answer_id }) => safely(async () => {
    const answer = await deps.answers.getAnswer(answer_id);
    const exercise = answer ? await deps.answers.getExercise(answer.exerciseId) : null;
    if (exercise && !(await auth.can(identityId, 'read', `Guide:${exercise.guideSlug}`))) {
      throw forbidden('GUIDE_FORBIDDEN', `no access to guide ${exercise.guideSlug}`);
    }
    const { view } = await requestCheck(deps, { answerId: answer_id, actorId: identityId, source: 'mcp' });
    return { check: view };
  }));

  server.registerTool('my_progress', {
    title: 'My progress',
    description: 'The student\'s checked answers: accepted, needing work, waiting for a mentor, mean score.',
    inputSchema: {},
  }, async () => safely(async () => ({ progress: await progressOf(deps.db, identityId) })));

  return server;
}

function bearer(req: Request): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1] ?? null;
}

export function mountMcp(router: Router, deps: CheckDeps, auth: McpAuth, path = '/mcp'): void {
  router.post(path, async (req: Request, res: Response) => {
    const token = bearer(req);
    const identityId = token ? await auth.resolveIdentity(token) : null;
    if (!identityId) {
      res.status(401).json({ jsonrpc: '2.0', error: { code: -32001, message: 'UNAUTHENTICATED: send an Ory session token as a Bearer token' }, id: null });
      return;
    }
    const server = buildMcpServer(deps, auth, identityId);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  // Stateless: no server-initiated stream and no session to end.
  const notAllowed = (_req: Request, res: Response) => {
    res.status(405).set('Allow', 'POST').json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed' }, id: null });
  };
  router.get(path, notAllowed);
  router.delete(path, notAllowed);
}
