/**
 * Serial port discovery: which serial devices are present, with their USB identity, and which of them
 * are allowed FieldRoot dongles.
 *
 * `serialport`'s `SerialPort.list()` is the primary source. On Linux it shells out to `udevadm`, which
 * minimal systems and containers lack; then the same facts are read from sysfs
 * (`/sys/class/tty/<name>/device` → the USB device directory with `idVendor`, `idProduct`, `serial`,
 * `manufacturer`).
 */
import { existsSync, readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SerialPort } from 'serialport';

export interface PortInfo {
  path: string;
  /** 4 lowercase hex digits, when the port is a USB device. */
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  manufacturer?: string;
  /** Stable `/dev/serial/by-id/…` alias of `path`, when udev made one. */
  byIdPath?: string;
}

export interface UsbId {
  vendorId: string;
  productId: string;
  /** Free text for `radio list`. */
  label?: string;
}

/**
 * USB ids of the USB-UART bridges and native-USB RCP firmwares FieldRoot dongles are built on. A
 * deployment narrows or extends this with its own list (`vendor:product`); it is an allow-list of
 * hardware, not a guarantee that the firmware speaks Spinel — bring-up checks that.
 */
export const DEFAULT_DONGLE_USB_IDS: readonly UsbId[] = [
  { vendorId: '10c4', productId: 'ea60', label: 'Silicon Labs CP210x USB-UART' },
  { vendorId: '1366', productId: '0105', label: 'SEGGER J-Link CDC (Silicon Labs kits)' },
  { vendorId: '1915', productId: 'cafe', label: 'Nordic nRF52840 OpenThread RCP (USB CDC)' },
  { vendorId: '0403', productId: '6015', label: 'FTDI FT231X USB-UART' },
];

/** `"10c4:EA60"` → `{ vendorId: '10c4', productId: 'ea60' }`; throws on anything else. */
export function parseUsbId(text: string): UsbId {
  const m = /^\s*([0-9a-fA-F]{4}):([0-9a-fA-F]{4})\s*$/.exec(text);
  if (!m) throw new Error(`not a USB id (expected vendor:product, 4 hex digits each): "${text}"`);
  return { vendorId: m[1]!.toLowerCase(), productId: m[2]!.toLowerCase() };
}

/** Parses a comma- or space-separated list of `vendor:product` ids. */
export function parseUsbIdList(text: string): UsbId[] {
  return text
    .split(/[\s,]+/)
    .filter((s) => s !== '')
    .map(parseUsbId);
}

function normHex(id: string | undefined): string | undefined {
  if (id === undefined || id === '') return undefined;
  const clean = id.trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]{1,4}$/.test(clean) ? clean.padStart(4, '0') : undefined;
}

/** The allow-list entry a port matches, if any. */
export function allowedDongle(
  port: PortInfo,
  allow: readonly UsbId[] = DEFAULT_DONGLE_USB_IDS,
): UsbId | undefined {
  const v = normHex(port.vendorId);
  const p = normHex(port.productId);
  if (!v || !p) return undefined;
  return allow.find((id) => id.vendorId === v && id.productId === p);
}

export interface ListPortsOptions {
  /** Replaces `SerialPort.list()` (tests). */
  lister?: () => Promise<PortInfo[]>;
  /** Root for the sysfs fallback and the by-id scan (tests); default `/`. */
  root?: string;
}

/** Every serial port present, sorted by path, with USB ids normalised to 4 lowercase hex digits. */
export async function listPorts(options: ListPortsOptions = {}): Promise<PortInfo[]> {
  const root = options.root ?? '/';
  let raw: PortInfo[];
  try {
    raw = await (options.lister ?? defaultLister)();
  } catch {
    // udevadm missing (containers, minimal images) or the binding failed: read sysfs directly.
    raw = listPortsFromSysfs(root);
  }
  const byId = byIdAliases(root);
  return raw
    .map((p) => {
      const out: PortInfo = { path: p.path };
      const vendorId = normHex(p.vendorId);
      const productId = normHex(p.productId);
      if (vendorId) out.vendorId = vendorId;
      if (productId) out.productId = productId;
      if (p.serialNumber) out.serialNumber = p.serialNumber;
      if (p.manufacturer) out.manufacturer = p.manufacturer;
      const alias = p.byIdPath ?? byId.get(p.path);
      if (alias) out.byIdPath = alias;
      return out;
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

async function defaultLister(): Promise<PortInfo[]> {
  const ports = await SerialPort.list();
  return ports.map((p) => {
    const out: PortInfo = { path: p.path };
    if (p.vendorId) out.vendorId = p.vendorId;
    if (p.productId) out.productId = p.productId;
    if (p.serialNumber) out.serialNumber = p.serialNumber;
    if (p.manufacturer) out.manufacturer = p.manufacturer;
    return out;
  });
}

function readAttr(dir: string, name: string): string | undefined {
  try {
    const v = readFileSync(join(dir, name), 'utf8').trim();
    return v === '' ? undefined : v;
  } catch {
    return undefined;
  }
}

/** Serial ports from `<root>/sys/class/tty`: those backed by a device; USB ids from the nearest USB ancestor. */
export function listPortsFromSysfs(root = '/'): PortInfo[] {
  const classDir = join(root, 'sys/class/tty');
  let names: string[];
  try {
    names = readdirSync(classDir);
  } catch {
    return [];
  }
  const out: PortInfo[] = [];
  for (const name of names) {
    let deviceDir: string;
    try {
      deviceDir = realpathSync(join(classDir, name, 'device'));
    } catch {
      continue; // virtual tty (console, ptmx, tty0…)
    }
    const info: PortInfo = { path: `/dev/${name}` };
    // Walk up (bounded) to the USB device: the directory holding idVendor.
    let dir = deviceDir;
    for (let i = 0; i < 6 && dir !== dirname(dir); i++, dir = dirname(dir)) {
      const vendorId = readAttr(dir, 'idVendor');
      if (vendorId === undefined) continue;
      info.vendorId = vendorId;
      const productId = readAttr(dir, 'idProduct');
      const serialNumber = readAttr(dir, 'serial');
      const manufacturer = readAttr(dir, 'manufacturer');
      if (productId) info.productId = productId;
      if (serialNumber) info.serialNumber = serialNumber;
      if (manufacturer) info.manufacturer = manufacturer;
      break;
    }
    // Legacy 16550 ports (ttyS*) without USB ids are almost always absent hardware: skip them.
    if (name.startsWith('ttyS') && info.vendorId === undefined) continue;
    out.push(info);
  }
  return out;
}

/** `/dev/ttyACM0` → `/dev/serial/by-id/usb-…-if00`. */
function byIdAliases(root: string): Map<string, string> {
  const dir = join(root, 'dev/serial/by-id');
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  try {
    for (const name of readdirSync(dir)) {
      try {
        const target = resolve(dir, readlinkSync(join(dir, name)));
        out.set(`/dev/${basename(target)}`, `/dev/serial/by-id/${name}`);
      } catch {
        // Dangling alias: skip.
      }
    }
  } catch {
    // Unreadable: no aliases.
  }
  return out;
}
