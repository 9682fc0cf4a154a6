import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import type { AlertsOn } from '../alertsConfig';

// Cloud Run's built-in metrics (cloud.google.com/monitoring/api/metrics_gcp_p_z#gcp-run), written
// for the `cloud_run_revision` resource; a Cloud Functions gen2 function is served by a Cloud Run
// service and reports the same metrics and logs under that service's name.
export const REQUEST_COUNT = 'run.googleapis.com/request_count';
export const REQUEST_LATENCIES = 'run.googleapis.com/request_latencies';
export const INSTANCE_COUNT = 'run.googleapis.com/container/instance_count';

/** The service's per-request log line starts its message with this (service/protocol/core.ts). */
export const REQUEST_LOG_MESSAGE = 'webhook request';

/** p99 latency above this share of the webhook timeout means Dialogflow is about to give up. */
export const LATENCY_ALERT_SHARE = 0.8;

/** How long a condition must hold before it opens an incident, and the bucket it is measured in. */
const HOLD = '300s';
const ALIGNMENT = '60s';

export interface AlertsArgs {
  /** The webhook project, where the service runs and the alerting lives. */
  readonly project: string;
  readonly region: string;
  /** The Cloud Run service that answers the webhook; for a gen2 function, its underlying service. */
  readonly serviceName: pulumi.Input<string>;
  /** The CX webhook timeout; the latency alert fires at 80% of it. */
  readonly webhookTimeoutSeconds: number;
  /** The service's maximum instances; the saturation alert fires when this many are busy. */
  readonly maxInstances: number;
  /** The parsed `alerts` config (only when alerting is on). */
  readonly settings: AlertsOn;
}

/** A Monitoring filter for one Cloud Run metric of one service. */
function runMetricFilter(service: string, region: string, metricType: string, extra = ''): string {
  return [
    'resource.type = "cloud_run_revision"',
    `resource.labels.service_name = "${service}"`,
    `resource.labels.location = "${region}"`,
    `metric.type = "${metricType}"`,
    ...(extra ? [extra] : []),
  ].join(' AND ');
}

/** The Logging filter for the service's per-request lines (JSON on stdout, so in jsonPayload). */
export function requestLogFilter(service: string, region: string): string {
  return [
    'resource.type = "cloud_run_revision"',
    `resource.labels.service_name = "${service}"`,
    `resource.labels.location = "${region}"`,
    `jsonPayload.message =~ "^${REQUEST_LOG_MESSAGE}"`,
  ].join(' AND ');
}

/**
 * Alerting for one webhook service: Cloud Monitoring alert policies on the share of 5xx answers,
 * on p99 latency nearing the CX webhook timeout and on instances at the maximum, a log-based
 * metric of answers by tag and status, a dashboard of all of it, and the notification channel
 * every policy reports to.
 */
export class Alerts extends pulumi.ComponentResource {
  /** The channel's full name, `projects/…/notificationChannels/…`. */
  readonly notificationChannel: pulumi.Output<string>;
  readonly errorPolicy: gcp.monitoring.AlertPolicy;
  readonly latencyPolicy: gcp.monitoring.AlertPolicy;
  readonly saturationPolicy: gcp.monitoring.AlertPolicy;
  readonly answersMetric: gcp.logging.Metric;
  readonly dashboard: gcp.monitoring.Dashboard;

  constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('cx-webhook-kit:infra:Alerts', name, {}, opts);
    const { project, region, settings } = args;
    const child = { parent: this };
    const service = pulumi.output(args.serviceName);

    const notify = settings.notify;
    this.notificationChannel =
      notify.kind === 'channel'
        ? pulumi.output(notify.name)
        : new gcp.monitoring.NotificationChannel(
            `${name}-email`,
            {
              project,
              type: 'email',
              displayName: pulumi.interpolate`cx-webhook-kit ${service}: ${notify.email}`,
              labels: { email_address: notify.email },
            },
            child,
          ).name;

    const policy = (
      suffix: string,
      title: string,
      severity: 'ERROR' | 'WARNING',
      documentation: string,
      conditionThreshold: (
        serviceName: string,
      ) => gcp.types.input.monitoring.AlertPolicyConditionConditionThreshold,
    ) =>
      new gcp.monitoring.AlertPolicy(
        `${name}-${suffix}`,
        {
          project,
          displayName: pulumi.interpolate`${service}: ${title}`,
          combiner: 'OR',
          conditions: [
            { displayName: title, conditionThreshold: service.apply(conditionThreshold) },
          ],
          notificationChannels: [this.notificationChannel],
          severity,
          documentation: {
            mimeType: 'text/markdown',
            subject: pulumi.interpolate`[cx-webhook-kit] ${service}: ${title}`,
            content: documentation,
          },
          alertStrategy: { autoClose: '1800s' },
          userLabels: { app: 'cx-webhook-kit' },
        },
        child,
      );

    const percent = `${Math.round(settings.errorRatio * 1000) / 10}%`;
    // Both sides sum the request rate over every revision, so a rollout does not split the ratio.
    const requestRate = [
      {
        alignmentPeriod: ALIGNMENT,
        perSeriesAligner: 'ALIGN_RATE',
        crossSeriesReducer: 'REDUCE_SUM',
      },
    ];
    this.errorPolicy = policy(
      'errors',
      `more than ${percent} of answers are 5xx`,
      'ERROR',
      [
        `More than ${percent} of the webhook's answers over ${HOLD} were 5xx: Dialogflow turns them`,
        'into `webhook.error` events and callers hear the fallback.',
        '',
        'Look at the log-based metric on the dashboard for the tag and status: 500 is a handler that',
        'threw or answered invalidly (the log line says why), 503 a deadline passed or a dependency',
        'reported itself unavailable. A new revision that started it is rolled back by redeploying',
        'the previous commit.',
      ].join('\n'),
      (s) => ({
        filter: runMetricFilter(
          s,
          region,
          REQUEST_COUNT,
          'metric.labels.response_code_class = "5xx"',
        ),
        aggregations: requestRate,
        denominatorFilter: runMetricFilter(s, region, REQUEST_COUNT),
        denominatorAggregations: requestRate,
        comparison: 'COMPARISON_GT',
        thresholdValue: settings.errorRatio,
        duration: HOLD,
        trigger: { count: 1 },
      }),
    );

    const latencyMs = Math.round(args.webhookTimeoutSeconds * 1000 * LATENCY_ALERT_SHARE);
    this.latencyPolicy = policy(
      'latency',
      `p99 latency above ${latencyMs} ms (${LATENCY_ALERT_SHARE * 100}% of the ${args.webhookTimeoutSeconds} s webhook timeout)`,
      'WARNING',
      [
        `The slowest 1% of answers took more than ${latencyMs} ms over ${HOLD}; at`,
        `${args.webhookTimeoutSeconds} s Dialogflow gives up and the turn fails with`,
        '`webhook.error.timeout`.',
        '',
        "Find the slow tag in the request log lines' `latencyMs`. A slow dependency belongs behind",
        '`ctx.signal` with its own timeout; cold starts show as `startupProbe` time and are cut by',
        'keeping a warm instance (minInstances).',
      ].join('\n'),
      (s) => ({
        filter: runMetricFilter(s, region, REQUEST_LATENCIES),
        // Merge every revision's latency distribution, then take its 99th percentile (ms).
        aggregations: [
          {
            alignmentPeriod: ALIGNMENT,
            perSeriesAligner: 'ALIGN_DELTA',
            crossSeriesReducer: 'REDUCE_PERCENTILE_99',
          },
        ],
        comparison: 'COMPARISON_GT',
        thresholdValue: latencyMs,
        duration: HOLD,
        trigger: { count: 1 },
      }),
    );

    this.saturationPolicy = policy(
      'instances',
      `busy instances at the maximum (${args.maxInstances})`,
      'WARNING',
      [
        `A revision has had all ${args.maxInstances} allowed instances busy for ${HOLD}: Cloud Run`,
        'cannot scale further, so requests queue and may fail with 429 or time out.',
        '',
        'Raise maxInstances (and check the quota), or find what keeps instances busy: a slow',
        'dependency holds every request longer. Concurrency per instance is set by the service.',
      ].join('\n'),
      (s) => ({
        filter: runMetricFilter(s, region, INSTANCE_COUNT, 'metric.labels.state = "active"'),
        // Per revision, as maxInstanceCount applies to each revision.
        aggregations: [
          {
            alignmentPeriod: ALIGNMENT,
            perSeriesAligner: 'ALIGN_MAX',
            crossSeriesReducer: 'REDUCE_SUM',
            groupByFields: ['resource.labels.revision_name'],
          },
        ],
        // The API takes only GT and LT here; counts are whole, so "> max - 0.5" is "≥ max".
        comparison: 'COMPARISON_GT',
        thresholdValue: args.maxInstances - 0.5,
        duration: HOLD,
        trigger: { count: 1 },
      }),
    );

    this.answersMetric = new gcp.logging.Metric(
      `${name}-answers`,
      {
        project,
        name: pulumi.interpolate`${service}-webhook-answers`,
        description:
          'Webhook answers by fulfillment tag and HTTP status, from the request log line.',
        filter: service.apply((s) => requestLogFilter(s, region)),
        metricDescriptor: {
          metricKind: 'DELTA',
          valueType: 'INT64',
          unit: '1',
          displayName: pulumi.interpolate`${service} webhook answers`,
          labels: [
            { key: 'tag', valueType: 'STRING', description: 'fulfillmentInfo.tag of the request' },
            { key: 'status', valueType: 'STRING', description: 'HTTP status of the answer' },
          ],
        },
        labelExtractors: {
          tag: 'EXTRACT(jsonPayload.tag)',
          status: 'EXTRACT(jsonPayload.status)',
        },
      },
      child,
    );

    const answersType = pulumi.interpolate`logging.googleapis.com/user/${this.answersMetric.name}`;
    this.dashboard = new gcp.monitoring.Dashboard(
      `${name}-dashboard`,
      {
        project,
        dashboardJson: pulumi
          .all([
            service,
            answersType,
            this.errorPolicy.name,
            this.latencyPolicy.name,
            this.saturationPolicy.name,
          ])
          .apply(([s, metricType, errors, latency, instances]) =>
            dashboardJson(s, metricType, [errors, latency, instances]),
          ),
      },
      child,
    );

    this.registerOutputs({
      notificationChannel: this.notificationChannel,
      dashboard: this.dashboard.id,
    });
  }
}

/** Four tiles: answers by tag and status, then each alert policy with its threshold and incidents. */
function dashboardJson(service: string, answersType: string, policies: string[]): string {
  const half = 24;
  const answers = {
    title: 'Webhook answers by tag and status (per second)',
    xyChart: {
      dataSets: [
        {
          plotType: 'STACKED_BAR',
          timeSeriesQuery: {
            timeSeriesFilter: {
              filter: `metric.type = "${answersType}" AND resource.type = "cloud_run_revision"`,
              aggregation: {
                alignmentPeriod: ALIGNMENT,
                perSeriesAligner: 'ALIGN_RATE',
                crossSeriesReducer: 'REDUCE_SUM',
                groupByFields: ['metric.label.tag', 'metric.label.status'],
              },
            },
          },
        },
      ],
    },
  };
  const tiles = [answers, ...policies.map((name) => ({ alertChart: { name } }))].map(
    (widget, i) => ({
      xPos: (i % 2) * half,
      yPos: Math.floor(i / 2) * 16,
      width: half,
      height: 16,
      widget,
    }),
  );
  return JSON.stringify({
    displayName: `cx-webhook-kit ${service}`,
    mosaicLayout: { columns: 2 * half, tiles },
  });
}
