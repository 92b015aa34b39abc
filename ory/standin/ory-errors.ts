/**
 * Errors in Ory's JSON API format (`errorGeneric` in kratos-api.json and keto-api.json):
 * `{ error: { code, status, message, reason?, id? } }`, with herodot's standard messages.
 */
import type { Response } from 'express';

const STANDARD: Record<number, [status: string, message: string]> = {
  400: ['Bad Request', 'The request was malformed or contained invalid parameters'],
  401: ['Unauthorized', 'The request could not be authorized'],
  403: ['Forbidden', 'The requested action was forbidden'],
  404: ['Not Found', 'The requested resource could not be found'],
  409: ['Conflict', 'The resource could not be created due to a conflict'],
  410: ['Gone', 'The requested resource is no longer available'],
  415: ['Unsupported Media Type', 'The request has an unsupported media type'],
  422: ['Unprocessable Entity', 'The request was well-formed but was unable to be followed due to semantic errors'],
  500: ['Internal Server Error', 'An internal server error occurred, please contact the system administrator'],
};

export interface OryErrorFields {
  reason?: string;
  /** Kratos' stable error id, e.g. `session_inactive`. */
  id?: string;
  message?: string;
}

/** Thrown inside the stand-in's routes; the error handler answers with Ory's error body. */
export class OryError extends Error {
  constructor(
    readonly code: number,
    readonly fields: OryErrorFields = {},
  ) {
    super(fields.reason ?? fields.message ?? `HTTP ${code}`);
    this.name = 'OryError';
  }
}

export function oryErrorBody(code: number, fields: OryErrorFields = {}) {
  const [status, message] = STANDARD[code] ?? STANDARD[500]!;
  return {
    error: {
      ...(fields.id ? { id: fields.id } : {}),
      code,
      status,
      message: fields.message ?? message,
      ...(fields.reason ? { reason: fields.reason } : {}),
    },
  };
}

export function sendOryError(res: Response, error: OryError): void {
  res.status(error.code).json(oryErrorBody(error.code, error.fields));
}

export const badRequest = (reason: string) => new OryError(400, { reason });
export const notFound = (reason?: string) => new OryError(404, reason ? { reason } : {});
