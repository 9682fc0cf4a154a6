import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from '@pulumi/policy';

// The kit's invariants, checked by the Pulumi engine at every preview and update run with
// `--policy-pack policy`, whoever edits the program. Each policy reads resource types and
// properties, never a particular resource name, so it holds for any program built on the kit.
// Each is mandatory: the pack's level (index.ts), which no policy overrides.

type Props = Record<string, unknown>;

const RUN = 'gcp:cloudrunv2/service:Service';
const RUN_V1 = 'gcp:cloudrun/service:Service';
const FUNCTION = 'gcp:cloudfunctionsv2/function:Function';
const BUCKET = 'gcp:storage/bucket:Bucket';
const SECRET = 'gcp:secretmanager/secret:Secret';
const CX_WEBHOOK = 'gcp:diagflow/cxWebhook:CxWebhook';

const isObject = (value: unknown): value is Props =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const at = (props: Props, ...path: string[]): unknown =>
  path.reduce<unknown>((value, key) => (isObject(value) ? value[key] : undefined), props);

/** A resource validation that looks only at the given types. */
function forTypes(
  types: readonly string[],
  check: (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void,
) {
  return (args: ResourceValidationArgs, report: ReportViolation) => {
    if (types.includes(args.type)) check(args.props, args, report);
  };
}

const PUBLIC_PRINCIPALS = ['allUsers', 'allAuthenticatedUsers'];
/** Canned ACLs that open a bucket or object to everyone. */
const PUBLIC_ACLS = ['publicRead', 'publicReadWrite', 'authenticatedRead'];
/** Where GCP resources name who gets access: IAM members, policy documents and ACL entities. */
const PRINCIPAL_KEYS = new Set(['member', 'members', 'entity', 'roleEntities', 'policyData']);

/** Every public principal a property tree names, wherever IAM or ACL fields hold one. */
function publicGrants(value: unknown, key = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => publicGrants(v, key));
  if (isObject(value)) {
    return Object.entries(value).flatMap(([k, v]) =>
      k === 'predefinedAcl' && typeof v === 'string' && PUBLIC_ACLS.includes(v)
        ? [`the canned ACL ${v}`]
        : publicGrants(v, k),
    );
  }
  if (typeof value !== 'string' || !PRINCIPAL_KEYS.has(key)) return [];
  if (key === 'policyData') {
    // An IAM policy document: { bindings: [{ role, members: [...] }] }.
    try {
      return publicGrants(JSON.parse(value));
    } catch {
      return PUBLIC_PRINCIPALS.filter((p) => value.includes(p));
    }
  }
  // A member is `allUsers`, an ACL entity `allUsers`, a role entity `READER:allUsers`.
  return PUBLIC_PRINCIPALS.filter((p) => value === p || value.endsWith(`:${p}`));
}

export const noPublicAccess: ResourceValidationPolicy = {
  name: 'no-public-access',
  description:
    'Nothing is granted to allUsers or allAuthenticatedUsers: no public invoker on a Cloud Run ' +
    'service or function, no public bucket, no public access anywhere else.',
  severity: 'critical',
  remediationSteps:
    'Grant the role to a named principal (the Dialogflow service agent invokes the webhook).',
  validateResource: (args, report) => {
    if (!args.type.startsWith('gcp:')) return;
    for (const grant of new Set(publicGrants(args.props))) {
      report(`${args.type} "${args.name}" grants access to ${grant}; the kit stays private.`);
    }
  },
};

export const bucketsPrivate: ResourceValidationPolicy = {
  name: 'buckets-private',
  description:
    'Every bucket, the service source bucket among them, enforces public access prevention and ' +
    'uniform bucket-level access, so no object ACL can make the source public.',
  severity: 'high',
  validateResource: forTypes([BUCKET], (props, args, report) => {
    if (props.publicAccessPrevention !== 'enforced') {
      report(`Bucket "${args.name}" must set publicAccessPrevention: "enforced".`);
    }
    if (props.uniformBucketLevelAccess !== true) {
      report(`Bucket "${args.name}" must set uniformBucketLevelAccess: true.`);
    }
  }),
};

export const cxWebhookIdToken: ResourceValidationPolicy = {
  name: 'cx-webhook-id-token',
  description:
    "The CX webhook authenticates with the Dialogflow service agent's ID token and carries no " +
    'plaintext secret: header values come from Secret Manager versions.',
  severity: 'high',
  validateResource: forTypes([CX_WEBHOOK], (props, args, report) => {
    const web =
      at(props, 'genericWebService') ?? at(props, 'serviceDirectory', 'genericWebService');
    if (!isObject(web)) {
      report(`CX webhook "${args.name}" has no genericWebService to authenticate.`);
      return;
    }
    if (web.serviceAgentAuth !== 'ID_TOKEN') {
      report(
        `CX webhook "${args.name}" must set serviceAgentAuth: "ID_TOKEN" (got ${JSON.stringify(web.serviceAgentAuth)}), ` +
          'so the service agent proves who it is to the service.',
      );
    }
    const headers = web.requestHeaders;
    if (isObject(headers) && Object.keys(headers).length > 0) {
      report(
        `CX webhook "${args.name}" sends plaintext header values (${Object.keys(headers).join(', ')}); ` +
          'they are stored in the agent as is: use secretVersionsForRequestHeaders.',
      );
    }
    if (at(web, 'oauthConfig', 'clientSecret') !== undefined) {
      report(
        `CX webhook "${args.name}" holds a plaintext OAuth client secret: use secretVersionForClientSecret.`,
      );
    }
  }),
};

/** Where each runtime type names the identity it runs as. */
const RUNTIME_ACCOUNT: Readonly<Record<string, readonly string[]>> = {
  [RUN]: ['template', 'serviceAccount'],
  [RUN_V1]: ['template', 'spec', 'serviceAccountName'],
  [FUNCTION]: ['serviceConfig', 'serviceAccountEmail'],
  'gcp:cloudfunctions/function:Function': ['serviceAccountEmail'],
};
const DEFAULT_ACCOUNT = /(-compute@developer|@appspot)\.gserviceaccount\.com$/;

export const runtimeNotDefaultAccount: ResourceValidationPolicy = {
  name: 'runtime-not-default-account',
  description:
    'The webhook runs as its own service account, never the default compute (or App Engine) ' +
    'account, which holds Editor on the project.',
  severity: 'high',
  validateResource: forTypes(Object.keys(RUNTIME_ACCOUNT), (props, args, report) => {
    const account = at(props, ...RUNTIME_ACCOUNT[args.type]);
    if (typeof account !== 'string' || account === '') {
      report(`${args.type} "${args.name}" sets no service account, so it runs as the default one.`);
    } else if (DEFAULT_ACCOUNT.test(account)) {
      report(`${args.type} "${args.name}" runs as the default account ${account}.`);
    }
  }),
};

/** A kind's own flag that guards it besides Pulumi's protect and a deletionPolicy, in words. */
interface Protection {
  readonly what?: string;
  readonly by?: (props: Props) => boolean;
}

/**
 * The kinds whose loss takes production down and which take labels, so each says its own profile:
 * the service or function, its source bucket, the header secret.
 */
const LABELLED_PROTECTION: Readonly<Record<string, Protection>> = {
  // The provider's guard (a field of its state, not of Cloud Run's API) defaults to true.
  [RUN]: { what: 'deletionProtection not false', by: (p) => p.deletionProtection !== false },
  // Gen2 functions are guarded by deletionPolicy alone, as every kind may be.
  [FUNCTION]: {},
  // A bucket that keeps its objects cannot be deleted while the live revision's source is in it.
  [BUCKET]: { what: 'forceDestroy not true', by: (p) => p.forceDestroy !== true },
  [SECRET]: { what: 'deletionProtection: true', by: (p) => p.deletionProtection === true },
};

/**
 * The kinds whose loss takes production down but which take no labels, judged with their stack:
 * deleting an agent deletes every flow built on it, and CX agents have no labels and no flag.
 */
const UNLABELLED_PROTECTED = ['gcp:diagflow/cxAgent:CxAgent'];

/** The label the program puts on what it deploys, naming the stage profile (infra/labels.ts). */
export const PROFILE_LABEL = 'cx-webhook-kit-profile';
export const PROFILES = ['dev', 'prod'] as const;
const PROD = 'prod';

/** The profile a resource's labels declare, if any. */
const profileOf = (props: Props): unknown => at(props, 'labels', PROFILE_LABEL);

/** The stack a URN belongs to: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export const stackOf = (urn: string) => urn.split('::')[0].slice('urn:pulumi:'.length);

/** Why a resource of a protected kind can be deleted, or undefined when it cannot. */
function deletable(
  rule: Protection,
  r: { type: string; name: string; props: Props; protect: boolean },
): string | undefined {
  // deletionPolicy is the provider's guard, which stops `pulumi up` or `destroy` deleting it.
  const guarded = r.props.deletionPolicy === 'PREVENT' || r.props.deletionPolicy === 'ABANDON';
  if (r.protect || guarded || rule.by?.(r.props)) return undefined;
  const fixes = ['the protect option', 'deletionPolicy: "PREVENT"', rule.what].filter(
    (f) => f !== undefined,
  );
  return `${r.type} "${r.name}" can be deleted: set ${fixes.slice(0, -1).join(', ')} or ${fixes[fixes.length - 1]}.`;
}

export const prodProtected: ResourceValidationPolicy = {
  name: 'prod-protected',
  description:
    `The service or function, its source bucket and the header secret each say their stage ` +
    `profile (label ${PROFILE_LABEL}: dev or prod); those that say prod are protected from ` +
    'deletion (Pulumi protect, deletionPolicy, or their own flag), whatever the stack is called.',
  severity: 'high',
  validateResource: forTypes(Object.keys(LABELLED_PROTECTION), (props, args, report) => {
    const profile = profileOf(props);
    if (!(PROFILES as readonly unknown[]).includes(profile)) {
      // Unlabelled, production would go unrecognised: fail closed.
      report(
        `${args.type} "${args.name}" does not say its stage profile: label it ` +
          `${PROFILE_LABEL}: dev or prod (got ${JSON.stringify(profile)}).`,
      );
      return;
    }
    const rule = LABELLED_PROTECTION[args.type];
    const problem = profile === PROD && deletable(rule, { ...args, protect: args.opts.protect });
    if (problem) report(`${problem} It is labelled ${PROFILE_LABEL}: ${PROD}.`);
  }),
};

export const prodStackProtected: StackValidationPolicy = {
  name: 'prod-stack-protected',
  description:
    'Resources that cannot carry a label (a created CX agent) are protected from deletion in a ' +
    `stack whose labelled resources say ${PROFILE_LABEL}: ${PROD}.`,
  severity: 'high',
  validateStack: (args, report) => {
    if (!args.resources.some((r) => profileOf(r.props) === PROD)) return;
    for (const r of args.resources.filter((x) => UNLABELLED_PROTECTED.includes(x.type))) {
      const problem = deletable({}, { ...r, protect: r.opts.protect });
      if (problem) {
        report(`${problem} Its stack (${stackOf(r.urn)}) deploys the prod profile.`, r.urn);
      }
    }
  },
};

/**
 * Why the container that receives requests (the only one, or the one that declares its port) does
 * not verify its callers itself, by WEBHOOK_AUTH as the service reads it (service/config.ts).
 */
function unverifiedCallers(type: string, props: Props): string | undefined {
  const listed = at(props, 'template', ...(type === RUN ? [] : ['spec']), 'containers');
  const containers = (Array.isArray(listed) ? listed : []).filter(isObject);
  const ingress = containers.length === 1 ? containers : containers.filter((c) => c.ports);
  if (ingress.length !== 1) return 'has no container that receives requests';
  const envs = Array.isArray(ingress[0].envs) ? ingress[0].envs : [];
  const entry = envs.find((e): e is Props => isObject(e) && e.name === 'WEBHOOK_AUTH');
  if (!entry) return 'sets no WEBHOOK_AUTH';
  if (typeof entry.value !== 'string') {
    return 'sets WEBHOOK_AUTH from a source the pack cannot read';
  }
  const auth = entry.value.split(',').map((s) => s.trim());
  const set = `sets WEBHOOK_AUTH=${auth.filter((s) => s !== '').join(',')}`;
  if (!auth.includes('id-token')) return `${set}, without id-token`;
  if (auth.some((s) => s === 'platform' || s === 'none')) {
    return `${set}, which trusts callers without verifying them`;
  }
  return undefined;
}

export const invokerCheckOffVerifiesTokens: ResourceValidationPolicy = {
  name: 'invoker-check-off-verifies-tokens',
  description:
    "A Cloud Run service with the IAM invoker check off is public at the network's edge, so its " +
    'container must verify ID tokens itself: WEBHOOK_AUTH includes id-token, and neither platform ' +
    '(which trusts the check that is off) nor none.',
  severity: 'critical',
  remediationSteps:
    'Keep the invoker check on (auth: platform or header), or deploy with auth: id-token.',
  validateResource: forTypes([RUN, RUN_V1], (props, args, report) => {
    const off =
      args.type === RUN
        ? props.invokerIamDisabled === true
        : String(
            at(props, 'metadata', 'annotations', 'run.googleapis.com/invoker-iam-disabled'),
          ) === 'true';
    const problem = off && unverifiedCallers(args.type, props);
    if (problem) {
      report(
        `${args.type} "${args.name}" turns the IAM invoker check off and ${problem}: anyone on ` +
          'the internet could call it.',
      );
    }
  }),
};

/** Whether `resource` waits, directly or through others, for one that satisfies `target`. */
function waitsFor(resource: PolicyResource, target: (r: PolicyResource) => boolean): boolean {
  const seen = new Set<string>();
  const queue = [...resource.dependencies];
  for (let next = queue.shift(); next; next = queue.shift()) {
    if (seen.has(next.urn)) continue;
    seen.add(next.urn);
    if (target(next)) return true;
    queue.push(...next.dependencies);
  }
  return false;
}

export const cxWebhookAfterInvokerGrant: StackValidationPolicy = {
  name: 'cx-webhook-after-invoker-grant',
  description:
    'The CX webhook is created only after roles/run.invoker is granted on the service, so ' +
    'Dialogflow is never pointed at a service that refuses it.',
  severity: 'medium',
  validateStack: (args, report) => {
    const isInvokerGrant = (r: PolicyResource) =>
      r.type === 'gcp:cloudrunv2/serviceIamMember:ServiceIamMember' &&
      r.props.role === 'roles/run.invoker';
    for (const webhook of args.resources.filter((r) => r.type === CX_WEBHOOK)) {
      if (!waitsFor(webhook, isInvokerGrant)) {
        report(
          `CX webhook "${webhook.name}" does not wait for a roles/run.invoker grant on the service.`,
          webhook.urn,
        );
      }
    }
  },
};

export const previewFeaturesDeclared: ResourceValidationPolicy = {
  name: 'preview-features-declared',
  description:
    'A Cloud Run service that runs its source without a build (sourceCode, a Preview feature the ' +
    'provider marks Beta) declares launchStage BETA, which Cloud Run requires for Preview features.',
  severity: 'medium',
  validateResource: forTypes([RUN], (props, args, report) => {
    const containers = at(props, 'template', 'containers');
    const fromSource =
      Array.isArray(containers) && containers.some((c) => isObject(c) && c.sourceCode);
    // ALPHA and BETA are the launch stages that admit Preview features (provider's launchStage).
    if (fromSource && !['ALPHA', 'BETA'].includes(String(props.launchStage))) {
      report(
        `${args.type} "${args.name}" uses sourceCode but declares launchStage ` +
          `${JSON.stringify(props.launchStage)}: set launchStage: "BETA".`,
      );
    }
  }),
};

/** Every policy in the pack. */
export const POLICIES = [
  noPublicAccess,
  bucketsPrivate,
  cxWebhookIdToken,
  runtimeNotDefaultAccount,
  prodProtected,
  prodStackProtected,
  invokerCheckOffVerifiesTokens,
  cxWebhookAfterInvokerGrant,
  previewFeaturesDeclared,
] as const;
