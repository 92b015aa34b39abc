/**
 * Identities as Kratos keeps them: validated traits, unique password identifiers,
 * addresses derived from the schema, and the JSON shape of kratos-api.json `identity`.
 */
import { randomUUID } from 'node:crypto';
import type { IdentitySchema, TraitError } from './identity-schema.ts';
import { OryError } from './ory-errors.ts';
import { hashPassword, isStandinHash } from './password.ts';
import type { StandinStore, StoredIdentity } from './store.ts';

export interface IdentityInput {
  schema_id?: unknown;
  traits?: unknown;
  state?: unknown;
  metadata_admin?: unknown;
  metadata_public?: unknown;
  external_id?: unknown;
  credentials?: { password?: { config?: { password?: unknown; hashed_password?: unknown } } };
}

/** Traits failed the schema; registration shows these on the form, the admin API answers 400. */
export class InvalidTraits extends Error {
  constructor(readonly errors: TraitError[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

/** Another identity already has this identifier. */
export class DuplicateIdentifier extends Error {}

export interface IdentityViewOptions {
  /** Admin API only: Kratos never shows metadata_admin on the public API or in hooks. */
  admin: boolean;
  credentials?: boolean;
}

export class Identities {
  constructor(
    private readonly store: StandinStore,
    private readonly schema: IdentitySchema,
    private readonly publicUrl: () => string,
    private readonly clock: () => Date,
  ) {}

  all(): StoredIdentity[] {
    return this.store.identities;
  }

  get(id: string): StoredIdentity | undefined {
    return this.store.identities.find((i) => i.id === id);
  }

  byIdentifier(identifier: string): StoredIdentity | undefined {
    const wanted = identifier.trim().toLowerCase();
    return this.store.identities.find((i) => i.identifiers.includes(wanted));
  }

  /** The identity with this recovery or verification address. */
  byAddress(value: string, purpose: 'recovery' | 'verification'): StoredIdentity | undefined {
    const wanted = value.trim().toLowerCase();
    const list = (i: StoredIdentity) => (purpose === 'recovery' ? i.recovery_addresses : i.verifiable_addresses);
    return this.store.identities.find((i) => list(i).some((a) => a.value === wanted));
  }

  /** Settings, profile method: new traits (validated, identifiers unique). */
  updateTraits(identity: StoredIdentity, traits: unknown): StoredIdentity {
    const now = this.clock().toISOString();
    const next: StoredIdentity = structuredClone(identity);
    this.applyTraits(next, traits, now);
    return this.save(next, now);
  }

  /** Settings, password method. */
  async setPassword(identity: StoredIdentity, password: string): Promise<StoredIdentity> {
    const now = this.clock().toISOString();
    const next: StoredIdentity = structuredClone(identity);
    await this.applyPassword(next, password, now);
    return this.save(next, now);
  }

  /** A verification code went to the address: its status is `sent` (code strategy, SendVerificationCodeTo). */
  markSent(identity: StoredIdentity, address: string): StoredIdentity {
    return this.updateAddress(identity, address, () => ({ status: 'sent' }));
  }

  /** Verification by code passed: the address is verified. */
  markVerified(identity: StoredIdentity, address: string): StoredIdentity {
    return this.updateAddress(identity, address, (now) => ({ verified: true, status: 'completed', verified_at: now }));
  }

  async create(input: IdentityInput, password?: string): Promise<StoredIdentity> {
    const now = this.clock().toISOString();
    const identity: StoredIdentity = {
      id: randomUUID(),
      schema_id: this.schemaId(input.schema_id),
      state: state(input.state ?? 'active'),
      state_changed_at: now,
      traits: {},
      metadata_admin: input.metadata_admin ?? null,
      metadata_public: input.metadata_public ?? null,
      ...(typeof input.external_id === 'string' ? { external_id: input.external_id } : {}),
      created_at: now,
      updated_at: now,
      identifiers: [],
      verifiable_addresses: [],
      recovery_addresses: [],
    };
    this.applyTraits(identity, input.traits, now);
    await this.applyPassword(identity, password ?? input.credentials?.password?.config, now);
    this.store.identities.push(identity);
    this.store.commit();
    return identity;
  }

  /** PUT: everything but credentials is replaced; absent metadata becomes null. */
  async replace(identity: StoredIdentity, input: IdentityInput): Promise<StoredIdentity> {
    const now = this.clock().toISOString();
    const next: StoredIdentity = structuredClone(identity);
    next.schema_id = this.schemaId(input.schema_id);
    this.setState(next, state(input.state), now);
    next.metadata_admin = input.metadata_admin ?? null;
    next.metadata_public = input.metadata_public ?? null;
    if (typeof input.external_id === 'string') next.external_id = input.external_id;
    this.applyTraits(next, input.traits, now);
    if (input.credentials?.password?.config) await this.applyPassword(next, input.credentials.password.config, now);
    return this.save(next, now);
  }

  /** After a JSON patch of the identity's JSON view. */
  patched(identity: StoredIdentity, view: Record<string, unknown>): StoredIdentity {
    const now = this.clock().toISOString();
    const next: StoredIdentity = structuredClone(identity);
    next.schema_id = this.schemaId(view.schema_id);
    this.setState(next, state(view.state), now);
    next.metadata_admin = view.metadata_admin ?? null;
    next.metadata_public = view.metadata_public ?? null;
    if (typeof view.external_id === 'string') next.external_id = view.external_id;
    this.applyTraits(next, view.traits, now);
    return this.save(next, now);
  }

  remove(identity: StoredIdentity): void {
    this.store.identities = this.store.identities.filter((i) => i.id !== identity.id);
    this.store.sessions = this.store.sessions.filter((s) => s.identity_id !== identity.id);
    this.store.commit();
  }

  /** The `identity` object of kratos-api.json. */
  view(identity: StoredIdentity, options: IdentityViewOptions): Record<string, unknown> {
    const { identifiers: _identifiers, password, ...rest } = identity;
    const json: Record<string, unknown> = {
      ...rest,
      schema_url: `${this.publicUrl()}/schemas/${Buffer.from(identity.schema_id).toString('base64url')}`,
      organization_id: null,
    };
    if (!options.admin) delete json.metadata_admin;
    if (options.credentials && password) {
      json.credentials = {
        password: { type: 'password', identifiers: identity.identifiers, version: 0, created_at: password.created_at, updated_at: password.updated_at },
      };
    }
    return json;
  }

  /** As Kratos' UpdateVerifiableAddress: the address row changes (and its updated_at), the identity's updated_at does not. */
  private updateAddress(identity: StoredIdentity, address: string, changes: (now: string) => Partial<StoredIdentity['verifiable_addresses'][number]>): StoredIdentity {
    const now = this.clock().toISOString();
    const next: StoredIdentity = structuredClone(identity);
    for (const a of next.verifiable_addresses) if (a.value === address) Object.assign(a, changes(now), { updated_at: now });
    return this.save(next, next.updated_at);
  }

  private save(next: StoredIdentity, now: string): StoredIdentity {
    next.updated_at = now;
    const index = this.store.identities.findIndex((i) => i.id === next.id);
    this.store.identities[index] = next;
    this.store.commit();
    return next;
  }

  private schemaId(value: unknown): string {
    const id = value ?? this.schema.id;
    if (id !== this.schema.id) throw new OryError(400, { reason: `Identity schema "${String(id)}" is unknown: the stand-in serves only "${this.schema.id}".` });
    return id;
  }

  private setState(identity: StoredIdentity, next: StoredIdentity['state'], now: string): void {
    if (identity.state !== next) identity.state_changed_at = now;
    identity.state = next;
  }

  private applyTraits(identity: StoredIdentity, traits: unknown, now: string): void {
    const errors = this.schema.validate(traits);
    if (errors.length > 0) throw new InvalidTraits(errors);
    const t = traits as Record<string, unknown>;
    const identifiers = this.schema.passwordIdentifiers(t);
    const taken = identifiers.find((value) => this.store.identities.some((i) => i.id !== identity.id && i.identifiers.includes(value)));
    if (taken) throw new DuplicateIdentifier(taken);
    identity.traits = t;
    identity.identifiers = identifiers;
    const keep = <A extends { value: string; via: string }>(old: A[], value: string, via: string) => old.find((a) => a.value === value && a.via === via);
    identity.verifiable_addresses = this.schema.addresses(t, 'verification').map(
      ({ value, via }) => keep(identity.verifiable_addresses, value, via) ?? { id: randomUUID(), value, via, verified: false, status: 'pending', created_at: now, updated_at: now },
    );
    identity.recovery_addresses = this.schema.addresses(t, 'recovery').map(
      ({ value, via }) => keep(identity.recovery_addresses, value, via) ?? { id: randomUUID(), value, via, created_at: now, updated_at: now },
    );
  }

  private async applyPassword(identity: StoredIdentity, config: unknown, now: string): Promise<void> {
    if (config === undefined) return;
    const { password, hashed_password } = (typeof config === 'string' ? { password: config } : config) as { password?: unknown; hashed_password?: unknown };
    let hash: string;
    if (typeof password === 'string') hash = await hashPassword(password);
    else if (typeof hashed_password === 'string' && isStandinHash(hashed_password)) hash = hashed_password;
    else if (hashed_password !== undefined) throw new OryError(400, { reason: 'The stand-in imports only plaintext passwords or its own $scrypt$ hashes.' });
    else return;
    identity.password = { hash, created_at: identity.password?.created_at ?? now, updated_at: now };
  }
}

function state(value: unknown): StoredIdentity['state'] {
  if (value === 'active' || value === 'inactive') return value;
  throw new OryError(400, { reason: `state must be "active" or "inactive", got ${JSON.stringify(value)}` });
}
