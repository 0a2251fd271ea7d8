/**
 * Request and response bodies of the head-end API (zod v4). Both ends validate with these: the
 * head-end every request, the tool's client every response. Times are Unix epoch milliseconds.
 * Every object is strict: an unknown field is a bad request, not silently dropped.
 */
import { z } from 'zod';

/** A device (tool) id: the certificate subject's CN. Lower-case letters, digits and '-'. */
export const DeviceId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{2,62}$/, 'lower-case letters, digits and "-", 3 to 63 characters');
/** Ids minted by the head-end (accounts, work orders, grants): base64url-ish text. */
export const EntityId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id of 1 to 64 [A-Za-z0-9_-]');
export const MeterId = z.string().min(1).max(64);
/** An IEEE EUI-64 as 16 lower-case hex digits (the meter registry's form). An identifier, not a secret. */
export const Eui64 = z.string().regex(/^[0-9a-f]{16}$/, '16 lower-case hex digits');
export const EpochMs = z.number().int().nonnegative();
/** A 256-bit bearer secret as the head-end issues it: 43 base64url characters. */
export const SecretToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, '43 base64url characters');
export const Pem = z.string().min(1).max(16_384);

export const Role = z.enum(['field-worker', 'supervisor', 'admin']);

// --- sessions -------------------------------------------------------------------------------

export const SignInRequest = z.strictObject({
  username: z.string().min(1).max(128),
  password: z.string().min(1).max(1024),
});
export const SignInResponse = z.strictObject({
  token: SecretToken,
  accountId: EntityId,
  role: Role,
  idleExpiresAtMs: EpochMs,
  absoluteExpiresAtMs: EpochMs,
});
export const SignOutResponse = z.strictObject({ signedOut: z.boolean() });

// --- work orders ----------------------------------------------------------------------------

export const WorkOrderState = z.enum(['assigned', 'active', 'completed', 'cancelled']);
/**
 * A meter of a work order as the registry knows it: the tool maps what the mesh reports (EUI-64s)
 * to the order's meter ids with it.
 */
export const WorkOrderMeter = z.strictObject({ meterId: MeterId, eui64: Eui64 });
export const WorkOrder = z.strictObject({
  id: EntityId,
  workerId: EntityId,
  toolId: DeviceId,
  meters: z.array(WorkOrderMeter),
  windowStartMs: EpochMs,
  windowEndMs: EpochMs,
  state: WorkOrderState,
  createdBy: EntityId,
  createdAtMs: EpochMs,
});
export const WorkOrderList = z.strictObject({ workOrders: z.array(WorkOrder) });
export const AssignWorkOrderRequest = z.strictObject({
  workerId: EntityId,
  toolId: DeviceId,
  meterIds: z.array(MeterId).min(1).max(1_000),
  windowStartMs: EpochMs,
  windowEndMs: EpochMs,
});

// --- grants ---------------------------------------------------------------------------------

export const GrantState = z.enum(['requested', 'approved', 'issued', 'revoked']);
export const RequestGrantRequest = z.strictObject({ workOrderId: EntityId });
export const Grant = z.strictObject({
  id: EntityId,
  workOrderId: EntityId,
  workerId: EntityId,
  toolId: DeviceId,
  state: GrantState,
  requestedAtMs: EpochMs,
});
/** Returned once, to the approving supervisor, who hands the key to the worker. */
export const VerificationKeyResponse = z.strictObject({
  grantId: EntityId,
  verificationKey: SecretToken,
  expiresAtMs: EpochMs,
});
export const ExchangeGrantRequest = z.strictObject({ verificationKey: SecretToken });
export const AccessKeyResponse = z.strictObject({
  grantId: EntityId,
  accessKey: SecretToken,
  expiresAtMs: EpochMs,
});

// --- meters ---------------------------------------------------------------------------------

/** The header that carries a grant's access key on meter requests. */
export const ACCESS_KEY_HEADER = 'x-fieldroot-access-key';

export const ReadingsQuery = z.strictObject({
  fromMs: z.coerce.number().int().nonnegative(),
  toMs: z.coerce.number().int().nonnegative(),
});
export const RegisterValue = z.strictObject({
  register: z.enum(['normal', 'reverse']),
  raw: z.number().int(),
  coefficient: z.number().int(),
  unitExponent: z.number().int(),
  digits: z.number().int(),
});
export const DayHistory = z.strictObject({
  register: z.enum(['normal', 'reverse']),
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  slots: z.array(z.number().int().nullable()).length(48),
});
export const MeterReading = z.strictObject({
  meterId: MeterId,
  readAtMs: EpochMs,
  registers: z.array(RegisterValue),
  instantaneousPowerW: z.number().int().nullable(),
  currentRDeciampere: z.number().int().nullable(),
  currentTDeciampere: z.number().int().nullable(),
  history: z.array(DayHistory),
});
export const ReadingsResponse = z.strictObject({ meterId: MeterId, readings: z.array(MeterReading) });

// --- devices (enrolment, certificates) ------------------------------------------------------

export const EnrolDeviceRequest = z.strictObject({
  deviceId: DeviceId,
  /** PKCS #10 (RFC 2986) request, PEM; subject CN=<deviceId>, ECDSA P-256 key, ecdsa-with-SHA256. */
  csrPem: Pem,
});
export const EnrolmentState = z.enum(['pending', 'issued', 'rejected']);
export const EnrolmentResponse = z.strictObject({
  deviceId: DeviceId,
  state: EnrolmentState,
  /** SHA-256 of the CSR's SubjectPublicKeyInfo (hex): read out to the approving supervisor. */
  publicKeySha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export const IssuedCertificate = z.strictObject({
  deviceId: DeviceId,
  serial: z.string().regex(/^[0-9a-f]+$/),
  notBeforeMs: EpochMs,
  notAfterMs: EpochMs,
  certificatePem: Pem,
  caCertificatePem: Pem,
});
export const DeviceCertificateResponse = z.discriminatedUnion('state', [
  z.strictObject({ state: z.literal('pending'), deviceId: DeviceId }),
  z.strictObject({ state: z.literal('rejected'), deviceId: DeviceId }),
  IssuedCertificate.extend({ state: z.literal('issued') }),
]);
export const RejectDeviceResponse = z.strictObject({ state: z.literal('rejected'), deviceId: DeviceId });
export const RenewDeviceRequest = z.strictObject({ csrPem: Pem });
export const RevokeDeviceResponse = z.strictObject({
  deviceId: DeviceId,
  revokedSerials: z.array(z.string()),
});

export const IdParams = z.strictObject({ id: EntityId });
export const DeviceParams = z.strictObject({ id: DeviceId });
export const MeterParams = z.strictObject({ id: MeterId });

// --- jobs (VPN provisioning, issue #4) --------------------------------------------------------

/** A WireGuard public key as wg(8) prints it: 32 bytes, standard base64 with padding. */
export const WireguardKey = z.string().regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/, 'a WireGuard key');
/** An IPv6 address in text form (RFC 5952); the head-end sends it canonical. */
export const Ipv6Text = z
  .string()
  .min(2)
  .max(45)
  .regex(/^[0-9a-f:]+$/, 'an IPv6 address');
/** An IPv6 prefix "address/length". */
export const Ipv6PrefixText = z
  .string()
  .min(4)
  .max(49)
  .regex(/^[0-9a-f:]+\/\d{1,3}$/, 'an IPv6 prefix');
export const StartJobRequest = z.strictObject({
  workOrderId: EntityId,
  /** The tool's WireGuard public key for this job (its private key stays in the tool's vault). */
  wireguardPublicKey: WireguardKey,
});
export const ServiceAddress = z.strictObject({
  /** Identifier the tool checks (e.g. the key server's EAP server id, ID_S). */
  id: z.string().min(1).max(128),
  /** Its IPv6 address behind the gateway, reached through the tunnel. */
  address: Ipv6Text,
  port: z.number().int().min(1).max(65_535),
});
/**
 * The radio the job's meters use: the PAN of the concentrator they belonged to (isolated meters
 * keep it). Channel as the dongle's PROP_PHY_CHAN (Spinel, one octet); PAN ID 0xffff is the
 * broadcast PAN ID (IEEE 802.15.4-2015 §6.1) and never a network's own.
 */
export const JobRadio = z.strictObject({
  channel: z.number().int().min(0).max(0xff),
  panId: z.number().int().min(0).max(0xfffe),
});
export const JobConnection = z.strictObject({
  jobId: EntityId,
  workOrderId: EntityId,
  deviceId: DeviceId,
  gateway: z.strictObject({
    /** "host:port" or "[ipv6]:port" of the gateway's UDP listener. */
    endpoint: z.string().min(3).max(300),
    publicKey: WireguardKey,
    /** The gateway's own tunnel address (answers ICMPv6 echo). */
    tunnelAddress: Ipv6Text,
  }),
  /** The tool's address inside the tunnel (/128). */
  tunnelAddress: Ipv6Text,
  /** The mesh /64 the tool roots for this job. */
  meshPrefix: Ipv6PrefixText,
  /** Prefixes the tool routes into the tunnel (its wg-quick AllowedIPs for the gateway peer). */
  allowedIps: z.array(Ipv6PrefixText).min(1),
  serviceProviderId: z.string().min(1).max(128),
  keyServer: ServiceAddress,
  amrServer: ServiceAddress,
  /** Channel and PAN ID the tool tunes its dongle to before it starts the mesh root. */
  radio: JobRadio,
  startedAtMs: EpochMs,
});
export const JobState = z.enum(['active', 'ended']);
export const JobStatus = z.strictObject({
  jobId: EntityId,
  workOrderId: EntityId,
  deviceId: DeviceId,
  workerId: EntityId,
  state: JobState,
  tunnelAddress: Ipv6Text,
  meshPrefix: Ipv6PrefixText,
  /** Whether the gateway has a live handshake with the tool (offline after REJECT_AFTER_TIME). */
  online: z.boolean(),
  lastHandshakeAtMs: EpochMs.nullable(),
  startedAtMs: EpochMs,
  endedAtMs: EpochMs.nullable(),
  /** Why the job ended: 'ended-by-tool', 'ended-by-supervisor', 'device-revoked'. */
  endReason: z.string().nullable(),
});
export const JobList = z.strictObject({ jobs: z.array(JobStatus) });
