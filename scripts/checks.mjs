#!/usr/bin/env node
/**
 * `npm run checks`: the type check of tsconfig.json (the app and both seeds) and ESLint, on ONE
 * TypeScript program.
 *
 * Why: `tsc --noEmit && eslint .` built the same program twice, once in tsc and once in
 * typescript-eslint for the typed rules (`parserOptions.project: './tsconfig.json'`): duplicate
 * work on a 2-core machine where `npm test` is CPU-bound (`tsc --noEmit` about 22 CPU s,
 * `eslint .` about 29, of which most is that second program). Here the program is built once, its
 * diagnostics printed as tsc prints them, and the same program handed to typescript-eslint
 * (`parserOptions.programs`, which replaces `project`): 32 CPU s and 22 s wall instead of 55 and 37
 * (medians of 5 runs; BENCHMARKS.md, "Stop 30"), with the same lint results.
 *
 * ESLint runs through its Node API on eslint.config.mjs, so the files, ignores and rules are that
 * file's; only the program is swapped. `npx eslint .` (`npm run lint`) and `tsc --noEmit`
 * (`npm run typecheck`) still work alone, as editors use them.
 *
 * Exit 1 on any type error or lint error (lint warnings are printed, as `eslint .` does, and pass).
 * With a syntax or tsconfig error ESLint is skipped: it would only repeat tsc's message as a
 * parsing error. Plain Node.js, no dependencies beyond the project's own.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT); // tsc and eslint print paths relative to the working directory

/** The program of tsconfig.json as `tsc --noEmit` builds it (same host, same JSDoc parsing). */
function createProgram() {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => { report([d]); process.exit(1); },
  });
  const host = ts.createCompilerHost(parsed.options);
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors; // what tsc sets since TS 5.3
  return ts.createProgram({
    rootNames: parsed.fileNames, options: parsed.options, host,
    projectReferences: parsed.projectReferences,
    configFileParsingDiagnostics: ts.getConfigFileParsingDiagnostics(parsed),
  });
}

/**
 * tsc's diagnostics, in tsc's order (its `emitFilesAndReportErrors`): semantic ones only when the
 * files parse. `parsed` is false when the program is not fit to lint.
 */
function typeDiagnostics(program) {
  const early = [...program.getConfigFileParsingDiagnostics(), ...program.getSyntacticDiagnostics()];
  if (early.length > 0) return { diagnostics: early, parsed: false };
  const all = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  if (all.length === 0) all.push(...program.getSemanticDiagnostics());
  return { diagnostics: all, parsed: true };
}

/** Prints diagnostics as tsc does: colour and source context on a terminal, one line each otherwise. */
function report(diagnostics) {
  if (diagnostics.length === 0) return;
  const host = {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => ts.sys.getCurrentDirectory(),
    getNewLine: () => ts.sys.newLine,
  };
  if (process.stdout.isTTY && !process.env.NO_COLOR) {
    const errors = diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error).length;
    for (const d of diagnostics) process.stdout.write(ts.formatDiagnosticsWithColorAndContext([d], host) + ts.sys.newLine);
    process.stdout.write(`Found ${errors} error${errors === 1 ? '' : 's'}.\n\n`);
  } else {
    process.stdout.write(ts.formatDiagnostics(diagnostics, host));
  }
}

const program = createProgram();
const { diagnostics, parsed } = typeDiagnostics(program);
const sorted = ts.sortAndDeduplicateDiagnostics(diagnostics);
report(sorted);
let failed = sorted.some((d) => d.category === ts.DiagnosticCategory.Error);

if (parsed) {
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: { languageOptions: { parserOptions: { project: null, programs: [program] } } },
  });
  const results = await eslint.lintFiles(['.']);
  const formatter = await eslint.loadFormatter('stylish');
  const text = await formatter.format(results);
  if (text) console.log(text); // as `eslint .` prints it
  failed ||= results.some((r) => r.errorCount > 0);
}

process.exitCode = failed ? 1 : 0;
