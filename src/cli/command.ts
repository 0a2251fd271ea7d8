/** A `fieldroot` subcommand: its name, one-line summary, full help text and what it does. */
export interface CliCommand {
  name: string;
  summary: string;
  /** Shown by `fieldroot <name> --help`: usage line, options, examples. */
  help: string;
  /** Returns the process exit status. `argv` excludes the subcommand name. */
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** A usage mistake: printed with the command's help hint, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
