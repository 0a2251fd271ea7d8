/**
 * Bursty reception loss at a receiver, as a two-state Gilbert–Elliott channel (E. N. Gilbert,
 * Bell Syst. Tech. J. 39, 1960; E. O. Elliott, ibid. 42, 1963): in the good state a frame is lost
 * with `lossInGood`, in the bad state with `lossInBad`; before each reception attempt the state
 * moves good→bad with `goodToBad` and bad→good with `badToGood`. Mean burst length is
 * 1 / badToGood receptions; the long-run share of time in the bad state is
 * goodToBad / (goodToBad + badToGood). It stands for local interference the path-loss model does
 * not know about (a neighbour's appliance, a passing truck).
 */
import type { Random } from '../random.ts';

export interface BurstLossConfig {
  readonly goodToBad: number;
  readonly badToGood: number;
  readonly lossInBad: number;
  readonly lossInGood: number;
}

export class GilbertElliottLoss {
  private bad = false;

  constructor(private readonly config: BurstLossConfig) {}

  get inBadState(): boolean {
    return this.bad;
  }

  /** Advances the chain one reception and says whether this reception is lost. */
  lose(random: Random): boolean {
    const c = this.config;
    this.bad = this.bad ? !random.chance(c.badToGood) : random.chance(c.goodToBad);
    const p = this.bad ? c.lossInBad : c.lossInGood;
    return p > 0 && random.chance(p);
  }
}
