import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { Target } from '../config';
import { serviceName } from '../names';

/**
 * The Node.js runtime the service deploys on, and the major the tests run on: the newest LTS that
 * is GA both as a Cloud Run base image (`google-24-full/nodejs24`,
 * cloud.google.com/run/docs/configuring/services/runtime-base-images) and as a Cloud Run functions
 * runtime (cloud.google.com/run/docs/runtimes/function-runtimes: nodejs24 supported until
 * 2028-04-30; nodejs26 is Preview there).
 */
export const NODE_RUNTIME = 'nodejs24';

export interface SecretEnvRef {
  /** The environment variable. */
  readonly name: string;
  /** The secret's ID in the service's project. */
  readonly secretId: pulumi.Input<string>;
  /** A version number or `latest`. */
  readonly version: pulumi.Input<string>;
}

export interface WebhookServiceArgs {
  readonly project: pulumi.Input<string>;
  readonly region: string;
  readonly stage: string;
  readonly target: Target;
  /** The uploaded bundle. */
  readonly source: {
    bucket: pulumi.Input<string>;
    object: pulumi.Input<string>;
    generation: pulumi.Input<string>;
  };
  readonly runtimeEmail: pulumi.Input<string>;
  /** For `function`: the build account, `projects/…/serviceAccounts/…`. */
  readonly buildServiceAccount?: pulumi.Input<string>;
  /** Plain environment (see webhookEnv.ts). */
  readonly env: Record<string, pulumi.Input<string>>;
  /** Environment read from Secret Manager when an instance starts. */
  readonly secretEnv: readonly SecretEnvRef[];
  /** Who may invoke: the Dialogflow service agent's member. */
  readonly invokerMember: pulumi.Input<string>;
  /** Keep Cloud Run's IAM invoker check on (off only where the service verifies tokens itself). */
  readonly invokerCheck: boolean;
  /**
   * The URL Dialogflow is pointed at, known before the service exists (it depends only on names,
   * the project and its number), so the service can take it as its token audience.
   */
  readonly url: pulumi.Input<string>;
  readonly minInstances: number;
  readonly maxInstances: number;
  /**
   * Pulumi's `protect` on the service or function, plus the provider's own guard: Cloud Run's
   * `deletionProtection` and a function's `deletionPolicy: PREVENT`. Both guards live in the
   * provider's state, not in Google's API, so they stop `pulumi up`/`destroy`, not the console.
   */
  readonly deletionProtection: boolean;
  readonly webhookTimeoutSeconds: number;
  readonly memory: string;
  readonly cpu: string;
  readonly concurrency: number;
  /** Labels for the service or function (the stage profile among them). */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Cloud Run runs the bundle straight from Cloud Storage (`sourceCode`, no build): a Preview
 * feature. The provider marks `sourceCode` "(Optional, Beta)" and documents `launchStage` as the
 * way to "allow use of preview features" (@pulumi/gcp cloudrunv2/service.d.ts), so the service
 * declares BETA while the feature is Preview. Preview features carry no SLA.
 */
export const SOURCE_DEPLOY_LAUNCH_STAGE = 'BETA';

/**
 * Whether `url` is a run.app URL of the Cloud Run service `service`: its deterministic form
 * `https://<service>-<project number>.<region>.run.app` or the older `https://<service>-<hash>-
 * <region code>.a.run.app` (cloud.google.com/run/docs/triggering/https-request).
 */
export function isRunUrlOf(url: string, service: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const host = parsed.hostname;
  return (
    parsed.protocol === 'https:' &&
    host.startsWith(`${service}-`) &&
    host.endsWith('.run.app') &&
    /^[a-z0-9-]+$/.test(host.slice(service.length + 1, host.indexOf('.')))
  );
}

/** Requests may run a little past the CX timeout (late results are discarded and logged), not far. */
const requestTimeoutSeconds = (webhookTimeoutSeconds: number) => webhookTimeoutSeconds + 5;

/**
 * The webhook service, as a Cloud Run service running the bundle straight from Cloud Storage or as
 * a Cloud Functions gen2 function, with `roles/run.invoker` for the Dialogflow service agent on that
 * one service. `invokableUrl` resolves only once that grant exists, so the CX webhook that consumes
 * it is never pointed at a service that would refuse Dialogflow. Everything it needs first (APIs,
 * grants to read the source and secrets, the build account) comes as components in the options'
 * `dependsOn`, which hold its children back until they are done.
 */
export class WebhookService extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly url: pulumi.Output<string>;
  readonly invokableUrl: pulumi.Output<string>;

  constructor(name: string, args: WebhookServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:WebhookService', name, {}, opts);
    const deployed =
      args.target === 'run' ? this.cloudRun(name, args) : this.cloudFunction(name, args);

    const invoker = new gcp.cloudrunv2.ServiceIamMember(
      `${name}-invoker`,
      {
        project: args.project,
        location: args.region,
        name: deployed.runServiceName,
        role: 'roles/run.invoker',
        member: args.invokerMember,
      },
      { parent: this },
    );
    this.name = deployed.runServiceName;
    this.url = deployed.url;
    this.invokableUrl = pulumi.all([deployed.url, invoker.id]).apply(([url]) => url);
    this.registerOutputs({ name: this.name, url: this.url });
  }

  private cloudRun(name: string, args: WebhookServiceArgs) {
    const envs: gcp.types.input.cloudrunv2.ServiceTemplateContainerEnv[] = [
      ...Object.entries(args.env).map(([envName, value]) => ({ name: envName, value })),
      ...args.secretEnv.map(({ name: envName, secretId, version }) => ({
        name: envName,
        valueSource: { secretKeyRef: { secret: secretId, version } },
      })),
    ];
    const health = { httpGet: { path: '/health' } };
    const service = new gcp.cloudrunv2.Service(
      name,
      {
        project: args.project,
        location: args.region,
        name: serviceName(args.stage),
        labels: args.labels,
        deletionProtection: args.deletionProtection,
        launchStage: SOURCE_DEPLOY_LAUNCH_STAGE,
        // Dialogflow calls from Google's network over the public endpoint; IAM (or the service) decides who gets in.
        ingress: 'INGRESS_TRAFFIC_ALL',
        invokerIamDisabled: !args.invokerCheck,
        template: {
          serviceAccount: args.runtimeEmail,
          timeout: `${requestTimeoutSeconds(args.webhookTimeoutSeconds)}s`,
          maxInstanceRequestConcurrency: args.concurrency,
          scaling: { minInstanceCount: args.minInstances, maxInstanceCount: args.maxInstances },
          containers: [
            {
              // Source deploy without a build: Google's Node.js base image runs the bundle from the bucket.
              image: 'scratch',
              baseImageUri: `${args.region}-docker.pkg.dev/serverless-runtimes/google-24-full/runtimes/${NODE_RUNTIME}`,
              commands: ['node'],
              args: ['index.js'],
              sourceCode: { cloudStorageSource: args.source },
              envs,
              resources: {
                limits: { cpu: args.cpu, memory: args.memory },
                cpuIdle: true,
                startupCpuBoost: true,
              },
              startupProbe: {
                ...health,
                periodSeconds: 1,
                timeoutSeconds: 1,
                failureThreshold: 30,
              },
              livenessProbe: {
                ...health,
                periodSeconds: 30,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
            },
          ],
        },
      },
      { parent: this, protect: args.deletionProtection },
    );
    // The service checks the token audience against this URL, so Dialogflow must use exactly it.
    const url = pulumi.all([service.urls, args.url]).apply(([urls, expected]) => {
      if (!urls.includes(expected)) {
        throw new Error(`Cloud Run did not report ${expected} among its URLs (${urls.join(', ')})`);
      }
      return expected;
    });
    return { runServiceName: service.name, url };
  }

  private cloudFunction(name: string, args: WebhookServiceArgs) {
    const fnName = serviceName(args.stage);
    const fn = new gcp.cloudfunctionsv2.Function(
      name,
      {
        project: args.project,
        location: args.region,
        name: fnName,
        labels: args.labels,
        deletionPolicy: args.deletionProtection ? 'PREVENT' : 'DELETE',
        buildConfig: {
          runtime: NODE_RUNTIME,
          entryPoint: 'webhook',
          serviceAccount: args.buildServiceAccount,
          source: {
            storageSource: {
              bucket: args.source.bucket,
              object: args.source.object,
              generation: pulumi.output(args.source.generation).apply(Number),
            },
          },
        },
        serviceConfig: {
          serviceAccountEmail: args.runtimeEmail,
          availableCpu: args.cpu,
          availableMemory: args.memory,
          timeoutSeconds: requestTimeoutSeconds(args.webhookTimeoutSeconds),
          maxInstanceRequestConcurrency: args.concurrency,
          minInstanceCount: args.minInstances,
          maxInstanceCount: args.maxInstances,
          ingressSettings: 'ALLOW_ALL',
          allTrafficOnLatestRevision: true,
          environmentVariables: args.env,
          secretEnvironmentVariables: args.secretEnv.map(({ name: key, secretId, version }) => ({
            key,
            projectId: args.project,
            secret: secretId,
            version,
          })),
        },
      },
      { parent: this, protect: args.deletionProtection },
    );
    // A gen2 function is served by a Cloud Run service; the invoker grant belongs on that service.
    // Cloud Functions reports it; its documented name is the function's (lowercased, `_` → `-`).
    const documentedName = fnName.toLowerCase().replace(/_/g, '-');
    const runServiceName = fn.serviceConfig.apply((config) => {
      const full = config?.service;
      return full ? full.slice(full.lastIndexOf('/') + 1) : documentedName;
    });
    // Dialogflow calls the underlying service's run.app URL (the audience Cloud Run documents),
    // not `Function.url` (cloudfunctions.net), whose accepted audience and path are unconfirmed.
    const url = pulumi
      .all([fn.serviceConfig, runServiceName, args.url])
      .apply(([config, service, expected]) => {
        const reported = config?.uri;
        if (!reported || !isRunUrlOf(reported, service)) {
          throw new Error(
            `Cloud Functions reported ${reported ?? 'no URI'} for the function's Cloud Run service ${service}, not one of its run.app URLs (expected ${expected})`,
          );
        }
        return expected;
      });
    return { runServiceName, url };
  }
}
