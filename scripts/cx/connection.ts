// How the tools that talk to Dialogflow (smoke, agent:check, chat) reach it: a stack's outputs
// through the Pulumi CLI, the regional API endpoint of an agent, and the `--api-endpoint host:port`
// / `--insecure` switch for a local stand-in of the API.
import { execFile } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import { GoogleAuth } from 'google-auth-library';
import { CliError, UsageError } from '../../lib/cli';

/** The flags every Dialogflow tool accepts for its endpoint. */
export const ENDPOINT_OPTIONS = {
  'api-endpoint': { type: 'string' },
  insecure: { type: 'boolean', default: false },
} as const;

export const ENDPOINT_HELP = `  --api-endpoint host:port  talk to this endpoint instead of the agent's regional one
  --insecure                without TLS or credentials (only with --api-endpoint; for a local
                            stand-in of the API)`;

export interface EndpointFlags {
  readonly host?: string;
  readonly port?: number;
  readonly insecure: boolean;
}

export function parseEndpointFlags(values: {
  'api-endpoint'?: string;
  insecure?: boolean;
}): EndpointFlags {
  const raw = values['api-endpoint'];
  const insecure = values.insecure === true;
  if (raw === undefined) {
    // Plaintext to Google's endpoint would send credentials in the clear; refuse the combination.
    if (insecure) throw new UsageError('--insecure needs --api-endpoint host:port');
    return { insecure };
  }
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+):(\d{1,5})$/.exec(raw);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new UsageError(`--api-endpoint takes host:port, got "${raw}"`);
  }
  return { host: match[1], port, insecure };
}

const AGENT = /^projects\/[^/\s]+\/locations\/([^/\s]+)\/agents\/[^/\s]+$/;

/** Checks a full agent resource name and returns its location. */
export function agentLocation(agent: string): string {
  const match = AGENT.exec(agent);
  if (!match) {
    throw new UsageError(
      `an agent is named projects/<project>/locations/<location>/agents/<id>, got "${agent}"`,
    );
  }
  return match[1];
}

/** Checks that `name` is a `<kind>/<id>` child of `agent`, e.g. a flow or a webhook. */
export function requireChildOf(agent: string, kind: string, name: string, flag: string): string {
  const prefix = `${agent}/${kind}/`;
  const id = name.startsWith(prefix) ? name.slice(prefix.length) : '';
  if (!/^[^/\s]+$/.test(id)) {
    throw new UsageError(`${flag} must name a ${kind.slice(0, -1)} of ${agent}, got "${name}"`);
  }
  return name;
}

/**
 * The API host for an agent's location. Agents outside `global` (regions, and the multi-regions
 * `us` and `eu`) are served only by `<location>-dialogflow.googleapis.com`
 * (cloud.google.com/dialogflow/cx/docs/concept/region).
 */
export function regionalEndpoint(location: string): string {
  return location === 'global'
    ? 'dialogflow.googleapis.com'
    : `${location}-dialogflow.googleapis.com`;
}

/** Options for any `@google-cloud/dialogflow-cx` v3 client that will work on `agent`. */
export type DialogflowClientOptions = {
  apiEndpoint: string;
  port?: number;
  sslCreds?: grpc.ChannelCredentials;
  universeDomain?: string;
};

export function clientOptions(agent: string, flags: EndpointFlags): DialogflowClientOptions {
  if (flags.host === undefined) return { apiEndpoint: regionalEndpoint(agentLocation(agent)) };
  if (!flags.insecure) return { apiEndpoint: flags.host, port: flags.port };
  return {
    apiEndpoint: flags.host,
    port: flags.port,
    sslCreds: grpc.credentials.createInsecure(),
    // Without a universe domain google-gax asks the auth library for one, which probes the GCE
    // metadata server (169.254.169.254) when no credentials are configured. A local endpoint
    // needs no credentials, so nothing should leave this machine.
    universeDomain: 'googleapis.com',
  };
}

/**
 * Fails in one line, exit 3, when no Application Default Credentials can be had. The official
 * clients look for them only inside their stub set-up, whose rejection a tool cannot catch: the
 * process would end with a stack trace. A local stand-in (`--insecure`) needs none.
 */
export async function requireCredentials(options: DialogflowClientOptions): Promise<void> {
  if (options.sslCreds) return;
  try {
    await new GoogleAuth({ scopes: 'https://www.googleapis.com/auth/cloud-platform' }).getClient();
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split(/\.\s|\n/)[0];
    throw new CliError(
      `no Google credentials (${reason}); get them with gcloud auth application-default login`,
      3,
    );
  }
}

/**
 * Per-call options. The generated clients retry UNAVAILABLE for up to 220 s (DetectIntent) or 60 s
 * (list calls), so a wrong endpoint would hang a tool for minutes and then report a wrapped
 * DEADLINE_EXCEEDED. These tools fail at once with the real error instead; the smoke's own
 * `--wait` handles what is worth waiting for. A webhook call may take twice its timeout of at most
 * 30 s (one retry), so 90 s leaves room for a detectIntent that waits on it.
 */
export const CALL_OPTIONS = { timeout: 90_000, retry: null };

/** Where the endpoint is, for messages: `host:port` or the regional host. */
export function describeEndpoint(options: DialogflowClientOptions): string {
  return options.port ? `${options.apiEndpoint}:${options.port}` : options.apiEndpoint;
}

export type StackOutputs = Readonly<Record<string, unknown>>;

export interface PulumiOptions {
  /** The Pulumi executable; `pulumi` from PATH unless told otherwise. */
  command?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const STACK = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;

/** `pulumi stack output --json --stack <stack>`, parsed; errors say what to do instead. */
export async function readStackOutputs(
  stack: string,
  alternative: string,
  options: PulumiOptions = {},
): Promise<StackOutputs> {
  if (!STACK.test(stack)) throw new UsageError(`"${stack}" is not a Pulumi stack name`);
  const command = options.command ?? 'pulumi';
  const args = ['stack', 'output', '--json', '--stack', stack];
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env: options.env, timeout: 120_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          return reject(
            new CliError(
              `the Pulumi CLI is not on PATH (https://www.pulumi.com/docs/install/); ` +
                `install it and log in, or give ${alternative} instead of a stack name`,
              3,
            ),
          );
        }
        if (error) {
          const reason = stderr.split('\n').find((l) => l.trim() !== '') ?? error.message;
          return reject(
            new CliError(`pulumi stack output --stack ${stack} failed: ${reason.trim()}`, 3),
          );
        }
        let parsed: unknown;
        try {
          parsed = JSON.parse(stdout);
        } catch {
          parsed = undefined;
        }
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          return reject(
            new CliError(`pulumi stack output --stack ${stack} did not print a JSON object`, 3),
          );
        }
        resolve(parsed as StackOutputs);
      },
    );
  });
}

/** A string output of the stack, or an error naming the output and how to get it. */
export function requireOutput(
  outputs: StackOutputs,
  key: string,
  stack: string,
  hint: string,
): string {
  const value = outputs[key];
  if (typeof value === 'string' && value !== '') return value;
  throw new CliError(`stack "${stack}" has no output "${key}": ${hint}`, 3);
}
