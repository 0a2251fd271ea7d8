/** Job provisioning: per-job tunnel address, mesh /64 and gateway peer (DESIGN.md §4). */
export {
  JobAddressPlan,
  AddressPoolExhaustedError,
  DEFAULT_TUNNEL_PREFIX,
  DEFAULT_MESH_PREFIX_48,
  GATEWAY_INTERFACE_ID,
} from './address-plan.ts';
export type { JobAddresses } from './address-plan.ts';
export { JobProvisioner, JobConflictError } from './job-provisioner.ts';
export type {
  JobConnectionView,
  JobEndReason,
  JobGateway,
  JobProvisionerEvents,
  JobProvisionerOptions,
  JobRadio,
  JobRecord,
  JobStatusView,
  ServiceEndpoint,
} from './job-provisioner.ts';
export { DeviceRevocation } from './device-revocation.ts';
export type { DeviceRevocationDeps, RevocationOutcome } from './device-revocation.ts';
