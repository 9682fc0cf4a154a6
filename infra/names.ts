// Resource names derived from the stage, within each service's naming rules.

/** Lowercase letters, digits and single hyphens, starting with a letter. */
export function slug(value: string, maxLength: number): string {
  const cleaned = value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
  return cleaned || 'x';
}

/** Cloud Run service (and Cloud Function) name: at most 49 characters. */
export const serviceName = (stage: string) => slug(`cx-webhook-${stage}`, 49);

/** Service account ID: 6 to 30 characters. */
export const accountId = (stage: string) => slug(`cx-webhook-${stage}`, 30);

/** Bucket names are global: the project ID keeps ours apart from everyone else's. */
export const sourceBucketName = (project: string, stage: string) =>
  slug(`${project}-${serviceName(stage)}-src`, 63);

/**
 * The Cloud Run URL that depends only on name, project number and region (cloud.google.com/run/
 * docs/triggering/https-request, deterministic URL); a gen2 function's service has one too.
 */
export const deterministicRunUrl = (name: string, projectNumber: string, region: string) =>
  `https://${name}-${projectNumber}.${region}.run.app`;

/**
 * The build service account of a function: a prefix the runtime account's IDs never start with, so
 * two stacks in one project cannot collide however their names are cut.
 */
export const buildAccountId = (stage: string) => slug(`cxwh-build-${stage}`, 30);

/** Cloud Run's service agent in a project (cloud.google.com/iam/docs/service-agents). */
export const cloudRunServiceAgent = (projectNumber: string) =>
  `service-${projectNumber}@serverless-robot-prod.iam.gserviceaccount.com`;

/** Dialogflow's service agent in a project (cloud.google.com/iam/docs/service-agents). */
export const dialogflowServiceAgent = (projectNumber: string) =>
  `service-${projectNumber}@gcp-sa-dialogflow.iam.gserviceaccount.com`;
