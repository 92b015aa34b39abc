import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Request, Response, Router } from 'express';
import type { Pool } from 'pg';
import { z } from 'zod';
import { AppError, forbidden, isAppError, notFound } from '../../kernel/errors.ts';
import type { CheckDeps } from './check-answer.ts';
import { requestCheck } from './check-request.ts';
import { resolveToken, type McpScope } from './mcp-tokens.ts';
import { progressOf } from './progress.ts';
import { searchGuides } from './retrieval.ts';

/**
 * Model Context Protocol server of the AI check (official SDK, Streamable HTTP, stateless:
 * one server per request), so that a student's own assistant can list their workbooks and
 * answers, search the guides, ask for a check and see their progress with the student's
 * rights and no more. The caller sends `Authorization: Bearer <token>`: a personal MCP
 * token minted on /assistant (mcp-tokens.ts; `read` or `check`), or an Ory session token.
 * Without one the answer is 401 with `WWW-Authenticate` naming the protected-resource
 * metadata (RFC 9728), as the MCP authorization spec asks, so a host can find how to sign in.
 */
export interface McpAuth {
  resolveIdentity(token: string): Promise<string | null>;
  can(identityId: string, relation: string, object: string): Promise<boolean>;
}

/** A student's workbook as their own page shows it (the workbooks capability's view). */
export interface StudentWorkbook {
  id: number; title: string; status: string | null;
  answers: { id: number; exercise: { id: number | null; title: string }; status: string | null; submittedAt: string | null;
    ai: StudentVerdict; mentor: StudentVerdict }[];
}
interface StudentVerdict { score: number | null; maxScore: number | null; kind: 'accepted' | 'needs_work' | null; feedback: string | null }

export interface McpDeps {
  checks: CheckDeps;
  auth: McpAuth;
  db: Pool;
  /** The student's workbooks (workbooks capability); absent: the listing tools say so. */
  workbooks?: (identityId: string) => Promise<StudentWorkbook[]>;
}

const MCP_INFO = { name: 'school-ai-check', version: '1.1.0' };

export const MCP_INSTRUCTIONS = [
  'This server is a student\'s own window into an online school of systems thinking.',
  'Start with list_my_answers to see the student\'s answers with their ids, exercises and statuses (draft, submitted, checked, returned).',
  'check_answer takes an answer id from that list; only submitted answers can be checked (a draft must be submitted in the workbook first).',
  'In mentor-led groups the verdict waits for the mentor. search_guides finds passages in the guides the student may read.',
  'Answers are the student\'s own writing: quote and explain, do not write answers for them.',
].join(' ');

type ToolResult = { content: { type: 'text'; text: string }[]; structuredContent?: Record<string, unknown>; isError?: boolean };

async function safely(run: () => Promise<Record<string, unknown>>): Promise<ToolResult> {
  try {
    const value = await run();
    return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: { code: e.code, message: e.message } }) }] };
  }
}

async function readableGuides(deps: McpDeps, identityId: string, only?: string): Promise<string[]> {
  const { rows } = await deps.db.query<{ slug: string }>(`select slug from ai_guide where current_version_id is not null
    and ($1::text is null or slug = $1) order by slug`, [only ?? null]);
  const allowed = await Promise.all(rows.map((r) => deps.auth.can(identityId, 'read', `Guide:${r.slug}`)));
  return rows.filter((_, i) => allowed[i]).map((r) => r.slug);
}

/** Ids as an LLM or the Inspector sends them: a number or a string of digits. */
const rowId = z.union([z.number().int(), z.string()]).describe('The id as list_my_answers shows it (a whole number; a string of digits is accepted too)');
const idOf = (v: number | string, what: string): string => {
  const s = String(v).trim();
  if (!/^[1-9][0-9]{0,8}$/.test(s)) throw new AppError('ANSWER_NOT_FOUND', 404, `${what} ids are whole numbers, as list_my_answers shows them; "${s.slice(0, 20)}" is not one`);
  return s;
};

const verdictOut = z.object({ kind: z.enum(['accepted', 'needs_work']).nullable(), score: z.number().nullable(), max_score: z.number().nullable(), feedback: z.string().nullable() }).nullable();
const answerOut = z.object({
  answer_id: z.number(), workbook_id: z.number(), workbook: z.string(), exercise_number: z.number(), exercise: z.string(),
  status: z.string().nullable(), submitted_at: z.string().nullable(), ai_verdict: verdictOut, mentor_verdict: verdictOut,
});
const verdict = (v: StudentVerdict) => (v.kind === null && v.score === null && !v.feedback ? null : { kind: v.kind, score: v.score, max_score: v.maxScore, feedback: v.feedback });

export function buildMcpServer(deps: McpDeps, identityId: string, scope: McpScope): McpServer {
  const server = new McpServer(MCP_INFO, { instructions: MCP_INSTRUCTIONS });
  const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
  const workbooks = async () => {
    if (!deps.workbooks) throw new AppError('GUIDES_NOT_CONFIGURED', 503, 'workbooks are not available on this server');
    return deps.workbooks(identityId);
  };

  server.registerTool('list_my_workbooks', {
    title: 'My workbooks',
    description: 'The student\'s workbooks (one per guide), with how many answers are drafts, submitted, checked or returned for rework.',
    inputSchema: {},
    outputSchema: { workbooks: z.array(z.object({ workbook_id: z.number(), title: z.string(), status: z.string().nullable(), answers: z.record(z.string(), z.number()) })) },
    annotations: readOnly,
  }, async () => safely(async () => ({
    workbooks: (await workbooks()).map((w) => ({
      workbook_id: w.id, title: w.title, status: w.status,
      answers: w.answers.reduce<Record<string, number>>((n, a) => ({ ...n, [a.status ?? 'draft']: (n[a.status ?? 'draft'] ?? 0) + 1 }), {}),
    })),
  })));

  server.registerTool('list_my_answers', {
    title: 'My answers',
    description: 'The student\'s answers with their ids, the exercise (its number in the workbook and title), the status and the verdicts the student may see. Filter by workbook or status.',
    inputSchema: {
      workbook_id: rowId.optional().describe('Only this workbook (from list_my_workbooks)'),
      status: z.enum(['draft', 'submitted', 'checked', 'returned']).optional().describe('Only answers with this status; "submitted" are those waiting for a verdict'),
    },
    outputSchema: { answers: z.array(answerOut) },
    annotations: readOnly,
  }, async ({ workbook_id, status }) => safely(async () => {
    const only = workbook_id === undefined ? null : Number(idOf(workbook_id, 'workbook'));
    const answers = (await workbooks()).filter((w) => only === null || w.id === only).flatMap((w) => w.answers.map((a, i) => ({
      answer_id: a.id, workbook_id: w.id, workbook: w.title, exercise_number: i + 1, exercise: a.exercise.title,
      status: a.status, submitted_at: a.submittedAt, ai_verdict: verdict(a.ai), mentor_verdict: verdict(a.mentor),
    })));
    return { answers: answers.filter((a) => !status || (a.status ?? 'draft') === status) };
  }));

  server.registerTool('search_guides', {
    title: 'Search the guides',
    description: 'Searches the course guides the student may read; returns the best passages with their guide and section.',
    inputSchema: {
      query: z.string().min(2).max(500).describe('What to look for, in the guide\'s language (Russian or English)'),
      guide: z.string().optional().describe('Only this guide (its slug)'),
      limit: z.number().int().min(1).max(20).optional().describe('How many passages (default 5)'),
    },
    outputSchema: { results: z.array(z.object({ id: z.string(), guide: z.string(), section: z.string().nullable(), text: z.string() })) },
    annotations: readOnly,
  }, async ({ query, guide, limit }) => safely(async () => {
    const guides = await readableGuides(deps, identityId, guide);
    if (guide && guides.length === 0) throw forbidden('GUIDE_FORBIDDEN', `the guide ${guide} is not open to you`);
    const results = await searchGuides(deps.db, { text: query, guides, limit: limit ?? 5, embedder: deps.checks.embedder });
    return { results: results.map((r) => ({ id: String(r.id), guide: r.guideSlug, section: r.heading ?? null, text: r.content })) };
  }));

  server.registerTool('check_answer', {
    title: 'Check my answer',
    description: 'Asks the AI checker to check one of the student\'s own submitted answers (by its id from list_my_answers). In mentor-led groups the verdict is shown after the mentor reviews it. Needs a token with the "check" scope.',
    inputSchema: { answer_id: rowId },
    outputSchema: { check: z.record(z.string(), z.unknown()) },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  }, async ({ answer_id }) => safely(async () => {
    if (scope !== 'check') throw new AppError('MCP_SCOPE_INSUFFICIENT', 403, 'this token may only read: mint one with the "check" scope on /assistant to ask for checks');
    const id = idOf(answer_id, 'answer');
    const answer = await deps.checks.answers.getAnswer(id);
    if (!answer) throw notFound('ANSWER_NOT_FOUND', `there is no answer ${id}`);
    if (answer.studentId !== identityId) throw forbidden('NOT_YOUR_ANSWER', `answer ${id} is not yours`);
    if (answer.status === 'draft') throw new AppError('ANSWER_NOT_SUBMITTED', 409, `answer ${id} is a draft: submit it in your workbook first`);
    const exercise = await deps.checks.answers.getExercise(answer.exerciseId);
    if (exercise && !(await deps.auth.can(identityId, 'read', `Guide:${exercise.guideSlug}`))) {
      throw forbidden('GUIDE_FORBIDDEN', 'the guide of this answer is not open to you now');
    }
    const { view } = await requestCheck(deps.checks, { answerId: id, actorId: identityId, source: 'mcp' });
    return { check: view as unknown as Record<string, unknown> };
  }));

  server.registerTool('my_progress', {
    title: 'My progress',
    description: 'The student\'s checked answers in numbers: how many, accepted, needing work, waiting for a mentor, the mean score.',
    inputSchema: {},
    outputSchema: { progress: z.record(z.string(), z.unknown()) },
    annotations: readOnly,
  }, async () => safely(async () => ({ progress: await progressOf(deps.db, identityId) as unknown as Record<string, unknown> })));

  // The tools are fixed: the server never sends list_changed, so it does not say it would.
  server.server.registerCapabilities({ tools: { listChanged: false } });
  return server;
}

function bearer(req: Request): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1] ?? null;
}

/** The RFC 9728 document of the MCP endpoint. */
export function protectedResource(opts: { resource: string; documentation: string; authorizationServers: string[] }) {
  return {
    resource: opts.resource,
    ...(opts.authorizationServers.length ? { authorization_servers: opts.authorizationServers } : {}),
    bearer_methods_supported: ['header'],
    scopes_supported: ['read', 'check'],
    resource_name: 'School of systems thinking: AI check (MCP)',
    resource_documentation: opts.documentation,
  };
}

export function mountMcp(router: Router, deps: McpDeps, opts: { path?: string; resourceMetadataUrl?: string } = {}): void {
  const path = opts.path ?? '/mcp';
  const challenge = opts.resourceMetadataUrl ? `Bearer resource_metadata="${opts.resourceMetadataUrl}", scope="read check"` : 'Bearer';
  router.post(path, async (req: Request, res: Response) => {
    const token = bearer(req);
    const personal = token ? await resolveToken(deps.db, token) : null;
    const identityId = personal?.identityId ?? (token && !personal ? await deps.auth.resolveIdentity(token) : null);
    if (!identityId) {
      res.status(401).set('WWW-Authenticate', token ? `${challenge}, error="invalid_token"` : challenge)
        .json({ jsonrpc: '2.0', error: { code: -32001, message: 'UNAUTHENTICATED: send a personal MCP token (minted on /assistant) or an Ory session token as a Bearer token' }, id: null });
      return;
    }
    const server = buildMcpServer(deps, identityId, personal?.scope ?? 'check');
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
