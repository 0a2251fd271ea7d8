/** The options of `fieldroot sim`, parsed and checked. */
import { parseArgs } from 'node:util';
import { UsageError } from '../command.ts';

export interface SimOptions {
  /** A shipped scenario's name or a JSON file. */
  scenario: string;
  /** Where the virtual dongle's pty is linked (pty mode). */
  pty: string | undefined;
  /** Overrides the scenario's seed. */
  seed: number | undefined;
  /** Stop after this many seconds (of the run's clock); none = until SIGINT/SIGTERM. */
  durationS: number | undefined;
  pcap: string | undefined;
  keysOut: string | undefined;
  report: string | undefined;
  virtualTime: boolean;
  /** Meters power on spread uniformly over this many seconds from the start. */
  powerOnSpreadS: number;
}

export const SIM_HELP = [
  'Usage: fieldroot sim --scenario <name|file> --pty <path> [options]',
  '       fieldroot sim --scenario <name|file> --virtual-time --duration <s> [options]',
  '',
  "Runs a simulated field of meters. In pty mode the tablet's dongle is a virtual Spinel RCP on a",
  'pseudo-terminal linked at --pty, on the real clock: open it with `fieldroot` like a USB dongle.',
  'The line "Virtual dongle: <path>" is printed when it is ready. Ctrl-C or SIGTERM stops the run',
  'cleanly (pty removed, capture flushed, report written).',
  '',
  '  --scenario <name|file>  isolated-area-20, town-200, dense-1000, or a scenario JSON file',
  '  --pty <path>            where to link the virtual dongle (pty mode)',
  "  --seed <n>              overrides the scenario's seed",
  '  --duration <s>          stops after this many seconds',
  '  --pcap <file>           every frame on air at the tablet, as a sniffer there would capture it',
  '                          (pcapng, link type 283, frames encrypted as on air)',
  '  --keys-out <file>       Wireshark ieee802154_keys table for that capture (simulated keys only)',
  '  --report <file>         JSON: per meter its id, EUI-64, joined and when, hops, last registers',
  '  --virtual-time          the whole system (mesh root, key server, field) in this process on',
  '                          the virtual clock; needs --duration',
  '  --spread <s>            meters power on spread over this many seconds (default 5)',
  '',
  'Dongle unplug failures in the scenario remove the pty and bring it back at the same path.',
].join('\n');

function number(name: string, text: string | undefined, check: (n: number) => boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !check(n))
    throw new UsageError(`--${name}: bad value "${text}"`);
  return n;
}

export function parseSimOptions(argv: string[]): SimOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string' },
        pty: { type: 'string' },
        seed: { type: 'string' },
        duration: { type: 'string' },
        pcap: { type: 'string' },
        'keys-out': { type: 'string' },
        report: { type: 'string' },
        'virtual-time': { type: 'boolean' },
        spread: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.scenario === undefined) throw new UsageError('--scenario is required');
  const virtualTime = values['virtual-time'] ?? false;
  if (!virtualTime && values.pty === undefined) throw new UsageError('--pty is required (or --virtual-time)');
  if (virtualTime && values.pty !== undefined)
    throw new UsageError('--pty and --virtual-time exclude each other');
  const durationS = number('duration', values.duration, (n) => n > 0);
  if (virtualTime && durationS === undefined) throw new UsageError('--virtual-time needs --duration');
  if (values['keys-out'] !== undefined && values.pcap === undefined)
    throw new UsageError('--keys-out is the key table of a capture: give --pcap too');
  return {
    scenario: values.scenario,
    pty: values.pty,
    seed: number('seed', values.seed, (n) => Number.isInteger(n) && n >= 0),
    durationS,
    pcap: values.pcap,
    keysOut: values['keys-out'],
    report: values.report,
    virtualTime,
    powerOnSpreadS: number('spread', values.spread, (n) => n >= 0) ?? 5,
  };
}
