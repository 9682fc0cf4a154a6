import { parseAlertsConfig } from '../../infra/alertsConfig';
import type { Profile } from '../../infra/config';
import { StageConfigError } from '../../infra/configError';

const CHANNEL = 'projects/acme-cx-webhooks-prod/notificationChannels/1234567890';

describe('parseAlertsConfig', () => {
  it.each<[string, unknown, Profile, unknown]>([
    ['absent on dev: off', undefined, 'dev', { enabled: false }],
    [
      'absent on prod with an email: on, 5% by default',
      { email: 'oncall@acme.example' },
      'prod',
      { enabled: true, notify: { kind: 'email', email: 'oncall@acme.example' }, errorRatio: 0.05 },
    ],
    [
      'an existing channel by full name',
      { channel: CHANNEL, errorRatio: 0.1 },
      'prod',
      { enabled: true, notify: { kind: 'channel', name: CHANNEL }, errorRatio: 0.1 },
    ],
    [
      'turned on for dev',
      { enabled: true, email: 'dev-team@acme.example' },
      'dev',
      {
        enabled: true,
        notify: { kind: 'email', email: 'dev-team@acme.example' },
        errorRatio: 0.05,
      },
    ],
    ['turned off for prod', { enabled: false }, 'prod', { enabled: false }],
    ['false as a shorthand', false, 'prod', { enabled: false }],
    [
      'off keeps a channel for later',
      { enabled: false, channel: CHANNEL },
      'prod',
      { enabled: false },
    ],
  ])('%s', (_name, raw, profile, expected) => {
    const settings = parseAlertsConfig(raw, profile);
    expect(settings).toEqual(expected);
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it.each<[string, unknown, Profile, string]>([
    [
      'prod with no one to notify',
      undefined,
      'prod',
      'cx-webhook-kit:alerts is on by default for the prod profile and needs someone to notify: set alerts.email (a channel is created for it) or alerts.channel (an existing channel), or alerts.enabled: false',
    ],
    [
      'turned on without a channel',
      { enabled: true },
      'dev',
      'cx-webhook-kit:alerts needs someone to notify: set alerts.email (a channel is created for it) or alerts.channel (an existing channel), or alerts.enabled: false',
    ],
    [
      'a misspelt field',
      { emial: 'oncall@acme.example' },
      'prod',
      'cx-webhook-kit:alerts has no field "emial": did you mean "email"? Known fields: enabled, email, channel, errorRatio',
    ],
    [
      'a misspelt field in another case',
      { ErrorRate: 0.1, email: 'a@b.example' },
      'prod',
      'cx-webhook-kit:alerts has no field "ErrorRate": did you mean "errorRatio"? Known fields: enabled, email, channel, errorRatio',
    ],
    [
      'a field nothing resembles',
      { pagerduty: 'x' },
      'prod',
      'cx-webhook-kit:alerts has no field "pagerduty": Known fields: enabled, email, channel, errorRatio',
    ],
    [
      'both email and channel',
      { email: 'oncall@acme.example', channel: CHANNEL },
      'prod',
      'cx-webhook-kit:alerts takes email or channel, not both: one notification channel per stage',
    ],
    [
      'an email that is not one',
      { email: 'oncall' },
      'prod',
      'cx-webhook-kit:alerts.email must be an email address, got "oncall"',
    ],
    [
      "a channel's bare ID",
      { channel: '1234567890' },
      'prod',
      'cx-webhook-kit:alerts.channel must be an existing channel\'s full name, projects/<project>/notificationChannels/<id> (gcloud beta monitoring channels list --format="value(name)"), got "1234567890"',
    ],
    [
      'a percentage where a ratio belongs',
      { email: 'oncall@acme.example', errorRatio: 5 },
      'prod',
      'cx-webhook-kit:alerts.errorRatio must be a number between 0 and 1 (0.05 is 5% of answers), got 5',
    ],
    [
      'enabled as a string',
      { enabled: 'yes', email: 'oncall@acme.example' },
      'prod',
      'cx-webhook-kit:alerts.enabled must be true or false, got "yes"',
    ],
    [
      'a list',
      ['oncall@acme.example'],
      'prod',
      'cx-webhook-kit:alerts must be an object such as { email: oncall@example.com }, got ["oncall@acme.example"]',
    ],
    [
      'a bare string',
      'oncall@acme.example',
      'prod',
      'cx-webhook-kit:alerts must be an object such as { email: oncall@example.com }, got "oncall@acme.example"',
    ],
  ])('refuses %s, naming the key and the fix', (_name, raw, profile, message) => {
    let error: unknown;
    try {
      parseAlertsConfig(raw, profile);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StageConfigError);
    expect((error as Error).message).toBe(message);
  });

  it('validates fields even when alerting is off, so a typo never hides', () => {
    expect(() => parseAlertsConfig({ enabled: false, emial: 'x@y.example' }, 'dev')).toThrow(
      /did you mean "email"/,
    );
    expect(() => parseAlertsConfig({ enabled: false, email: 'nope' }, 'dev')).toThrow(
      /alerts\.email must be an email address/,
    );
  });
});
