import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BOOTSTRAP_DIR, fixtureStack } from '../helpers/infra';

describe("the bootstrap program under Pulumi's Node language host", () => {
  // It imports ../infra/gcpIds.ts as well: that file must compile from here too.
  it('loads and type-checks from its own directory with the root dependencies, then runs', async () => {
    const { config } = fixtureStack('prod', 'bootstrap');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(__dirname, '..', 'helpers', 'languageHostLoad.js'),
        BOOTSTRAP_DIR,
        'prod',
        JSON.stringify(config),
      ],
      { timeout: 120_000, maxBuffer: 10 * 1024 * 1024 },
    );
    const result = JSON.parse(stdout) as {
      typescript: string;
      exports: string[];
      resources: number;
    };
    expect(result.typescript).toMatch(/^6\./);
    expect(result.resources).toBeGreaterThan(20);
    expect(result.exports).toEqual([
      'workloadIdentityProvider',
      'deployerServiceAccount',
      'previewerServiceAccount',
      'backendUrl',
      'secretsProvider',
      'githubEnvironments',
    ]);
  }, 120_000);
});
