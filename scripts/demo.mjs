#!/usr/bin/env node
// `npm run demo`: head-end + simulated isolated area + the app. The full demo arrives with the
// field-app work; until then this says so plainly and points at what can be run today.
console.log(`FieldRoot demo — not available yet.

The one-command demo (head-end, simulated isolated area, and the app) arrives with the
field-app issue. What runs today:

  bash .ci/run                       the whole test suite (installs tshark and socat first)
  npm run bench                      codec and radio-medium benchmarks with their conditions
  npx fieldroot crypto               which crypto back-end this runtime selected, and why
  npx fieldroot radio list           serial ports and which of them are allowed dongles
  npx fieldroot radio info --port P  identify a Spinel dongle (or the virtual one on a pty)
`);
process.exitCode = 1;
