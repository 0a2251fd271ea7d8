import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONSOLE_CSP } from '../../../src/headend/console/index.ts';
import { startApi, type ApiHarness } from '../api/fixtures/server.ts';

let h: ApiHarness;
before(async () => {
  h = await startApi('console-serve');
});
after(() => h.close());

test('every console asset is served with the strict CSP, its type and nosniff', async () => {
  for (const [path, type] of [
    ['/console/', 'text/html'],
    ['/console/console.js', 'text/javascript'],
    ['/console/console.css', 'text/css'],
  ] as const) {
    // The fixture's client parses JSON; the assets are not JSON, so they are fetched raw.
    const raw = await fetchRaw(path);
    assert.equal(raw.status, 200, path);
    assert.match(raw.headers['content-type'] ?? '', new RegExp(`^${type}`), path);
    assert.equal(raw.headers['content-security-policy'], CONSOLE_CSP, path);
    assert.equal(raw.headers['x-content-type-options'], 'nosniff', path);
  }
  assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval|\*/);
});

test('the page has no inline script, inline style or event-handler attribute', async () => {
  const html = (await fetchRaw('/console/')).body;
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/i, 'every script has a src');
  assert.doesNotMatch(html, /\sstyle=/i);
  assert.doesNotMatch(html, /\son[a-z]+=/i);
  const js = (await fetchRaw('/console/console.js')).body;
  assert.doesNotMatch(
    js,
    /innerHTML|outerHTML|insertAdjacentHTML|eval\(|new Function/,
    'server data is never parsed as HTML',
  );
});

test('/console redirects to /console/', async () => {
  const raw = await fetchRaw('/console');
  assert.equal(raw.status, 308);
  assert.equal(raw.headers.location, '/console/');
});

async function fetchRaw(path: string) {
  const { request } = await import('node:https');
  const url = new URL(
    path,
    `https://127.0.0.1:${String((h.server.app.server.address() as { port: number }).port)}`,
  );
  return new Promise<{ status: number; headers: Record<string, string | undefined>; body: string }>(
    (resolve, reject) => {
      const req = request(url, { ca: h.ca.certificatePem, agent: false, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(
              Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
            ),
            body,
          }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}
