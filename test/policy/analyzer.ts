import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';

// Runs the policy pack the way the Pulumi CLI does: the Node language host starts
// `@pulumi/pulumi/cmd/run-policy-pack` in the pack's directory, which compiles index.ts with
// ts-node (type-checked), and @pulumi/policy serves the Analyzer gRPC service on 127.0.0.1,
// printing its port. The engine then calls analyze per resource and analyzeStack at the end;
// here a test calls them, with the same protobuf messages.

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
const PROTO_DIR = dirname(require.resolve('@pulumi/pulumi/proto/analyzer_pb'));
// The same module copies the generated protobuf code uses, so messages and credentials match.
const fromProto = (id: string) => require(require.resolve(id, { paths: [PROTO_DIR] }));
const analyzerPb = require('@pulumi/pulumi/proto/analyzer_pb');
const { AnalyzerClient } = require('@pulumi/pulumi/proto/analyzer_grpc_pb');
const grpc = fromProto('@grpc/grpc-js');
const { Struct } = fromProto('google-protobuf/google/protobuf/struct_pb');
const { Empty } = fromProto('google-protobuf/google/protobuf/empty_pb');

export const PACK_DIR = join(__dirname, '..', '..', 'policy');
export const MANDATORY: number = analyzerPb.EnforcementLevel.MANDATORY;

/** What the engine knows of a resource when it asks the pack about it. */
export interface AnalyzedResource {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly parent?: string;
  readonly dependencies?: readonly string[];
  readonly protect?: boolean;
}

export interface Diagnostic {
  readonly policyName: string;
  readonly enforcementLevel: number;
  readonly message: string;
  readonly urn: string;
}

export interface PolicySummary {
  readonly name: string;
  readonly enforcementLevel: number;
}

export interface RunningPack {
  readonly packName: string;
  readonly version: string;
  readonly policies: readonly PolicySummary[];
  analyze(resource: AnalyzedResource): Promise<Diagnostic[]>;
  analyzeStack(resources: readonly AnalyzedResource[]): Promise<Diagnostic[]>;
  stop(): void;
}

function fill<T>(message: T, r: AnalyzedResource): T {
  const m = message as any;
  m.setUrn(r.urn);
  m.setType(r.type);
  m.setName(r.name);
  // The engine's wire form is JSON-like: no undefined values.
  m.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.props))));
  const options = new analyzerPb.AnalyzerResourceOptions();
  options.setProtect(r.protect ?? false);
  m.setOptions(options);
  return message;
}

const diagnostics = (response: any): Diagnostic[] =>
  response.getDiagnosticsList().map((d: any) => ({
    policyName: d.getPolicyname(),
    enforcementLevel: d.getEnforcementlevel(),
    message: d.getMessage(),
    urn: d.getUrn(),
  }));

function call<T>(client: any, method: string, request: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + 30_000 }, (error: Error | null, res: T) =>
      error ? reject(error) : resolve(res),
    );
  });
}

/** Starts the pack in its directory and waits (at most 60 s) for its port. */
export async function startPack(): Promise<RunningPack> {
  const child: ChildProcess = spawn(
    process.execPath,
    [require.resolve('@pulumi/pulumi/cmd/run-policy-pack'), '127.0.0.1:0', '.'],
    { cwd: PACK_DIR, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port within 60 s\n${stderr}`)), 60_000);
    child.stdout?.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(Number(chunk.toString().trim()));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the policy pack exited with ${code}\n${stderr}`));
    });
  });
  const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const stop = () => {
    client.close();
    child.kill();
  };
  try {
    const info: any = await call(client, 'getAnalyzerInfo', new Empty());
    return {
      packName: info.getName(),
      version: info.getVersion(),
      policies: info.getPoliciesList().map((p: any) => ({
        name: p.getName(),
        enforcementLevel: p.getEnforcementlevel(),
      })),
      analyze: async (resource) =>
        diagnostics(await call(client, 'analyze', fill(new analyzerPb.AnalyzeRequest(), resource))),
      analyzeStack: async (resources) => {
        const request = new analyzerPb.AnalyzeStackRequest();
        request.setResourcesList(
          resources.map((r) => {
            const resource = fill(new analyzerPb.AnalyzerResource(), r);
            if (r.parent) resource.setParent(r.parent);
            resource.setDependenciesList([...(r.dependencies ?? [])]);
            return resource;
          }),
        );
        return diagnostics(await call(client, 'analyzeStack', request));
      },
      stop,
    };
  } catch (error) {
    stop();
    throw error;
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
