import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkPower, checkRegister } from '../../../src/headend/amr/index.ts';
import type { RegisterValue } from '../../../src/headend/storage/index.ts';

const HOUR = 3_600_000;
// 6 digits of 0.1 kWh: rolls over at 1,000,000 counts = 100,000 kWh.
const reg = (raw: number): RegisterValue => ({
  register: 'normal',
  raw,
  coefficient: 1,
  unitExponent: -1,
  digits: 6,
});
const previous = (raw: number, atMs = 0) => ({ readAtMs: atMs, registers: [reg(raw)] });

describe('reading validation', () => {
  it('accepts a normal advance', () => {
    // 2 kWh in one hour = 2 kW average.
    assert.deepEqual(checkRegister(reg(500_020), HOUR, previous(500_000)), []);
  });

  it('stores a rollover past 10^D7 but reports it', () => {
    const f = checkRegister(reg(5), HOUR, previous(999_990));
    assert.deepEqual(
      f.map((x) => [x.reason, x.blocksStore]),
      [['register-rollover', false]],
    );
  });

  it('refuses a decrease that no rollover explains', () => {
    // 200,100 → 100,000: wrapping would mean 899,900 counts (89,990 kWh) in one hour.
    const f = checkRegister(reg(100_000), HOUR, previous(200_100));
    assert.deepEqual(
      f.map((x) => [x.reason, x.blocksStore]),
      [['register-backwards', true]],
    );
  });

  it('refuses a rise implying more power than the supply can carry', () => {
    // 200 kWh in one hour = 200 kW, above the 100 kW default.
    const f = checkRegister(reg(502_000), HOUR, previous(500_000));
    assert.deepEqual(
      f.map((x) => x.reason),
      ['implausible-power'],
    );
    assert.deepEqual(checkRegister(reg(501_000), HOUR, previous(500_000)), [], '100 kW is still believable');
  });

  it('refuses a value with more digits than D7 allows', () => {
    assert.deepEqual(
      checkRegister(reg(1_000_000), HOUR, null).map((x) => x.reason),
      ['out-of-range'],
    );
  });

  it('does not compare across a change of coefficient or unit', () => {
    const before = { readAtMs: 0, registers: [{ ...reg(900_000), unitExponent: -2 }] };
    assert.deepEqual(checkRegister(reg(10), HOUR, before), []);
  });

  it('flags instantaneous power beyond ±100 kW', () => {
    assert.deepEqual(checkPower(-3_500), []);
    assert.deepEqual(
      checkPower(250_000).map((x) => x.reason),
      ['implausible-power'],
    );
  });
});
