import type * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import * as time from '@pulumiverse/time';

// How long to wait before using what was just enabled, created or granted. Google's samples wait
// 30 s after enabling the Dialogflow API and after creating its service identity (@pulumi/gcp's
// "Dialogflow Encryption Spec Basic" example, diagflow/encryptionSpec.d.ts), and 60 s after the
// grants a Cloud Functions build needs ("Cloudfunctions2 Basic Builder", cloudfunctionsv2/
// function.d.ts). "After you create a service account, you might need to wait for 60 seconds or
// more before you use the service account" (cloud.google.com/iam/docs/service-accounts-create).
// IAM changes usually apply within 2 minutes (cloud.google.com/iam/docs/access-change-propagation),
// sometimes longer: a first deploy that still meets a denial completes when `pulumi up` runs again.
export const WAIT_AFTER_ENABLING = '30s';
export const WAIT_AFTER_GRANTING = '60s';
export const WAIT_AFTER_CREATING_ACCOUNT = '60s';

/**
 * A pause (a `time.Sleep` resource) after `after` are created. It waits on create only, and again
 * whenever one of them is replaced (its IDs are a trigger), so re-runs cost nothing.
 */
export function propagationWait(
  name: string,
  duration: string,
  after: pulumi.CustomResource[],
  parent?: pulumi.Resource,
): time.Sleep {
  return new time.Sleep(
    name,
    {
      createDuration: duration,
      triggers: { after: pulumi.all(after.map((r) => r.id)).apply((ids) => ids.join(',')) },
    },
    { parent, dependsOn: after },
  );
}

/** A pause of WAIT_AFTER_GRANTING after `grants`, if any, as `${parent name}-propagation`. */
export function afterGrants(
  name: string,
  grants: pulumi.CustomResource[],
  parent: pulumi.Resource,
) {
  if (grants.length > 0)
    propagationWait(`${name}-propagation`, WAIT_AFTER_GRANTING, grants, parent);
}

/**
 * A just-created account's `email`, `member` and `name`, resolved only once WAIT_AFTER_CREATING_
 * ACCOUNT has passed: what grants to it or runs as it waits by taking them (eks `resolvedRole`).
 */
export function afterAccountCreated(
  name: string,
  account: gcp.serviceaccount.Account,
  parent: pulumi.Resource,
) {
  const wait = propagationWait(name, WAIT_AFTER_CREATING_ACCOUNT, [account], parent);
  const after = (value: pulumi.Output<string>) =>
    pulumi.all([value, wait.id]).apply(([resolved]) => resolved);
  return { email: after(account.email), member: after(account.member), name: after(account.name) };
}
