import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fixtureStack } from '../helpers/infra';

const ROOT = join(__dirname, '..', '..');

describe("Pulumi's Node language host", () => {
  it('loads and type-checks infra/index.ts with ts-node and the project tsconfig, then runs it', async () => {
    const { config } = fixtureStack('prod');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(__dirname, '..', 'helpers', 'languageHostLoad.js'),
        ROOT,
        'prod',
        JSON.stringify(config),
        `${join(ROOT, 'infra', 'plan', 'fakeGcp.ts')}#FakeGcp`,
      ],
      { timeout: 120_000, maxBuffer: 10 * 1024 * 1024 },
    );
    const result = JSON.parse(stdout) as {
      tsnode: string;
      typescript: string;
      outputs: Record<string, string>;
      resources: number;
    };
    expect(result.typescript).toBe(
      (
        JSON.parse(readFileSync(require.resolve('typescript/package.json'), 'utf8')) as {
          version: string;
        }
      ).version,
    );
    expect(result.outputs).toEqual(
      expect.objectContaining({
        stage: 'prod',
        target: 'run',
        serviceAgentEmail: expect.stringMatching(/@gcp-sa-dialogflow\.iam\.gserviceaccount\.com$/),
      }),
    );
    expect(result.resources).toBeGreaterThan(15);
  }, 120_000);
});
