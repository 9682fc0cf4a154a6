import type * as pulumi from '@pulumi/pulumi';
import { join } from 'node:path';
import { FakeGcp, type FakeGcpOptions } from './fakeGcp';

// Runs the real Pulumi program offline under mocks and records what it asks the engine for: every
// resource with its inputs, provider, parent and dependencies, and every invoke. Tests assert on the
// record; `npm run plan` prints it.

// How Pulumi marks a secret on the wire: { [SIG_KEY]: SECRET_SIG, value }.
import {
  specialSecretSig as SECRET_SIG,
  specialSigKey as SIG_KEY,
} from '@pulumi/pulumi/runtime/rpc';

export interface RecordedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly parent?: string;
  /** The provider reference, `urn::id`. */
  readonly provider?: string;
  /** Inputs with secrets unwrapped. */
  readonly inputs: Record<string, unknown>;
  /** Inputs as sent, secrets still wrapped in Pulumi's secret marker. */
  readonly rawInputs: Record<string, unknown>;
  /** URNs of the resources this one waits for (explicit dependsOn and the inputs' sources). */
  readonly dependencies: readonly string[];
  /** The resource options the engine acts on at update and destroy time, where set. */
  readonly options: ResourceOptionsRecord;
}

/** The options of a RegisterResource request that change what `pulumi up`/`destroy` may do. */
export interface ResourceOptionsRecord {
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  ignoreChanges?: string[];
  replaceOnChanges?: string[];
  /** The URN of the resource whose deletion this one goes with. */
  deletedWith?: string;
  /** The ID of an existing resource the engine imports instead of creating one. */
  import?: string;
}

export interface RecordedInvoke {
  readonly token: string;
  readonly args: Record<string, unknown>;
  readonly provider?: string;
}

export interface ProgramRun {
  readonly resources: RecordedResource[];
  readonly invokes: RecordedInvoke[];
  readonly outputs: Record<string, unknown>;
}

export interface RunOptions {
  readonly stack: string;
  /** Config as the engine passes it: `cx-webhook-kit:key` → value. */
  readonly config: Record<string, string>;
  /** Which config keys are secrets. */
  readonly secretKeys?: readonly string[];
  readonly fakeGcp?: FakeGcpOptions;
  /** The program's entry module. */
  readonly program?: string;
}

/** Turns Pulumi's wire form into plain values, keeping secrets as the marker or unwrapping them. */
function decode(value: unknown, unwrapSecrets: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => decode(v, unwrapSecrets));
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) {
      return unwrapSecrets
        ? decode(obj.value, true)
        : { [SIG_KEY]: SECRET_SIG, value: decode(obj.value, false) };
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, decode(v, unwrapSecrets)]));
  }
  return value;
}

/** Whether `value` appears anywhere in `tree` outside a secret marker. */
export function appearsInPlaintext(tree: unknown, value: string): boolean {
  if (typeof tree === 'string') return tree.includes(value);
  if (Array.isArray(tree)) return tree.some((t) => appearsInPlaintext(t, value));
  if (tree && typeof tree === 'object') {
    const obj = tree as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return false;
    return Object.values(obj).some((v) => appearsInPlaintext(v, value));
  }
  return false;
}

/* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any */
/** Reads the options from a RegisterResourceRequest (proto/resource_pb.js getters). */
function readOptions(req: any): ResourceOptionsRecord {
  const options: ResourceOptionsRecord = {};
  if (req.hasProtect() && req.getProtect()) options.protect = true;
  if (req.hasRetainondelete() && req.getRetainondelete()) options.retainOnDelete = true;
  if (req.getDeletebeforereplacedefined() && req.getDeletebeforereplace()) {
    options.deleteBeforeReplace = true;
  }
  const ignoreChanges: string[] = req.getIgnorechangesList();
  if (ignoreChanges.length > 0) options.ignoreChanges = ignoreChanges;
  const replaceOnChanges: string[] = req.getReplaceonchangesList();
  if (replaceOnChanges.length > 0) options.replaceOnChanges = replaceOnChanges;
  if (req.getDeletedwith()) options.deletedWith = req.getDeletedwith();
  if (req.getImportid()) options.import = req.getImportid();
  return options;
}
/* eslint-enable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any */

/**
 * Runs the program once. Loads @pulumi/pulumi afresh from the caller's module registry, so tests
 * wrap it in `jest.isolateModulesAsync`; a CLI calls it once per process.
 */
export async function runProgram(options: RunOptions): Promise<ProgramRun> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pulumiSdk = require('@pulumi/pulumi') as typeof pulumi;

  const resources: RecordedResource[] = [];
  const invokes: RecordedInvoke[] = [];
  let pending = 0;

  pulumiSdk.runtime.setAllConfig(options.config, [...(options.secretKeys ?? [])]);
  // setMocks installs the mock monitor with the engine features mocks support (secrets among
  // them); the monitor's two entry points are then wrapped to record what passes through.
  await pulumiSdk.runtime.setMocks(
    new FakeGcp(options.fakeGcp),
    'cx-webhook-kit',
    options.stack,
    false,
  );
  /* eslint-disable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return */
  const monitor = pulumiSdk.runtime.getMonitor() as any;
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: any, res: any) => void) => {
    pending++;
    const raw = req.getObject()?.toJavaScript() ?? {};
    return registerResource(req, (err: any, res: any) => {
      if (!err) {
        resources.push({
          urn: res.getUrn(),
          type: req.getType(),
          name: req.getName(),
          custom: req.getCustom(),
          parent: req.getParent() || undefined,
          provider: req.getProvider() || undefined,
          inputs: decode(raw, true) as Record<string, unknown>,
          rawInputs: decode(raw, false) as Record<string, unknown>,
          dependencies: req.getDependenciesList(),
          options: readOptions(req),
        });
      }
      pending--;
      callback(err, res);
    });
  };
  const invoke = monitor.invoke.bind(monitor);
  monitor.invoke = (req: any, callback: (err: any, res: any) => void) => {
    invokes.push({
      token: req.getTok(),
      args: req.getArgs()?.toJavaScript() ?? {},
      provider: req.getProvider() || undefined,
    });
    return invoke(req, callback);
  };
  /* eslint-enable @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return */

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require(options.program ?? join(__dirname, '..', 'index')) as Record<
    string,
    unknown
  >;
  const outputs = await new Promise<Record<string, unknown>>((resolve) => {
    pulumiSdk.all(exported).apply((values) => resolve(values as Record<string, unknown>));
  });
  // An output exported as undefined is not a stack output at all.
  for (const [key, value] of Object.entries(outputs)) if (value === undefined) delete outputs[key];
  // Registrations run asynchronously; wait until none is in flight and the count stops moving.
  for (let settled = 0; settled < 5;) {
    const before = resources.length;
    await new Promise((r) => setTimeout(r, 10));
    settled = pending === 0 && resources.length === before ? settled + 1 : 0;
  }
  return { resources, invokes, outputs };
}
