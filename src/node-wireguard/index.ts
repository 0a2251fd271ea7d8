/** The Node edge of src/stack/wireguard's device, for both the tool's VPN client and the gateway. */
export { WireguardDeviceDriver, REAL_CLOCK, NODE_TIMERS, MAX_TIMER_DELAY } from './device-driver.ts';
export type {
  DeviceDriverCounters,
  DeviceDriverOptions,
  EdgeClock,
  EdgeDatagramSocket,
  EdgeTimers,
} from './device-driver.ts';
