import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readStackConfig } from '../../infra/plan/stackConfig';
import { BOOTSTRAP_DIR } from './run';

describe("the bootstrap program under Pulumi's Node language host", () => {
  it('loads and type-checks from its own directory with the root dependencies, then runs', async () => {
    const { config } = readStackConfig('prod', BOOTSTRAP_DIR);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(__dirname, 'hostLoad.js'), JSON.stringify(config), 'prod'],
      { timeout: 120_000, maxBuffer: 10 * 1024 * 1024 },
    );
    expect(JSON.parse(stdout)).toEqual({
      typescript: expect.stringMatching(/^6\./),
      outputs: [
        'workloadIdentityProvider',
        'deployerServiceAccount',
        'previewerServiceAccount',
        'backendUrl',
        'secretsProvider',
        'githubEnvironments',
      ],
    });
  }, 120_000);
});
