// What a stack may tell the service and its runtime account: extra environment, secrets, project
// roles and resources. Each error names the key, the entry and the fix.
import { LOG_LEVELS } from '../service/envContract';
import { StageConfigError } from './configError';
import { BASIC_ROLES, ROLE } from './gcpIds';

/**
 * Environment names a stack may not set. `WEBHOOK_*` is the service's own contract, derived from
 * the stack's auth settings; `PORT` and `K_*` are set by Cloud Run (cloud.google.com/run/docs/
 * container-contract#env-vars); `FUNCTION_TARGET`, `FUNCTION_SOURCE`, `FUNCTION_SIGNATURE_TYPE` and
 * `CLOUD_RUN_TIMEOUT_SECONDS` are read by the Functions Framework (its src/options.ts);
 * `X_GOOGLE_*` is reserved by Cloud Functions; `NODE_ENV` and `GOOGLE_CLOUD_PROJECT` are set by
 * this program, and `NODE_OPTIONS` would change how Node runs the service (`--require` loads code,
 * `--inspect` opens a debugger port). `LOG_LEVEL` may be overridden on purpose (for example `debug`
 * in dev).
 */
const RESERVED_NAMES = [
  'PORT',
  'NODE_OPTIONS',
  'NODE_ENV',
  'GOOGLE_CLOUD_PROJECT',
  'FUNCTION_TARGET',
  'FUNCTION_SOURCE',
  'FUNCTION_SIGNATURE_TYPE',
  'CLOUD_RUN_TIMEOUT_SECONDS',
];
const RESERVED_PREFIXES = ['WEBHOOK_', 'K_', 'X_GOOGLE_'];

/** Cloud Run env names are C identifiers. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Secret Manager secret IDs: letters, digits, `-`, `_`, up to 255; then `latest` or a version. */
const SECRET_REF = /^([A-Za-z0-9_-]{1,255})(?::(latest|[1-9][0-9]*))?$/;

/** Cloud Run's CPU choices for a service with request concurrency above 1. */
export const CPUS = ['1', '2', '4', '6', '8'] as const;
export type Cpu = (typeof CPUS)[number];

/** A JSON object (or, with `list`, an array) from the stack's value of `key`. */
function parseJson(key: string, raw: string, shape: string, list = false): unknown {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new StageConfigError(key, `must be ${shape}, got "${raw}"`);
  }
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  if (list ? !Array.isArray(value) : !isObject) throw new StageConfigError(key, `must be ${shape}`);
  return value;
}

function checkEnvName(key: string, name: string): void {
  if (!ENV_NAME.test(name)) {
    throw new StageConfigError(
      key,
      `has "${name}", which is not an environment variable name (letters, digits, _; not starting with a digit)`,
    );
  }
  const upper = name.toUpperCase();
  if (RESERVED_NAMES.includes(upper) || RESERVED_PREFIXES.some((p) => upper.startsWith(p))) {
    throw new StageConfigError(
      key,
      `has "${name}", a name the platform or this program sets (reserved: ${RESERVED_NAMES.join(', ')}, ${RESERVED_PREFIXES.map((p) => `${p}*`).join(', ')})`,
    );
  }
}

/** `serviceEnv`: env name → plain value (strings; numbers and booleans as written). */
export function parseServiceEnv(raw: string): Readonly<Record<string, string>> {
  const value = parseJson('serviceEnv', raw, 'an object of NAME: value') as Record<string, unknown>;
  const env: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    checkEnvName('serviceEnv', name);
    if (typeof v !== 'string' && typeof v !== 'boolean' && !Number.isFinite(v)) {
      throw new StageConfigError(
        'serviceEnv',
        `has ${name} set to ${JSON.stringify(v)}; values are plain text (put secrets in serviceSecrets)`,
      );
    }
    env[name] = String(v);
  }
  if (env.LOG_LEVEL !== undefined && !(LOG_LEVELS as readonly string[]).includes(env.LOG_LEVEL)) {
    throw new StageConfigError(
      'serviceEnv',
      `has LOG_LEVEL "${env.LOG_LEVEL}"; the service takes ${LOG_LEVELS.join(', ')}`,
    );
  }
  return Object.freeze(env);
}

/** `serviceSecrets`: env name → `secretId` or `secretId:version`, in the webhook project. */
export function parseServiceSecrets(raw: string) {
  const key = 'serviceSecrets';
  const value = parseJson(key, raw, 'an object of NAME: secret-id') as Record<string, unknown>;
  return Object.freeze(
    Object.entries(value).map(([env, ref]) => {
      checkEnvName(key, env);
      if (typeof ref !== 'string') {
        throw new StageConfigError(
          key,
          `has ${env} set to ${JSON.stringify(ref)}; give a secret ID`,
        );
      }
      if (ref.startsWith('projects/')) {
        throw new StageConfigError(
          key,
          `has ${env} set to a resource name; give the secret's ID in the webhook project (e.g. orders-api-key or orders-api-key:3)`,
        );
      }
      const [, secretId, version = 'latest'] = SECRET_REF.exec(ref) ?? [];
      if (!secretId) {
        throw new StageConfigError(
          key,
          `has ${env} set to "${ref}"; expected a secret ID, optionally :version (a number or latest)`,
        );
      }
      return Object.freeze({ env, secretId, version });
    }),
  );
}

/** `runtimeRoles`: project roles for the runtime account; basic roles are refused. */
export function parseRuntimeRoles(raw: string): readonly string[] {
  const value = parseJson('runtimeRoles', raw, 'a list of roles', true) as unknown[];
  for (const role of value) {
    if (typeof role !== 'string' || !ROLE.test(role)) {
      throw new StageConfigError(
        'runtimeRoles',
        `has ${JSON.stringify(role)}, which is not a role (roles/…, projects/…/roles/… or organizations/…/roles/…)`,
      );
    }
    if (BASIC_ROLES.includes(role)) {
      throw new StageConfigError(
        'runtimeRoles',
        `has ${role}, a basic role that grants far more than a handler needs; list the predefined roles it uses (e.g. roles/datastore.user)`,
      );
    }
  }
  return Object.freeze([...new Set(value as string[])]);
}

/** Memory as MiB, from Cloud Run's `Mi`/`Gi` notation. */
export function memoryMiB(raw: string): number {
  const m = /^([1-9][0-9]*)(Mi|Gi)$/.exec(raw);
  if (!m) throw new StageConfigError('memory', `must be a size such as 512Mi or 2Gi, got "${raw}"`);
  const mib = Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
  if (mib < 128 || mib > 32 * 1024) {
    throw new StageConfigError('memory', `must be from 128Mi to 32Gi, got "${raw}"`);
  }
  return mib;
}

/** [GiB of memory, CPUs]: memory over the first needs at least the second. */
const MEMORY_NEEDS_CPUS = [
  [24, 8],
  [16, 6],
  [8, 4],
  [4, 2],
] as const;
const CPUS_NEED_GIB: Record<Cpu, number> = { '1': 0, '2': 0, '4': 2, '6': 4, '8': 4 };

/**
 * CPU and memory must fit together: more than 4, 8, 16 or 24 GiB needs at least 2, 4, 6 or 8 CPUs
 * (cloud.google.com/run/docs/configuring/services/memory-limits), and 4, 6 or 8 CPUs need at least
 * 2, 4 or 4 GiB (cloud.google.com/run/docs/configuring/services/cpu).
 */
export function checkCpuMemory(cpu: Cpu, memory: string): void {
  const gib = memoryMiB(memory) / 1024;
  const over = MEMORY_NEEDS_CPUS.find(([overGib]) => gib > overGib);
  const problem =
    over && Number(cpu) < over[1]
      ? `memory over ${over[0]}Gi needs cpu ${over[1]} or more`
      : gib < CPUS_NEED_GIB[cpu]
        ? `cpu ${cpu} needs at least ${CPUS_NEED_GIB[cpu]}Gi of memory`
        : undefined;
  if (problem) throw new StageConfigError('memory', `(${memory}) and cpu (${cpu}): ${problem}`);
}
