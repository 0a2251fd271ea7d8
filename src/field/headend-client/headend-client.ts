/**
 * The tool's client of the head-end HTTPS API (DESIGN.md §4 "tool ↔ head-end API"): mutual TLS
 * with the device certificate from the vault, the head-end CA pinned (the system trust store is
 * not used), requests and responses checked against the contract's zod schemas
 * (src/contract/headend-api), errors turned into `HeadendApiError` with the contract's code and
 * reason. A response that does not match its schema is refused: the tool trusts the head-end's
 * identity, not its every byte.
 */
import { Agent, request } from 'node:https';
import type { z } from 'zod';
import { ACCESS_KEY_HEADER, ApiErrorBody, ENDPOINTS } from '../../contract/headend-api/index.ts';
import type { ApiErrorCode, Endpoint, EndpointName } from '../../contract/headend-api/index.ts';
import type { SecretBytes } from '../../log/index.ts';

/** Largest response body read; the head-end's biggest (readings pages) stay far below. */
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;

export interface DeviceCredentials {
  readonly certificatePem: string;
  /** PKCS #8 PEM text of the device key, as bytes so it can be wiped. */
  readonly privateKeyPem: SecretBytes;
}

export interface HeadendClientOptions {
  /** "https://host:port". */
  readonly baseUrl: string;
  /** The head-end CA certificate (PEM): the only trust anchor. */
  readonly caCertificatePem: string;
  /** Absent before enrolment: only the enrolment endpoints work then. */
  readonly device?: DeviceCredentials;
  readonly timeoutMs?: number;
}

type In<S> = S extends z.ZodType ? z.input<S> : undefined;
type Out<S> = S extends z.ZodType ? z.output<S> : never;

export type CallInput<E extends Endpoint> = {
  readonly token?: string;
  readonly accessKey?: string;
} & (E['params'] extends z.ZodType ? { readonly params: In<E['params']> } : { readonly params?: undefined }) &
  (E['query'] extends z.ZodType ? { readonly query: In<E['query']> } : { readonly query?: undefined }) &
  (E['body'] extends z.ZodType ? { readonly body: In<E['body']> } : { readonly body?: undefined });

export type CallOutput<N extends EndpointName> = Out<(typeof ENDPOINTS)[N]['response']>;

/** A refusal from the head-end (or a transport failure: status 0, code 'unreachable'). */
export class HeadendApiError extends Error {
  override name = 'HeadendApiError';
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode | 'unreachable' | 'bad-response',
    message: string,
    readonly reason: string | undefined = undefined,
  ) {
    super(message);
  }

  /** The head-end refused this tool because its certificate was revoked (issue #4 §7). */
  get isRevocation(): boolean {
    return (this.status === 401 || this.status === 403) && this.reason === 'revoked';
  }
}

export class HeadendClient {
  private readonly agent: Agent;
  private readonly base: URL;

  constructor(private readonly o: HeadendClientOptions) {
    this.base = new URL(o.baseUrl);
    if (this.base.protocol !== 'https:') throw new RangeError('the head-end API is HTTPS only');
    this.agent = new Agent({
      keepAlive: true,
      ca: o.caCertificatePem,
      ...(o.device === undefined
        ? {}
        : { cert: o.device.certificatePem, key: Buffer.from(o.device.privateKeyPem.expose()) }),
      minVersion: 'TLSv1.2',
    });
  }

  get hasDeviceCertificate(): boolean {
    return this.o.device !== undefined;
  }

  async call<N extends EndpointName>(
    name: N,
    input: CallInput<(typeof ENDPOINTS)[N]>,
  ): Promise<CallOutput<N>> {
    const endpoint: Endpoint = ENDPOINTS[name];
    const params = (input.params ?? {}) as Record<string, string>;
    let path = endpoint.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_m, key: string) => {
      const value = params[key];
      if (value === undefined) throw new RangeError(`path parameter ${key} missing`);
      return encodeURIComponent(value);
    });
    if (input.query !== undefined) {
      const q = new URLSearchParams(
        Object.entries(input.query as Record<string, unknown>).map(([k, v]): [string, string] => [
          k,
          String(v),
        ]),
      );
      path += `?${q.toString()}`;
    }
    const body = input.body === undefined ? undefined : JSON.stringify(endpoint.body!.parse(input.body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (input.token !== undefined) headers.authorization = `Bearer ${input.token}`; // RFC 6750 §2.1
    if (input.accessKey !== undefined) headers[ACCESS_KEY_HEADER] = input.accessKey;
    const { status, json } = await this.send(endpoint.method, path, headers, body);
    if (status !== endpoint.status) {
      const error = ApiErrorBody.safeParse(json);
      if (!error.success)
        throw new HeadendApiError(status, 'bad-response', `unexpected ${String(status)} from ${name}`);
      const e = error.data.error;
      throw new HeadendApiError(status, e.code, e.message, e.reason);
    }
    const parsed = endpoint.response.safeParse(json);
    if (!parsed.success)
      throw new HeadendApiError(
        status,
        'bad-response',
        `the response of ${name} does not match the contract`,
      );
    return parsed.data as CallOutput<N>;
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  private send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<{ status: number; json: unknown }> {
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.base),
        { method, headers, agent: this.agent, timeout: this.o.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy();
              reject(new HeadendApiError(res.statusCode ?? 0, 'bad-response', 'response too large'));
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown = undefined;
            try {
              json = text === '' ? undefined : JSON.parse(text);
            } catch {
              // left undefined: the schema check refuses it
            }
            resolve({ status: res.statusCode ?? 0, json });
          });
          res.on('error', (e) => reject(new HeadendApiError(0, 'unreachable', e.message)));
        },
      );
      req.on('timeout', () => req.destroy(new Error('request timed out')));
      req.on('error', (e) =>
        reject(e instanceof HeadendApiError ? e : new HeadendApiError(0, 'unreachable', e.message)),
      );
      req.end(body);
    });
  }
}
