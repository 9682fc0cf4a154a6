import type { StageConfig } from './config';

/** The APIs the webhook project needs for the chosen target. */
export function webhookProjectApis(
  config: Pick<StageConfig, 'target' | 'header' | 'service' | 'alerts'>,
): string[] {
  const apis = ['iam.googleapis.com', 'run.googleapis.com', 'storage.googleapis.com'];
  if (config.target === 'function') {
    // Functions build the source with Cloud Build and store the image in Artifact Registry.
    apis.push(
      'cloudfunctions.googleapis.com',
      'cloudbuild.googleapis.com',
      'artifactregistry.googleapis.com',
    );
  }
  if (config.header || config.service.secrets.length > 0) apis.push('secretmanager.googleapis.com');
  // Alert policies and dashboards live in Cloud Monitoring; the log-based metric in Cloud Logging.
  if (config.alerts.enabled) apis.push('monitoring.googleapis.com', 'logging.googleapis.com');
  return apis;
}

/** The agent project needs Dialogflow, whose service agent is the webhook's caller. */
export const AGENT_PROJECT_APIS = ['dialogflow.googleapis.com'];
