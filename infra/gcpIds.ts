// Google Cloud identifiers both Pulumi projects (the program and the bootstrap) take from config,
// with the rule each follows as the error messages state it.

/** A project ID: 6–30 lowercase letters, digits and hyphens, starting with a letter. */
export const PROJECT_ID = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
export const PROJECT_ID_RULE =
  'a Google Cloud project ID (6–30 lowercase letters, digits, hyphens)';

/** A region such as us-central1 or europe-west4. */
export const REGION = /^[a-z]+-[a-z]+[0-9]+$/;
export const REGION_RULE = 'a region such as us-central1';

/** A predefined or custom role name (a project's or an organization's). */
export const ROLE =
  /^(roles\/[A-Za-z0-9_.]+|projects\/[a-z][a-z0-9-]{4,28}[a-z0-9]\/roles\/[A-Za-z0-9_.]+|organizations\/[0-9]+\/roles\/[A-Za-z0-9_.]+)$/;
/**
 * Basic roles, which Google advises against for workloads
 * (cloud.google.com/iam/docs/roles-overview#basic).
 */
export const BASIC_ROLES = ['roles/owner', 'roles/editor', 'roles/viewer'];
