import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  airtimeUs,
  bitErrorRate2Fsk,
  DutyCycleMeter,
  freeSpaceLossDb,
  frameSuccessProbability,
  lqiFor,
  pathLossDb,
  shrDurationUs,
  suburban920MHz,
  SUN_FSK_920MHZ_100KBPS,
  thermalNoiseFloorDbm,
  unitBackoffUs,
  ARIB_T108_SHORT_CARRIER_SENSE,
} from '../../../../hardware/sim/medium/index.ts';

const phy = SUN_FSK_920MHZ_100KBPS;

test('airtime = (preamble 8 + SFD 2 + PHR 2 + PSDU) octets at 100 kb/s', () => {
  assert.equal(airtimeUs(phy, 127), 11_120); // (8+2+2+127)·8 / 100 000 s
  assert.equal(airtimeUs(phy, 7), 1_520); // Imm-Ack with 4-octet FCS
  assert.equal(airtimeUs(phy, 2047), 164_720);
  assert.equal(airtimeUs({ ...phy, preambleOctets: 4 }, 127), 10_800);
  assert.equal(shrDurationUs(phy), 800);
  assert.equal(unitBackoffUs(phy), 1_128); // aTurnaroundTime 1 ms + phyCcaDuration 128 µs
});

test('path loss: Friis 31.72 dB at 1 m and 920 MHz, then 10·n dB per decade', () => {
  const model = suburban920MHz();
  assert.ok(Math.abs(freeSpaceLossDb(1, 920e6) - 31.72) < 0.005, 'Friis at 1 m');
  assert.ok(Math.abs(model.referenceLossDb - 31.72) < 0.005, 'PL0');
  assert.equal(model.exponent, 3.5);
  assert.ok(Math.abs(pathLossDb(model, 10) - 66.72) < 0.005, 'PL(10 m)');
  assert.ok(Math.abs(pathLossDb(model, 100) - 101.72) < 0.005, 'PL(100 m)');
  assert.ok(Math.abs(pathLossDb(model, 1000) - 136.72) < 0.005, 'PL(1 km)');
  assert.equal(pathLossDb(model, 0.2), pathLossDb(model, 1), 'no gain inside the reference distance');
});

test('noise floor kTB + NF over 200 kHz with 6 dB NF is −115 dBm', () => {
  assert.ok(Math.abs(thermalNoiseFloorDbm() - -114.97) < 0.01, 'default noise floor');
  assert.ok(Math.abs(thermalNoiseFloorDbm(100_000, 0) - -123.98) < 0.01, 'kTB over 100 kHz');
});

test('non-coherent 2-FSK: BER falls with SNR; 10 % PER at 250 octets sits near −105 dBm', () => {
  const noise = thermalNoiseFloorDbm();
  let last = 1;
  for (let snr = 0; snr <= 20; snr++) {
    const ber = bitErrorRate2Fsk(snr, 100_000, 200_000);
    assert.ok(ber < last, `BER at ${snr} dB`);
    last = ber;
  }
  const per = (rssi: number): number =>
    1 - frameSuccessProbability(bitErrorRate2Fsk(rssi - noise, 100_000, 200_000), 8 * (2 + 250));
  assert.ok(per(-105.6) > 0.1 && per(-105.0) < 0.1, `PER at −105.6: ${per(-105.6)}, at −105: ${per(-105)}`);
  assert.ok(per(-95) < 1e-6, 'PER at −95 dBm');
  assert.ok(per(-110) > 0.99, 'PER at −110 dBm');
});

test('LQI is linear from 0 at sensitivity to 255 at 20 dB above', () => {
  assert.equal(lqiFor(-106, -105), 0);
  assert.equal(lqiFor(-105, -105), 0);
  assert.equal(lqiFor(-95, -105), 128);
  assert.equal(lqiFor(-85, -105), 255);
  assert.equal(lqiFor(-40, -105), 255);
});

test('duty-cycle meter: ARIB 400 ms per frame and 360 s in any hour', () => {
  const meter = new DutyCycleMeter(ARIB_T108_SHORT_CARRIER_SENSE);
  assert.equal(meter.allows(0, 400_000), true);
  assert.equal(meter.allows(0, 400_001), false);
  // 900 transmissions of 400 ms spread over the first 45 minutes: 360 s, the whole budget.
  for (let i = 0; i < 900; i++) meter.record(i * 3_000_000, 400_000);
  assert.equal(meter.usedUs(2_700_000_000), 360_000_000);
  assert.equal(meter.allows(2_700_000_000, 1), false);
  // The first transmissions leave the window a little over an hour after they were made.
  assert.equal(meter.allows(3_590_000_000, 1), false, 'still inside the hour');
  assert.equal(meter.allows(3_620_000_000, 400_000), true);
  assert.equal(meter.usedUs(3 * 3_600_000_000), 0);
});
