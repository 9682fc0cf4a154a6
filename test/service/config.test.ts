import {
  ConfigError,
  GOOGLE_CERTS_URL,
  loadConfig,
  type ServiceConfig,
} from '../../service/config';
import { ENV, INTEGERS } from '../../service/envContract';

const AGENT = 'service-123456789012@gcp-sa-dialogflow.iam.gserviceaccount.com';
const URL_ = 'https://cx-webhook-abc-uc.a.run.app';

describe('loadConfig', () => {
  it('defaults to a local, unauthenticated service on 8080 with a 5 s timeout', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      port: 8080,
      auth: ['none'],
      allowedCallers: [],
      audiences: [],
      idTokenCertsUrl: GOOGLE_CERTS_URL,
      basic: undefined,
      header: undefined,
      timeoutMs: 5000,
      logLevel: 'info',
      project: undefined,
      revision: 'local',
      service: undefined,
      host: '127.0.0.1',
      concurrency: 80,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.auth)).toBe(true);
  });

  it('parses every variable', () => {
    const config = loadConfig({
      PORT: '9090',
      WEBHOOK_AUTH: 'platform, header',
      WEBHOOK_ALLOWED_CALLERS: `${AGENT.toUpperCase()},other@example.com`,
      WEBHOOK_AUDIENCE: `${URL_},${URL_}/`,
      WEBHOOK_HEADER_NAME: 'X-Webhook-Secret',
      WEBHOOK_HEADER_VALUE: 's3cret',
      WEBHOOK_TIMEOUT_MS: '30000',
      LOG_LEVEL: 'DEBUG',
      GOOGLE_CLOUD_PROJECT: 'acme-prod',
      K_SERVICE: 'cx-webhook',
    });
    expect(config).toEqual(
      expect.objectContaining({
        port: 9090,
        auth: ['platform', 'header'],
        allowedCallers: [AGENT, 'other@example.com'],
        audiences: [URL_, `${URL_}/`],
        header: { name: 'x-webhook-secret', value: 's3cret' },
        timeoutMs: 30000,
        logLevel: 'debug',
        project: 'acme-prod',
      }),
    );
  });

  it('reads id-token and basic settings', () => {
    expect(
      loadConfig({
        WEBHOOK_AUTH: 'id-token',
        WEBHOOK_ALLOWED_CALLERS: AGENT,
        WEBHOOK_AUDIENCE: URL_,
        WEBHOOK_ID_TOKEN_CERTS_URL: 'http://127.0.0.1:9999/certs',
      }).idTokenCertsUrl,
    ).toBe('http://127.0.0.1:9999/certs');
    expect(
      loadConfig({
        WEBHOOK_AUTH: 'basic',
        WEBHOOK_BASIC_USERNAME: 'cx',
        WEBHOOK_BASIC_PASSWORD: 'pw',
      }).basic,
    ).toEqual({
      username: 'cx',
      password: 'pw',
    });
  });

  it.each([
    [
      'no WEBHOOK_AUTH where K_SERVICE is set',
      { K_SERVICE: 'svc' },
      'WEBHOOK_AUTH is required where K_SERVICE is set',
    ],
    [
      'an unknown strategy',
      { WEBHOOK_AUTH: 'jwt' },
      'WEBHOOK_AUTH has unknown strategy "jwt"; allowed: platform, id-token, basic, header, none',
    ],
    [
      'none with another strategy',
      { WEBHOOK_AUTH: 'none,header' },
      'WEBHOOK_AUTH: "none" cannot be combined',
    ],
    [
      'platform with id-token',
      { WEBHOOK_AUTH: 'platform,id-token', WEBHOOK_ALLOWED_CALLERS: AGENT, WEBHOOK_AUDIENCE: URL_ },
      '"platform" and "id-token" exclude each other',
    ],
    [
      'id-token with basic',
      { WEBHOOK_AUTH: 'id-token,basic' },
      '"id-token" and "basic" both need the Authorization header',
    ],
    [
      'id-token without callers',
      { WEBHOOK_AUTH: 'id-token', WEBHOOK_AUDIENCE: URL_ },
      'WEBHOOK_ALLOWED_CALLERS is required for platform and id-token',
    ],
    [
      'platform without callers',
      { WEBHOOK_AUTH: 'platform' },
      'WEBHOOK_ALLOWED_CALLERS is required',
    ],
    [
      'id-token without an audience',
      { WEBHOOK_AUTH: 'id-token', WEBHOOK_ALLOWED_CALLERS: AGENT },
      'WEBHOOK_AUDIENCE is required for id-token',
    ],
    [
      'a caller that is not an email',
      { WEBHOOK_AUTH: 'platform', WEBHOOK_ALLOWED_CALLERS: 'dialogflow' },
      'WEBHOOK_ALLOWED_CALLERS must hold email addresses, got "dialogflow"',
    ],
    [
      'an audience that is not a URL',
      { WEBHOOK_AUDIENCE: 'my-service' },
      'WEBHOOK_AUDIENCE must hold absolute URLs',
    ],
    [
      'a certs URL that is not http',
      { WEBHOOK_ID_TOKEN_CERTS_URL: 'file:///etc/passwd' },
      'WEBHOOK_ID_TOKEN_CERTS_URL must hold http(s) URLs',
    ],
    [
      'basic without a password',
      { WEBHOOK_AUTH: 'basic', WEBHOOK_BASIC_USERNAME: 'cx' },
      'WEBHOOK_BASIC_PASSWORD is required for basic',
    ],
    [
      'a basic username with a colon',
      { WEBHOOK_AUTH: 'basic', WEBHOOK_BASIC_USERNAME: 'a:b', WEBHOOK_BASIC_PASSWORD: 'x' },
      'must not contain ":"',
    ],
    [
      'header without a value',
      { WEBHOOK_AUTH: 'header', WEBHOOK_HEADER_NAME: 'x-secret' },
      'WEBHOOK_HEADER_VALUE is required for header',
    ],
    [
      'an invalid header name',
      { WEBHOOK_AUTH: 'header', WEBHOOK_HEADER_NAME: 'x secret', WEBHOOK_HEADER_VALUE: 'v' },
      'WEBHOOK_HEADER_NAME must be a valid HTTP header name',
    ],
    [
      'header on Authorization next to a token strategy',
      {
        WEBHOOK_AUTH: 'platform,header',
        WEBHOOK_ALLOWED_CALLERS: AGENT,
        WEBHOOK_HEADER_NAME: 'Authorization',
        WEBHOOK_HEADER_VALUE: 'v',
      },
      'Authorization is taken',
    ],
    [
      'a timeout above 30 s',
      { WEBHOOK_TIMEOUT_MS: '45000' },
      'WEBHOOK_TIMEOUT_MS must be an integer from 1000 to 30000, got "45000"',
    ],
    [
      'a timeout below 1 s',
      { WEBHOOK_TIMEOUT_MS: '500' },
      'WEBHOOK_TIMEOUT_MS must be an integer from 1000 to 30000',
    ],
    [
      'a fractional timeout',
      { WEBHOOK_TIMEOUT_MS: '5000.5' },
      'WEBHOOK_TIMEOUT_MS must be an integer',
    ],
    [
      'a port that is not a number',
      { PORT: 'http' },
      'PORT must be an integer from 0 to 65535, got "http"',
    ],
    [
      'an unknown log level',
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL must be one of debug, info, warn, error, got "verbose"',
    ],
  ])('refuses %s', (_name, env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  describe('HOST', () => {
    it('binds to loopback locally and to every interface where K_SERVICE is set', () => {
      expect(loadConfig({}).host).toBe('127.0.0.1');
      const deployed = loadConfig({
        K_SERVICE: 'svc',
        WEBHOOK_AUTH: 'platform',
        WEBHOOK_ALLOWED_CALLERS: AGENT,
      });
      expect(deployed.host).toBeUndefined();
      expect(deployed.service).toBe('svc');
    });

    it.each(['127.0.0.1', '127.0.0.2', '::1', 'localhost'])(
      'takes the loopback address %s without WEBHOOK_AUTH',
      (host) => {
        expect(loadConfig({ HOST: host }).host).toBe(host);
      },
    );

    it('takes an address beyond loopback once WEBHOOK_AUTH is set explicitly', () => {
      expect(
        loadConfig({
          HOST: '0.0.0.0',
          WEBHOOK_AUTH: 'header',
          WEBHOOK_HEADER_NAME: 'x-s',
          WEBHOOK_HEADER_VALUE: 'v',
        }).host,
      ).toBe('0.0.0.0');
      expect(loadConfig({ HOST: '::', WEBHOOK_AUTH: 'none' }).host).toBe('::');
    });

    it('must not bind beyond loopback with the implicit local default of no authentication', () => {
      expect(() => loadConfig({ HOST: '0.0.0.0' })).toThrow(
        'HOST "0.0.0.0" is reachable beyond this machine: set WEBHOOK_AUTH explicitly',
      );
      expect(() => loadConfig({ HOST: '10.0.0.5' })).toThrow(ConfigError);
    });

    it('refuses a host that is not an IP address or localhost', () => {
      expect(() => loadConfig({ HOST: 'example.com', WEBHOOK_AUTH: 'none' })).toThrow(
        'HOST must be an IP address or localhost, got "example.com"',
      );
    });
  });

  it('reads WEBHOOK_CONCURRENCY, 1 to 1000', () => {
    expect(loadConfig({ WEBHOOK_CONCURRENCY: '250' }).concurrency).toBe(250);
    expect(() => loadConfig({ WEBHOOK_CONCURRENCY: '0' })).toThrow(
      'WEBHOOK_CONCURRENCY must be an integer from 1 to 1000, got "0"',
    );
  });

  it('takes every integer of the environment contract within its range, naming it when not', () => {
    const field = {
      PORT: 'port',
      [ENV.timeoutMs]: 'timeoutMs',
      [ENV.concurrency]: 'concurrency',
    } as const satisfies Record<keyof typeof INTEGERS, keyof ServiceConfig>;
    for (const name of Object.keys(INTEGERS) as (keyof typeof INTEGERS)[]) {
      const { fallback, min, max } = INTEGERS[name];
      const read = (raw?: string) =>
        loadConfig(raw === undefined ? {} : { [name]: raw })[field[name]];
      expect({ name, value: read() }).toEqual({ name, value: fallback });
      expect({ name, value: read(String(max)) }).toEqual({ name, value: max });
      for (const bad of [String(min - 1), String(max + 1)]) {
        expect(() => read(bad)).toThrow(
          `${name} must be an integer from ${min} to ${max}, got "${bad}"`,
        );
      }
    }
  });

  it('refuses platform with basic: both need the Authorization header', () => {
    expect(() =>
      loadConfig({
        WEBHOOK_AUTH: 'platform,basic',
        WEBHOOK_ALLOWED_CALLERS: AGENT,
        WEBHOOK_BASIC_USERNAME: 'u',
        WEBHOOK_BASIC_PASSWORD: 'p',
      }),
    ).toThrow('"platform" and "basic" both need the Authorization header');
  });

  it.each([
    ['surrounding whitespace', ' s3cret', 'must not start or end with whitespace'],
    ['a trailing newline', 's3cret\n', 'must not start or end with whitespace'],
    ['a control character', 's3\u0007cret', 'must hold printable ASCII only'],
    ['non-ASCII (Node reads header values as latin1)', 'sécret', 'must hold printable ASCII only'],
  ])('refuses a header secret with %s, naming the variable', (_name, value, message) => {
    const env = { WEBHOOK_AUTH: 'header', WEBHOOK_HEADER_NAME: 'x-s', WEBHOOK_HEADER_VALUE: value };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(`WEBHOOK_HEADER_VALUE ${message}`);
  });
});
