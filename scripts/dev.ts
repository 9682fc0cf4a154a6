// npm run dev: the service under `tsx watch`, its JSON log lines made readable by pino-pretty.
// One process that npm's signal reaches: a shell pipeline (`tsx watch … | pino-pretty`) would end
// the shell on npm's SIGTERM and leave both sides running, the service holding its port.
import { spawn } from 'node:child_process';
import PinoPretty, { type PrettyOptions } from 'pino-pretty';

/** Cloud Logging's `severity` and `message` (service/logging.ts), shown as one short line each. */
const PRETTY_OPTIONS: PrettyOptions = {
  messageKey: 'message',
  levelKey: 'severity',
  customLevels: 'DEBUG:20,INFO:30,WARNING:40,ERROR:50,CRITICAL:60',
  useOnlyCustomProps: true,
  translateTime: 'SYS:HH:MM:ss.l',
  singleLine: true,
};

function main(): void {
  const watch = spawn(
    process.execPath,
    [require.resolve('tsx/cli'), 'watch', '--clear-screen=false', 'service/main.ts'],
    { stdio: ['inherit', 'pipe', 'inherit'] },
  );
  watch.stdout.pipe(PinoPretty(PRETTY_OPTIONS));
  // tsx watch passes the signal to the service, which drains, and exits once the service has.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => watch.kill(signal));
  }
  watch.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 143);
  });
}

if (require.main === module) main();
