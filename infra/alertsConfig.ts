// The `alerts` stack config: whether the stage gets alert policies, a dashboard and a log-based
// metric, and whom the alerts notify. Parsed once, here, into a frozen value.

import { nearestKey } from './nearestKey';

export const ALERTS_KEY = 'cx-webhook-kit:alerts';

/** The fields the `alerts` object accepts. */
export const ALERTS_FIELDS = ['enabled', 'email', 'channel', 'errorRatio'] as const;
type AlertsField = (typeof ALERTS_FIELDS)[number];

/** Which stage defaults apply (the stack config's `profile`). */
export type AlertsProfile = 'dev' | 'prod';

/** Where incidents are sent. */
export type NotificationTarget =
  | { readonly kind: 'email'; readonly email: string }
  | { readonly kind: 'channel'; readonly name: string };

export interface AlertsOff {
  readonly enabled: false;
}

export interface AlertsOn {
  readonly enabled: true;
  /** An email to create a channel for, or an existing channel by its full name. */
  readonly notify: NotificationTarget;
  /** Share of answers that are 5xx above which the error alert fires; default 0.05. */
  readonly errorRatio: number;
}

export type AlertsSettings = AlertsOff | AlertsOn;

export const DEFAULT_ERROR_RATIO = 0.05;

export class AlertsConfigError extends Error {
  constructor(
    /** The field at fault, or undefined for the object as a whole. */
    readonly field: AlertsField | undefined,
    /** What is wrong and the fix, without the key. */
    readonly reason: string,
  ) {
    super(`${ALERTS_KEY}${field ? `.${field}` : ''} ${reason}`);
    this.name = 'AlertsConfigError';
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CHANNEL_NAME = /^projects\/[^/\s]+\/notificationChannels\/[^/\s]+$/;

function unknownField(field: string): AlertsConfigError {
  const nearest = nearestKey(field, ALERTS_FIELDS);
  const hint = nearest ? `did you mean "${nearest}"? ` : '';
  return new AlertsConfigError(
    undefined,
    `has no field "${field}": ${hint}Known fields: ${ALERTS_FIELDS.join(', ')}`,
  );
}

function notifyTarget(email: unknown, channel: unknown): NotificationTarget | undefined {
  if (email !== undefined && channel !== undefined) {
    throw new AlertsConfigError(
      undefined,
      'takes email or channel, not both: one notification channel per stage',
    );
  }
  if (email !== undefined) {
    if (typeof email !== 'string' || !EMAIL.test(email)) {
      throw new AlertsConfigError(
        'email',
        `must be an email address, got ${JSON.stringify(email)}`,
      );
    }
    return { kind: 'email', email };
  }
  if (channel !== undefined) {
    if (typeof channel !== 'string' || !CHANNEL_NAME.test(channel)) {
      throw new AlertsConfigError(
        'channel',
        `must be an existing channel's full name, projects/<project>/notificationChannels/<id> ` +
          `(gcloud beta monitoring channels list --format="value(name)"), got ${JSON.stringify(channel)}`,
      );
    }
    return { kind: 'channel', name: channel };
  }
  return undefined;
}

function asObject(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw === 'boolean') return { enabled: raw };
  if (typeof raw === 'object' && !Array.isArray(raw)) return raw as Record<string, unknown>;
  throw new AlertsConfigError(
    undefined,
    `must be an object such as { email: oncall@example.com }, got ${JSON.stringify(raw)}`,
  );
}

/**
 * The `alerts` object as the stack config holds it (`undefined` when the key is absent; `true` or
 * `false` are shorthands for `{ enabled: … }`). Alerting is on by default for the prod profile and
 * off for dev; when on, it needs a channel, because an alert nobody receives is lost silently.
 */
export function parseAlertsConfig(raw: unknown, profile: AlertsProfile): AlertsSettings {
  const object = asObject(raw);
  for (const field of Object.keys(object)) {
    if (!(ALERTS_FIELDS as readonly string[]).includes(field)) throw unknownField(field);
  }

  const { enabled: rawEnabled, email, channel, errorRatio: rawRatio } = object;
  if (rawEnabled !== undefined && typeof rawEnabled !== 'boolean') {
    throw new AlertsConfigError(
      'enabled',
      `must be true or false, got ${JSON.stringify(rawEnabled)}`,
    );
  }
  const notify = notifyTarget(email, channel);
  if (rawRatio !== undefined && (typeof rawRatio !== 'number' || !(rawRatio > 0 && rawRatio < 1))) {
    throw new AlertsConfigError(
      'errorRatio',
      `must be a number between 0 and 1 (0.05 is 5% of answers), got ${JSON.stringify(rawRatio)}`,
    );
  }

  const enabled = rawEnabled ?? profile === 'prod';
  if (!enabled) return Object.freeze({ enabled: false });
  if (!notify) {
    throw new AlertsConfigError(
      undefined,
      `${rawEnabled === undefined ? `is on by default for the ${profile} profile and ` : ''}` +
        'needs someone to notify: set alerts.email (a channel is created for it) or alerts.channel ' +
        '(an existing channel), or alerts.enabled: false',
    );
  }
  return Object.freeze({
    enabled: true,
    notify: Object.freeze(notify),
    errorRatio: rawRatio ?? DEFAULT_ERROR_RATIO,
  });
}
