import { cryptoSelection } from '../stack/crypto/index.ts';
import type { CliCommand } from './command.ts';

export const cryptoCommand: CliCommand = {
  name: 'crypto',
  summary: 'Show which crypto back-end this runtime selected, and why',
  help: [
    'Usage: fieldroot crypto',
    '',
    'Prints the crypto back-end chosen at start-up (node:crypto or pure JavaScript) and the',
    'capability checks behind the choice. Set FIELDROOT_CRYPTO=node|js to force one.',
  ].join('\n'),
  run(_argv, io) {
    const selection = cryptoSelection();
    io.out(`backend: ${selection.backend}`);
    for (const reason of selection.reasons) io.out(`  - ${reason}`);
    return Promise.resolve(0);
  },
};
