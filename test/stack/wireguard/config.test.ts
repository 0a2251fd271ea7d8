import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  WgConfigError,
  decodeKeyBase64,
  encodeKeyBase64,
  formatIpPrefix,
  parseIpPrefix,
  parseWgQuickConfig,
  peerConfigFromSection,
  redactedConfigSummary,
  writeWgQuickConfig,
} from '../../../src/stack/wireguard/index.ts';
import type { WgQuickConfig } from '../../../src/stack/wireguard/index.ts';

// Keys in the format of wg(8)'s examples (base64 of 32 bytes); made up for this test.
const PRIVATE = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const PUBLIC = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const PSK = 'E/3rJZ0rGmyqVOeXbDb2ITpySTdhgtsMRwdtj4pVvXQ=';
const PUBLIC2 = 'TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=';

const SAMPLE = `# FieldRoot diagnostics tunnel
[Interface]
PrivateKey = ${PRIVATE}
ListenPort = 51820
Address = fd00:1::2/128, 10.9.0.2/32

[Peer]
PublicKey = ${PUBLIC}
PresharedKey = ${PSK}
AllowedIPs = ::/0
AllowedIPs = 10.9.0.0/24   # a second line adds to the list
Endpoint = [2001:db8::1]:51820
PersistentKeepalive = 25

[peer]
publickey = ${PUBLIC2}
Endpoint = gw.example.net:51820
`;

test('wg-quick config: parse the sample', () => {
  const c = parseWgQuickConfig(SAMPLE);
  assert.equal(encodeKeyBase64(c.interface.privateKey), PRIVATE);
  assert.equal(c.interface.listenPort, 51820);
  assert.deepEqual(c.interface.addresses.map(formatIpPrefix), ['fd00:1::2/128', '10.9.0.2/32']);
  assert.equal(c.peers.length, 2);
  const [gw, other] = c.peers;
  assert.equal(encodeKeyBase64(gw!.presharedKey!), PSK);
  assert.deepEqual(gw!.allowedIps.map(formatIpPrefix), ['::/0', '10.9.0.0/24']);
  assert.equal(gw!.endpoint, '[2001:db8::1]:51820');
  assert.equal(gw!.persistentKeepalive, 25);
  assert.deepEqual([other!.presharedKey, other!.persistentKeepalive], [null, 0]);
  assert.equal(peerConfigFromSection(gw!).endpoint, '[2001:db8::1]:51820');
});

test('wg-quick config: write then parse round-trips', () => {
  const c = parseWgQuickConfig(SAMPLE);
  const written = writeWgQuickConfig(c);
  assert.deepEqual(parseWgQuickConfig(written), c);
  assert.equal(writeWgQuickConfig(parseWgQuickConfig(written)), written, 'canonical form is stable');
});

test('wg-quick config: round trip of generated configs (property)', () => {
  const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(32)).map(([a, b, len]) => `10.${a}.${b}.0/${len}`);
  const v6 = fc.tuple(fc.nat(0xffff), fc.nat(128)).map(([g, len]) => `fd00:${g.toString(16)}::/${len}`);
  const prefixes = fc.array(fc.oneof(v4, v6).map(parseIpPrefix), { maxLength: 4 });
  const config: fc.Arbitrary<WgQuickConfig> = fc
    .record({
      interface: fc.record({
        privateKey: key,
        listenPort: fc.option(fc.nat(65535), { nil: null }),
        addresses: prefixes,
        mtu: fc.option(fc.integer({ min: 576, max: 65535 }), { nil: null }),
      }),
      peers: fc.uniqueArray(
        fc.record({
          publicKey: key,
          presharedKey: fc.option(key, { nil: null }),
          allowedIps: prefixes,
          endpoint: fc.option(fc.constantFrom('192.0.2.1:51820', '[2001:db8::1]:1', 'gw.example:9'), {
            nil: null,
          }),
          persistentKeepalive: fc.nat(65535),
        }),
        { maxLength: 3, selector: (p) => encodeKeyBase64(p.publicKey) },
      ),
      // structuredClone: plain objects, as the parser builds (fc.record makes null-prototype ones).
    })
    .map((c) => structuredClone(c));
  fc.assert(
    fc.property(config, (c) => {
      assert.deepEqual(parseWgQuickConfig(writeWgQuickConfig(c)), c);
    }),
    { numRuns: 100 },
  );
});

test('wg-quick config: bad files are rejected with the line number', () => {
  const cases: [string, number, RegExp][] = [
    [`[Interface]\nPrivateKey = ${PRIVATE.slice(1)}\n`, 2, /PrivateKey is not a base64-encoded 32-byte key/],
    [`[Interface]\nPrivateKey = ${PRIVATE}\nListenPort = 70000\n`, 3, /ListenPort/],
    [`[Interface]\nPrivateKey = ${PRIVATE}\nPrivateKey = ${PRIVATE}\n`, 3, /given twice \(first on line 2\)/],
    [`[Interface]\nPrivateKey = ${PRIVATE}\nPostUp = rm -rf /\n`, 3, /not supported/],
    [`[Interface]\nPrivateKey = ${PRIVATE}\nColour = blue\n`, 3, /unknown key "Colour"/],
    [`PrivateKey = ${PRIVATE}\n`, 1, /before any section/],
    [`[Interface]\nPrivateKey = ${PRIVATE}\n[Peer]\nAllowedIPs = ::/0\n`, 3, /no PublicKey/],
    [
      `[Interface]\nPrivateKey = ${PRIVATE}\n[Peer]\nPublicKey = ${PUBLIC}\nAllowedIPs = ::/0, 10.0.0.0/99\n`,
      5,
      /AllowedIPs/,
    ],
    [
      `[Interface]\nPrivateKey = ${PRIVATE}\n[Peer]\nPublicKey = ${PUBLIC}\nEndpoint = 2001:db8::1:51820\n`,
      5,
      /Endpoint/,
    ],
    [
      `[Interface]\nPrivateKey = ${PRIVATE}\n[Peer]\nPublicKey = ${PUBLIC}\n\n[Peer]\nPublicKey = ${PUBLIC}\n`,
      6,
      /already defined on line 3/,
    ],
    [
      `[Interface]\nPrivateKey = ${PRIVATE}\n[Peer]\nPublicKey = ${PUBLIC}\nPersistentKeepalive = -1\n`,
      5,
      /PersistentKeepalive/,
    ],
    [`[Interface]\nPrivateKey = ${PRIVATE}\n[Interface]\n`, 3, /second \[Interface\]/],
    [`[Interface]\nListenPort = 1\n`, 1, /no PrivateKey/],
    [`[Interface]\nPrivateKey = ${PRIVATE}\n[Tunnel]\n`, 3, /unknown section/],
    [`[Interface]\nPrivateKey = ${PRIVATE}\njust text\n`, 3, /Key = Value/],
    [``, 1, /no \[Interface\]/],
  ];
  for (const [text, line, reason] of cases) {
    assert.throws(
      () => parseWgQuickConfig(text),
      (e: unknown) => e instanceof WgConfigError && e.line === line && reason.test(e.message),
      `expected line ${line} ${String(reason)} for:\n${text}`,
    );
  }
});

test('wg-quick config: error messages and the summary never contain key material', () => {
  const typo = `[Interface]\nPrivateKey = ${PRIVATE.slice(0, 43)}x\n`;
  assert.throws(
    () => parseWgQuickConfig(typo),
    (e: unknown) => e instanceof Error && !e.message.includes(PRIVATE.slice(0, 20)),
  );
  const summary = redactedConfigSummary(parseWgQuickConfig(SAMPLE));
  assert.ok(!summary.includes(PRIVATE) && !summary.includes(PSK), 'no private key or psk in the summary');
  assert.ok(summary.includes(PUBLIC), 'public keys identify the peers');
  assert.ok(summary.includes('(redacted)'), 'says what was left out');
});

test('wg-quick config: parser only ever throws WgConfigError on mutated text (fuzz)', () => {
  const lines = SAMPLE.split('\n');
  fc.assert(
    fc.property(
      fc.array(fc.nat(lines.length - 1), { maxLength: 12 }),
      fc.string({ maxLength: 20 }),
      fc.nat(),
      (picks, noise, at) => {
        const picked = picks.map((i) => lines[i]!);
        const k = picked.length === 0 ? 0 : at % picked.length;
        if (picked.length > 0) picked[k] = picked[k]!.slice(0, at % 50) + noise + picked[k]!.slice(at % 50);
        try {
          parseWgQuickConfig(picked.join('\n'));
        } catch (e) {
          if (!(e instanceof WgConfigError)) throw e;
        }
      },
    ),
    { numRuns: 10_000 },
  );
});

test('base64 keys: strict 44-character canonical form', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
  assert.deepEqual(decodeKeyBase64(encodeKeyBase64(key)), key);
  assert.equal(
    encodeKeyBase64(new Uint8Array(32).fill(0xff)),
    '//////////////////////////////////////////8=',
  );
  assert.equal(decodeKeyBase64(PRIVATE.slice(0, 42) + 'B='), null, 'non-zero padding bits');
  assert.equal(decodeKeyBase64(PRIVATE + '='), null, 'too long');
  assert.equal(decodeKeyBase64(PRIVATE.replace('+', '-')), null, 'URL alphabet refused');
});

test('an interface Address keeps its host part; AllowedIPs are masked to the prefix', () => {
  const key = encodeKeyBase64(new Uint8Array(32).fill(7));
  const c = parseWgQuickConfig(
    `[Interface]\nPrivateKey = ${key}\nAddress = fd00:88::2/64\n[Peer]\nPublicKey = ${key}\nAllowedIPs = fd00:99::5/64\n`,
  );
  assert.equal(formatIpPrefix(c.interface.addresses[0]!), 'fd00:88::2/64');
  assert.equal(formatIpPrefix(c.peers[0]!.allowedIps[0]!), 'fd00:99::/64');
});
