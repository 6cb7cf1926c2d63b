import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** A PUT the server received outside git (a CloudFormation wait condition signal stand-in). */
export interface ReceivedSignal {
  readonly path: string;
  readonly body: string;
}

/**
 * Bare repositories served over smart HTTP on loopback by `git http-backend` (as CGI behind a
 * small Node server), pushes allowed; any PUT elsewhere is recorded as a signal.
 */
export class GitHttpServer {
  /** Starts a server over a fresh folder of bare repositories. */
  public static async start(): Promise<GitHttpServer> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'git-http-'));
    const server = new GitHttpServer(root);
    await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  public readonly signals: ReceivedSignal[] = [];
  private readonly server: http.Server;

  private constructor(public readonly root: string) {
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  /** Base URL of the server. */
  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Creates an empty bare repository `<name>.git` (name may hold slashes) and returns its URL. */
  public createRepository(name: string): string {
    const dir = path.join(this.root, `${name}.git`);
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('git', ['init', '--quiet', '--bare', dir]);
    execFileSync('git', ['-C', dir, 'config', 'http.receivepack', 'true']);
    return `${this.url}/${name}.git`;
  }

  /** Branches of a repository and their heads. */
  public heads(name: string): Record<string, string> {
    const out = execFileSync('git', ['-C', path.join(this.root, `${name}.git`), 'for-each-ref', '--format=%(refname:short) %(objectname)', 'refs/heads'], { encoding: 'utf8' });
    return Object.fromEntries(out.trim().split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]));
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.signals.push({ path: url.pathname, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
      return;
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        ...process.env,
        GIT_PROJECT_ROOT: this.root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ''),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        HTTP_GIT_PROTOCOL: (req.headers['git-protocol'] as string | undefined) ?? '',
        REMOTE_USER: 'seeder',
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(cgi.stdin);
    let buffer = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of buffer.subarray(0, end).toString('utf8').split('\r\n')) {
        const [name, ...rest] = line.split(':');
        const value = rest.join(':').trim();
        if (name.toLowerCase() === 'status') status = parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(buffer.subarray(end + 4));
    });
    cgi.on('close', () => res.end());
  }
}
