/** Node's TLS as the engine of src/stack/eap's EAP-TLS roles, for both edges (tool, key server). */
export { NodeEapTlsEngine, SETTLE_QUIET_TURNS } from './eap-tls-engine.ts';
