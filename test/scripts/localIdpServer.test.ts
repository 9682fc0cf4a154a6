import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertsServer } from '../../scripts/localIdp';
import { main } from '../../scripts/localIdpServer';
import { captureIo } from '../helpers/cliIo';

describe('npm run local-idp', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'cx-idp-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the key it makes in the certs format', async () => {
    const io = captureIo();
    let server: CertsServer | undefined;
    const code = await main(
      ['--port', '0', '--key', join(dir, 'key.pem')],
      io,
      (s) => (server = s),
    );
    try {
      expect(code).toBe(0);
      expect(io.stdout[0]).toMatch(
        /^local certs for kid [0-9a-f]{40} at http:\/\/127\.0\.0\.1:\d+\/certs/,
      );
      const certs = (await (await fetch(server!.url)).json()) as Record<string, string>;
      expect(Object.values(certs)[0]).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    } finally {
      await server?.close();
    }
  });

  it('says when the port is taken, in one line', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = String((busy.address() as AddressInfo).port);
    try {
      const io = captureIo();
      expect(await main(['--port', port, '--key', join(dir, 'key.pem')], io)).toBe(1);
      expect(io.stderr).toEqual([`local-idp: port ${port} is in use; pass another --port`]);
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
  });

  it('prints its usage with --help and refuses a bad port with exit 2', async () => {
    const help = captureIo();
    expect(await main(['--help'], help)).toBe(0);
    expect(help.stdout[0]).toContain('usage:');
    const bad = captureIo();
    expect(await main(['--port', 'http'], bad)).toBe(2);
    expect(bad.stderr).toEqual(['local-idp: --port takes a port number, got "http" (see --help)']);
  });
});
