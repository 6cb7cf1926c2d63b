/** Runs a job's command on this machine, with `python3` meaning the configured interpreter. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** How {@link runCommand} finds Python. */
export interface PythonSetup {
  /** Absolute path of the interpreter `python3` stands for. */
  readonly python: string;
  /** Folder put first on PATH, holding a `python3` link to {@link python}. */
  readonly binDir: string;
}

/**
 * Runs `command` in `cwd`; its output goes to `<cwd>/output.log`.
 *
 * @throws Error with the exit code, the last output line and the log's path when it fails
 */
export function runCommand(command: readonly string[], cwd: string, environment: Record<string, string>, setup: PythonSetup): Promise<void> {
  // `python3` inside entry points (e.g. `sh -c '... exec python3 ...'`) is the configured one.
  const bin = setup.binDir;
  if (!existsSync(path.join(bin, 'python3'))) {
    mkdirSync(bin, { recursive: true });
    symlinkSync(setup.python, path.join(bin, 'python3'));
  }
  const [program, ...rest] = command;
  const executable = program === 'python3' ? setup.python : program;
  return new Promise((resolve, reject) => {
    const child = spawn(executable, rest, {
      cwd,
      env: { ...process.env, ...environment, PIPELINE_LOCAL_RUN: '1', PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => reject(new Error(`cannot run ${executable}: ${error.message}`)));
    child.on('close', (status) => {
      writeFileSync(path.join(cwd, 'output.log'), output);
      if (status === 0) {
        resolve();
      } else {
        const last = output.trim().split('\n').pop() ?? '';
        reject(new Error(`exit code ${status}: ${last} (log: ${path.join(cwd, 'output.log')})`));
      }
    });
  });
}
