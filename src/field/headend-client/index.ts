/** The tool's HTTPS client of the head-end API (mutual TLS, contract-checked). */
export { HeadendClient, HeadendApiError, DEFAULT_REQUEST_TIMEOUT_MS } from './headend-client.ts';
export type { CallInput, CallOutput, DeviceCredentials, HeadendClientOptions } from './headend-client.ts';
