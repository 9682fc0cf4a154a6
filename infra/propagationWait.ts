import type * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import * as time from '@pulumiverse/time';

/**
 * How long to wait before using what was just enabled or granted. Google's own samples wait 30 s
 * after enabling the Dialogflow API and 30 s after creating its service identity (@pulumi/gcp's
 * "Dialogflow Encryption Spec Basic" example, diagflow/encryptionSpec.d.ts), and 60 s after the
 * grants a Cloud Functions build needs ("Cloudfunctions2 Basic Builder", cloudfunctionsv2/
 * function.d.ts). IAM changes usually apply within 2 minutes (cloud.google.com/iam/docs/
 * access-change-propagation), sometimes longer: a first deploy that still meets a denial then
 * completes when `pulumi up` is run again.
 */
export const WAIT_AFTER_ENABLING = '30s';
export const WAIT_AFTER_GRANTING = '60s';
/**
 * "After you create a service account, you might need to wait for 60 seconds or more before you
 * use the service account ... read operations are eventually consistent" (cloud.google.com/iam/
 * docs/service-accounts-create): a grant made at once can fail with "service account ... does not
 * exist".
 */
export const WAIT_AFTER_CREATING_ACCOUNT = '60s';

/**
 * A pause (a `time.Sleep` resource, not a busy loop) after `after` are created. It waits on create
 * only, and again whenever one of them is replaced (its ID is a trigger), so re-runs cost nothing.
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

/**
 * A just-created service account's `email`, `member` and `name`, resolved only once WAIT_AFTER_
 * CREATING_ACCOUNT has passed: whatever grants to the account, or runs as it, waits by taking them
 * (the eks `resolvedRole` idiom).
 */
export function afterAccountCreated(
  name: string,
  account: gcp.serviceaccount.Account,
  parent: pulumi.Resource,
): { email: pulumi.Output<string>; member: pulumi.Output<string>; name: pulumi.Output<string> } {
  const wait = propagationWait(name, WAIT_AFTER_CREATING_ACCOUNT, [account], parent);
  const after = <T>(value: pulumi.Output<T>) =>
    pulumi.all([value, wait.id]).apply(([resolved]) => resolved);
  return { email: after(account.email), member: after(account.member), name: after(account.name) };
}

/**
 * What users of just-made grants wait for: a pause of WAIT_AFTER_GRANTING after them, or nothing
 * when there are none.
 */
export function afterGrants(
  name: string,
  grants: pulumi.CustomResource[],
  parent: pulumi.Resource,
): pulumi.Resource[] {
  return grants.length > 0 ? [propagationWait(name, WAIT_AFTER_GRANTING, grants, parent)] : [];
}
