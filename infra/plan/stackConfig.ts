import { load } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  isSecureMarker,
  mergeStackConfig,
  readProjectConfig,
  readStackFile,
} from './pulumiConfigRules';

/** Stands in for a `secure:` value offline: the real one needs the stack's secrets provider. */
const OFFLINE_SECRET = 'offline-plan-secret-stand-in';

export interface StackConfig {
  /** `namespace:key` → value, as the language host hands config to the program. */
  readonly config: Record<string, string>;
  /** Which of those keys hold secrets. */
  readonly secretKeys: string[];
}

type YamlMap = Record<string, unknown>;

const ROOT = join(__dirname, '..', '..');
const readYaml = (path: string) => load(readFileSync(path, 'utf8')) as YamlMap | null;

/**
 * Pulumi.yaml in `root`: the project's name and its config declarations, after the CLI's checks
 * (readProjectConfig).
 */
export function readProject(root = ROOT) {
  const project = readYaml(join(root, 'Pulumi.yaml')) as { name: string; config?: YamlMap };
  return { name: project.name, declarations: readProjectConfig(project.name, project.config) };
}

/**
 * The config a stack's program receives, worked out as the Pulumi CLI does it: the stack file's
 * keys merged with Pulumi.yaml's declared defaults and values, after the CLI's own checks (missing
 * required keys, types, secrets stored encrypted), which throw here as they would stop `pulumi up`.
 * Encrypted values cannot be read offline and are replaced by a stand-in still marked secret.
 */
export function stackConfigFrom(
  stack: string,
  stackYaml: YamlMap | null,
  root = ROOT,
): StackConfig {
  const project = readProject(root);
  const merged = mergeStackConfig(
    stack,
    project.name,
    project.declarations,
    readStackFile(project.name, stackYaml?.config as YamlMap | null),
  );
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, { value, secure, object }] of merged) {
    if (secure) secretKeys.push(key);
    // In an object value, only its `secure:` parts are replaced.
    const standIn = (_k: string, v: unknown) => (isSecureMarker(v) ? OFFLINE_SECRET : v);
    if (!secure) config[key] = value;
    else config[key] = object ? JSON.stringify(JSON.parse(value, standIn)) : OFFLINE_SECRET;
  }
  return { config, secretKeys };
}

/**
 * The config of a stack file, `Pulumi.<stack>.yaml`: the one committed beside the project's
 * Pulumi.yaml in `root`, or the one in `dir`.
 */
export function readStackConfig(stack: string, root = ROOT, dir = root): StackConfig {
  return stackConfigFrom(stack, readYaml(join(dir, `Pulumi.${stack}.yaml`)), root);
}
