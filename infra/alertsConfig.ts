// The `alerts` stack config: whether the stage gets alert policies, a dashboard and a log-based
// metric, and whom the alerts notify.
import type { Profile } from './config';
import { StageConfigError } from './configError';
import { nearestKey } from './nearestKey';

const FIELDS = ['enabled', 'email', 'channel', 'errorRatio'];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CHANNEL_NAME = /^projects\/[^/\s]+\/notificationChannels\/[^/\s]+$/;

export interface AlertsOn {
  readonly enabled: true;
  /** An email to create a channel for, or an existing channel by its full name. */
  readonly notify:
    | { readonly kind: 'email'; readonly email: string }
    | { readonly kind: 'channel'; readonly name: string };
  /** Share of answers that are 5xx above which the error alert fires. */
  readonly errorRatio: number;
}
type AlertsSettings = { readonly enabled: false } | AlertsOn;

function fail(field: string | undefined, message: string): never {
  throw new StageConfigError(field ? `alerts.${field}` : 'alerts', message);
}

/**
 * The `alerts` value as the stack holds it (`undefined` when the key is absent; `true` or `false`
 * are shorthands for `{ enabled: … }`). Alerting is on by default for the prod profile and off for
 * dev; when on, it needs a channel, because an alert nobody receives is lost silently.
 */
export function parseAlertsConfig(raw: unknown, profile: Profile): AlertsSettings {
  const object = raw ?? {};
  if (typeof object === 'boolean') return parseAlertsConfig({ enabled: object }, profile);
  if (typeof object !== 'object' || Array.isArray(object)) {
    fail(
      undefined,
      `must be an object such as { email: oncall@example.com }, got ${JSON.stringify(raw)}`,
    );
  }
  for (const field of Object.keys(object)) {
    if (FIELDS.includes(field)) continue;
    const nearest = nearestKey(field, FIELDS);
    fail(
      undefined,
      `has no field "${field}": ${nearest ? `did you mean "${nearest}"? ` : ''}Known fields: ${FIELDS.join(', ')}`,
    );
  }
  const { enabled, email, channel, errorRatio } = object as Record<string, unknown>;
  if (enabled !== undefined && typeof enabled !== 'boolean') {
    fail('enabled', `must be true or false, got ${JSON.stringify(enabled)}`);
  }
  if (email !== undefined && channel !== undefined) {
    fail(undefined, 'takes email or channel, not both: one notification channel per stage');
  }
  if (email !== undefined && (typeof email !== 'string' || !EMAIL.test(email))) {
    fail('email', `must be an email address, got ${JSON.stringify(email)}`);
  }
  if (channel !== undefined && (typeof channel !== 'string' || !CHANNEL_NAME.test(channel))) {
    fail(
      'channel',
      `must be an existing channel's full name, projects/<project>/notificationChannels/<id> ` +
        `(gcloud beta monitoring channels list --format="value(name)"), got ${JSON.stringify(channel)}`,
    );
  }
  if (
    errorRatio !== undefined &&
    !(typeof errorRatio === 'number' && errorRatio > 0 && errorRatio < 1)
  ) {
    fail(
      'errorRatio',
      `must be a number between 0 and 1 (0.05 is 5% of answers), got ${JSON.stringify(errorRatio)}`,
    );
  }
  if (!(enabled ?? profile === 'prod')) return Object.freeze({ enabled: false });
  const notify: AlertsOn['notify'] | undefined =
    typeof email === 'string'
      ? { kind: 'email', email }
      : typeof channel === 'string'
        ? { kind: 'channel', name: channel }
        : undefined;
  if (!notify) {
    fail(
      undefined,
      `${enabled === undefined ? `is on by default for the ${profile} profile and ` : ''}` +
        'needs someone to notify: set alerts.email (a channel is created for it) or alerts.channel ' +
        '(an existing channel), or alerts.enabled: false',
    );
  }
  return Object.freeze({
    enabled: true,
    notify: Object.freeze(notify),
    errorRatio: errorRatio ?? 0.05,
  });
}
