import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryLogger } from '../helpers/liveApp';
import { ROOT } from '../helpers/spawnService';

// `npm run dev` pipes the service's Cloud Logging lines through pino-pretty: every severity the
// service writes must come out as a readable line, not raw JSON or a numeric level.

const pretty = () => {
  const script = (
    JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts.dev;
  const [watch, viewer] = script.split(' | ');
  expect(watch).toMatch(/^tsx watch .*service\/main\.ts$/);
  const [command, ...args] = viewer.split(' ');
  expect(command).toBe('pino-pretty');
  return args;
};

describe('npm run dev', () => {
  it('shows each severity the service logs as a readable line with its fields', () => {
    const log = memoryLogger('debug');
    log.logger.debug('a detail');
    log.logger.info({ tag: 'greeting', status: 200, latencyMs: 3 }, 'webhook request');
    log.logger.warn({ tag: 'x' }, 'webhook request refused');
    log.logger.error({ status: 500 }, 'webhook request failed');
    log.logger.fatal('crashed');
    const input = log
      .lines()
      .map((line) => JSON.stringify(line))
      .join('\n');
    const output = execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules/pino-pretty/bin.js'), ...pretty()],
      { input, encoding: 'utf8', env: { PATH: process.env.PATH } },
    );
    const time = String.raw`\[\d\d:\d\d:\d\d\.\d{3}\]`;
    expect(output.trimEnd().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${time} DEBUG: a detail$`)),
      expect.stringMatching(
        new RegExp(
          `^${time} INFO: webhook request \\{"tag":"greeting","status":200,"latencyMs":3\\}$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^${time} WARNING: webhook request refused \\{"tag":"x"\\}$`),
      ),
      expect.stringMatching(
        new RegExp(`^${time} ERROR: webhook request failed \\{"status":500\\}$`),
      ),
      expect.stringMatching(new RegExp(`^${time} CRITICAL: crashed$`)),
    ]);
  });
});
