/**
 * The meter's demand-response state, driven by FieldRoot's user-defined EPCs of class 0x0288
 * (src/stack/echonet/fieldroot-dr.ts): 0xF0 supply switch and 0xF1 load limit.
 *
 * Behaviour chosen for the simulator (FieldRoot's own assignment, not a standard):
 *  - Switch 'disconnected': no supply, so no flow either way (a PV inverter stops on loss of grid,
 *    anti-islanding): power is 0 W and the registers stop advancing. 'connected' resumes the profile.
 *  - Load limit L W: imported power is capped at L (the household sheds load rather than the
 *    breaker tripping, so readings stay continuous and a test can see the cap); export is not
 *    limited. No limit (0 on the wire) means uncapped.
 */
import type { DrSwitchState } from '../../../src/stack/echonet/index.ts';

export class DemandResponse {
  switchState: DrSwitchState = 'connected';
  /** Import cap in W, or null for none. */
  loadLimitW: number | null = null;

  /** The net power the meter measures when the household would draw `netW` (W, − = export). */
  effectivePowerW(netW: number): number {
    if (this.switchState === 'disconnected') return 0;
    if (this.loadLimitW !== null && netW > this.loadLimitW) return this.loadLimitW;
    return netW;
  }
}
