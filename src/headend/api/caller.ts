/**
 * Who is calling: the tool, from its TLS client certificate, and the person, from the bearer
 * session token. The TLS layer asks for a certificate (`requestCert`) but lets a handshake
 * without one through, because enrolment and the supervisor console have none; each endpoint's
 * `auth` decides here what it needs.
 */
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { EndpointAuth } from '../../contract/headend-api/index.ts';
import type { AccountService } from '../access/index.ts';
import type { AccountRecord } from '../storage/index.ts';
import type { CertificateAuthority } from '../ca/index.ts';
import { ApiError } from './errors.ts';

export interface CallerContext {
  /** The device id (certificate CN) when a valid certificate was presented. */
  readonly deviceId: string | undefined;
  readonly account: AccountRecord | undefined;
  /** The bearer token presented (only for sign-out). */
  readonly token: string | undefined;
}

/** RFC 6750 §2.1: `Authorization: Bearer <token>`. */
function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  return match?.[1];
}

/** The client certificate presented in the TLS handshake, if any (not yet checked). */
export function presentedCertificate(request: FastifyRequest): X509Certificate | undefined {
  const socket = request.raw.socket as TLSSocket;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate();
  if (peer === null || peer.raw === undefined) return undefined;
  return new X509Certificate(peer.raw);
}

export async function identifyCaller(
  request: FastifyRequest,
  auth: EndpointAuth,
  deps: { readonly ca: CertificateAuthority; readonly accounts: AccountService },
): Promise<CallerContext> {
  let deviceId: string | undefined;
  if (auth.device !== 'none') {
    const cert = presentedCertificate(request);
    const socket = request.raw.socket as TLSSocket;
    if (cert === undefined) {
      if (auth.device === 'required') throw new ApiError('unauthorized', 'a client certificate is required');
    } else {
      // The handshake's chain check (socket.authorized) and the CA's own record must both agree.
      const identity = deps.ca.identifyClient(cert);
      if (!socket.authorized || !identity.ok)
        throw new ApiError('forbidden', 'the client certificate is not accepted', {
          reason: identity.ok ? 'untrusted-chain' : identity.reason,
        });
      deviceId = identity.deviceId;
    }
  }
  let account: AccountRecord | undefined;
  const token = bearerToken(request);
  if (auth.session !== 'none') {
    const session = token === undefined ? undefined : await deps.accounts.authenticate(token);
    if (session === undefined) throw new ApiError('unauthorized', 'a valid session token is required');
    account = session.account;
    if (auth.session === 'supervisor' && account.role === 'field-worker')
      throw new ApiError('forbidden', 'this needs a supervisor', { reason: 'forbidden-role' });
  }
  return { deviceId, account, token };
}
