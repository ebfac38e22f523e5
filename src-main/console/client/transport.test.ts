// The transport against real loopback servers: a context's credentials (extra headers; a CA,
// client certificate and key over real TLS), redirects not followed, answers capped, secrets
// kept out of messages.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Transport, redactUrl, serverMessage } from './transport';

async function serve(server: http.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const scheme = server instanceof https.Server ? 'https' : 'http';
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const stop = (server: http.Server) =>
  new Promise<void>((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });

describe('credentials', () => {
  it('sends the extra headers with every call, bodiless ones too', async () => {
    const seen: Array<string | undefined> = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
    });
    const url = await serve(server);
    const t = new Transport({ baseUrl: url, credentials: { headers: { Authorization: 'Bearer s3cret' } } });
    try {
      await t.send('GET', '/api/v1/request-list');
      await t.send('PUT', '/api/v1/requests/x/stop');
      expect(seen).toEqual(['Bearer s3cret', 'Bearer s3cret']);
    } finally {
      t.close();
      await stop(server);
    }
  });

  it('refuses a user name and password in the URL, never showing the password', () => {
    expect(() => new Transport({ baseUrl: 'http://ops:hunter2@127.0.0.1:1' })).toThrow(
      'invalid Request Manager URL "http://***@127.0.0.1:1": a user name or password in the URL is not supported',
    );
  });

  it('sends a secret as a bearer token', async () => {
    let auth: string | undefined;
    const server = http.createServer((req, res) => {
      auth = req.headers.authorization;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('[]');
    });
    const url = await serve(server);
    const t = new Transport({ baseUrl: url, secret: 's3cret-0123456789abcdef', getRetries: 0 });
    try {
      await t.call('GET', '/api/v1/request-list', { decode: (v) => v });
      expect(auth).toBe('Bearer s3cret-0123456789abcdef');
    } finally {
      t.close();
      await stop(server);
    }
  });

  describe('over TLS', () => {
    let dir: string;
    const pem = (name: string) => readFileSync(path.join(dir, name), 'utf8');

    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'sc-tls-'));
      const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
      const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
      run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=test CA');
      writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
      for (const who of ['server', 'client']) {
        run('req', ...ec, '-keyout', `${who}.key`, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
        run(
          'x509',
          '-req',
          '-in',
          `${who}.csr`,
          '-CA',
          'ca.pem',
          '-CAkey',
          'ca.key',
          '-CAcreateserial',
          '-out',
          `${who}.pem`,
          '-days',
          '2',
          '-extfile',
          'san.ext',
        );
      }
    });

    let server: https.Server;
    let url: string;
    beforeAll(async () => {
      // A server that trusts only certificates signed by the test CA, and asks for one.
      server = https.createServer(
        {
          key: pem('server.key'),
          cert: pem('server.pem'),
          ca: pem('ca.pem'),
          requestCert: true,
          rejectUnauthorized: true,
        },
        (req, res) => {
          const peer = (req.socket as TLSSocket).getPeerCertificate();
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`hello ${peer.subject?.CN}`);
        },
      );
      url = await serve(server);
    });
    afterAll(() => stop(server));

    it('trusts the given CA and presents the client certificate', async () => {
      const t = new Transport({
        baseUrl: url,
        credentials: { ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key') },
      });
      try {
        expect((await t.send('GET', '/version')).text).toBe('hello client');
      } finally {
        t.close();
      }
    });

    it('without the CA, says the TLS handshake failed and what to check', async () => {
      const t = new Transport({ baseUrl: url, getRetries: 0 });
      try {
        await expect(t.send('GET', '/version')).rejects.toMatchObject({
          kind: 'unreachable',
          message: expect.stringMatching(/^cannot reach https:\/\/127\.0\.0\.1:\d+\/version: TLS: .*CA file/),
        });
      } finally {
        t.close();
      }
    });

    it('without a client certificate, the server refuses the connection', async () => {
      const t = new Transport({ baseUrl: url, getRetries: 0, credentials: { ca: pem('ca.pem') } });
      try {
        await expect(t.send('GET', '/version')).rejects.toMatchObject({ kind: 'unreachable' });
      } finally {
        t.close();
      }
    });
  });
});

describe('answers', () => {
  it('does not follow a redirect: it says where it points', async () => {
    const server = http.createServer((_req, res) => res.writeHead(302, { Location: 'http://elsewhere/' }).end());
    const url = await serve(server);
    const t = new Transport({ baseUrl: url });
    try {
      await expect(t.call('GET', '/api/v1/request-list')).rejects.toMatchObject({
        status: 302,
        message: expect.stringContaining('the server answered 302 (to http://elsewhere/); redirects are not followed'),
      });
    } finally {
      t.close();
      await stop(server);
    }
  });

  it('stops reading an answer larger than the cap', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(`"${'x'.repeat(100_000)}"`);
    });
    const url = await serve(server);
    const t = new Transport({ baseUrl: url, maxResponseBytes: 10_000, getRetries: 0 });
    try {
      await expect(t.send('GET', '/api/v1/request-list')).rejects.toMatchObject({
        kind: 'bad-response',
        message: expect.stringContaining('larger than 10000 bytes'),
      });
    } finally {
      t.close();
      await stop(server);
    }
  });

  it("reads a refusal's message from either v2 error shape, or plain text", () => {
    const reply = (text: string) => ({ status: 400, headers: {}, text });
    expect(serverMessage(reply('{"message":"bad","requestId":"","httpStatus":400}\n'))).toBe('bad');
    expect(serverMessage(reply('{"message":"Not Found"}\n'))).toBe('Not Found');
    expect(serverMessage(reply('request not found'))).toBe('request not found');
    expect(serverMessage(reply('{not json'))).toBe('{not json');
  });

  it('redacts a user and password in a URL', () => {
    expect(redactUrl('https://u:p@rm.example:32308/x')).toBe('https://***@rm.example:32308/x');
    expect(redactUrl('http://rm.example')).toBe('http://rm.example');
  });

  it("cuts a long refusal's text to a readable length", async () => {
    const server = http.createServer((_req, res) =>
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('x'.repeat(100_000)),
    );
    const url = await serve(server);
    const t = new Transport({ baseUrl: url, getRetries: 0 });
    try {
      const err = (await t.call('GET', '/api/v1/request-list').catch((e: unknown) => e)) as Error;
      expect(err.message).toBe(`${'x'.repeat(2000)}… (98000 more characters)`);
    } finally {
      t.close();
      await stop(server);
    }
  });
});
