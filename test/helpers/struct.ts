// Plain JSON as a google.protobuf.Struct, for the stand-in's answers (the tools read them back with
// scripts/cx/struct.ts).
import type { JsonObject, JsonValue } from '../../service/protocol/types';
import type { ProtoStruct, ProtoValue } from '../../scripts/cx/struct';

export function toValue(value: JsonValue): ProtoValue {
  if (value === null) return { nullValue: 'NULL_VALUE' };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  return { structValue: toStruct(value) };
}

export function toStruct(json: JsonObject): ProtoStruct {
  return { fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, toValue(v)])) };
}
