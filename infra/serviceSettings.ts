// What a stack may tell the service and its runtime account: extra environment, secrets, project
// roles and resources. Pure parsers; each error names the key, the entry and the fix.

import { LOG_LEVELS } from '../service/envContract';

/**
 * Environment names a stack may not set. `WEBHOOK_*` is the service's own contract, derived from the
 * stack's auth settings; `PORT` and `K_*` are set by Cloud Run (cloud.google.com/run/docs/
 * container-contract#env-vars); `FUNCTION_TARGET`, `FUNCTION_SOURCE`, `FUNCTION_SIGNATURE_TYPE` and
 * `CLOUD_RUN_TIMEOUT_SECONDS` are read by the Functions Framework (its src/options.ts); `X_GOOGLE_*`
 * is reserved by Cloud Functions; `NODE_ENV` and `GOOGLE_CLOUD_PROJECT` are set by this program, and
 * `NODE_OPTIONS` would change how Node runs the service (`--require` loads code, `--inspect` opens a
 * debugger port).
 * `LOG_LEVEL` may be overridden on purpose (for example `debug` in dev), within LOG_LEVELS.
 */
const RESERVED_NAMES = new Set([
  'PORT',
  'NODE_OPTIONS',
  'NODE_ENV',
  'GOOGLE_CLOUD_PROJECT',
  'FUNCTION_TARGET',
  'FUNCTION_SOURCE',
  'FUNCTION_SIGNATURE_TYPE',
  'CLOUD_RUN_TIMEOUT_SECONDS',
]);
const RESERVED_PREFIXES = ['WEBHOOK_', 'K_', 'X_GOOGLE_'];

/** Cloud Run env names are C identifiers. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Secret Manager secret IDs: letters, digits, `-` and `_`, up to 255. */
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const SECRET_VERSION = /^(latest|[1-9][0-9]*)$/;
const ROLE =
  /^(roles\/[A-Za-z0-9_.]+|projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/roles\/[A-Za-z0-9_.]+|organizations\/[0-9]+\/roles\/[A-Za-z0-9_.]+)$/;
/** Basic roles, which Google advises against for workloads (cloud.google.com/iam/docs/roles-overview#basic). */
const BASIC_ROLES = new Set(['roles/owner', 'roles/editor', 'roles/viewer']);

/** Cloud Run's CPU choices for a service with request concurrency above 1. */
export const CPUS = ['1', '2', '4', '6', '8'] as const;
export type Cpu = (typeof CPUS)[number];

export class SettingError extends Error {}

export interface SecretEnv {
  /** The environment variable the service reads. */
  readonly env: string;
  /** The secret's ID in the webhook project. */
  readonly secretId: string;
  /** `latest` or a version number. */
  readonly version: string;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parseJson(raw: string | undefined, fallback: unknown, shape: string): unknown {
  if (raw === undefined || raw === '') return fallback;
  try {
    return JSON.parse(raw);
  } catch {
    throw new SettingError(`must be ${shape}, got "${raw}"`);
  }
}

function checkEnvName(name: string): void {
  if (!ENV_NAME.test(name)) {
    throw new SettingError(
      `has "${name}", which is not an environment variable name (letters, digits, _; not starting with a digit)`,
    );
  }
  const upper = name.toUpperCase();
  if (RESERVED_NAMES.has(upper) || RESERVED_PREFIXES.some((p) => upper.startsWith(p))) {
    throw new SettingError(
      `has "${name}", a name the platform or this program sets (reserved: ${[...RESERVED_NAMES].join(', ')}, ${RESERVED_PREFIXES.map((p) => `${p}*`).join(', ')})`,
    );
  }
}

/** `serviceEnv`: env name → plain value (strings; numbers and booleans as written). */
export function parseServiceEnv(raw: string | undefined): Readonly<Record<string, string>> {
  const value = parseJson(raw, {}, 'an object of NAME: value');
  if (!isPlainObject(value)) throw new SettingError('must be an object of NAME: value');
  const env: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    checkEnvName(name);
    if (typeof v !== 'string' && typeof v !== 'boolean' && !Number.isFinite(v)) {
      throw new SettingError(
        `has ${name} set to ${JSON.stringify(v)}; values are plain text (put secrets in serviceSecrets)`,
      );
    }
    env[name] = String(v);
  }
  if (env.LOG_LEVEL !== undefined && !(LOG_LEVELS as readonly string[]).includes(env.LOG_LEVEL)) {
    throw new SettingError(
      `has LOG_LEVEL "${env.LOG_LEVEL}"; the service takes ${LOG_LEVELS.join(', ')}`,
    );
  }
  return Object.freeze(env);
}

/** `serviceSecrets`: env name → `secretId` or `secretId:version`, secrets in the webhook project. */
export function parseServiceSecrets(raw: string | undefined): readonly SecretEnv[] {
  const value = parseJson(raw, {}, 'an object of NAME: secret-id');
  if (!isPlainObject(value)) throw new SettingError('must be an object of NAME: secret-id');
  return Object.freeze(
    Object.entries(value).map(([env, ref]) => {
      checkEnvName(env);
      if (typeof ref !== 'string') {
        throw new SettingError(`has ${env} set to ${JSON.stringify(ref)}; give a secret ID`);
      }
      if (ref.startsWith('projects/')) {
        throw new SettingError(
          `has ${env} set to a resource name; give the secret's ID in the webhook project (e.g. orders-api-key or orders-api-key:3)`,
        );
      }
      const [secretId, version = 'latest', ...rest] = ref.split(':');
      if (rest.length > 0 || !SECRET_ID.test(secretId) || !SECRET_VERSION.test(version)) {
        throw new SettingError(
          `has ${env} set to "${ref}"; expected a secret ID, optionally :version (a number or latest)`,
        );
      }
      return Object.freeze({ env, secretId, version });
    }),
  );
}

/** `runtimeRoles`: project roles for the runtime account; basic roles are refused. */
export function parseRuntimeRoles(raw: string | undefined): readonly string[] {
  const value = parseJson(raw, [], 'a list of roles');
  if (!Array.isArray(value)) throw new SettingError('must be a list of roles');
  const roles = new Set<string>();
  for (const role of value) {
    if (typeof role !== 'string' || !ROLE.test(role)) {
      throw new SettingError(
        `has ${JSON.stringify(role)}, which is not a role (roles/…, projects/…/roles/… or organizations/…/roles/…)`,
      );
    }
    if (BASIC_ROLES.has(role)) {
      throw new SettingError(
        `has ${role}, a basic role that grants far more than a handler needs; list the predefined roles it uses (e.g. roles/datastore.user)`,
      );
    }
    roles.add(role);
  }
  return Object.freeze([...roles]);
}

/** Memory as MiB, from Cloud Run's `Mi`/`Gi` notation. */
export function memoryMiB(raw: string): number {
  const m = /^([1-9][0-9]*)(Mi|Gi)$/.exec(raw);
  if (!m) throw new SettingError(`must be a size such as 512Mi or 2Gi, got "${raw}"`);
  const mib = Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
  if (mib < 128 || mib > 32 * 1024) {
    throw new SettingError(`must be from 128Mi to 32Gi, got "${raw}"`);
  }
  return mib;
}

const MEMORY_NEEDS_CPUS = [
  [24, 8],
  [16, 6],
  [8, 4],
  [4, 2],
] as const;
const CPUS_NEED_MEMORY: Record<Cpu, number> = { '1': 0, '2': 0, '4': 2, '6': 4, '8': 4 };

/**
 * CPU and memory must fit together: more than 4, 8, 16 or 24 GiB needs at least 2, 4, 6 or 8 CPUs
 * (cloud.google.com/run/docs/configuring/services/memory-limits), and 4, 6 or 8 CPUs need at least
 * 2, 4 or 4 GiB (cloud.google.com/run/docs/configuring/services/cpu).
 */
export function checkCpuMemory(cpu: Cpu, mib: number): string | undefined {
  const cpus = Number(cpu);
  const gib = mib / 1024;
  for (const [overGib, needCpus] of MEMORY_NEEDS_CPUS) {
    if (gib > overGib) {
      if (cpus < needCpus) return `memory over ${overGib}Gi needs cpu ${needCpus} or more`;
      break;
    }
  }
  const minGib = CPUS_NEED_MEMORY[cpu];
  if (gib < minGib) return `cpu ${cpu} needs at least ${minGib}Gi of memory`;
  return undefined;
}
