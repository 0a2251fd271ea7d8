// The real key server on loopback UDP with tool authentication (EAP-TLS) on, its certificates
// from the real head-end CA (certificates.ts): the setup every tool-authentication test shares.
import type { TestContext } from 'node:test';
import type { AuthenticateToolOptions, KeyServerDatagramPort } from '../../../src/field/tool-auth/index.ts';
import { KeyServer } from '../../../src/headend/keys/index.ts';
import { fixture, type Fixture } from '../../headend/keys/fixtures.ts';
import { openTestPki, type TestPki, type ToolCredentials } from './certificates.ts';

export interface RunningKeyServer {
  readonly f: Fixture;
  /** The head-end CA: it issues the tools' certificates and judges them at the key server. */
  readonly pki: TestPki;
  readonly server: KeyServer;
  /** The key server's loopback UDP port. */
  readonly port: number;
}

export interface KeyServerFixtureOptions {
  /** The CA's clock (certificate validity); default Date.now. */
  readonly clock?: () => number;
  /** Whose server certificate the key server presents; default the head-end CA's own. */
  readonly serverPki?: TestPki;
}

/** Starts the key server on 127.0.0.1 (stopped after the test). */
export async function startKeyServer(
  t: TestContext,
  o: KeyServerFixtureOptions = {},
): Promise<RunningKeyServer> {
  const f = fixture(t);
  const pki = await openTestPki(o.clock);
  const serving = o.serverPki ?? pki;
  const server = await KeyServer.start({
    repositories: f.store.repositories,
    masterKey: f.master,
    logger: f.logger,
    host: '127.0.0.1',
    port: 0,
    toolAuthentication: {
      certificate: serving.server.certificate,
      privateKey: serving.server.privateKey,
      caCertificate: pki.ca.certificatePem,
      identifyClient: (cert) => pki.ca.identifyClient(cert),
    },
  });
  t.after(() => server.stop());
  return { f, pki, server, port: server.address().port };
}

/** authenticateTool's options for `tool` over `link`, trusting the running key server's CA. */
export function toolOptions(
  r: RunningKeyServer,
  tool: ToolCredentials,
  link: KeyServerDatagramPort,
): AuthenticateToolOptions {
  return {
    link,
    certificate: tool.certificate,
    privateKey: tool.privateKey,
    caCertificate: r.pki.ca.certificatePem,
    logger: r.f.logger,
  };
}
