import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** The official Dialogflow CX protos, as @google-cloud/dialogflow-cx ships them. */
export const PROTOS = dirname(
  require.resolve('@google-cloud/dialogflow-cx/build/protos/protos.json'),
);
/** google-gax's protos (longrunning, rpc status), which the CX protos import. */
const GAX_PROTOS = join(
  dirname(require.resolve('google-gax', { paths: [PROTOS] })),
  '..',
  'protos',
);

/** How the stand-ins load those protos: proto3 JSON names, enums as their names. */
export const LOADER_OPTIONS: protoLoader.Options = {
  includeDirs: [PROTOS, GAX_PROTOS],
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: false,
  oneofs: true,
};

export type Version = 'v3' | 'v3beta1';
type Root = {
  google: grpc.GrpcObject & { cloud: { dialogflow: { cx: Record<Version, grpc.GrpcObject> } } };
};
/** The protos of what the stand-in serves (the test cases' services: standInTestCases.ts). */
const SERVED = ['session', 'flow', 'page', 'transition_route_group', 'webhook', 'intent'];
const loaded = new Map<string, Root>();
/**
 * The gRPC package of `files` (protos in google/cloud/dialogflow/cx/<version>/, without `.proto`)
 * and of what they import, loaded once per list: the CX protos take a while to load.
 */
export function services(version: Version, files: readonly string[] = SERVED): Root {
  const key = `${version}/${files.join(',')}`;
  let root = loaded.get(key);
  if (!root) {
    const dir = join(PROTOS, 'google/cloud/dialogflow/cx', version);
    const definition = protoLoader.loadSync(
      files.map((f) => join(dir, `${f}.proto`)),
      LOADER_OPTIONS,
    );
    root = grpc.loadPackageDefinition(definition) as Root;
    loaded.set(key, root);
  }
  return root;
}

/** The service definition of `name` in a loaded package, as grpc.Server.addService takes it. */
export const serviceOf = (o: grpc.GrpcObject, name: string) =>
  (o[name] as grpc.ServiceClientConstructor).service;

export type Callback = (error: Partial<grpc.StatusObject> | null, value?: unknown) => void;
type ListCall = { request: { parent?: string; pageToken?: string } };

export function notFound(callback: Callback, message: string) {
  callback({ code: grpc.status.NOT_FOUND, details: message });
}

/**
 * A list RPC over `items(parent)`, `pageSize` items at a time with numeric page tokens; NOT_FOUND,
 * in the words of `missing`, for a parent `items` does not know.
 */
export function lister<T>(
  field: string,
  pageSize: number,
  items: (parent: string) => T[] | undefined,
  missing = (parent: string) => `Parent '${parent}' does not exist.`,
) {
  return (call: ListCall, callback: Callback) => {
    const parent = call.request.parent ?? '';
    const all = items(parent);
    if (!all) return notFound(callback, missing(parent));
    const from = Number(call.request.pageToken || 0);
    const next = from + pageSize < all.length ? String(from + pageSize) : '';
    callback(null, { [field]: all.slice(from, from + pageSize), nextPageToken: next });
  };
}
