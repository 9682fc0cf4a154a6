import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildServiceBundle,
  functionPackageJson,
  writeRunArchive,
  type ServiceBundle,
} from '../../infra/bundle';
import {
  generateKey,
  LOCAL_SERVICE_AGENT,
  serviceAgentClaims,
  signJwt,
  startCertsServer,
} from '../../scripts/localIdp';
import { fixtureText } from '../helpers/fixtures';
import { killSpawned, spawnService } from '../helpers/spawnService';

afterAll(killSpawned);

const MiB = 1024 * 1024;

describe('the service bundle', () => {
  let dir: string;
  let main: ServiceBundle;
  let bundlePath: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cx-bundle-'));
    main = buildServiceBundle('main');
    bundlePath = join(dir, 'index.js');
    writeFileSync(bundlePath, main.code);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is one minified file under 1 MiB', () => {
    expect(Buffer.byteLength(main.code)).toBeLessThan(MiB);
    expect(Buffer.byteLength(main.code)).toBeLessThan(
      Buffer.byteLength(buildServiceBundle('main', { minify: false }).code) / 1.5,
    );
  });

  it('is reproducible: the same tree gives the same bytes, hash and archive', () => {
    const again = buildServiceBundle('main');
    expect(again.hash).toBe(main.hash);
    expect(again.code).toBe(main.code);
    const a = readFileSync(writeRunArchive(main, join(dir, 'a')));
    const b = readFileSync(writeRunArchive(again, join(dir, 'b')));
    expect(a.equals(b)).toBe(true);
    expect(
      execFileSync('tar', ['tzf', writeRunArchive(main, join(dir, 'c'))])
        .toString()
        .trim(),
    ).toBe('index.js');
  });

  it('changes its hash when the code changes', () => {
    expect(buildServiceBundle('main', { minify: false }).hash).not.toBe(main.hash);
    expect(buildServiceBundle('function').hash).not.toBe(main.hash);
  });

  it('runs on plain Node and answers a CX request, then drains on SIGTERM', async () => {
    const svc = await spawnService(bundlePath, { PORT: '0' });
    const res = await fetch(`${svc.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: fixtureText('unicode'),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sessionInfo: unknown }).sessionInfo).toEqual({
      parameters: { greeted: true },
    });
    svc.child.kill('SIGTERM');
    expect(await svc.exited).toBe(0);
  });

  it('verifies ID tokens from inside the bundle (google-auth-library loads lazily)', async () => {
    const key = generateKey();
    const certs = await startCertsServer([key]);
    const audience = 'https://cx-webhook-dev-123456789012.us-central1.run.app';
    try {
      const svc = await spawnService(bundlePath, {
        PORT: '0',
        WEBHOOK_AUTH: 'id-token',
        WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT,
        WEBHOOK_AUDIENCE: audience,
        WEBHOOK_ID_TOKEN_CERTS_URL: certs.url,
      });
      try {
        const post = (token?: string) =>
          fetch(`${svc.url}/`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(token ? { authorization: `Bearer ${token}` } : {}),
            },
            body: fixtureText('event'),
          });
        expect((await post(signJwt(key, serviceAgentClaims(audience)))).status).toBe(200);
        expect((await post(signJwt(generateKey(), serviceAgentClaims(audience)))).status).toBe(401);
        expect((await post()).status).toBe(401);
      } finally {
        svc.child.kill('SIGTERM');
        await svc.exited;
      }
    } finally {
      await certs.close();
    }
  });

  it('builds the Cloud Functions entry, exporting `webhook`, with a package.json naming it', () => {
    const fn = buildServiceBundle('function');
    const fnPath = join(dir, 'function.js');
    writeFileSync(fnPath, fn.code);
    const exported = execFileSync(
      process.execPath,
      ['-e', `process.stdout.write(typeof require(${JSON.stringify(fnPath)}).webhook)`],
      {
        env: {
          PATH: process.env.PATH,
          WEBHOOK_AUTH: 'platform',
          WEBHOOK_ALLOWED_CALLERS: LOCAL_SERVICE_AGENT,
          LOG_LEVEL: 'error',
        },
      },
    ).toString();
    expect(exported).toBe('function');
    expect(JSON.parse(functionPackageJson())).toEqual(
      expect.objectContaining({ main: 'index.js' }),
    );
  });
});
