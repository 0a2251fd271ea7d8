/**
 * `fieldroot` — the command-line entry point. Each capability adds its subcommand to
 * `commands` below; every subcommand answers `--help`.
 */
import { cryptoCommand } from './crypto-command.ts';
import { FIELD_HELP, FIELD_SUMMARY } from './field-help.ts';
import { headendCommand } from './headend-command.ts';
import { radioCommand } from './radio-command.ts';
import { simCommand } from './sim-command.ts';
import { vpnCommand } from './vpn-command.ts';
import { UsageError, type CliCommand, type CliIo } from './command.ts';

/** `field` loads the whole tool engine: only when it runs. */
const fieldCommand: CliCommand = {
  name: 'field',
  summary: FIELD_SUMMARY,
  help: FIELD_HELP,
  run: (argv, io) => import('./field-command.ts').then((m) => m.fieldCommand.run(argv, io)),
};

const commands: CliCommand[] = [
  cryptoCommand,
  radioCommand,
  simCommand,
  vpnCommand,
  headendCommand,
  fieldCommand,
];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: fieldroot <command> [options]',
    '',
    'FieldRoot field-maintenance tool for smart-meter networks.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `fieldroot <command> --help` for the options of a command.',
  ].join('\n');
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`fieldroot: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.help);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`fieldroot ${name}: ${e.message}\nRun \`fieldroot ${name} --help\` for usage.`);
      return 2;
    }
    throw e;
  }
}

const consoleIo: CliIo = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), consoleIo);
}
