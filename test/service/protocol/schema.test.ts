import type * as protobuf from 'protobufjs';
import {
  webhookRequestSchema,
  webhookResponseSchema,
  type FieldKind,
  type MessageSchema,
} from '../../../service/protocol/schema';
import { root } from '../../helpers/proto';

// Walks the official WebhookRequest descriptor and our schema side by side: every proto field must
// be in the schema with a kind that matches its proto type, and the schema must hold nothing else.
function kindFor(field: protobuf.Field): string {
  field.resolve();
  if (field.map) return 'map';
  if (field.repeated) return 'repeated';
  if (field.resolvedType && 'values' in field.resolvedType) return 'enum';
  switch (field.type) {
    case 'string':
    case 'bytes':
      return 'string';
    case 'bool':
      return 'bool';
    case 'float':
    case 'double':
      return 'float';
    case 'google.protobuf.Value':
    case 'Value':
      return 'value';
    case 'google.protobuf.Struct':
    case 'Struct':
      return 'struct';
    default:
      return 'message';
  }
}

function schemaKind(kind: FieldKind): string {
  if (typeof kind === 'string') return kind;
  if ('enum' in kind) return 'enum';
  if ('repeated' in kind) return 'repeated';
  if ('map' in kind) return 'map';
  return 'message';
}

function compare(type: protobuf.Type, schema: MessageSchema, path: string, seen: string[]): void {
  seen.push(type.fullName);
  expect(`.${schema.name}`).toBe(type.fullName);
  const protoFields = Object.values(type.fields);
  expect(Object.keys(schema.fields).sort()).toEqual(protoFields.map((f) => f.name).sort());
  for (const field of protoFields) {
    const kind = schema.fields[field.name];
    const fieldPath = `${path}.${field.name}`;
    expect([fieldPath, schemaKind(kind)]).toEqual([fieldPath, kindFor(field)]);
    if (typeof kind === 'object' && 'enum' in kind) {
      // The names in the order of their numbers: a number in the JSON is read as its name.
      const values = (field.resolvedType as protobuf.Enum).values;
      expect([fieldPath, kind.enum.map((name) => values[name])]).toEqual([
        fieldPath,
        kind.enum.map((_name, i) => i),
      ]);
      expect(Object.keys(values)).toEqual(expect.arrayContaining([...kind.enum]));
      expect(kind.enum).toHaveLength(Object.keys(values).length);
    }
    const inner =
      typeof kind === 'object' && 'repeated' in kind
        ? kind.repeated
        : typeof kind === 'object' && 'map' in kind
          ? kind.map
          : kind;
    const innerType = field.resolvedType;
    if (innerType && 'fields' in innerType && typeof inner === 'object' && 'fields' in inner) {
      compare(innerType, inner, fieldPath, seen);
    } else if (typeof inner === 'object' && 'fields' in inner) {
      throw new Error(`${fieldPath}: schema has a message where the proto has ${field.type}`);
    }
  }
}

describe('webhookRequestSchema', () => {
  it('matches google.cloud.dialogflow.cx.v3.WebhookRequest field for field', () => {
    const seen: string[] = [];
    compare(
      root.lookupType('google.cloud.dialogflow.cx.v3.WebhookRequest'),
      webhookRequestSchema,
      'WebhookRequest',
      seen,
    );
    // The walk reached the nested messages, not only the top level.
    expect(seen).toEqual(
      expect.arrayContaining([
        '.google.cloud.dialogflow.cx.v3.PageInfo.FormInfo.ParameterInfo',
        '.google.cloud.dialogflow.cx.v3.WebhookRequest.IntentInfo.IntentParameterValue',
        '.google.cloud.dialogflow.cx.v3.ResponseMessage.MixedAudio.Segment',
        '.google.cloud.dialogflow.cx.v3.ToolCall',
      ]),
    );
  });

  it('matches google.cloud.dialogflow.cx.v3.WebhookResponse field for field', () => {
    const seen: string[] = [];
    compare(
      root.lookupType('google.cloud.dialogflow.cx.v3.WebhookResponse'),
      webhookResponseSchema,
      'WebhookResponse',
      seen,
    );
    expect(seen).toContain('.google.cloud.dialogflow.cx.v3.WebhookResponse.FulfillmentResponse');
  });
});
