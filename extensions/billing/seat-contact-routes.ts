import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import { isAppError, unauthorized } from '../../kernel/errors.ts';
import { personLocale, pickLang } from '../../kernel/lang.ts';
import { messagePage } from '../../kernel/page.tsx';
import { parseOr400 } from '../../kernel/validation.ts';
import { verifiedEmails } from '../../schemas/events/kratos.ts';
import { seatRefusal, text } from './messages.ts';
import { assignByContact, contactPack, freeByContact, packsOfContact, seatsOfPack, type SeatContactDeps } from './seat-contact.ts';
import { seatsPage } from './seats-page.tsx';

const packParams = z.object({ packId: z.coerce.number().int().positive().max(2_147_483_647) });
const freeParams = packParams.extend({ assignment: z.coerce.number().int().positive().max(2_147_483_647) });
const assignBody = z.object({ email: z.email().max(320) });
const freeBody = z.object({ reason: z.string().trim().min(1, 'a reason is required').max(500) });
const freeForm = freeBody.extend({ assignment: z.coerce.number().int().positive().max(2_147_483_647) });

const emailsOf = (req: Request) => {
  if (!req.identity) throw unauthorized('SESSION_REQUIRED', 'Sign in to continue');
  return verifiedEmails(req.identity);
};

/**
 * The organisation's contact's seats: the API under /api/billing/seat-packs and the page /seats.
 *   GET  /api/billing/seat-packs                                the packs whose contact is one of my verified e-mails
 *   GET  /api/billing/seat-packs/:packId/seats                  its seats (403: not my pack)
 *   POST /api/billing/seat-packs/:packId/seats {email}          give a seat: 201, or 409 SEAT_REFUSED with why
 *   POST /api/billing/seat-packs/:packId/seats/:id/free {reason} free a seat (reason required)
 */
export function seatContactRoutes(router: Router, deps: SeatContactDeps & { signedIn: RequestHandler }): void {
  router.get('/seat-packs', deps.signedIn, async (req, res) => { res.json({ packs: await packsOfContact(deps.db, emailsOf(req)) }); });
  router.get('/seat-packs/:packId/seats', deps.signedIn, async (req, res) => {
    const { packId } = parseOr400(packParams, req.params, 'the pack');
    const pack = await contactPack(deps.db, packId, emailsOf(req));
    res.json({ pack, seats: await seatsOfPack(deps.db, packId) });
  });
  router.post('/seat-packs/:packId/seats', deps.signedIn, express.json({ limit: '4kb' }), async (req, res) => {
    const { packId } = parseOr400(packParams, req.params, 'the pack');
    const pack = await contactPack(deps.db, packId, emailsOf(req));
    const { email } = parseOr400(assignBody, req.body ?? {}, 'the seat');
    const given = await assignByContact(deps, { packId, email, contact: pack.contact });
    res.status(201).json({ assignment: given.assignment, outcome: given.result.outcome });
  });
  router.post('/seat-packs/:packId/seats/:assignment/free', deps.signedIn, express.json({ limit: '4kb' }), async (req, res) => {
    const { packId, assignment } = parseOr400(freeParams, req.params, 'the seat');
    const pack = await contactPack(deps.db, packId, emailsOf(req));
    const { reason } = parseOr400(freeBody, req.body ?? {}, 'the reason');
    res.json({ assignment, outcome: (await freeByContact(deps, { packId, assignment, reason, contact: pack.contact })).outcome });
  });
}

/** /seats: the same as a page, forms posting back (the service's cross-site guard stands before it). */
export function seatContactPages(router: Router, deps: SeatContactDeps & { signedIn: RequestHandler }): void {
  const langOf = (req: Request) => pickLang(req.query.lang, req.get('accept-language'), personLocale(req));
  router.get('/seats', deps.signedIn, async (req, res) => {
    const packs = await packsOfContact(deps.db, emailsOf(req));
    const withSeats = await Promise.all(packs.map(async (p) => ({ ...p, holders: await seatsOfPack(deps.db, p.id) })));
    const notice = typeof req.query.notice === 'string' && ['given', 'freed'].includes(req.query.notice) ? req.query.notice as 'given' | 'freed' : undefined;
    res.type('html').set('Cache-Control', 'private, no-store').send(seatsPage({ packs: withSeats, notice }, langOf(req)));
  });
  const act = (work: (req: Request, contact: string, packId: number) => Promise<unknown>, notice: string) => async (req: Request, res: Response) => {
    const lang = langOf(req);
    const { packId } = parseOr400(packParams, req.params, 'the pack');
    try {
      const pack = await contactPack(deps.db, packId, emailsOf(req));
      await work(req, pack.contact, packId);
    } catch (e) {
      if (!isAppError(e) || e.status >= 500 || e.status === 401) throw e;
      res.status(e.status).type('html').send(messagePage(lang, text('seatsTitle', lang), seatRefusal(e, lang), { href: `/seats?lang=${lang}`, label: text('seatsTitle', lang) }));
      return;
    }
    res.redirect(303, `/seats?lang=${lang}&notice=${notice}`);
  };
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  router.post('/seats/:packId/assign', deps.signedIn, form, act(async (req, contact, packId) => {
    const { email } = parseOr400(assignBody, req.body ?? {}, 'the form');
    await assignByContact(deps, { packId, email, contact });
  }, 'given'));
  router.post('/seats/:packId/free', deps.signedIn, form, act(async (req, contact, packId) => {
    const { assignment, reason } = parseOr400(freeForm, req.body ?? {}, 'the form');
    await freeByContact(deps, { packId, assignment, reason, contact });
  }, 'freed'));
}
