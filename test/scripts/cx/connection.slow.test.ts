import { join } from 'node:path';
import { UsageError } from '../../../lib/cli';
import {
  agentLocation,
  clientOptions,
  parseEndpointFlags,
  regionalEndpoint,
  requireChildOf,
} from '../../../scripts/cx/connection';
import { startDialogflowStandIn } from '../../helpers/dialogflowStandIn';
import { runTool } from '../../helpers/runTool';
import { AGENT, SMOKE_FLOW, smokeAgent, webhook } from '../../helpers/standInAgents';

describe('regional endpoints', () => {
  // cloud.google.com/dialogflow/cx/docs/concept/region: agents outside global are served only by
  // their location's endpoint, the multi-regions us and eu included.
  it.each([
    ['global', 'dialogflow.googleapis.com'],
    ['us-central1', 'us-central1-dialogflow.googleapis.com'],
    ['europe-west3', 'europe-west3-dialogflow.googleapis.com'],
    ['us', 'us-dialogflow.googleapis.com'],
    ['eu', 'eu-dialogflow.googleapis.com'],
  ])('%s → %s', (location, host) => {
    expect(regionalEndpoint(location)).toBe(host);
    expect(clientOptions(`projects/p/locations/${location}/agents/a`, { insecure: false })).toEqual(
      {
        apiEndpoint: host,
      },
    );
  });

  it('reads the location from the agent resource name and refuses anything else', () => {
    expect(agentLocation('projects/p/locations/eu/agents/a-1')).toBe('eu');
    expect(() => agentLocation('projects/p/agents/a')).toThrow(UsageError);
    expect(() => agentLocation('projects/p/locations/eu/agents/a/flows/f')).toThrow(
      'an agent is named projects/<project>/locations/<location>/agents/<id>',
    );
  });

  it('accepts only flows and webhooks of the same agent', () => {
    expect(requireChildOf(AGENT, 'flows', SMOKE_FLOW, '--flow')).toBe(SMOKE_FLOW);
    expect(() =>
      requireChildOf(AGENT, 'flows', 'projects/p/locations/global/agents/b/flows/f', '--flow'),
    ).toThrow(`--flow must name a flow of ${AGENT}`);
    expect(() => requireChildOf(AGENT, 'webhooks', `${AGENT}/webhooks/`, '--webhook')).toThrow(
      UsageError,
    );
  });
});

describe('--api-endpoint and --insecure', () => {
  it('parses host:port, IPv6 in brackets included', () => {
    expect(parseEndpointFlags({ 'api-endpoint': '127.0.0.1:8443' })).toEqual({
      host: '127.0.0.1',
      port: 8443,
      insecure: false,
    });
    expect(parseEndpointFlags({ 'api-endpoint': '[::1]:9000', insecure: true })).toEqual({
      host: '[::1]',
      port: 9000,
      insecure: true,
    });
  });

  it.each(['localhost', '127.0.0.1:', ':443', '127.0.0.1:99999', 'http://127.0.0.1:80'])(
    'refuses "%s"',
    (raw) => {
      expect(() => parseEndpointFlags({ 'api-endpoint': raw })).toThrow(
        `--api-endpoint takes host:port, got "${raw}"`,
      );
    },
  );

  it('must not send plaintext to Google: --insecure needs --api-endpoint', () => {
    expect(() => parseEndpointFlags({ insecure: true })).toThrow(
      '--insecure needs --api-endpoint host:port',
    );
  });

  it('keeps TLS and credentials for an endpoint given without --insecure', () => {
    const options = clientOptions(AGENT, {
      host: 'dialogflow.internal',
      port: 443,
      insecure: false,
    });
    expect(options).toEqual({ apiEndpoint: 'dialogflow.internal', port: 443 });
  });

  it('must not reach beyond loopback with --insecure: no credentials, no metadata-server probe', async () => {
    // In its own process, as a person runs it: under jest the auth library cannot load its HTTP
    // client, which would hide the probe this test is about.
    const standIn = await startDialogflowStandIn(
      smokeAgent([webhook('http://127.0.0.1:9/', { kind: 'none' })]),
    );
    try {
      const run = await runTool(
        'scripts/smoke.ts',
        ['--agent', AGENT, '--flow', SMOKE_FLOW, '--wait', '0', ...standIn.flags],
        {
          preload: join(__dirname, '..', 'fixtures', 'logConnections.js'),
          // No Application Default Credentials anywhere: the auth library's next stop would be the
          // GCE metadata server (169.254.169.254).
          env: { HOME: '/nonexistent', CLOUDSDK_CONFIG: '/nonexistent' },
        },
      );
      // The webhook URL is closed, so the smoke itself fails; what matters is where it connected.
      expect(run.stdout).toMatch(/^smoke: FAIL {2}unavailable/);
      const hosts = [...run.stderr.matchAll(/^connect: (.*)$/gm)].map((m) => m[1]);
      expect(hosts).toContain('127.0.0.1');
      expect(hosts.filter((h) => h !== '127.0.0.1' && !h.startsWith('unix:'))).toEqual([]);
    } finally {
      await standIn.close();
    }
  });
});
