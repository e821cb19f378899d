import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import { createSluice, type Sluice } from '../../runtime/index.ts';
import { createCa, type TestCa } from '../helpers/certs.ts';
import { connect } from '../helpers/client.ts';
import { startBackend } from '../helpers/test-backend.ts';
import { waitUntil } from '../helpers/wait.ts';

let ca: TestCa;
before(() => {
  ca = createCa();
});

/** A wss:// echo backend; with `requireClientCert`, only clients with a cert from `ca` get in. */
async function startTlsBackend(requireClientCert = false) {
  const leaf = ca.issue(`backend-${Math.random().toString(36).slice(2)}`);
  const server = createHttpsServer({
    cert: readFileSync(leaf.cert),
    key: readFileSync(leaf.key),
    ca: readFileSync(ca.caCert),
    requestCert: requireClientCert,
    rejectUnauthorized: requireClientCert,
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (d, binary) => ws.send(d, { binary })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `wss://127.0.0.1:${port}`,
    async stop() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function start(raw: Record<string, unknown>, watch = false): Promise<{ sluice: Sluice; port: number }> {
  const sluice = await createSluice(
    { ...raw, server: { admin: { address: '127.0.0.1:0' }, ...(raw.server as object) } },
    { watch },
  );
  const addr = await sluice.start();
  return { sluice, port: addr.frontend.port };
}

test('serves wss:// with server.frontend.tls, and reloads a renewed certificate without dropping sessions', async (t) => {
  const backend = await startBackend();
  t.after(() => backend.stop());
  const first = ca.issue('frontend-1');
  const live = { cert: `${ca.dir}/live.pem`, key: `${ca.dir}/live.key` };
  copyFileSync(first.cert, live.cert);
  copyFileSync(first.key, live.key);
  const { sluice, port } = await start(
    {
      server: { frontend: { address: '127.0.0.1:0', tls: live } },
      upstream: { backends: [{ url: backend.url }] },
    },
    true,
  );
  t.after(() => sluice.stop());
  const caPem = readFileSync(ca.caCert);
  const peerCn = (c: Awaited<ReturnType<typeof connect>>) =>
    ((c.ws as unknown as { _socket: TLSSocket })._socket.getPeerCertificate().subject as { CN: string }).CN;

  const a = await connect(`wss://127.0.0.1:${port}/`, undefined, { ca: caPem });
  assert.equal(peerCn(a), 'frontend-1');
  a.send('over tls');
  await a.waitFor(1);
  assert.equal(a.texts()[0], 'over tls');

  const second = ca.issue('frontend-2');
  copyFileSync(second.cert, live.cert);
  copyFileSync(second.key, live.key);
  await waitUntil(
    async () => {
      const c = await connect(`wss://127.0.0.1:${port}/`, undefined, { ca: caPem });
      const cn = peerCn(c);
      await c.close();
      return cn === 'frontend-2';
    },
    'new connections to get the renewed certificate',
    5000,
    100,
  );
  a.send('still here');
  await a.waitFor(2);
  assert.equal(a.texts()[1], 'still here');
  await a.close();
});

test('a plain ws:// client cannot speak to a wss:// frontend, and a client without the CA is refused', async (t) => {
  const backend = await startBackend();
  t.after(() => backend.stop());
  const leaf = ca.issue('frontend-x');
  const { sluice, port } = await start({
    server: { frontend: { address: '127.0.0.1:0', tls: leaf } },
    upstream: { backends: [{ url: backend.url }] },
  });
  t.after(() => sluice.stop());
  await assert.rejects(connect(`wss://127.0.0.1:${port}/`));
  await assert.rejects(connect(`ws://127.0.0.1:${port}/`));
});

test('wss:// backends: verified with tls.ca, refused without it, allowed with insecure-skip-verify', async (t) => {
  const backend = await startTlsBackend();
  t.after(() => backend.stop());
  const verified = await start({
    server: { frontend: { address: '127.0.0.1:0' } },
    upstream: { backends: [{ url: backend.url, tls: { ca: ca.caCert } }] },
  });
  t.after(() => verified.sluice.stop());
  const c = await connect(`ws://127.0.0.1:${verified.port}/`);
  c.send('to wss');
  await c.waitFor(1);
  assert.equal(c.texts()[0], 'to wss');
  await c.close();

  const unverified = await start({
    server: { frontend: { address: '127.0.0.1:0' } },
    upstream: { backends: [{ url: backend.url, 'breaker-threshold': -1 }] },
  });
  t.after(() => unverified.sluice.stop());
  await assert.rejects(
    connect(`ws://127.0.0.1:${unverified.port}/`),
    (e: Error & { status?: number }) => e.status === 502,
  );

  const insecure = await start({
    server: { frontend: { address: '127.0.0.1:0' } },
    upstream: { backends: [{ url: backend.url, tls: { 'insecure-skip-verify': true } }] },
  });
  t.after(() => insecure.sluice.stop());
  const d = await connect(`ws://127.0.0.1:${insecure.port}/`);
  d.send('skip');
  await d.waitFor(1);
  await d.close();
});

test('a backend that requires a client certificate accepts tls.cert and tls.key', async (t) => {
  const backend = await startTlsBackend(true);
  t.after(() => backend.stop());
  const client = ca.issue('sluice-client');
  const withCert = await start({
    server: { frontend: { address: '127.0.0.1:0' } },
    upstream: {
      backends: [{ url: backend.url, tls: { ca: ca.caCert, cert: client.cert, key: client.key } }],
    },
  });
  t.after(() => withCert.sluice.stop());
  const c = await connect(`ws://127.0.0.1:${withCert.port}/`);
  c.send('mtls');
  await c.waitFor(1);
  assert.equal(c.texts()[0], 'mtls');
  await c.close();

  const without = await start({
    server: { frontend: { address: '127.0.0.1:0' } },
    upstream: { backends: [{ url: backend.url, tls: { ca: ca.caCert } }] },
  });
  t.after(() => without.sluice.stop());
  await assert.rejects(
    connect(`ws://127.0.0.1:${without.port}/`),
    (e: Error & { status?: number }) => e.status === 502,
  );
});

after(() => {});
