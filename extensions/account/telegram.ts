import express, { type ErrorRequestHandler, type Request, type Response, type Router } from 'express';
import { AppError, isAppError, type ErrorCode } from '../../kernel/errors.ts';
import { personLocale, pickLang, type Lang } from '../../kernel/lang.ts';
import { messagePage } from '../../kernel/page.tsx';
import type { Ory } from '../../ory/client.ts';
import { requireSession, resolveSession } from '../../ory/guard.ts';
import { telegramText, type TelegramText } from './messages.ts';
import { telegramConfirmPage, telegramStatusPage } from './telegram-page.tsx';
import { checkTelegramLogin, type TelegramLoginUser } from './telegram-login.ts';

/**
 * Linking the signed-in person's Telegram account (issue 12): only a Telegram Login Widget
 * payload signed for the school's bot links it (telegram-login.ts checks it); a Telegram
 * id typed into the profile stays a claim. The page and the JSON share one operation,
 * linkByLogin:
 *
 *   GET  /account/telegram        the person's Telegram link, claims, and the widget; the
 *                                 widget sends the browser back here with its payload, and
 *                                 the page asks to confirm (a GET changes nothing)
 *   POST /account/telegram        the confirmed payload (a form of this site only: the
 *                                 cross-site guard refuses others) -> linked, or why not
 *   POST /api/account/telegram    the same as JSON: the widget's object (data-onauth)
 */

/** What points does with a proven Telegram account (extensions/points, PointsLinks). */
export interface TelegramLinking {
  /** TELEGRAM_BOT_TOKEN: the widget's payloads are signed with its SHA-256. */
  botToken: string;
  /** The bot's user name without @, for the widget; without it the page says signing in with Telegram is not set up. */
  botUsername?: string;
  link(personId: string, telegramId: string, nonce: string): Promise<{ type: 'linked' | 'already' | 'taken' | 'reused' }>;
  of(personId: string): Promise<{ linked: { source: string; id: string }[]; waiting: { source: string; id: string; linkedToAnotherPerson: boolean }[] }>;
}

export interface TelegramDeps {
  ory: Pick<Ory, 'selfService' | 'whoami'>;
  publicUrl: string;
  clock: () => Date;
  /** Absent: the page and the API answer that signing in with Telegram is not set up (503). */
  telegram?: TelegramLinking;
}

export interface Linked {
  telegram: { id: string; username?: string };
  result: 'linked' | 'already';
}

const PAGE = '/account/telegram';
const langOf = (req: Request): Lang => pickLang(req.query.lang, req.get('accept-language'), personLocale(req));
const refusal = (code: ErrorCode, status: number, text: TelegramText, lang: Lang) => new AppError(code, status, telegramText(text, lang), { reason: text });
const REFUSED = {
  malformed: ['TELEGRAM_LOGIN_INVALID', 400],
  forged: ['TELEGRAM_LOGIN_FORGED', 403],
  expired: ['TELEGRAM_LOGIN_EXPIRED', 400],
} as const;

/** The widget's payload, checked; the refusal, with its reason, otherwise. */
function checked(deps: TelegramDeps, received: unknown, lang: Lang): { telegram: TelegramLinking; user: TelegramLoginUser } {
  if (!deps.telegram) throw refusal('TELEGRAM_LOGIN_UNAVAILABLE', 503, 'unavailable', lang);
  const check = checkTelegramLogin(received, deps.telegram.botToken, deps.clock());
  if (!check.ok) {
    const [code, status] = REFUSED[check.reason];
    throw refusal(code, status, check.reason, lang);
  }
  return { telegram: deps.telegram, user: check.user };
}

/** The one operation: a checked Login Widget payload becomes the signed-in person's Telegram link. */
export async function linkByLogin(deps: TelegramDeps, personId: string, received: unknown, lang: Lang): Promise<Linked> {
  const { telegram, user } = checked(deps, received, lang);
  const outcome = await telegram.link(personId, user.id, user.hash);
  if (outcome.type === 'reused') throw refusal('TELEGRAM_LOGIN_REUSED', 409, 'reused', lang);
  if (outcome.type === 'taken') throw refusal('TELEGRAM_ACCOUNT_TAKEN', 409, 'taken', lang);
  return { telegram: { id: user.id, ...(user.username ? { username: user.username } : {}) }, result: outcome.type };
}

/** The widget's fields of a query or form: our own `lang` is not one of them. */
function widgetFields(source: unknown): unknown {
  if (!source || typeof source !== 'object') return source;
  const { lang: _lang, ...fields } = source as Record<string, unknown>;
  return fields;
}

export function telegramRoutes(router: Router, deps: TelegramDeps): void {
  router.post('/telegram', requireSession(deps.ory), express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    res.json(await linkByLogin(deps, req.identity!.id, req.body, langOf(req)));
  });
}

export function telegramPages(router: Router, deps: TelegramDeps): void {
  /** The signed-in person, or a redirect to sign in that comes back here (null: answered). */
  const person = async (req: Request, res: Response): Promise<string | null> => {
    try {
      return (await resolveSession(deps.ory, req)).id;
    } catch (e) {
      if (!isAppError(e) || e.code !== 'SESSION_REQUIRED') throw e;
      res.redirect(303, deps.ory.selfService.browserUrl('login', `${deps.publicUrl}${req.originalUrl}`));
      return null;
    }
  };
  const send = (res: Response, status: number, page: string) => {
    // The address may carry a signed payload: no other site learns it from a Referer.
    res.status(status).type('html').set({ 'Cache-Control': 'private, no-store', 'Referrer-Policy': 'no-referrer' }).send(page);
  };

  router.get(PAGE, async (req: Request, res: Response) => {
    const personId = await person(req, res);
    if (!personId) return;
    const lang = langOf(req);
    if (typeof req.query.hash === 'string') {
      const { user } = checked(deps, widgetFields(req.query), lang);
      return send(res, 200, telegramConfirmPage({ lang, user, fields: widgetFields(req.query) as Record<string, string>, action: PAGE }));
    }
    const links = deps.telegram ? await deps.telegram.of(personId) : { linked: [], waiting: [] };
    const widget = deps.telegram?.botUsername ? { botUsername: deps.telegram.botUsername, authUrl: `${deps.publicUrl}${PAGE}` } : undefined;
    send(res, 200, telegramStatusPage({ lang, links, widget }));
  });

  router.post(PAGE, express.urlencoded({ extended: false, limit: '4kb' }), async (req: Request, res: Response) => {
    const personId = await person(req, res);
    if (!personId) return;
    const lang = langOf(req);
    const linked = await linkByLogin(deps, personId, widgetFields(req.body), lang);
    send(res, 200, messagePage(lang, telegramText('title', lang), telegramText(linked.result === 'linked' ? 'done' : 'already', lang),
      { href: '/workbooks', label: telegramText('workbooks', lang) }));
  });

  const pageError: ErrorRequestHandler = (err, req, res, next) => {
    if (!isAppError(err) || (err.status >= 500 && err.code !== 'TELEGRAM_LOGIN_UNAVAILABLE')) return next(err);
    const lang = langOf(req);
    send(res, err.status, messagePage(lang, telegramText('title', lang), err.message, { href: PAGE, label: telegramText('back', lang) }));
  };
  router.use(PAGE, pageError);
}
