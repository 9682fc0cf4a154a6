// `npm run local-idp` (docs/security.md, "Try id-token locally"): the local key's certs.
import { CliError, UsageError, parseCli, runAsScript, cliTool } from '../lib/cli';
import { DEFAULT_KEY, loadOrCreateKey, startCertsServer, type CertsServer } from './localIdp';

export const HELP = `Serves a local signing key's public certificate the way Google's certs endpoint does, for a
service in id-token mode on this machine (WEBHOOK_ID_TOKEN_CERTS_URL). Makes the key on first use;
\`npm run simulate -- --sign\` signs tokens with it.

usage:
  npm run local-idp -- [--port 8081] [--key ${DEFAULT_KEY}]

  --port <port>             where to listen on 127.0.0.1 (default 8081)
  --key <path>              the private key (made, readable by you only, if missing)
  -h, --help                this text`;

export const main = cliTool(
  'local-idp',
  HELP,
  async (argv, io, onStarted?: (server: CertsServer) => void) => {
    const parsed = parseCli(argv, {
      port: { type: 'string', default: '8081' },
      key: { type: 'string', default: DEFAULT_KEY },
    });
    if (!parsed) return undefined;
    const { port, key: keyPath } = parsed.values;
    if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
      throw new UsageError(`--port takes a port number, got "${port}"`);
    }
    let key;
    try {
      key = loadOrCreateKey(keyPath);
    } catch (error) {
      throw new CliError(
        `cannot read or create the key at ${keyPath}: ${(error as Error).message}`,
      );
    }
    const server = await startCertsServer([key], Number(port)).catch(
      (error: NodeJS.ErrnoException) => {
        throw new CliError(
          error.code === 'EADDRINUSE'
            ? `port ${port} is in use; pass another --port`
            : `cannot listen on 127.0.0.1:${port}: ${error.message}`,
        );
      },
    );
    io.out(`local certs for kid ${key.kid} at ${server.url} (key: ${keyPath}); Ctrl-C to stop`);
    onStarted?.(server);
    return 0;
  },
);

if (require.main === module) runAsScript(main);
