/** Job provisioning against a real (unstarted) WireGuard gateway: addresses, peers, conflicts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WireguardGateway } from '../../../src/headend/gateway/index.ts';
import { JobAddressPlan, JobConflictError, JobProvisioner } from '../../../src/headend/jobs/index.ts';
import { JobConnection } from '../../../src/contract/headend-api/index.ts';
import { SecretBytes } from '../../../src/log/index.ts';
import { getCrypto } from '../../../src/stack/crypto/index.ts';
import { formatIpPrefix, prefixContains } from '../../../src/stack/wireguard/index.ts';
import { parseIpv6Address } from '../../../src/stack/ipv6/index.ts';

const RADIO = { channel: 40, panId: 0x1234 };

function provisioner() {
  const addresses = new JobAddressPlan();
  const gateway = new WireguardGateway({
    privateKey: new SecretBytes(getCrypto().randomBytes(32), 'gateway key'),
    tunnelAddress: addresses.gatewayAddress,
    port: 0,
  });
  let n = 0;
  const jobs = new JobProvisioner({
    gateway,
    gatewayEndpoint: '192.0.2.1:51820',
    serviceProviderId: 'utility-1',
    keyServer: { id: 'keyserver.fieldroot', address: 'fd00:f1e1:c000::1', port: 716 },
    amrServer: { id: 'amr.fieldroot', address: 'fd00:f1e1:c000::2', port: 3610 },
    radio: RADIO,
    addresses,
    clock: () => 1_000,
    random: (len) => new Uint8Array(len).fill(++n),
  });
  return { gateway, jobs };
}

const key = (b: number) => getCrypto().x25519PublicKey(new Uint8Array(32).fill(b));
const start = (jobs: JobProvisioner, deviceId: string, b: number) =>
  jobs.start({ workOrderId: `wo-${deviceId}`, deviceId, workerId: 'w1', publicKey: key(b) });

test('each job gets its own tunnel /128 and mesh /64, and the gateway peer allows exactly those', () => {
  const { gateway, jobs } = provisioner();
  const a = start(jobs, 'tablet-a', 1);
  const b = start(jobs, 'tablet-b', 2);
  assert.notEqual(a.tunnelAddress, b.tunnelAddress);
  assert.notEqual(a.meshPrefix, b.meshPrefix);
  assert.notEqual(a.tunnelAddress, a.gateway.tunnelAddress, 'the gateway keeps its own address');
  const peerA = gateway.peerStatus(key(1));
  assert.deepEqual(
    peerA?.allowedIps.map((p) => formatIpPrefix(p)).sort(),
    [`${a.tunnelAddress}/128`, a.meshPrefix].sort(),
  );
  assert.equal(a.gateway.endpoint, '192.0.2.1:51820');
  assert.equal(a.gateway.publicKey, Buffer.from(gateway.publicKey).toString('base64'));
  assert.equal(a.serviceProviderId, 'utility-1');
  assert.deepEqual(a.radio, RADIO, 'every job names the channel and PAN ID its meters use');
  assert.equal(JobConnection.safeParse(a).success, true, 'the connection is valid for the tool');
  assert.ok(
    a.allowedIps.includes(`${a.gateway.tunnelAddress}/128`),
    'the tool routes the gateway address into the tunnel',
  );
  // The mesh /64 does not overlap the tunnel /64.
  const mesh = jobs.list().find((j) => j.jobId === a.jobId)!;
  assert.equal(mesh.state, 'active');
  assert.ok(
    !prefixContains(
      { family: 6, address: parseIpv6Address(a.meshPrefix.split('/')[0]!), length: 64 },
      parseIpv6Address(a.tunnelAddress),
    ),
    'tunnel address outside the mesh /64',
  );
});

test('one active job per device and per WireGuard key; ending frees the peer and the addresses for reuse', () => {
  const { gateway, jobs } = provisioner();
  const a = start(jobs, 'tablet-a', 1);
  assert.throws(() => start(jobs, 'tablet-a', 3), JobConflictError);
  assert.throws(() => start(jobs, 'tablet-c', 1), JobConflictError);
  assert.equal(gateway.peers().length, 1, 'a refused start adds no peer');
  const ended = jobs.end(a.jobId, 'ended-by-tool');
  assert.equal(ended?.state, 'ended');
  assert.equal(gateway.peerStatus(key(1)), null, 'the peer and its credential are gone');
  assert.equal(jobs.addresses.inUse, 0);
  const again = start(jobs, 'tablet-a', 1);
  assert.equal(again.tunnelAddress, a.tunnelAddress, 'the freed address is handed out again');
  assert.equal(jobs.end('job-unknown', 'ended-by-tool'), undefined);
});

test('revoking a device ends all its active jobs with the reason, and only its own', () => {
  const { gateway, jobs } = provisioner();
  start(jobs, 'tablet-a', 1);
  const b = start(jobs, 'tablet-b', 2);
  const ended = jobs.endDevice('tablet-a', 'device-revoked');
  assert.deepEqual(
    ended.map((j) => [j.deviceId, j.endReason]),
    [['tablet-a', 'device-revoked']],
  );
  assert.deepEqual(
    gateway.peers().map((p) => p.label),
    [`${b.jobId} tablet-b`],
  );
});

test("a revoked device's tunnel address and mesh /64 are not handed to the next tool while others are free", () => {
  const { jobs } = provisioner();
  const a = start(jobs, 'tablet-a', 1);
  jobs.endDevice('tablet-a', 'device-revoked');
  assert.equal(jobs.addresses.inUse, 0);
  const b = start(jobs, 'tablet-b', 2);
  assert.notEqual(b.tunnelAddress, a.tunnelAddress, 'a new tunnel address');
  assert.notEqual(b.meshPrefix, a.meshPrefix, 'a new mesh /64');
});

test('a radio outside the contract (the broadcast PAN ID, a channel over 255) is refused at start-up', () => {
  const gateway = new WireguardGateway({
    privateKey: new SecretBytes(getCrypto().randomBytes(32), 'gateway key'),
    tunnelAddress: new JobAddressPlan().gatewayAddress,
    port: 0,
  });
  const options = {
    gateway,
    gatewayEndpoint: '192.0.2.1:51820',
    serviceProviderId: 'utility-1',
    keyServer: { id: 'k', address: 'fd00:f1e1:c000::1', port: 716 },
    amrServer: { id: 'a', address: 'fd00:f1e1:c000::2', port: 3610 },
    clock: () => 1_000,
    random: (len: number) => new Uint8Array(len),
  };
  assert.throws(() => new JobProvisioner({ ...options, radio: { channel: 33, panId: 0xffff } }), /PAN ID/);
  assert.throws(() => new JobProvisioner({ ...options, radio: { channel: 256, panId: 1 } }), /channel/);
});
