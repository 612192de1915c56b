import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { ACCESS_TOKEN_ALGORITHM } from '@expensio/common';
import { createPublicKey } from 'node:crypto';

export interface SigningKeys {
  kid: string;
  privateKey: Awaited<ReturnType<typeof importPKCS8>>;
  /** What `/.well-known/jwks.json` publishes and what verifiers use. */
  jwks: JSONWebKeySet;
  verificationKeys: JWTVerifyGetKey;
}

async function fromPem(pem: string): Promise<SigningKeys> {
  const privateKey = await importPKCS8(pem, ACCESS_TOKEN_ALGORITHM, { extractable: true });
  const publicJwk = await exportJWK(createPublicKey(pem));
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks: JSONWebKeySet = { keys: [{ ...publicJwk, kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' }] };
  return { kid, privateKey, jwks, verificationKeys: createLocalJWKSet(jwks) };
}

/**
 * The configured key, or (embedded default) a key made on first start and kept in the data folder
 * so tokens survive a restart.
 */
export async function loadSigningKeys(options: { pem?: string | undefined; dataDir: string }): Promise<SigningKeys> {
  if (options.pem !== undefined) return fromPem(options.pem.replaceAll('\\n', '\n'));
  const file = path.resolve(options.dataDir, 'keys', 'access-token-es256.pem');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, await generatePem(), { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  }
  return fromPem(readFileSync(file, 'utf8'));
}

export async function generatePem(): Promise<string> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, { extractable: true });
  return exportPKCS8(privateKey);
}

export async function ephemeralSigningKeys(): Promise<SigningKeys> {
  return fromPem(await generatePem());
}
