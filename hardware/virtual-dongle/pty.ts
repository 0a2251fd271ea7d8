/**
 * A pair of connected pseudo-terminals made by socat:
 *
 *   socat -d -d pty,raw,echo=0,link=<dongle> pty,raw,echo=0,link=<host>
 *
 * The virtual dongle opens one end; the driver opens the other by path, exactly like a USB dongle.
 * Killing socat makes both ends fail with EIO, as an unplugged USB-UART does.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';

export const SOCAT_MISSING =
  'socat is not installed: the virtual dongle needs it for its pseudo-terminal (Debian/Ubuntu package `socat`: sudo apt-get install socat)';

export interface PtyPairOptions {
  /** Path of the symlink the driver opens. */
  hostPath: string;
  /** Path of the symlink the virtual dongle opens. */
  donglePath: string;
  /** Bound on waiting for socat to create both links; default 5000 ms. */
  startTimeoutMs?: number;
}

export interface PtyPair {
  readonly hostPath: string;
  readonly donglePath: string;
  readonly pid: number;
  /** Resolves when socat exits (for any reason). */
  readonly exited: Promise<void>;
  /** Stops socat (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. Idempotent. */
  close(): Promise<void>;
}

function removeStaleLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch {
    // Not there: nothing to remove.
  }
}

export async function createPtyPair(options: PtyPairOptions): Promise<PtyPair> {
  const { hostPath, donglePath } = options;
  const startTimeoutMs = options.startTimeoutMs ?? 5000;
  removeStaleLink(hostPath);
  removeStaleLink(donglePath);
  let child: ChildProcess;
  try {
    child = spawn(
      'socat',
      ['-d', '-d', `pty,raw,echo=0,link=${donglePath}`, `pty,raw,echo=0,link=${hostPath}`],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
  } catch (e) {
    throw new Error(SOCAT_MISSING, { cause: e });
  }
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    if (stderr.length < 8192) stderr += d;
  });
  let hasExited = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      hasExited = true;
      resolve();
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const ready = (async (): Promise<void> => {
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline) {
      if (stderr.includes('starting data transfer loop') && existsSync(hostPath) && existsSync(donglePath))
        return;
      if (hasExited) throw new Error(`socat exited before the pseudo-terminals were ready: ${stderr.trim()}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`socat did not create ${hostPath} and ${donglePath} within ${startTimeoutMs} ms`);
  })();

  const stop = async (): Promise<void> => {
    if (hasExited) return;
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(killTimer);
  };

  try {
    await Promise.race([
      ready,
      spawnError.then((e) => {
        throw (e as NodeJS.ErrnoException).code === 'ENOENT' ? new Error(SOCAT_MISSING, { cause: e }) : e;
      }),
    ]);
  } catch (e) {
    await stop();
    throw e;
  }

  let closing: Promise<void> | undefined;
  return {
    hostPath,
    donglePath,
    pid: child.pid!,
    exited,
    close: () => (closing ??= stop()),
  };
}
