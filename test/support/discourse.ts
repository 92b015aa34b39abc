import { discourseSignature } from '../../hooks/signature.ts';

/** Sends a delivery the way Discourse does: JSON body, event headers, HMAC signature. */
export function discourseDelivery(secret: string, eventId: string, event: string, body: unknown) {
  const raw = JSON.stringify(body);
  return {
    body: raw,
    headers: {
      'content-type': 'application/json',
      'x-discourse-event-id': eventId,
      'x-discourse-event': event,
      'x-discourse-event-type': event.split('_')[0]!,
      'x-discourse-instance': 'https://club.example',
      'x-discourse-event-signature': discourseSignature(secret, raw),
    },
  };
}

export async function postDiscourse(url: string, secret: string, eventId: string, event: string, body: unknown, tamper?: (h: Record<string, string>) => void) {
  const d = discourseDelivery(secret, eventId, event, body);
  tamper?.(d.headers);
  const res = await fetch(`${url}/hooks/discourse`, { method: 'POST', headers: d.headers, body: d.body });
  return { status: res.status, json: await res.json() as Record<string, unknown> };
}
