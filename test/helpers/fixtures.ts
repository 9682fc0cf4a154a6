import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonValue, WebhookRequest } from '../../service/protocol/types';

const DIR = join(__dirname, '..', 'fixtures', 'requests');

/** The raw text of a request fixture, exactly as it would come over the wire. */
export function fixtureText(name: string): string {
  return readFileSync(join(DIR, `${name}.json`), 'utf8');
}

export function fixture(name: string): WebhookRequest {
  return JSON.parse(fixtureText(name)) as WebhookRequest;
}

/** A request carrying a large session state, about `kib` KiB on the wire. */
export function largeRequest(kib: number): WebhookRequest {
  const base = fixture('text-form.camel');
  const history: JsonValue[] = [];
  const entry = {
    turn: 0,
    said: 'je voudrais réserver une table pour deux à 20h — 東京',
    ok: true,
  };
  const entryBytes = Buffer.byteLength(JSON.stringify(entry)) + 1;
  const count = Math.ceil((kib * 1024 - Buffer.byteLength(JSON.stringify(base))) / entryBytes);
  for (let turn = 0; turn < count; turn++) history.push({ ...entry, turn });
  return {
    ...base,
    sessionInfo: { ...base.sessionInfo, parameters: { ...base.sessionInfo?.parameters, history } },
  };
}
