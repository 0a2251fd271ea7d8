/**
 * `node --import tsx main/web-shell/cli.ts` — the app in a browser on this machine.
 *
 *   --headend-url <https://host:port/>  the head-end API (else $FIELDROOT_HEADEND_URL)
 *   --headend-ca <file.pem>             the head-end CA certificate (else $FIELDROOT_HEADEND_CA)
 *   --dongle <path>                     also offer this pseudo-terminal (the simulator's dongle)
 *   --port <n>                          listen port on 127.0.0.1 (default: any free port)
 *   --device-id <id>                    this tool's device id (else $FIELDROOT_DEVICE_ID, else
 *                                       fieldroot-<host name>)
 *   --channel <n> --pan-id <n>          bench/lab only: this radio channel and PAN ID instead
 *                                       of the job's (else $FIELDROOT_RADIO_CHANNEL /
 *                                       $FIELDROOT_RADIO_PAN_ID; neither: the job's radio)
 *   --demo                              (else $FIELDROOT_DEMO=1) the demo: keys in an ephemeral
 *                                       in-memory vault; with
 *                                       $FIELDROOT_DEMO_SUPERVISOR ("user:password") the demo
 *                                       supervisor enrols the tool, approves grants and hands
 *                                       over DR authorisations
 *
 * Prints exactly one line `Web shell: <url>` when ready; everything else goes to stderr.
 */
import { parseArgs } from 'node:util';
import { createLogger } from '../../src/log/index.ts';
import { watchDongles } from '../dongle-watch.ts';
import { appDataDir, fileSettingsStore } from '../settings-file.ts';
import { builtRendererDir } from '../renderer-files.ts';
import { startFieldApp } from './field-app.ts';
import { startWebShell } from './server.ts';

const { values } = parseArgs({
  options: {
    'headend-url': { type: 'string' },
    'headend-ca': { type: 'string' },
    dongle: { type: 'string', multiple: true },
    port: { type: 'string' },
    'device-id': { type: 'string' },
    channel: { type: 'string' },
    'pan-id': { type: 'string' },
    demo: { type: 'boolean' },
  },
});
const headendUrl = values['headend-url'];
const headendCa = values['headend-ca'];
const logger = createLogger('app.web-shell', { sink: (line) => process.stderr.write(`${line}\n`) });

const { engine, field } = await startFieldApp(
  {
    headendUrl,
    headendCa,
    deviceId: values['device-id'],
    channel: values.channel,
    panId: values['pan-id'],
    demo: values.demo,
  },
  process.env,
  fileSettingsStore(appDataDir()),
  logger,
);
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
for (const notice of field?.notices ?? []) process.stderr.write(`web shell: ${notice}\n`);

const stop = () => {
  dongles.stop();
  void shell
    .close()
    .then(() => field?.stop())
    .then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
