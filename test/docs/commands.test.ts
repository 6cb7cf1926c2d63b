import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_KEYS, parseProjectConfig, parseTargetAccountSetup } from '../../lib/config/project-config';

/*
 * Every command in every doc runs as written, as far as that can be checked without AWS and fast:
 * the `-c` settings of a command are known keys and parse together; `npm run` names a script,
 * `npx` a binary of this repository; the files the docs name exist; the layout of
 * docs/contributing.md lists every file of lib/; relative links reach a file and a heading.
 *
 * Placeholders (`<name>`, `...`, an unset `$VAR`) make a value unknowable: such a check is listed
 * as skipped, by name, never passed silently. A fenced block preceded by the line
 * `<!-- commands-test: fails -->` is an intentionally failing example: its settings must be refused.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const DOCS = ['README.md', ...fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const SHELL_LANGS = new Set(['sh', 'bash', 'console', 'shell']);
const FAILS_MARKER = '<!-- commands-test: fails -->';
const PATH_ROOTS = ['lib', 'bin', 'docs', 'test', 'scripts', 'lambda', 'bench', 'seed-code', 'product-stack-snapshots'];
const LAYOUT_DOC = 'docs/contributing.md';

/** A span of a doc: where it is, for failure messages. */
interface Located {
  readonly doc: string;
  readonly line: number;
  readonly text: string;
}

/** One shell command of a doc. */
interface Command extends Located {
  /** The doc marks it as an example that must fail. */
  readonly mustFail: boolean;
  /** A `-c key=value` of the prose: its keys are checked, but it is part of a command, not one. */
  readonly fragment?: boolean;
}

interface Fence {
  readonly lang: string;
  readonly line: number;
  readonly body: string[];
  readonly mustFail: boolean;
}

function read(doc: string): string {
  return fs.readFileSync(path.join(ROOT, doc), 'utf8');
}

/** The fenced blocks of a doc, and the doc with their lines blanked (for prose checks). */
function splitFences(doc: string): { fences: Fence[]; prose: string } {
  const lines = read(doc).split('\n');
  const fences: Fence[] = [];
  const prose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\S*)\s*$/.exec(lines[i]);
    if (!open) {
      prose.push(lines[i]);
      continue;
    }
    const start = i;
    const body: string[] = [];
    prose.push('');
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) {
      body.push(lines[i]);
      prose.push('');
    }
    prose.push('');
    fences.push({ lang: open[1], line: start + 1, body, mustFail: lines[start - 1]?.trim() === FAILS_MARKER });
  }
  return { fences, prose: prose.join('\n') };
}

/** Inline code spans of the prose (they may run over a line break), with their line. */
function inlineSpans(doc: string): Located[] {
  const { prose } = splitFences(doc);
  const spans: Located[] = [];
  // A span opened by n backticks ends at the next run of exactly n (it may hold shorter runs).
  for (const m of prose.matchAll(/(`+)([\s\S]+?)(?<!`)\1(?!`)/g)) {
    spans.push({ doc, line: prose.slice(0, m.index).split('\n').length, text: m[2].replace(/\s*\n\s*/g, ' ').trim() });
  }
  return spans;
}

/** The commands of the shell blocks (continuations joined, prompts and comments removed, `$VAR`s of the block expanded). */
function blockCommands(doc: string): Command[] {
  const commands: Command[] = [];
  for (const fence of splitFences(doc).fences.filter((f) => SHELL_LANGS.has(f.lang))) {
    const vars = new Map<string, string>();
    for (let i = 0; i < fence.body.length; i++) {
      const line = fence.line + 1 + i;
      let text = fence.body[i];
      while (text.endsWith('\\') && i + 1 < fence.body.length) text = text.slice(0, -1) + ' ' + fence.body[++i].trim();
      text = text.replace(/^\s*\$ /, '').replace(/(^|\s)#(\s.*)?$/, '').trim();
      if (text === '') continue;
      const assignment = /^([A-Z_][A-Z0-9_]*)="([^"$`]*)"$/.exec(text);
      if (assignment) {
        vars.set(assignment[1], assignment[2]);
        continue;
      }
      text = text.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (whole, name: string) => vars.get(name) ?? whole);
      commands.push({ doc, line, text, mustFail: fence.mustFail });
    }
  }
  return commands;
}

/** The inline commands of the prose: `npx ...`, `npm ...`, and `-c key=value` settings. */
function inlineCommands(doc: string): Command[] {
  return inlineSpans(doc)
    .filter((s) => /^(npx|npm) /.test(s.text) || /^-c \S+=/.test(s.text))
    .map((s) => ({ ...s, mustFail: false, fragment: s.text.startsWith('-c ') }));
}

/** Splits a command line into words, honouring quotes (enough for the docs' commands). */
function words(text: string): string[] {
  const result: string[] = [];
  for (const m of text.matchAll(/(?:[^\s'"]+|'[^']*'|"[^"]*")+/g)) result.push(m[0].replace(/'([^']*)'|"([^"]*)"/g, '$1$2'));
  return result;
}

/** A value nobody can check: it stands for what the reader fills in. */
function placeholder(value: string): string | undefined {
  if (value === 'value') return 'value';
  return /<[^>]*>?|\.\.\.|…|\$[A-Za-z_{(]/.exec(value)?.[0];
}

/** A key the CDK itself reads (feature flags, CLI settings), which the app lets through. */
function isCdkOwnKey(key: string): boolean {
  return key.startsWith('@') || key.includes(':') || key.startsWith('cdk') || key.startsWith('aws-cdk');
}

const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const NPM_BUILTINS = new Set(['ci', 'install', 'i', 'test', 'pack', 'run']);

/**
 * What is wrong with one simple command (no `&&`), or why a part of it cannot be checked.
 * Returns problems (the test fails) and skips (placeholders: reported, not checked).
 */
function checkSimpleCommand(command: Command, text: string): { problems: string[]; skips: string[] } {
  const problems: string[] = [];
  const skips: string[] = [];
  const argv = words(text);
  if (argv[0] === 'npx' && argv[1] !== undefined && !fs.existsSync(path.join(ROOT, 'node_modules', '.bin', argv[1]))) {
    problems.push(`\`npx ${argv[1]}\`: no binary ${argv[1]} in node_modules/.bin`);
  }
  if (argv[0] === 'npm') {
    if (!NPM_BUILTINS.has(argv[1])) problems.push(`\`npm ${argv[1]}\`: not an npm command the docs may use (${[...NPM_BUILTINS].join(', ')})`);
    if (argv[1] === 'run' && !(argv[2] in packageJson.scripts)) {
      problems.push(`\`npm run ${argv[2]}\`: package.json has no script ${argv[2]} (it has ${Object.keys(packageJson.scripts).join(', ')})`);
    }
  }
  if (argv[0] === 'bash' && argv[1] !== undefined && !fs.existsSync(path.join(ROOT, argv[1]))) problems.push(`\`bash ${argv[1]}\`: no such file`);

  const context: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '-c' && argv[i] !== '--context') continue;
    const pair = argv[++i] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      problems.push(`\`${argv[i - 1]} ${pair}\` is not key=value`);
      continue;
    }
    const key = pair.slice(0, eq);
    if (key === 'key') continue; // the generic `-c key=value`
    if (!(CONFIG_KEYS as readonly string[]).includes(key) && !isCdkOwnKey(key)) problems.push(`unknown context key \`${key}\` (known: ${CONFIG_KEYS.join(', ')})`);
    context[key] = pair.slice(eq + 1);
  }
  const held = Object.entries(context).map(([k, v]) => [k, placeholder(v)]).filter(([, p]) => p !== undefined);
  const readsContext = Object.keys(context).length > 0 || /\bcdk (synth|deploy|diff|ls)\b/.test(text) || argv.includes('publish-template');
  if (command.fragment) {
    // A setting quoted in a sentence: only its key is checked above.
  } else if (held.length > 0) {
    skips.push(`settings not parsed: placeholder ${held.map(([k, p]) => `'${p}' in ${k}`).join(', ')}`);
  } else if (readsContext && problems.length === 0) {
    const templateOnly = argv.includes('publish-template');
    let error: unknown;
    try {
      // `-c prepareTargetAccount=true` synthesizes a target account's set-up instead of a project.
      if (parseTargetAccountSetup(context) === undefined) parseProjectConfig(context, { templateOnly });
    } catch (e) {
      error = e;
    }
    if (command.mustFail && error === undefined) problems.push('marked as failing, but its settings parse');
    if (!command.mustFail && error !== undefined) problems.push(`its settings do not parse: ${(error as Error).message}`);
  }
  return { problems, skips };
}

function checkCommand(command: Command): { problems: string[]; skips: string[] } {
  const results = command.text.split(/\s*(?:&&|\|\||;)\s*/).map((part) => checkSimpleCommand(command, part));
  return { problems: results.flatMap((r) => r.problems), skips: results.flatMap((r) => r.skips) };
}

const where = (s: Located) => `${s.doc}:${s.line}: \`${s.text}\``;

const commands = DOCS.flatMap((doc) => [...blockCommands(doc), ...inlineCommands(doc)])
  .filter((c) => /^(npx|npm|bash|-c) /.test(c.text) || /(^|&& )(npx|npm) /.test(c.text))
  .map((c) => ({ command: c, ...checkCommand(c) }));
const checked = commands.filter((c) => c.skips.length === 0).map((c) => [where(c.command), c] as const);
const withPlaceholders = commands.filter((c) => c.skips.length > 0).map((c) => [`${where(c.command)} (${c.skips.join('; ')})`, c] as const);

describe('every command in the docs', () => {
  test('the docs have commands to check', () => {
    expect(checked.length).toBeGreaterThan(10);
    // The README's two commands: the demo project with no account or flags, and every test.
    expect(checked.map(([, c]) => c.command.text)).toEqual(expect.arrayContaining(['npm ci && npx cdk synth -q', 'npm test']));
  });

  test.each(checked)('%s runs as written', (name, { problems }) => {
    if (problems.length > 0) throw new Error(`${name}:\n  ${problems.join('\n  ')}`);
  });

  // Placeholders stand for what the reader fills in; the rest of the command is checked all the same.
  test.each(withPlaceholders)('%s runs as written, but for its placeholders', (name, { problems }) => {
    if (problems.length > 0) throw new Error(`${name}:\n  ${problems.join('\n  ')}`);
  });
});

// ---------------------------------------------------------------------------------------------
// AWS CLI commands: not run (they need an account), but what makes them fail before any call is

/**
 * What is wrong with an `aws` command of a doc. `aws cloudformation deploy --template-file` opens
 * only a regular file (it checks `os.path.isfile` first and says "Invalid template path
 * /dev/fd/63" for a process substitution), and a file it names must come from a command before
 * it in the same doc, unless the name holds a placeholder.
 */
function awsCommandProblems(command: Command, earlier: readonly Command[]): string[] {
  const argv = words(command.text);
  const problems: string[] = [];
  if (/<\(/.test(command.text)) problems.push('process substitution `<(...)` is a pipe, not a file, for the AWS CLI');
  const i = argv.indexOf('--template-file');
  const file = i >= 0 ? argv[i + 1] : undefined;
  if (file !== undefined && !file.startsWith('<(') && placeholder(file) === undefined && !file.includes('/')
    && !earlier.some((c) => words(c.text).slice(-1)[0] === file)) {
    problems.push(`\`--template-file ${file}\`: no command before it in the doc writes ${file}`);
  }
  return problems;
}

const awsCommands = DOCS.flatMap((doc) => blockCommands(doc).map((c, i, all) => ({ command: c, earlier: all.slice(0, i) })))
  .filter(({ command }) => /^aws /.test(command.text))
  .map(({ command, earlier }) => [where(command), awsCommandProblems(command, earlier)] as const);

describe('every AWS CLI command in the docs', () => {
  test('the docs have AWS CLI commands, the launch role deployment among them', () => {
    expect(awsCommands.map(([name]) => name)).toEqual(expect.arrayContaining([expect.stringMatching(/aws cloudformation deploy --stack-name sagemaker-mlops-project-launch-role/)]));
  });

  test.each(awsCommands)('%s passes its arguments as the AWS CLI takes them', (name, problems) => {
    if (problems.length > 0) throw new Error(`${name}:\n  ${problems.join('\n  ')}`);
  });
});

// ---------------------------------------------------------------------------------------------
// Paths the docs name

/** Backticked repository paths of the prose, e.g. `lib/contract/names.ts`. */
const pathSpans = DOCS.flatMap(inlineSpans)
  .filter((s) => new RegExp(`^(${PATH_ROOTS.join('|')})(/[^\\s]*)?$`).test(s.text) && s.text.includes('/'));
/** Backticked test file names, e.g. `snapshot.test.ts`, found anywhere under test/. */
const testFileSpans = DOCS.flatMap(inlineSpans).filter((s) => /^[\w.-]+\.test\.ts$/.test(s.text));

function filesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    return e.isDirectory() ? (e.name === 'node_modules' ? [] : filesUnder(rel)) : [rel];
  });
}
const testFiles = new Set(filesUnder('test').map((f) => path.basename(f)));

/** Every file and folder of the repository (without node_modules, build output and .git), relative, folders ending in `/`. */
const repositoryPaths: string[] = (() => {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      if (['node_modules', 'cdk.out', '.git', 'dist', 'coverage'].includes(e.name)) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.push(`${child}/`);
        walk(child);
      } else {
        out.push(child);
      }
    }
  };
  walk('');
  return out;
})();

/**
 * Whether a path written with placeholders (`lambda/<function>/`, `config/*.json`, `$DIR/x`, `a/.../b`)
 * matches a file or folder: a placeholder or `*` stands for one path segment's worth of characters, `...` for any.
 */
function matchesSomePath(pattern: string): boolean {
  const source = pattern.replace(/^\.\//, '').split(/(<[^>]*>?|\.\.\.|…|\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_]\w*|\*)/).map((part, i) => {
    if (i % 2 === 0) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return part === '...' || part === '…' ? '.*' : '[^/]*';
  }).join('');
  const re = new RegExp(`^${source}/?$`);
  return repositoryPaths.some((p) => re.test(p) || re.test(p.replace(/\/$/, '')));
}

describe('every path in the docs', () => {
  test.each(pathSpans.filter((s) => placeholder(s.text) === undefined && !s.text.includes('*')).map((s) => [where(s), s] as const))(
    '%s exists', (name, s) => {
      if (!fs.existsSync(path.join(ROOT, s.text))) throw new Error(`${name}: no such file or folder`);
    });

  test.each(pathSpans.filter((s) => placeholder(s.text) !== undefined || s.text.includes('*')).map((s) => [where(s), s] as const))(
    '%s names a pattern that matches a file or folder', (name, s) => {
      if (!matchesSomePath(s.text)) throw new Error(`${name}: the pattern matches no file or folder of the repository`);
    });

  test.each(testFileSpans.map((s) => [where(s), s] as const))('%s is a test file under test/', (name, s) => {
    if (!testFiles.has(s.text)) throw new Error(`${name}: no test file of that name under test/`);
  });
});

// ---------------------------------------------------------------------------------------------
// The layout of docs/contributing.md

/** The paths of the layout block (the first plain fenced block): top-level entries and the files indented below them. */
function layoutEntries(): Located[] {
  const fence = splitFences(LAYOUT_DOC).fences.find((f) => f.lang === '' && f.body.some((l) => l.startsWith('lib/')));
  if (fence === undefined) throw new Error(`${LAYOUT_DOC} has no layout block (a plain fenced block listing lib/)`);
  const entries: Located[] = [];
  let parent = '';
  fence.body.forEach((l, i) => {
    const m = /^(\s*)(\S+)/.exec(l);
    if (!m || !/^[\w<>./-]+$/.test(m[2])) return;
    // A folder written with a placeholder (`lambda/<function>/`) is the parent of its examples.
    const entry = m[1] === '' ? m[2] : parent + m[2];
    if (m[1] === '') parent = m[2].endsWith('/') ? m[2].replace(/<[^>]+>\/$/, '') : '';
    entries.push({ doc: LAYOUT_DOC, line: fence.line + 1 + i, text: entry });
  });
  return entries;
}

describe(`the layout in ${LAYOUT_DOC}`, () => {
  const entries = layoutEntries();

  test.each(entries.filter((e) => placeholder(e.text) === undefined).map((e) => [where(e), e] as const))('%s exists', (name, e) => {
    if (!fs.existsSync(path.join(ROOT, e.text))) throw new Error(`${name}: no such file or folder (the layout must match the tree)`);
  });

  test.each(entries.filter((e) => placeholder(e.text) !== undefined).map((e) => [where(e), e] as const))('%s is a pattern that matches a file or folder', (name, e) => {
    if (!matchesSomePath(e.text)) throw new Error(`${name}: the pattern matches no file or folder (the layout must match the tree)`);
  });

  test('lists every file of lib/, bin/ and scripts/, and every Lambda function', () => {
    const listed = new Set(entries.map((e) => e.text.replace(/\/$/, '')));
    const files = [...filesUnder('lib'), ...filesUnder('bin'), ...filesUnder('scripts'),
      ...fs.readdirSync(path.join(ROOT, 'lambda')).map((f) => `lambda/${f}`)];
    expect(files.filter((f) => !listed.has(f))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Links between the docs

/** GitHub's anchors of a Markdown file's headings. */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const line of splitFences(file).prose.split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1].replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

const links = DOCS.flatMap((doc) => {
  const { prose } = splitFences(doc);
  // Not inside code spans: `[a-z](-*[a-z])` is a pattern, not a link.
  const text = prose.replace(/(`+)[\s\S]+?(?<!`)\1(?!`)/g, (span) => span.replace(/[^\n]/g, ' '));
  return [...text.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)]
    .filter((m) => !/^[a-z]+:/.test(m[1]))
    .map((m) => ({ doc, line: text.slice(0, m.index).split('\n').length, text: m[1] }));
});

describe('every relative link in the docs', () => {
  test.each(links.map((l) => [where(l), l] as const))('%s resolves', (name, link) => {
    const [target, anchor] = link.text.split('#');
    const file = target === '' ? link.doc : path.relative(ROOT, path.resolve(ROOT, path.dirname(link.doc), target));
    if (!fs.existsSync(path.join(ROOT, file))) throw new Error(`${name}: no file ${file}`);
    if (anchor !== undefined && !anchors(file).has(anchor)) {
      throw new Error(`${name}: ${file} has no heading with anchor #${anchor} (it has ${[...anchors(file)].map((a) => `#${a}`).join(', ')})`);
    }
  });
});
