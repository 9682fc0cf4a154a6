import { readFileSync } from 'node:fs';
import * as protobuf from 'protobufjs';
import { fromProto3JSON, toProto3JSON } from 'proto3-json-serializer';

// The official v3 protos shipped with @google-cloud/dialogflow-cx; only the JSON descriptor is
// loaded, never the client library.
const descriptor = JSON.parse(
  readFileSync(require.resolve('@google-cloud/dialogflow-cx/build/protos/protos.json'), 'utf8'),
) as protobuf.INamespace;
export const root = protobuf.Root.fromJSON(descriptor);
export const V3 = 'google.cloud.dialogflow.cx.v3';

export function protoType(name: string): protobuf.Type {
  return root.lookupType(`${V3}.${name}`);
}

/**
 * Serialises `json` into the proto message and back. proto3-json-serializer silently drops unknown
 * or misspelt fields and coerces some types, so a strict check compares the round trip with the
 * original: anything dropped or changed shows up as a difference.
 */
export function protoRoundTrip(typeName: string, json: unknown): unknown {
  const type = protoType(typeName);
  const message = fromProto3JSON(type, json as never);
  if (!message) throw new Error(`${typeName}: fromProto3JSON returned null`);
  const problem = type.verify(message);
  if (problem) throw new Error(`${typeName}: ${problem}`);
  return toProto3JSON(message);
}
