import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/main.ts';
import { WireguardGateway } from '../../src/headend/gateway/index.ts';
import { SecretBytes } from '../../src/log/index.ts';
import { getCrypto } from '../../src/stack/crypto/index.ts';
import { parseIpv6Address } from '../../src/stack/ipv6/index.ts';
import { encodeKeyBase64, parseIpPrefix } from '../../src/stack/wireguard/index.ts';
import { newPrivateKey } from '../headend/gateway/tunnel-pair.ts';

function capture(): { io: { out(l: string): void; err(l: string): void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l) }, out, err };
}

async function gatewayAndConfig(t: { after(fn: () => unknown): void }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-vpn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const gateway = new WireguardGateway({
    privateKey: new SecretBytes(newPrivateKey(), 'gateway key'),
    tunnelAddress: parseIpv6Address('fd00:88::1'),
    port: 0,
    bindAddress: '127.0.0.1',
  });
  t.after(() => gateway.stop());
  const port = await gateway.start();
  const toolKey = newPrivateKey();
  gateway.addPeer({
    publicKey: getCrypto().x25519PublicKey(toolKey),
    allowedIps: [parseIpPrefix('fd00:88::2/128')],
  });
  const file = join(dir, 'wg0.conf');
  writeFileSync(
    file,
    [
      '[Interface]',
      `PrivateKey = ${encodeKeyBase64(toolKey)}`,
      'Address = fd00:88::2/128',
      '',
      '[Peer]',
      `PublicKey = ${encodeKeyBase64(gateway.publicKey)}`,
      'AllowedIPs = fd00:88::/64',
      `Endpoint = 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  return file;
}

test('fieldroot vpn ping brings up the tunnel from a wg-quick file and prints each reply', async (t) => {
  const file = await gatewayAndConfig(t);
  const c = capture();
  const status = await runCli(
    ['vpn', 'ping', '--config', file, '--target', 'fd00:88::1', '--count', '2', '--interval', '0'],
    c.io,
  );
  assert.equal(status, 0, [...c.out, ...c.err].join('\n'));
  const out = c.out.join('\n');
  assert.match(out, /^reply from fd00:88::1: seq=1 time=\d+\.\d ms$/m);
  assert.match(out, /^reply from fd00:88::1: seq=2 time=\d+\.\d ms$/m);
  assert.match(out, /^2 packets transmitted, 2 received, 0% packet loss$/m);
});

test('fieldroot vpn ping exits 1 when the target does not answer', async (t) => {
  const file = await gatewayAndConfig(t);
  const c = capture();
  const status = await runCli(
    ['vpn', 'ping', '--config', file, '--target', 'fd00:88::77', '--count', '1', '--timeout', '200'],
    c.io,
  );
  assert.equal(status, 1);
  assert.match(c.out.join('\n'), /no reply from fd00:88::77: seq=1/);
  assert.match(c.out.join('\n'), /1 packets transmitted, 0 received, 100% packet loss/);
});

test('fieldroot vpn ping refuses bad arguments and bad files with status 2, quoting no key', async (t) => {
  const c = capture();
  assert.equal(await runCli(['vpn', 'ping', '--target', 'fd00::1'], c.io), 2);
  assert.match(c.err.join('\n'), /needs --config/);
  const dir = mkdtempSync(join(tmpdir(), 'fieldroot-vpn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'bad.conf');
  const secret = encodeKeyBase64(newPrivateKey());
  writeFileSync(file, `[Interface]\nPrivateKey = ${secret}\nPostUp = rm -rf /\n`);
  const d = capture();
  assert.equal(await runCli(['vpn', 'ping', '--config', file, '--target', 'fd00::1'], d.io), 2);
  assert.match(d.err.join('\n'), /line 3: PostUp is not supported/);
  assert.ok(!d.err.join('\n').includes(secret), 'the private key is not echoed');
  const noPeer = join(dir, 'no-peer.conf');
  writeFileSync(noPeer, `[Interface]\nPrivateKey = ${secret}\nAddress = fd00:88::2/64\n`);
  const e = capture();
  assert.equal(await runCli(['vpn', 'ping', '--config', noPeer, '--target', 'fd00::1'], e.io), 2);
  assert.match(e.err.join('\n'), /expected exactly one \[Peer\]/);
  const h = capture();
  assert.equal(await runCli(['vpn', '--help'], h.io), 0);
  assert.match(h.out.join('\n'), /--config/);
});
