import {
  specialSecretSig as SECRET_SIG,
  specialSigKey as SIG_KEY,
} from '@pulumi/pulumi/runtime/rpc';
import type { ProgramRun, RecordedResource, ResourceOptionsRecord } from './recorder';

/** Inputs that say nothing to a reviewer: provider bookkeeping, and the asset's local path. */
const HIDDEN = new Set(['__defaults', 'source']);

/** Options as a reviewer reads them; `deletedWith` names the resource rather than its URN. */
export type PlannedOptions = Omit<ResourceOptionsRecord, 'deletedWith'> & { deletedWith?: string };

export interface PlannedResource {
  type: string;
  name: string;
  provider?: string;
  component?: string;
  options: PlannedOptions;
  dependsOn: string[];
  inputs: Record<string, unknown>;
}

export interface Plan {
  stack: string;
  outputs: Record<string, unknown>;
  invokes: { token: string; args: Record<string, unknown>; provider?: string }[];
  resources: PlannedResource[];
}

const label = (r: Pick<RecordedResource, 'type' | 'name'>) => `${r.type} "${r.name}"`;
const lastSegment = (ref: string | undefined) => ref?.split('::')[3];

/** Flattens inputs to `a.b[0].c` paths, secrets shown as [secret]. */
function flatten(value: unknown, path: string, out: Record<string, unknown>): void {
  if (
    value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  ) {
    out[path] = '[secret]';
  } else if (Array.isArray(value)) {
    if (value.length === 0) out[path] = [];
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, out));
  } else if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([k]) => !(path === '' && HIDDEN.has(k)));
    if (entries.length === 0) out[path] = {};
    for (const [k, v] of entries) flatten(v, path ? `${path}.${k}` : k, out);
  } else {
    out[path] = value;
  }
}

/** The run as a reviewable plan: custom resources sorted by type and name, with their wiring. */
export function toPlan(stack: string, run: ProgramRun): Plan {
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const resources = run.resources
    .filter((r) => r.custom)
    .map((r) => {
      const inputs: Record<string, unknown> = {};
      flatten(r.rawInputs, '', inputs);
      const parent = r.parent ? byUrn.get(r.parent) : undefined;
      const { deletedWith, ...options } = r.options;
      const deletedWithResource = deletedWith ? byUrn.get(deletedWith) : undefined;
      return {
        type: r.type,
        name: r.name,
        provider: lastSegment(r.provider),
        component: parent && !parent.custom ? label(parent) : undefined,
        options: deletedWithResource
          ? { ...options, deletedWith: label(deletedWithResource) }
          : options,
        dependsOn: r.dependencies
          .map((urn) => byUrn.get(urn))
          .filter((d): d is RecordedResource => d !== undefined)
          .map(label)
          .sort(),
        inputs,
      };
    })
    .sort((a, b) => label(a).localeCompare(label(b)));

  const invokes = run.invokes
    .map((i) => ({ token: i.token, args: i.args, provider: lastSegment(i.provider) }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { stack, outputs: run.outputs, invokes, resources };
}

/** The bundle hash changes with every service edit; golden files show where it goes, not its value. */
export function normalizeHashes(text: string): string {
  return text.replace(/webhook-(run|function)-[0-9a-f]{16}/g, 'webhook-$1-<content-hash>');
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function showOptions(options: PlannedOptions): string | undefined {
  const parts = Object.entries(options).map(([k, v]) =>
    v === true ? k : `${k} ${Array.isArray(v) ? v.join(', ') : String(v)}`,
  );
  return parts.length > 0 ? parts.join('; ') : undefined;
}

export function renderText(plan: Plan): string {
  const lines = [
    `# cx-webhook-kit offline plan, stack "${plan.stack}"`,
    '# The real program run under mocks (npm run plan). IDs, numbers and URLs come from the mock',
    '# model of Google Cloud, not from your projects.',
    '',
    'outputs:',
    ...Object.entries(plan.outputs).map(([k, v]) => `  ${k}: ${show(v)}`),
    '',
    'look-ups:',
    ...plan.invokes.map(
      (i) => `  ${i.token} ${JSON.stringify(i.args)} via provider ${i.provider ?? '(default)'}`,
    ),
  ];
  for (const r of plan.resources) {
    lines.push('', label(r));
    if (r.provider) lines.push(`  provider: ${r.provider}`);
    if (r.component) lines.push(`  in: ${r.component}`);
    const options = showOptions(r.options);
    if (options) lines.push(`  options: ${options}`);
    lines.push(r.dependsOn.length ? '  depends on:' : '  depends on: (nothing)');
    for (const d of r.dependsOn) lines.push(`    - ${d}`);
    for (const [k, v] of Object.entries(r.inputs)) lines.push(`  ${k}: ${show(v)}`);
  }
  return `${lines.join('\n')}\n`;
}
