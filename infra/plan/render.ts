import { COMPONENT_PURPOSES } from './purposes';
import { isSecret, type ProgramRun, type RecordedResource } from './recorder';

/** Inputs that say nothing to a reviewer: provider bookkeeping, and the asset's local path. */
const HIDDEN = new Set(['__defaults', 'source']);

/** What a reviewer reads; `--json` prints it as it is. */
export type Plan = ReturnType<typeof toPlan>;

const label = (r: Pick<RecordedResource, 'type' | 'name'>) => `${r.type} "${r.name}"`;
const lastSegment = (ref: string | undefined) => ref?.split('::')[3];
const PROVIDERS = '(providers)';

/** Flattens inputs to `a.b[0].c` paths, secrets shown as [secret]. */
function flatten(value: unknown, path: string, out: Record<string, unknown>) {
  if (isSecret(value)) {
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
  return out;
}

/** What each component is for; a component without a recorded purpose is an error to fix. */
function purposeOf(type: string): string {
  const purpose = COMPONENT_PURPOSES[type];
  if (!purpose)
    throw new Error(`no purpose recorded for component ${type} (infra/plan/purposes.ts)`);
  return purpose;
}

/** The run as a reviewable plan: custom resources sorted by type and name, with their wiring. */
export function toPlan(stack: string, run: ProgramRun) {
  const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
  const labels = (urns: readonly string[]) =>
    [...new Set(urns)]
      .map((urn) => byUrn.get(urn))
      .filter((d): d is RecordedResource => d !== undefined)
      .map(label)
      .sort();
  const ancestors = (r: RecordedResource): RecordedResource[] => {
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    return parent ? [parent, ...ancestors(parent)] : [];
  };
  const resources = run.resources
    .filter((r) => r.custom)
    .map((r) => {
      const parent = r.parent ? byUrn.get(r.parent) : undefined;
      const { deletedWith, ...options } = r.options;
      const deletedWithResource = deletedWith ? byUrn.get(deletedWith) : undefined;
      return {
        type: r.type,
        name: r.name,
        provider: lastSegment(r.provider),
        component: parent && !parent.custom ? label(parent) : undefined,
        // `deletedWith` names the resource rather than its URN.
        options: deletedWithResource
          ? { ...options, deletedWith: label(deletedWithResource) }
          : options,
        dependsOn: labels(r.dependencies),
        // What its components wait for: the SDK registers a child only after its parent, and the
        // parent only after the parent's `dependsOn`, so these hold the child back too.
        waitsThroughComponent: labels(
          ancestors(r)
            .flatMap((a) => a.dependencies)
            .filter((urn) => !r.dependencies.includes(urn)),
        ),
        inputs: flatten(r.rawInputs, '', {}),
      };
    })
    .sort((a, b) => label(a).localeCompare(label(b)));

  const counts = new Map<string, number>();
  for (const r of resources) {
    const key = r.component ?? PROVIDERS;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  // In the order the purposes list the components (the program's pipeline), then by name.
  const order = Object.keys(COMPONENT_PURPOSES);
  const summary = run.resources
    .filter((r) => !r.custom && r.type !== 'pulumi:pulumi:Stack')
    .sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type) || a.name.localeCompare(b.name))
    .map((r) => ({
      component: `${r.type.slice(r.type.lastIndexOf(':') + 1)} "${r.name}"`,
      purpose: purposeOf(r.type),
      resources: counts.get(label(r)) ?? 0,
    }));
  if (counts.has(PROVIDERS)) {
    summary.push({
      component: PROVIDERS,
      purpose: 'one gcp provider per project, so nothing falls back to an ambient default project',
      resources: counts.get(PROVIDERS) ?? 0,
    });
  }

  const invokes = run.invokes
    .map((i) => ({ ...i, provider: lastSegment(i.provider) }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { stack, summary, outputs: run.outputs, invokes, resources };
}

/** The bundle hash changes with each service edit; golden files show where it is, not its value. */
export function normalizeHashes(text: string): string {
  return text.replace(/webhook-(run|function)-[0-9a-f]{16}/g, 'webhook-$1-<content-hash>');
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function renderText(plan: Plan): string {
  const width = Math.max(...plan.summary.map((s) => s.component.length));
  const lines = [
    `# cx-webhook-kit offline plan, stack "${plan.stack}"`,
    '# The real program run under mocks (npm run plan). IDs, numbers and URLs come from the mock',
    '# model of Google Cloud, not from your projects.',
    '',
    `summary: ${plan.resources.length} resources in ${plan.summary.length} groups`,
    ...plan.summary.map(
      (s) => `  ${s.component.padEnd(width)}  ${String(s.resources).padStart(2)}  ${s.purpose}`,
    ),
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
    const options = Object.entries(r.options).map(([k, v]) =>
      v === true ? k : `${k} ${Array.isArray(v) ? v.join(', ') : String(v)}`,
    );
    if (options.length > 0) lines.push(`  options: ${options.join('; ')}`);
    lines.push(r.dependsOn.length ? '  depends on:' : '  depends on: (nothing)');
    for (const d of r.dependsOn) lines.push(`    - ${d}`);
    if (r.waitsThroughComponent.length) lines.push('  waits, through its component, for:');
    for (const d of r.waitsThroughComponent) lines.push(`    - ${d}`);
    for (const [k, v] of Object.entries(r.inputs)) lines.push(`  ${k}: ${show(v)}`);
  }
  return `${lines.join('\n')}\n`;
}
