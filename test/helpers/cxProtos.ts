import { dirname, join } from 'node:path';
import type * as protoLoader from '@grpc/proto-loader';

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
