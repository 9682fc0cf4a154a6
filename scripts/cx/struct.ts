// google.protobuf.Struct as the gRPC clients hand it over (`{ fields: { k: { stringValue } } }`,
// with protobufjs's `kind` naming the set member), read as plain JSON, so the tools can show webhook
// payloads and session parameters.
import type { JsonObject, JsonValue } from '../../service/protocol/types';

export interface ProtoValue {
  kind?: string | null;
  nullValue?: 'NULL_VALUE' | 0 | null;
  numberValue?: number | null;
  stringValue?: string | null;
  boolValue?: boolean | null;
  structValue?: ProtoStruct | null;
  listValue?: { values?: ProtoValue[] | null } | null;
}

export interface ProtoStruct {
  fields?: Record<string, ProtoValue> | null;
}

const MEMBERS = ['stringValue', 'numberValue', 'boolValue', 'structValue', 'listValue'] as const;

export function fromValue(value: ProtoValue | null | undefined): JsonValue {
  // protobufjs sets `kind` on decoded messages; a plain object names its member by presence.
  const kind = value?.kind ?? MEMBERS.find((k) => value?.[k] !== undefined && value[k] !== null);
  if (kind === 'structValue') return fromStruct(value?.structValue);
  if (kind === 'listValue') return (value?.listValue?.values ?? []).map(fromValue);
  if (kind === 'stringValue') return value?.stringValue ?? '';
  if (kind === 'numberValue') return value?.numberValue ?? 0;
  return kind === 'boolValue' ? (value?.boolValue ?? false) : null;
}

export function fromStruct(struct: ProtoStruct | null | undefined): JsonObject {
  const fields = Object.entries(struct?.fields ?? {});
  return Object.fromEntries(fields.map(([key, value]) => [key, fromValue(value)]));
}
