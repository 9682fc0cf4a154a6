// google.protobuf.Struct as the gRPC clients hand it over (`{ fields: { k: { stringValue } } }`,
// with protobufjs's `kind` naming the set member) and back, so the tools can read webhook payloads
// and session parameters as plain JSON.
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

export function fromValue(value: ProtoValue | null | undefined): JsonValue {
  if (!value) return null;
  // protobufjs sets `kind` on decoded messages; a plain object names its member by presence.
  const kind =
    value.kind ??
    (['stringValue', 'numberValue', 'boolValue', 'structValue', 'listValue'] as const).find(
      (k) => value[k] !== undefined && value[k] !== null,
    );
  switch (kind) {
    case 'stringValue':
      return value.stringValue ?? '';
    case 'numberValue':
      return value.numberValue ?? 0;
    case 'boolValue':
      return value.boolValue ?? false;
    case 'structValue':
      return fromStruct(value.structValue);
    case 'listValue':
      return (value.listValue?.values ?? []).map(fromValue);
    default:
      return null;
  }
}

export function fromStruct(struct: ProtoStruct | null | undefined): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(struct?.fields ?? {})) out[key] = fromValue(value);
  return out;
}

export function toValue(value: JsonValue): ProtoValue {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'number':
      return { numberValue: value };
    case 'boolean':
      return { boolValue: value };
    default:
      return { structValue: toStruct(value) };
  }
}

export function toStruct(json: JsonObject): ProtoStruct {
  return {
    fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, toValue(v)])),
  };
}
