import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { meterAddressOf } from '../../../src/headend/amr/index.ts';

describe('meterAddressOf (the address the AMR server reads a joined meter at)', () => {
  it("maps a relayed link-local PaC into the relay's mesh /64 with the same interface id", () => {
    assert.equal(
      meterAddressOf({ via: '[fe80::fe:5100:0:a]:716', relay: '[2001:db8:1:2:fe:5100:0:fffe]:716' }),
      '2001:db8:1:2:fe:5100:0:a',
    );
  });

  it('keeps a global PaC address as it is', () => {
    assert.equal(meterAddressOf({ via: '[fd00:db8:20::5]:716' }), 'fd00:db8:20::5');
    assert.equal(
      meterAddressOf({ via: '[fd00:db8:20::5]:716', relay: '[2001:db8:1:2::1]:716' }),
      'fd00:db8:20::5',
    );
  });

  it('gives no address for a link-local PaC without a relay, or for garbage', () => {
    assert.equal(meterAddressOf({ via: '[fe80::1]:716' }), null);
    assert.equal(meterAddressOf({ via: 'not an address' }), null);
    assert.equal(meterAddressOf({ via: '[fe80::1]:716', relay: 'nonsense' }), null);
    assert.equal(meterAddressOf({ via: '[fe80::1:2:3:4:5:6:7:8]:716', relay: '[2001:db8::1]:716' }), null);
  });
});
