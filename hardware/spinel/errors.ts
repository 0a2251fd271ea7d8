/** Typed errors of the Spinel driver and the serial edge; `code` is stable, `message` is for people. */

export type SpinelDongleErrorCode =
  /** The dongle did not answer in time. */
  | 'timeout'
  /** The dongle speaks a Spinel / RCP API version this host cannot drive. */
  | 'incompatible'
  /** The dongle cannot do what was asked (channel not in PHY_CHAN_SUPPORTED, PSDU too long). */
  | 'unsupported'
  /** The dongle refused a request with a Spinel status. */
  | 'status'
  /** The link closed or the driver was closed. */
  | 'closed'
  /** The transmit queue is full. */
  | 'queue-full'
  /** The driver is not in a state to do this (transmit before start, start twice). */
  | 'state'
  /** A caller passed an invalid argument. */
  | 'argument'
  /** The dongle reset while the request was in flight. */
  | 'reset';

export class SpinelDongleError extends Error {
  override readonly name = 'SpinelDongleError';
  constructor(
    readonly code: SpinelDongleErrorCode,
    message: string,
    readonly spinelStatus?: number,
  ) {
    super(message);
  }
}

export type SerialOpenErrorKind = 'not-found' | 'permission-denied' | 'busy' | 'bad-baud' | 'other';

/** Why a serial port did not open. */
export class SerialOpenError extends Error {
  override readonly name = 'SerialOpenError';
  constructor(
    readonly kind: SerialOpenErrorKind,
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The advice shown when the OS refuses access to the dongle's device node. */
export const PERMISSION_HINT =
  'add your user to the dialout group (sudo usermod -aG dialout $USER, then sign out and in) or install the FieldRoot udev rule';

/** Sorts an open failure from serialport / the OS into a {@link SerialOpenErrorKind}. */
export function classifyOpenError(path: string, error: unknown): SerialOpenError {
  if (error instanceof SerialOpenError) return error;
  const e = error as { message?: unknown; code?: unknown; errno?: unknown };
  const text = `${typeof e?.code === 'string' ? e.code : ''} ${typeof e?.message === 'string' ? e.message : String(error)}`;
  if (/EACCES|EPERM|permission denied|operation not permitted/i.test(text)) {
    return new SerialOpenError(
      'permission-denied',
      path,
      `permission denied opening ${path}: ${PERMISSION_HINT}`,
      {
        cause: error,
      },
    );
  }
  if (/ENOENT|no such file|ENODEV|no such device/i.test(text)) {
    return new SerialOpenError('not-found', path, `no serial device at ${path}`, { cause: error });
  }
  if (/EBUSY|cannot lock|resource temporarily unavailable|EAGAIN/i.test(text)) {
    return new SerialOpenError('busy', path, `${path} is in use by another program`, { cause: error });
  }
  return new SerialOpenError('other', path, `cannot open ${path}: ${text.trim()}`, { cause: error });
}
