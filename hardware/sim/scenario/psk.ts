/**
 * Simulated meters' EAP-PSK keys, derived rather than stored so scenario files carry no key:
 * PSK = HMAC-SHA-256(pskSeed, "fieldroot-sim-psk" ‖ EUI-64)[0..15]. Only the simulator (the
 * "meters") and the head-end import path (the key server) call this; the tool never does.
 */
import type { CryptoProvider } from '../../../src/stack/crypto/index.ts';
import { concatBytes, fromHex } from '../../../src/stack/wire/index.ts';
import type { Scenario, ScenarioMeter } from './schema.ts';

const LABEL = new TextEncoder().encode('fieldroot-sim-psk');

export function meterPsk(
  crypto: CryptoProvider,
  scenario: Pick<Scenario, 'pskSeed'>,
  meter: ScenarioMeter,
): Uint8Array {
  if (meter.psk !== undefined) return fromHex(meter.psk);
  return crypto.hmacSha256(fromHex(scenario.pskSeed), concatBytes(LABEL, fromHex(meter.eui64))).slice(0, 16);
}
