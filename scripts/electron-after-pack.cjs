/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- electron-builder require()s afterPack hooks */
// electron-builder afterPack hook: flips the Electron fuses of the packaged binary so it cannot
// be turned into a general Node runtime or a debugging target, and loads only its own
// integrity-checked asar (https://www.electronjs.org/docs/latest/tutorial/fuses).
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');
const path = require('node:path');

/** The fuse settings; exported so a test can check them without packaging. */
const FUSES = {
  version: FuseVersion.V1,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.EnableCookieEncryption]: true,
};

function executablePath(context) {
  const name = context.packager.appInfo.productFilename;
  switch (context.electronPlatformName) {
    case 'win32':
      return path.join(context.appOutDir, `${name}.exe`);
    case 'darwin':
      return path.join(context.appOutDir, `${name}.app`);
    default:
      return path.join(context.appOutDir, context.packager.executableName);
  }
}

async function afterPack(context) {
  await flipFuses(executablePath(context), {
    ...FUSES,
    resetAdHocDarwinSignature: context.electronPlatformName === 'darwin',
  });
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.FUSES = FUSES;
