/**
 * `node --import tsx main/web-shell/cli.ts` — the app in a browser on this machine.
 *
 *   --headend-url <https://host:port/>  the head-end API (else $FIELDROOT_HEADEND_URL)
 *   --headend-ca <file.pem>             the head-end CA certificate (else $FIELDROOT_HEADEND_CA)
 *   --dongle <path>                     also offer this pseudo-terminal (the simulator's dongle)
 *   --port <n>                          listen port on 127.0.0.1 (default: any free port)
 *
 * Prints exactly one line `Web shell: <url>` when ready; everything else goes to stderr.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AppEngine, headendSessions } from '../../src/field/app-engine/index.ts';
import { HeadendClient } from '../../src/field/headend-client/index.ts';
import { createLogger } from '../../src/log/index.ts';
import { watchDongles } from '../dongle-watch.ts';
import { appDataDir, fileSettingsStore } from '../settings-file.ts';
import { builtRendererDir } from '../renderer-files.ts';
import { startWebShell } from './server.ts';

const { values } = parseArgs({
  options: {
    'headend-url': { type: 'string' },
    'headend-ca': { type: 'string' },
    dongle: { type: 'string', multiple: true },
    port: { type: 'string' },
  },
});
const headendUrl = values['headend-url'] ?? process.env.FIELDROOT_HEADEND_URL;
const headendCa = values['headend-ca'] ?? process.env.FIELDROOT_HEADEND_CA;
const logger = createLogger('app.web-shell', { sink: (line) => process.stderr.write(`${line}\n`) });

const engine = new AppEngine({
  clock: () => Date.now(),
  settings: fileSettingsStore(appDataDir()),
  headend:
    headendUrl === undefined || headendCa === undefined
      ? null
      : headendSessions(
          new HeadendClient({ baseUrl: headendUrl, caCertificatePem: readFileSync(headendCa, 'utf8') }),
        ),
});
const dongles = watchDongles(engine, { extraPaths: values.dongle ?? [] });
const shell = await startWebShell({
  engine,
  rendererDir: builtRendererDir(),
  logger,
  port: values.port === undefined ? 0 : Number(values.port),
});
process.stdout.write(`Web shell: ${shell.url}\n`);
for (const missing of engine.unavailable())
  process.stderr.write(`web shell: not available yet: ${missing}\n`);

const stop = () => {
  dongles.stop();
  void shell.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
