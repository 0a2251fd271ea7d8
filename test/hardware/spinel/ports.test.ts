import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, memorySink } from '../../../src/log/index.ts';
import { ManualClock, settle } from '../../../hardware/spinel/clock.ts';
import { PERMISSION_HINT } from '../../../hardware/spinel/errors.ts';
import { createMemoryLinkPair } from '../../../hardware/spinel/serial-link.ts';
import type { MemoryLink } from '../../../hardware/spinel/serial-link.ts';
import {
  allowedDongle,
  listPorts,
  listPortsFromSysfs,
  parseUsbId,
  parseUsbIdList,
} from '../../../hardware/ports/discovery.ts';
import type { SpinelDongle } from '../../../hardware/spinel/dongle.ts';
import { DongleSupervisor } from '../../../hardware/ports/supervisor.ts';
import type { SupervisorState } from '../../../hardware/ports/supervisor.ts';
import { LoopbackRadio } from '../../../hardware/virtual-dongle/loopback-radio.ts';
import { VirtualRcp } from '../../../hardware/virtual-dongle/rcp.ts';
import { attachVirtualDongle } from '../../../hardware/virtual-dongle/virtual-dongle.ts';
import { CONFIG } from './helpers.ts';

test('USB ids parse as vendor:product and match the allow-list case-insensitively', () => {
  assert.deepEqual(parseUsbId('10C4:EA60'), { vendorId: '10c4', productId: 'ea60' });
  assert.throws(() => parseUsbId('10c4-ea60'), /vendor:product/);
  assert.throws(() => parseUsbId('10c4:ea6'), /vendor:product/);
  assert.deepEqual(parseUsbIdList('1915:cafe, 0403:6015'), [
    { vendorId: '1915', productId: 'cafe' },
    { vendorId: '0403', productId: '6015' },
  ]);
  assert.equal(
    allowedDongle({ path: '/dev/ttyUSB0', vendorId: '10C4', productId: 'EA60' })?.vendorId,
    '10c4',
  );
  assert.equal(
    allowedDongle({ path: '/dev/ttyUSB0', vendorId: '0x10c4', productId: 'ea60' })?.productId,
    'ea60',
  );
  assert.equal(allowedDongle({ path: '/dev/ttyUSB1', vendorId: '1234', productId: '5678' }), undefined);
  assert.equal(allowedDongle({ path: '/dev/ttyS0' }), undefined);
  assert.ok(
    allowedDongle({ path: '/dev/x', vendorId: '1234', productId: '5678' }, [parseUsbId('1234:5678')]),
  );
});

test('without udevadm, ports come from sysfs with USB ids, serial number and by-id alias', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fieldroot-sysfs-'));
  try {
    const usbDev = join(root, 'sys/devices/pci0000:00/usb1/1-2');
    const iface = join(usbDev, '1-2:1.0');
    mkdirSync(join(iface, 'tty/ttyACM0'), { recursive: true });
    writeFileSync(join(usbDev, 'idVendor'), '1915\n');
    writeFileSync(join(usbDev, 'idProduct'), 'cafe\n');
    writeFileSync(join(usbDev, 'serial'), 'E1A2B3C4\n');
    writeFileSync(join(usbDev, 'manufacturer'), 'Nordic Semiconductor\n');
    mkdirSync(join(root, 'sys/class/tty/ttyACM0'), { recursive: true });
    symlinkSync(iface, join(root, 'sys/class/tty/ttyACM0/device'));
    mkdirSync(join(root, 'sys/class/tty/console'), { recursive: true }); // virtual: no device link
    mkdirSync(join(root, 'sys/class/tty/ttyS0'), { recursive: true });
    mkdirSync(join(root, 'sys/devices/platform/serial8250'), { recursive: true });
    symlinkSync(join(root, 'sys/devices/platform/serial8250'), join(root, 'sys/class/tty/ttyS0/device'));
    mkdirSync(join(root, 'dev/serial/by-id'), { recursive: true });
    symlinkSync('../../ttyACM0', join(root, 'dev/serial/by-id/usb-Nordic_RCP_E1A2B3C4-if00'));

    assert.deepEqual(listPortsFromSysfs(root), [
      {
        path: '/dev/ttyACM0',
        vendorId: '1915',
        productId: 'cafe',
        serialNumber: 'E1A2B3C4',
        manufacturer: 'Nordic Semiconductor',
      },
    ]);
    const ports = await listPorts({
      root,
      lister: () => Promise.reject(Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' })),
    });
    assert.equal(ports.length, 1);
    assert.equal(ports[0]!.byIdPath, '/dev/serial/by-id/usb-Nordic_RCP_E1A2B3C4-if00');
    assert.ok(allowedDongle(ports[0]!));

    // serialport's own list is used when it works, ids normalised.
    const listed = await listPorts({
      root,
      lister: () => Promise.resolve([{ path: '/dev/ttyUSB0', vendorId: '10C4', productId: 'EA60' }]),
    });
    assert.deepEqual(listed, [{ path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60' }]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

/** A simulated USB socket: a device that can be plugged in and pulled out, on in-memory links. */
class FakeSocket {
  present = true;
  denied = false;
  opens = 0;
  current: MemoryLink | undefined;
  readonly rcp: VirtualRcp;
  constructor(clock: ManualClock) {
    this.rcp = new VirtualRcp({ radio: new LoopbackRadio({ clock }), clock });
  }
  open = (path: string): Promise<MemoryLink> => {
    if (this.denied) {
      return Promise.reject(
        Object.assign(new Error(`Error: Permission denied, cannot open ${path}`), { code: 'EACCES' }),
      );
    }
    if (!this.present)
      return Promise.reject(new Error(`Error: No such file or directory, cannot open ${path}`));
    this.opens++;
    const [host, dev] = createMemoryLinkPair();
    this.rcp.powerOff();
    attachVirtualDongle(dev, this.rcp);
    this.current = host;
    return Promise.resolve(host);
  };
  unplug(): void {
    this.present = false;
    this.current?.unplug();
  }
}

test('supervisor: connects, sees the unplug, backs off exponentially, reconnects when the device returns', async () => {
  const clock = new ManualClock();
  const socket = new FakeSocket(clock);
  const states: SupervisorState[] = [];
  const delays: number[] = [];
  const sup = new DongleSupervisor({
    target: { kind: 'path', path: '/dev/serial/by-id/usb-test-if00' },
    config: CONFIG,
    clock,
    logger: createLogger('test.sup', { level: 'error', sink: memorySink() }),
    openLink: socket.open,
    pathExists: () => socket.present,
    initialBackoffMs: 100,
    maxBackoffMs: 1000,
  });
  sup.on('state', (s) => states.push(s));
  sup.on('reconnecting', (r) => delays.push(r.delayMs));
  sup.start();
  await settle();
  assert.equal(sup.state, 'connected');
  assert.ok(sup.dongle?.isReady);
  assert.equal(socket.rcp.channel, CONFIG.channel);

  socket.unplug();
  await settle();
  assert.equal(sup.dongle, undefined);
  assert.ok(states.includes('unplugged'));
  // Absent for a while: retries at 100, 200, 400, 800, 1000, 1000 ms.
  await clock.advance(100 + 200 + 400 + 800 + 1000 + 1000);
  assert.deepEqual(delays.slice(0, 7), [100, 200, 400, 800, 1000, 1000, 1000]);
  assert.equal(sup.state, 'reconnecting');

  socket.present = true;
  await clock.advance(1000);
  assert.equal(sup.state, 'connected');
  assert.equal(socket.opens, 2);
  assert.equal(socket.rcp.phyEnabled, true, 'reconfigured after replug');
  const again = sup.dongle as SpinelDongle | undefined;
  assert.ok(again);
  assert.equal((await again.transmit(Uint8Array.of(1, 2, 3))).status, 'sent');
  await sup.stop();
  assert.equal(sup.state, 'stopped');
  assert.equal(clock.pending, 0, 'no retry left armed after stop');
});

test('supervisor: permission denied tells the worker how to fix it, then connects once fixed', async () => {
  const clock = new ManualClock();
  const socket = new FakeSocket(clock);
  socket.denied = true;
  const messages: string[] = [];
  const sup = new DongleSupervisor({
    target: { kind: 'path', path: '/dev/ttyACM0' },
    config: CONFIG,
    clock,
    logger: createLogger('test.sup', { level: 'error', sink: memorySink() }),
    openLink: socket.open,
    pathExists: () => true,
    initialBackoffMs: 100,
    maxBackoffMs: 400,
  });
  sup.on('permission-denied', (p) => messages.push(p.message));
  sup.start();
  await settle();
  assert.equal(sup.state, 'permission-denied');
  await clock.advance(1000);
  assert.equal(messages.length, 1, 'announced once, not at every retry');
  assert.ok(messages[0]!.includes(PERMISSION_HINT));
  assert.match(messages[0]!, /sudo usermod -aG dialout \$USER/);
  assert.match(messages[0]!, /udev rule/);
  socket.denied = false;
  await clock.advance(400);
  assert.equal(sup.state, 'connected');
  await sup.stop();
});

test('supervisor (auto): picks the allowed dongle and follows its serial number to a new path', async () => {
  const clock = new ManualClock();
  const socket = new FakeSocket(clock);
  let ports = [
    { path: '/dev/ttyS4' },
    { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', serialNumber: 'OTHER' },
    { path: '/dev/ttyACM0', vendorId: '1915', productId: 'cafe', serialNumber: 'RCP-1' },
  ];
  const opened: string[] = [];
  const sup = new DongleSupervisor({
    target: { kind: 'auto' },
    clock,
    logger: createLogger('test.sup', { level: 'error', sink: memorySink() }),
    openLink: (path) => {
      opened.push(path);
      return socket.open(path);
    },
    listPorts: () => Promise.resolve(ports.filter(() => socket.present)),
    initialBackoffMs: 50,
  });
  sup.start();
  await settle();
  assert.equal(sup.state, 'connected');
  assert.equal(sup.path, '/dev/ttyACM0');
  socket.unplug();
  await settle();
  // It comes back as ttyACM1 (another device took ACM0's number meanwhile).
  ports = [
    { path: '/dev/ttyACM0', vendorId: '1915', productId: 'cafe', serialNumber: 'SOMEONE-ELSE' },
    { path: '/dev/ttyACM1', vendorId: '1915', productId: 'cafe', serialNumber: 'RCP-1' },
  ];
  socket.present = true;
  await clock.advance(50);
  assert.equal(sup.state, 'connected');
  assert.equal(sup.path, '/dev/ttyACM1');
  assert.deepEqual(opened, ['/dev/ttyACM0', '/dev/ttyACM1']);
  await sup.stop();
});

test('supervisor: a dongle that stops answering is reopened', async () => {
  const clock = new ManualClock();
  const socket = new FakeSocket(clock);
  const events: string[] = [];
  const sup = new DongleSupervisor({
    target: { kind: 'path', path: '/dev/ttyACM0' },
    config: CONFIG,
    clock,
    logger: createLogger('test.sup', { level: 'error', sink: memorySink() }),
    dongleOptions: {
      unresponsiveAfter: 2,
      requestTimeoutMs: 100,
      logger: createLogger('t', { level: 'error', sink: memorySink() }),
    },
    openLink: socket.open,
    pathExists: () => true,
    initialBackoffMs: 10,
  });
  sup.on('unplugged', (u) => events.push(u.reason));
  sup.start();
  await settle();
  const d = sup.dongle!;
  socket.rcp.mute = true;
  const a = d.getProp('PHY_CHAN').catch(() => 'timeout');
  const b = d.getProp('PHY_CHAN').catch(() => 'timeout');
  await clock.advance(200);
  assert.deepEqual(await Promise.all([a, b]), ['timeout', 'timeout']);
  await settle();
  assert.deepEqual(events, ['dongle stopped answering']);
  socket.rcp.mute = false;
  await clock.advance(10);
  assert.equal(sup.state, 'connected');
  assert.notEqual(sup.dongle, d);
  await sup.stop();
});
