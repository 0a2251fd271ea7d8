import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceRoutes } from '../../../src/headend/gateway/index.ts';
import { parseIpv6Address } from '../../../src/stack/ipv6/index.ts';
import { parseIpPrefix } from '../../../src/stack/wireguard/index.ts';

test('service routes pick the most specific prefix and fall back to the shorter one', () => {
  const routes = new ServiceRoutes<string>();
  routes.add(parseIpPrefix('2001:db8:5::/48'), 'amr');
  const removeKeyServer = routes.add(parseIpPrefix('2001:db8:5:1::/64'), 'key-server');
  assert.equal(routes.lookup(parseIpv6Address('2001:db8:5:1::10')), 'key-server');
  assert.equal(routes.lookup(parseIpv6Address('2001:db8:5:2::10')), 'amr');
  assert.equal(routes.lookup(parseIpv6Address('2001:db8:6::1')), null);
  removeKeyServer();
  assert.equal(routes.lookup(parseIpv6Address('2001:db8:5:1::10')), 'amr', 'unsubscribed');
  assert.equal(routes.size, 1);
});

test('a second handler for the same prefix is a wiring mistake', () => {
  const routes = new ServiceRoutes<string>();
  routes.add(parseIpPrefix('2001:db8:5::/48'), 'amr');
  assert.throws(
    () => routes.add(parseIpPrefix('2001:db8:5::/48'), 'other'),
    /already routed for 2001:db8:5::\/48/,
  );
});
