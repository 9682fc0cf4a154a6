import type { WebhookHandler } from '../../service/protocol/handler';
import { reply } from '../../service/responses';
import { memoryLogger, startApp, type LiveApp } from '../helpers/liveApp';

// What reaches stdout. Session parameters are the caller's data and are never logged; handler
// failures are logged in the form Error Reporting groups; every line stays far below Cloud
// Logging's 256 KB entry limit, whatever the request holds.

const REPORTED_ERROR_EVENT =
  'type.googleapis.com/google.devtools.clouderrorreporting.v1beta1.ReportedErrorEvent';
const SECRET_PHONE = '+1 555 0100 ext. caller-secret';
const SECRET_PAGE = 'page-from-caller-secret';

const transfer: WebhookHandler = (req) =>
  reply()
    .transferCall(req.sessionInfo?.parameters?.phone as string)
    .build();
const jump: WebhookHandler = (req) =>
  reply()
    .goToPage(req.sessionInfo?.parameters?.page as string)
    .build();
const boom: WebhookHandler = () => {
  throw new Error('boom');
};

describe('builder errors carry no caller data', () => {
  it.each<[string, () => unknown]>([
    ['transferCall', () => reply().transferCall(SECRET_PHONE)],
    ['goToPage', () => reply().goToPage(SECRET_PAGE)],
    ['goToFlow', () => reply().goToFlow(SECRET_PAGE)],
  ])('%s: the error message must not contain the value it refused', (_name, build) => {
    expect(build).toThrow(TypeError);
    try {
      build();
    } catch (error) {
      expect(String((error as Error).message)).not.toMatch(/caller-secret/);
    }
  });
});

describe('log lines', () => {
  let app: LiveApp;
  beforeAll(async () => {
    app = await startApp({ handlers: { transfer, jump, boom } });
  });
  afterAll(() => app.close());

  it('must not log a session parameter that a builder refused', async () => {
    for (const [tag, parameters] of [
      ['transfer', { phone: SECRET_PHONE }],
      ['jump', { page: SECRET_PAGE }],
    ] as const) {
      const res = await app.post({ fulfillmentInfo: { tag }, sessionInfo: { parameters } });
      expect(res.status).toBe(500);
    }
    expect(JSON.stringify(app.logs())).not.toContain('caller-secret');
  });

  it('logs a handler failure in the form Error Reporting reads, and a fixed reason on the request line', async () => {
    const before = app.logs().length;
    const res = await app.post({
      detectIntentResponseId: 'r-boom',
      fulfillmentInfo: { tag: 'boom' },
    });
    expect(res.status).toBe(500);
    const lines = app.logs().slice(before);
    expect(lines).toContainEqual(
      expect.objectContaining({
        severity: 'ERROR',
        '@type': REPORTED_ERROR_EVENT,
        message: expect.stringMatching(/^Error: boom\n\s+at /),
        tag: 'boom',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'webhook request failed',
        status: 500,
        reason: 'the handler failed',
        detectIntentResponseId: 'r-boom',
      }),
    );
  });

  it('must not write a line anywhere near 256 KB, whatever the request fields hold', async () => {
    const huge = 'x'.repeat(300 * 1024);
    const before = app.logs().length;
    const res = await app.post({
      detectIntentResponseId: huge,
      fulfillmentInfo: { tag: huge },
      sessionInfo: { session: `projects/p/locations/l/agents/a/sessions/${huge}` },
    });
    expect(res.status).toBe(404);
    expect(Buffer.byteLength(await res.text())).toBeLessThan(1024);
    const lines = app.logs().slice(before);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(Buffer.byteLength(JSON.stringify(line))).toBeLessThan(4096);
  });
});

describe('the time of a line', () => {
  it('is the ISO time it was logged at, to the millisecond, however many lines share it', async () => {
    const log = memoryLogger();
    const before = Date.now();
    for (let i = 0; i < 3; i++) log.logger.info('same millisecond, most likely');
    await new Promise((r) => setTimeout(r, 5));
    log.logger.info('later');
    const after = Date.now();
    const times = log.lines().map((line) => line.time as string);
    for (const time of times) {
      expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(time)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(time)).toBeLessThanOrEqual(after);
    }
    expect(Date.parse(times[3])).toBeGreaterThan(Date.parse(times[0]));
  });
});
