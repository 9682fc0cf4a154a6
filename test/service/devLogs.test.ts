import { prettyFactory } from 'pino-pretty';
import { PRETTY_OPTIONS } from '../../scripts/dev';
import { memoryLogger } from '../helpers/liveApp';

// `npm run dev` shows the service's Cloud Logging lines through pino-pretty: every severity the
// service writes must come out as a readable line, not raw JSON or a numeric level.

describe('npm run dev', () => {
  it('shows each severity the service logs as a readable line with its fields', () => {
    const log = memoryLogger('debug');
    log.logger.debug('a detail');
    log.logger.info({ tag: 'greeting', status: 200, latencyMs: 3 }, 'webhook request');
    log.logger.warn({ tag: 'x' }, 'webhook request refused');
    log.logger.error({ status: 500 }, 'webhook request failed');
    log.logger.fatal('crashed');
    const output = log
      .lines()
      .map((line) => prettyFactory({ ...PRETTY_OPTIONS, colorize: false })(JSON.stringify(line)))
      .join('');
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
