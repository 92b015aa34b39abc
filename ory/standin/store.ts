/**
 * The stand-in's state: identities (with password hashes), sessions and relation tuples.
 * In memory, and written to `file` (JSON, atomically: temp file + rename) after every
 * change when a file is given. Self-service flows are short-lived and not persisted.
 */
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { MemoryTuples, type RelationTuple } from '../opl/index.ts';

export interface StoredAddress {
  id: string;
  value: string;
  via: string;
  created_at: string;
  updated_at: string;
}

export interface StoredIdentity {
  id: string;
  schema_id: string;
  state: 'active' | 'inactive';
  state_changed_at: string;
  traits: Record<string, unknown>;
  metadata_admin: unknown;
  metadata_public: unknown;
  external_id?: string;
  created_at: string;
  updated_at: string;
  /** Normalized password identifiers (the e-mail), for lookup and uniqueness. */
  identifiers: string[];
  verifiable_addresses: (StoredAddress & { verified: boolean; status: string; verified_at?: string })[];
  recovery_addresses: StoredAddress[];
  password?: { hash: string; created_at: string; updated_at: string };
}

export interface StoredSession {
  id: string;
  token: string;
  identity_id: string;
  method: 'password' | 'code_recovery';
  /** Set once `GET /self-service/logout/browser` asked for it. */
  logout_token?: string;
  issued_at: string;
  authenticated_at: string;
  expires_at: string;
}

interface StoreFile {
  version: 1;
  identities: StoredIdentity[];
  sessions: StoredSession[];
  tuples: RelationTuple[];
}

export class StandinStore {
  identities: StoredIdentity[] = [];
  sessions: StoredSession[] = [];
  readonly tuples: MemoryTuples;

  constructor(private readonly file?: string) {
    let tuples: RelationTuple[] = [];
    if (file && existsSync(file)) {
      const data = JSON.parse(readFileSync(file, 'utf8')) as StoreFile;
      this.identities = data.identities ?? [];
      this.sessions = data.sessions ?? [];
      tuples = data.tuples ?? [];
    }
    this.tuples = new MemoryTuples(tuples);
  }

  /** Call after every change. */
  commit(): void {
    if (!this.file) return;
    const data: StoreFile = { version: 1, identities: this.identities, sessions: this.sessions, tuples: this.tuples.all() };
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(data, null, 2));
    renameSync(temp, this.file);
  }
}
