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

export const SIMPLE_TYPES = ['string', 'integer', 'boolean', 'array', 'object'] as const;
export type SimpleType = (typeof SIMPLE_TYPES)[number];

export interface ItemsType {
  readonly type: string;
  readonly items?: ItemsType;
}

/** One entry of Pulumi.yaml's `config:` after the CLI's shorthand rewrite. */
export interface ConfigDeclaration {
  readonly type?: string;
  readonly items?: ItemsType;
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

/** configKeyIsNamespacedByProject: a bare key, or one prefixed with the project's name. */
export function isProjectNamespaced(projectName: string, key: string): boolean {
  return !key.includes(':') || key.startsWith(`${projectName}:`);
}

/** parseConfigKey: a bare key belongs to the project's namespace. */
export function fullKey(projectName: string, key: string): string {
  return key.includes(':') ? key : `${projectName}:${key}`;
}

/** InferFullTypeName: `array<string>` and so on, as the CLI names types in its errors. */
export function typeName(type: string, items?: ItemsType): string {
  return items ? `array<${typeName(items.type, items.items)}>` : type;
}

/** strconv.Atoi on a 64-bit platform: optional sign, decimal digits, within int64. */
function atoi(text: string): boolean {
  if (!/^[+-]?\d+$/.test(text)) return false;
  const n = BigInt(text);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

/**
 * ValidateConfigValue. `value` is what Go would hold: a string for a plain stack value, or the
 * JSON-decoded value (numbers as float64) for an object value or a YAML default.
 */
export function validateConfigValue(
  type: string,
  items: ItemsType | undefined,
  value: unknown,
): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      // Whole floats pass (YAML and JSON give floats); so do strings that parse as integers.
      if (typeof value === 'number') return Number.isInteger(value);
      return typeof value === 'string' && atoi(value);
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
    case 'object':
      return isPlainObject(value);
    default:
      if (!Array.isArray(value) || !items) return false;
      return value.every((item) => validateConfigValue(items.type, items.items, item));
  }
}

function checkItems(key: string, items: unknown): void {
  if (!isPlainObject(items) || typeof items.type !== 'string') {
    throw new Error(`config.${key}.items: must be an object with a 'type'`);
  }
  if (!(SIMPLE_TYPES as readonly string[]).includes(items.type)) {
    throw new Error(`config.${key}.items.type: must be one of ${SIMPLE_TYPES.join(', ')}`);
  }
  if (items.type === 'array') {
    if (items.items === undefined) throw new Error(`config.${key}.items: an array needs 'items'`);
    checkItems(key, items.items);
  }
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
    let decl: ConfigDeclaration;
    if (
      typeof entry === 'string' ||
      typeof entry === 'number' ||
      typeof entry === 'boolean' ||
      Array.isArray(entry)
    ) {
      // Shorthand: a project key's plain value is its default; another namespace's is a value.
      decl = isProjectNamespaced(projectName, key) ? { default: entry } : { value: entry };
    } else if (isPlainObject(entry)) {
      // project.json's configTypeDeclaration: additionalProperties false.
      const allowed = ['type', 'items', 'description', 'secret', 'default', 'value'];
      const extra = Object.keys(entry).filter((k) => !allowed.includes(k));
      if (extra.length > 0) {
        throw new Error(`config.${key}: '${extra[0]}' not allowed`);
      }
      if (
        entry.type !== undefined &&
        !(SIMPLE_TYPES as readonly string[]).includes(entry.type as string)
      ) {
        throw new Error(`config.${key}.type: must be one of ${SIMPLE_TYPES.join(', ')}`);
      }
      if (entry.items !== undefined) checkItems(key, entry.items);
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
    if (isProjectNamespaced(projectName, key)) {
      if (decl.type === 'array' && decl.items === undefined) {
        throw new Error(
          `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`,
        );
      }
      if (
        decl.type !== undefined &&
        decl.default !== undefined &&
        !validateConfigValue(decl.type, decl.items, decl.default)
      ) {
        throw new Error(
          `The default value specified for configuration key '${key}' is not of the expected type '${typeName(decl.type, decl.items)}'`,
        );
      }
    } else {
      if (decl.type !== undefined) {
        throw new Error(
          `Configuration key '${key}' is not namespaced by the project and should not define a type`,
        );
      }
      if (decl.default !== undefined) {
        throw new Error(
          `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`,
        );
      }
      if (decl.value === undefined) {
        throw new Error(
          `Configuration key '${key}' is namespaced and must provide an attribute 'value'`,
        );
      }
    }
    declarations[key] = decl;
  }
  return declarations;
}

const containsSecure = (v: unknown): boolean =>
  Array.isArray(v)
    ? v.some(containsSecure)
    : isPlainObject(v)
      ? isSecureMarker(v) || Object.values(v).some(containsSecure)
      : false;
/** A stack file's `{ secure: <ciphertext> }`. */
export const isSecureMarker = (v: Record<string, unknown>) =>
  Object.keys(v).length === 1 && typeof v.secure === 'string';

/** object.MarshalString: how one YAML value in a stack file becomes a config value. */
export function toStackValue(raw: unknown): StackValue {
  if (typeof raw === 'string') return { value: raw, secure: false, object: false };
  if (typeof raw === 'number' || typeof raw === 'boolean') {
    return { value: JSON.stringify(raw), secure: false, object: false };
  }
  if (isPlainObject(raw) && isSecureMarker(raw)) {
    return { value: raw.secure as string, secure: true, object: false };
  }
  return { value: JSON.stringify(raw), secure: containsSecure(raw), object: true };
}

/** createConfigValue: how a project `default` or `value` becomes a config value. */
function fromProjectValue(raw: unknown): StackValue {
  if (typeof raw === 'string') return { value: raw, secure: false, object: false };
  if (typeof raw === 'boolean' || (typeof raw === 'number' && Number.isInteger(raw))) {
    return { value: String(raw), secure: false, object: false };
  }
  return { value: JSON.stringify(raw), secure: false, object: true };
}

/** LoadProjectStack: a stack file's bare keys are read into the project's namespace. */
export function readStackFile(
  projectName: string,
  raw: Record<string, unknown> | null | undefined,
): Map<string, StackValue> {
  const values = new Map<string, StackValue>();
  for (const [key, value] of Object.entries(raw ?? {})) {
    values.set(fullKey(projectName, key), toStackValue(value));
  }
  return values;
}

function missingKeysError(stack: string, keys: string[]): Error {
  const quoted = [...keys].sort().map((k) => `'${k}'`);
  const list =
    quoted.length === 1
      ? quoted[0]
      : `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
  return new Error(
    `Stack '${stack}' is missing configuration value${keys.length > 1 ? 's' : ''} ${list}`,
  );
}

/**
 * mergeConfig with validation on, as `pulumi up` runs it: every project-namespace key declared with
 * neither `default` nor `value` must be set in the stack; a declared `default`/`value` fills in a key
 * the stack leaves unset; then every explicitly typed key is checked for type, and for encryption
 * when declared `secret`. Keys the project does not declare pass through unchecked. Returns the
 * config the program receives.
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
    const decl = declarations[key];
    const full = fullKey(projectName, key);
    if (merged.has(full)) continue;
    const hasDefault = decl.default !== undefined;
    const hasValue = decl.value !== undefined;
    if (!hasDefault && !hasValue) {
      // Only the project's own namespace is required; `aws:region`-style keys are not.
      if (full.startsWith(`${projectName}:`)) missing.push(key);
      continue;
    }
    merged.set(full, fromProjectValue(hasDefault ? decl.default : decl.value));
  }
  if (missing.length > 0) throw missingKeysError(stack, missing);

  // validateStackConfigValues
  for (const key of keys) {
    const decl = declarations[key];
    if (decl.type === undefined) continue;
    const value = merged.get(fullKey(projectName, key));
    if (!value) continue;
    if (decl.secret && !value.secure) {
      throw new Error(
        `Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret`,
      );
    }
    // An encrypted value is type-checked after decryption, which needs the stack's secrets
    // provider; offline it cannot be, so only plain values are checked here.
    if (value.secure) continue;
    const content: unknown = value.object ? JSON.parse(value.value) : value.value;
    if (!validateConfigValue(decl.type, decl.items, content)) {
      throw new Error(
        `Stack '${stack}' with configuration key '${key}' must be of type '${typeName(decl.type, decl.items)}'`,
      );
    }
  }
  return merged;
}
