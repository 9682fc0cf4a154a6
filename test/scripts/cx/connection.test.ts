import {
  CALL_OPTIONS,
  clientOptions,
  newSession,
  parseEndpointFlags,
  SESSION_ID_MAX_LENGTH,
  v3Clients,
} from '../../../scripts/cx/connection';
import { startDialogflowStandIn, type StandIn } from '../../helpers/dialogflowStandIn';
import { AGENT, SMOKE_FLOW, smokeAgent, webhook } from '../../helpers/standInAgents';

const idOf = (session: string) => session.slice(`${AGENT}/sessions/`.length);

describe('session names', () => {
  it('are at most 36 characters, as session.proto requires, and fresh each time', () => {
    const sessions = ['smoke', 'chat'].flatMap((p) => [newSession(AGENT, p), newSession(AGENT, p)]);
    for (const session of sessions) {
      expect(session).toMatch(new RegExp(`^${AGENT}/sessions/(smoke|chat)-[0-9a-f]+$`));
      expect(idOf(session)).toHaveLength(SESSION_ID_MAX_LENGTH);
    }
    expect(new Set(sessions).size).toBe(sessions.length);
    expect(SESSION_ID_MAX_LENGTH).toBe(36);
  });

  it('refuses a prefix that leaves too few random characters', () => {
    expect(() => newSession(AGENT, 'a-prefix-far-too-long-to-fit')).toThrow('too little room');
  });
});

describe('Dialogflow refuses a session ID over 36 characters (the stand-in applies the rule)', () => {
  let standIn: StandIn;
  beforeAll(async () => {
    standIn = await startDialogflowStandIn(
      smokeAgent([webhook('http://127.0.0.1:9/', { kind: 'none' })]),
    );
  });
  afterAll(() => standIn.close());

  const detect = async (session: string) => {
    const options = clientOptions(
      AGENT,
      parseEndpointFlags({ 'api-endpoint': standIn.endpoint, insecure: true }),
    );
    const client = new (v3Clients().SessionsClient)(options);
    try {
      await client.detectIntent(
        {
          session,
          queryParams: { currentPage: `${SMOKE_FLOW}/pages/START_PAGE` },
          queryInput: { event: { event: 'nothing-handles-this' }, languageCode: 'en' },
        },
        CALL_OPTIONS,
      );
      return { code: 0, details: '' };
    } catch (error) {
      return error as { code: number; details: string };
    } finally {
      await client.close();
    }
  };

  it('accepts 36 characters', async () => {
    expect(await detect(`${AGENT}/sessions/${'a'.repeat(36)}`)).toEqual({ code: 0, details: '' });
  });

  it.each([
    ['a session', `${AGENT}/sessions/${'a'.repeat(37)}`],
    ['a session in an environment', `${AGENT}/environments/draft/sessions/${'b'.repeat(37)}`],
    // What smoke built before: cx-webhook-kit-smoke-<uuid>, 57 characters.
    ['the old smoke session', `${AGENT}/sessions/cx-webhook-kit-smoke-${crypto.randomUUID()}`],
  ])('refuses 37 or more with INVALID_ARGUMENT: %s', async (_, session) => {
    const error = await detect(session);
    expect(error.code).toBe(3);
    expect(error.details).toMatch(/^Session ID '.*' is \d+ characters long; it must not exceed 36/);
  });
});
