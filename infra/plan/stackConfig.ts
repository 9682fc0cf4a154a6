import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What stands in for a `secure:` value offline: the real one needs the stack's secrets provider. */
export const OFFLINE_SECRET = 'offline-plan-secret-stand-in';

export interface StackConfig {
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
}

type YamlConfig = Record<string, unknown> | undefined;

function toConfigValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Reads a stack's config the way the Pulumi CLI hands it to the program: project-level `value`s from
 * Pulumi.yaml, then the stack file's keys. Encrypted values cannot be read offline and are replaced
 * by a stand-in that is still marked secret.
 */
export function readStackConfig(stack: string, root = join(__dirname, '..', '..')): StackConfig {
  const project = load(readFileSync(join(root, 'Pulumi.yaml'), 'utf8')) as {
    name: string;
    config?: YamlConfig;
  };
  const stackFile = load(readFileSync(join(root, `Pulumi.${stack}.yaml`), 'utf8')) as {
    config?: YamlConfig;
  } | null;
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, decl] of Object.entries(project.config ?? {})) {
    if (decl && typeof decl === 'object' && 'value' in decl) {
      const fullKey = key.includes(':') ? key : `${project.name}:${key}`;
      config[fullKey] = toConfigValue(decl.value);
    }
  }
  for (const [key, value] of Object.entries(stackFile?.config ?? {})) {
    if (value && typeof value === 'object' && 'secure' in value) {
      config[key] = OFFLINE_SECRET;
      secretKeys.push(key);
    } else {
      config[key] = toConfigValue(value);
    }
  }
  return { config, secretKeys };
}
