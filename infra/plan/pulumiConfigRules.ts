// The Pulumi CLI's own rules for project and stack config, applied before any program runs. Read
// from pulumi/pulumi at v3.248.0 (moved later, unchanged, to pkg/workspace/config.go):
// - sdk/go/common/workspace/config.go: mergeConfig, validateStackConfigValues,
//   validateStackConfigValue, parseConfigKey, createConfigValue;
// - sdk/go/common/workspace/project.go: Project.Validate, ValidateConfigValue,
//   RewriteShorthandConfigValues, configKeyIsNamespacedByProject;
// - sdk/go/common/workspace/project.json: the config declaration schema;
// - sdk/go/common/resource/config/object.go: how a stack file's YAML value becomes a config value;
// - their tests in sdk/go/common/workspace/project_test.go, mirrored in
//   test/infra/plan/pulumiConfigRules.test.ts.
// Pure functions: no file access, so a test can feed them any project and stack.

const SIMPLE_TYPES = ['string', 'integer', 'boolean', 'array', 'object'];
/** project.json's configTypeDeclaration: additionalProperties false. */
const DECLARATION_FIELDS = ['type', 'items', 'description', 'secret', 'default', 'value'];

interface ItemsType {
  readonly type: string;
  readonly items?: ItemsType;
}

/** One entry of Pulumi.yaml's `config:` after the CLI's shorthand rewrite. */
interface ConfigDeclaration extends Partial<ItemsType> {
  readonly description?: string;
  readonly secret?: boolean;
  readonly default?: unknown;
  readonly value?: unknown;
}

/** A stack value as the CLI holds it (config.Value): text, and whether it is encrypted or JSON. */
export interface StackValue {
  readonly value: string;
  readonly secure: boolean;
  readonly object: boolean;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A stack file's `{ secure: <ciphertext> }`. */
export const isSecureMarker = (v: unknown) =>
  isPlainObject(v) && Object.keys(v).length === 1 && typeof v.secure === 'string';

const containsSecure = (v: unknown): boolean =>
  isSecureMarker(v) ||
  (typeof v === 'object' && v !== null && Object.values(v).some(containsSecure));

/** configKeyIsNamespacedByProject: a bare key, or one prefixed with the project's name. */
const isProjectNamespaced = (projectName: string, key: string) =>
  !key.includes(':') || key.startsWith(`${projectName}:`);

/** parseConfigKey: a bare key belongs to the project's namespace. */
const fullKey = (projectName: string, key: string) =>
  key.includes(':') ? key : `${projectName}:${key}`;

/** InferFullTypeName: `array<string>` and so on, as the CLI names types in its errors. */
const typeName = (type: string, items?: ItemsType): string =>
  items ? `array<${typeName(items.type, items.items)}>` : type;

/**
 * ValidateConfigValue. `value` is what Go would hold: a string for a plain stack value, or the
 * JSON-decoded value (numbers as float64) for an object value or a YAML default.
 */
export function validateConfigValue(type: string, items: ItemsType | undefined, value: unknown) {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      // Whole floats pass (YAML and JSON give floats); so do strings strconv.Atoi takes (int64).
      if (typeof value === 'number') return Number.isInteger(value);
      return (
        typeof value === 'string' &&
        /^[+-]?\d+$/.test(value) &&
        BigInt.asIntN(64, BigInt(value)) === BigInt(value)
      );
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
    case 'object':
      return isPlainObject(value);
    default:
      return (
        Array.isArray(value) &&
        items !== undefined &&
        value.every((item): boolean => validateConfigValue(items.type, items.items, item))
      );
  }
}

/** project.json: a declaration's `type`, and its `items` down to a simple type. */
function checkType(at: string, type: unknown, items: unknown): void {
  if (type !== undefined && !SIMPLE_TYPES.includes(type as string)) {
    throw new Error(`${at}.type: must be one of ${SIMPLE_TYPES.join(', ')}`);
  }
  if (items === undefined) return;
  if (!isPlainObject(items) || typeof items.type !== 'string') {
    throw new Error(`${at}.items: must be an object with a 'type'`);
  }
  if (items.type === 'array' && items.items === undefined) {
    throw new Error(`${at}.items: an array needs 'items'`);
  }
  checkType(`${at}.items`, items.type, items.items);
}

/**
 * Reads Pulumi.yaml's `config:` the way LoadProjectBytes does: schema check (project.json),
 * shorthand rewrite (RewriteShorthandConfigValues), then Project.Validate. Throws what the CLI
 * refuses; returns the declarations keyed as written.
 */
export function readProjectConfig(
  projectName: string,
  raw: Record<string, unknown> | undefined,
): Record<string, ConfigDeclaration> {
  const declarations: Record<string, ConfigDeclaration> = {};
  for (const [key, entry] of Object.entries(raw ?? {})) {
    const ours = isProjectNamespaced(projectName, key);
    let decl: ConfigDeclaration;
    if (['string', 'number', 'boolean'].includes(typeof entry) || Array.isArray(entry)) {
      // Shorthand: a project key's plain value is its default; another namespace's is a value.
      decl = ours ? { default: entry } : { value: entry };
    } else if (isPlainObject(entry)) {
      const extra = Object.keys(entry).find((k) => !DECLARATION_FIELDS.includes(k));
      if (extra) throw new Error(`config.${key}: '${extra}' not allowed`);
      checkType(`config.${key}`, entry.type, entry.items);
      if (entry.secret !== undefined && typeof entry.secret !== 'boolean') {
        throw new Error(`config.${key}.secret: must be a boolean`);
      }
      if (entry.description !== undefined && typeof entry.description !== 'string') {
        throw new Error(`config.${key}.description: must be a string`);
      }
      decl = entry;
    } else {
      throw new Error(`config.${key}: must be a value or a declaration`);
    }

    // Project.Validate
    if (decl.default !== undefined && decl.value !== undefined) {
      throw new Error(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
    }
    if (ours && decl.type === 'array' && decl.items === undefined) {
      throw new Error(
        `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`,
      );
    }
    if (
      ours &&
      decl.type !== undefined &&
      decl.default !== undefined &&
      !validateConfigValue(decl.type, decl.items, decl.default)
    ) {
      throw new Error(
        `The default value specified for configuration key '${key}' is not of the expected type '${typeName(decl.type, decl.items)}'`,
      );
    }
    const notOurs = `Configuration key '${key}' is not namespaced by the project and should not`;
    if (!ours && decl.type !== undefined) throw new Error(`${notOurs} define a type`);
    if (!ours && decl.default !== undefined) {
      throw new Error(
        `${notOurs} define a default value. Did you mean to use the 'value' attribute instead of 'default'?`,
      );
    }
    if (!ours && decl.value === undefined) {
      throw new Error(
        `Configuration key '${key}' is namespaced and must provide an attribute 'value'`,
      );
    }
    declarations[key] = decl;
  }
  return declarations;
}

/** object.MarshalString: how one YAML value in a stack file becomes a config value. */
export function toStackValue(raw: unknown): StackValue {
  if (typeof raw === 'string') return { value: raw, secure: false, object: false };
  if (typeof raw === 'number' || typeof raw === 'boolean') {
    return { value: JSON.stringify(raw), secure: false, object: false };
  }
  if (isSecureMarker(raw))
    return { value: (raw as { secure: string }).secure, secure: true, object: false };
  return { value: JSON.stringify(raw), secure: containsSecure(raw), object: true };
}

/** createConfigValue: how a project `default` or `value` becomes a config value. */
function fromProjectValue(raw: unknown): StackValue {
  if (typeof raw === 'string' || typeof raw === 'boolean' || Number.isInteger(raw)) {
    return { value: String(raw), secure: false, object: false };
  }
  return { value: JSON.stringify(raw), secure: false, object: true };
}

/** LoadProjectStack: a stack file's bare keys are read into the project's namespace. */
export function readStackFile(
  projectName: string,
  raw: Record<string, unknown> | null | undefined,
): Map<string, StackValue> {
  return new Map(
    Object.entries(raw ?? {}).map(([key, value]) => [
      fullKey(projectName, key),
      toStackValue(value),
    ]),
  );
}

/**
 * mergeConfig with validation on, as `pulumi up` runs it: every project-namespace key declared with
 * neither `default` nor `value` must be set in the stack; a declared `default`/`value` fills in a
 * key the stack leaves unset; then every explicitly typed key is checked for type, and for
 * encryption when declared `secret`. Keys the project does not declare pass through unchecked.
 * Returns the config the program receives.
 */
export function mergeStackConfig(
  stack: string,
  projectName: string,
  declarations: Record<string, ConfigDeclaration>,
  stackValues: Map<string, StackValue>,
): Map<string, StackValue> {
  const merged = new Map(stackValues);
  const keys = Object.keys(declarations).sort();
  const missing: string[] = [];
  for (const key of keys) {
    const { default: fallback, value } = declarations[key];
    const full = fullKey(projectName, key);
    if (merged.has(full)) continue;
    if (fallback !== undefined || value !== undefined) {
      merged.set(full, fromProjectValue(fallback ?? value));
    } else if (full.startsWith(`${projectName}:`)) {
      // Only the project's own namespace is required; `aws:region`-style keys are not.
      missing.push(`'${key}'`);
    }
  }
  if (missing.length > 0) {
    // Listed as the CLI lists them: 'a', 'b' and 'c'.
    const list = new Intl.ListFormat('en-GB').format(missing);
    throw new Error(
      `Stack '${stack}' is missing configuration value${missing.length > 1 ? 's' : ''} ${list}`,
    );
  }

  // validateStackConfigValues
  for (const key of keys) {
    const { type, items, secret } = declarations[key];
    const value = merged.get(fullKey(projectName, key));
    if (type === undefined || !value) continue;
    if (secret && !value.secure) {
      throw new Error(
        `Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`,
      );
    }
    // An encrypted value is type-checked after decryption, which needs the stack's secrets
    // provider; offline it cannot be, so only plain values are checked here.
    if (value.secure) continue;
    if (!validateConfigValue(type, items, value.object ? JSON.parse(value.value) : value.value)) {
      throw new Error(
        `Stack '${stack}' with configuration key '${key}' must be of type '${typeName(type, items)}'`,
      );
    }
  }
  return merged;
}
